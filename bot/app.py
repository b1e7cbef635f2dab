"""The Bolt app factory: one App, the same listeners for web, socket mode, console and tests."""

from __future__ import annotations

import json
import logging
import uuid

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.core.config import Config, Settings, load_config
from bot.core.dates import DateReader
from bot.core.i18n import t
from bot.core.clock import Clock
from bot.team.members import slack_profile_fetcher
from bot.core.runtime import Runtime
from handlers import register_listeners
from store.db import make_engine, make_sessions, upgrade

log = logging.getLogger(__name__)


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
    client = WebClient(token=token or settings.bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL)
    client.retry_handlers.extend([RateLimitErrorRetryHandler(max_retry_count=2), ConnectionErrorRetryHandler(max_retry_count=2)])
    return client


def create_app(rt: Runtime, settings: Settings, *, client: WebClient | None = None) -> App:
    """The app. Listeners run before the HTTP response is sent (they are fast: a few queries),
    so replies ride on the acknowledgement and nothing runs after Slack has its answer."""
    client = client or web_client(settings)
    app = App(
        client=client,
        signing_secret=settings.signing_secret,
        process_before_response=True,
        token_verification_enabled=False,
        raise_error_for_unhandled_request=False,
    )
    fetch_profile = slack_profile_fetcher(client)

    @app.middleware
    def attach_actor(context: BoltContext, body: dict, next):  # noqa: A002 - Bolt's name
        context["rt"] = rt
        context["fetch_profile"] = fetch_profile
        user_id = context.user_id
        if user_id and context.team_id:
            try:
                context["actor"] = rt.actor(workspace_id=context.team_id, slack_user_id=user_id, fetch_profile=fetch_profile)
            except Exception:
                ref = uuid.uuid4().hex[:8]
                log.exception("could not load the member %s (ref %s)", user_id, ref)
                text = "⚠️ " + t(rt.config.language, "internal_error", ref=ref)
                if body.get("command"):
                    return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", "text": text}), headers={"content-type": "application/json"})
                return BoltResponse(status=200, body="")
        return next()

    register_listeners(app)
    return app
