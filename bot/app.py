"""The Bolt app factory, part of the composition root: one App with the same listeners for web,
socket mode, the console and the tests. The only place that wires handlers to an app."""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.core.clock import Clock
from bot.core.config import Config, Settings, load_config
from bot.core.dates import DateReader
from bot.core.runtime import Runtime
from bot.team.members import load_actor
from handlers import register_listeners, replays
from handlers.retries import retry_handlers
from handlers.slack_io import profile_fetcher
from store.db import make_engine, make_sessions, upgrade


def build_runtime(settings: Settings, *, config: Config | None = None, clock: Clock | None = None, migrate: bool = True) -> Runtime:
    """Load and check config, open the database (upgrading it if asked) and warm the date reader."""
    config = config or load_config(settings.config_path)
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    dates = DateReader(("en", "zh"))
    dates.warm()  # the first request must not pay for loading dateparser's language data
    return Runtime(config=config, sessions=make_sessions(engine), clock=clock or Clock(), dates=dates)


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """The listeners' client: every call repeated after a 429, reads and updates after a dropped
    connection, a post (a reply by DM, a file, a modal) never blind (handlers.retries)."""
    handlers = retry_handlers(2, server_errors=False)
    return WebClient(token=token or settings.bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL, retry_handlers=handlers)


class OppApp(App):
    """Bolt's App, each request handled in its own ``rt.handling()`` scope: a request that changed
    something is recorded by key in the transaction of its change, and its answer kept for the
    copies Slack may send (handlers.replays) after the answer, on the ``after_answer`` executor."""

    def __init__(self, rt: Runtime, after_answer: Executor, **kwargs):
        super().__init__(**kwargs)
        self.rt = rt
        self.after_answer = after_answer

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with self.rt.handling() as handling:
            response = super().dispatch(req)
        if handling.recorded:
            self.after_answer.submit(replays.remember, self.rt, handling, req, response)
        return response


def create_app(rt: Runtime, settings: Settings, *, client: WebClient | None = None, after_answer: Executor | None = None) -> App:
    """The app. Listeners run before the HTTP response is sent (they are fast: a few queries), so
    replies ride on the acknowledgement; slow work (a chart, a file) runs after the answer on
    ``after_answer`` (a small thread pool by default; the console and the tests run it inline, so
    it has happened when a request returns). Bolt's lazy listeners would deep-copy every request
    of the listener for that, about a fifth of a `/opp` request's time, even when there is no file."""
    client = client or web_client(settings)
    after_answer = after_answer or ThreadPoolExecutor(max_workers=2, thread_name_prefix="after-answer")
    app = OppApp(
        rt,
        after_answer,
        client=client,
        signing_secret=settings.signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
    )
    fetch_profile = profile_fetcher(client)

    @app.middleware
    def attach_actor(context: BoltContext, next):  # noqa: A002 - Bolt's name
        """The runtime and the acting member, for every listener (a failure takes the error path)."""
        context["rt"] = rt
        context["fetch_profile"] = fetch_profile
        context["after_answer"] = after_answer
        if context.user_id and context.team_id:
            context["actor"] = load_actor(rt, workspace_id=context.team_id, slack_user_id=context.user_id, fetch_profile=fetch_profile)
        return next()

    register_listeners(app)
    return app
