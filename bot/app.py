"""The Bolt app factory, part of the composition root: one App with the same listeners for web,
socket mode, the console and the tests. The only place that wires handlers to an app.

Each request is made the current one (bot.core.request_context: its id on every log line and as
the reference of a failure) and the errors it ends in are counted (bot.observability). Before a
listener runs, the load gate answers a person who floods (``Throttle``) or a request that has
already waited too long for a thread (``SHED_AFTER``) with a short "slow down" / "busy" in their
language, through the one error path, having changed nothing."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import replace
from datetime import datetime, timedelta

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.clients import ANSWER_TIMEOUT, profile_fetcher, retry_handlers
from bot.core.clock import Clock
from bot.core.config import Config, ConfigError, Settings, load_config
from bot.core.dates import DateReader
from bot.core.errors import UserError
from bot.core.links import clean_base
from bot.core.request_context import CarryingExecutor, after_response, current, hurrying, serving
from bot.core.runtime import Handling, Runtime
from bot.observability import outcome_of, surface_of, watch_engine
from bot.pages.install import authorize, distributed, install_flow, not_installed_text
from bot.team.members import Actor, load_actor
from handlers import Direct, home_refresh, register_listeners, replays
from store import requests
from store.db import DEFAULT_THREADS, make_engine, make_sessions, upgrade

log = logging.getLogger(__name__)

THROTTLE_LIMIT = 10  # requests one person may make ...
THROTTLE_WINDOW = timedelta(seconds=10)  # ... in this long, per process
SHED_AFTER = 2.0  # seconds a request may wait for a thread and still be served (Slack gives up at 3)
PEOPLE = ("command", "action", "view")  # the surfaces a person types or clicks on; not a picker's options, asked per keystroke


def build_runtime(
    settings: Settings, *, config: Config | None = None, clock: Clock | None = None, migrate: bool = True, threads: int = DEFAULT_THREADS
) -> Runtime:
    """Load and check config, open the database (a pool for ``threads`` requests at once,
    upgrading it if asked) and warm the date reader."""
    config = config or load_config(settings.config_path)
    engine = make_engine(settings.database_url, threads=threads)
    watch_engine(engine)
    if migrate:
        upgrade(engine)
    dates = DateReader(("en", "zh"))
    dates.warm()  # the first request must not pay for loading dateparser's language data
    config = replace(config, public_url=clean_base(settings.public_url))
    return Runtime(default_config=config, sessions=make_sessions(engine), clock=clock or Clock(), dates=dates)


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """The listeners' client: a call after the answer repeated after a 429 (before it, the person
    is told when to try again), reads and updates after a dropped connection, a post (a reply by
    DM, a file, a modal) never blind, each call at most ``ANSWER_TIMEOUT`` (bot.clients)."""
    handlers = retry_handlers(2, server_errors=False)
    return WebClient(token=token or settings.bot_token, base_url=settings.slack_api_url or WebClient.BASE_URL, retry_handlers=handlers, timeout=ANSWER_TIMEOUT)


class Refused(UserError):
    """A request the load gate turned away before anything ran (``slow_down`` or ``busy``)."""


def person_limit() -> int | None:
    """Requests one person may make per window: OPPBOT_PERSON_LIMIT (0: no limit), else 10."""
    raw = os.environ.get("OPPBOT_PERSON_LIMIT", "").strip()
    if not raw:
        return THROTTLE_LIMIT
    if not raw.isdigit():
        raise ConfigError(f"OPPBOT_PERSON_LIMIT: must be a whole number of requests (0 for no limit), got {raw!r}")
    return int(raw) or None


class Throttle:
    """At most ``limit`` requests from one person in ``window`` (None: no limit), counted in this
    process on the runtime's clock. Remembers each person's last actor, so a refusal is in their
    language without a database read."""

    def __init__(self, clock: Clock, *, limit: int | None = THROTTLE_LIMIT, window: timedelta = THROTTLE_WINDOW):
        self.clock, self.limit, self.window = clock, limit, window
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], deque[datetime]] = {}
        self._actors: dict[tuple[str, str], Actor] = {}

    def allow(self, who: tuple[str, str]) -> bool:
        if self.limit is None:
            return True
        now = self.clock.now()
        with self._lock:
            if len(self._seen) > 10_000:  # forget people who have been quiet for a window
                self._seen = {k: v for k, v in self._seen.items() if v and v[-1] > now - self.window}
            stamps = self._seen.setdefault(who, deque())
            while stamps and stamps[0] <= now - self.window:
                stamps.popleft()
            if len(stamps) >= self.limit:
                return False
            stamps.append(now)
            return True

    def remember(self, who: tuple[str, str], actor: Actor) -> None:
        with self._lock:
            self._actors[who] = actor

    def actor(self, who: tuple[str, str]) -> Actor | None:
        with self._lock:
            return self._actors.get(who)


class OppApp(App):
    """Bolt's App, with each dispatch the current request (reusing the one bot.web made), every
    error answered counted by outcome, and each request handled in its own ``rt.handling()``
    scope: a request that changed something is recorded by key in the transaction of its change,
    and its answer kept for the copies Slack may send (handlers.replays), after the answer; after a
    request that changed something, the Home tabs that show it are redrawn (handlers.home_refresh)."""

    def __init__(self, rt: Runtime, after_answer: Executor, *, gather: Callable[[], object] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rt = rt
        self.after_answer = after_answer
        self.kept = replays.AnswerKeeper(rt, after_answer, pause=gather)

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with serving(current()) as info, self.rt.handling() as handling:
            info.surface = surface_of(req.body or {})
            with hurrying():
                response = super().dispatch(req)
        if handling.recorded or home_refresh.wanted(handling):
            after_response(self.after_answer, self.afterwards, handling, req, response)
        return response

    def afterwards(self, handling: Handling, req: BoltRequest, response: BoltResponse) -> None:
        """After the answer to a request, in the thread that answered it under `oppbot web`
        (bot.core.request_context.after_response: database work only): its answer kept for the
        copies Slack may send, and whose Home tabs show the change looked up. Drawing and
        publishing those tabs calls Slack: that goes to the after-answer pool, so no request
        thread waits on Slack."""
        try:
            if handling.recorded:
                replays.remember(self.kept, handling, req, response)
        except Exception:  # the change is done: a copy then gets the plain answer for its kind
            log.exception("could not keep the answer to %s", handling.key)
        if not home_refresh.wanted(handling):
            return
        try:
            people = self.within(handling, home_refresh.viewers, self.rt, req.context.get("actor"), handling)
        except Exception:
            log.exception("could not find whose Home tabs to redraw after %s", handling.key)
            return
        if people:
            client = self.client if self.client.token else req.context.client  # installed in many workspaces: the team's own token
            self.after_answer.submit(self.within, handling, home_refresh.publish, self.rt, client, people)

    def within(self, handling: Handling, work, *args) -> None:
        """``work`` after the answer, with the request's workspace's config (bot.core.workspace_configs)."""
        if handling.workspace_id is None:
            return work(*args)
        with self.rt.in_workspace(handling.workspace_id):
            return work(*args)

    def error(self, func):
        @functools.wraps(func)  # Bolt reads the handler's argument names through __wrapped__
        def counted(**kwargs):
            info = current()
            if info is not None and "error" in kwargs:
                info.outcome = outcome_of(kwargs["error"], rejected=Refused)
            return func(**kwargs)

        return super().error(counted)


def create_app(
    rt: Runtime, settings: Settings, *, client: WebClient | None = None, after_answer: Executor | None = None, throttle: Throttle | None = None
) -> App:
    """The app. Listeners run before the HTTP response is sent (they are fast: a few queries), so
    replies ride on the acknowledgement; slow work (a chart, a file) runs after the answer on
    ``after_answer`` (a thread pool carrying the request's id by default; the console and the tests
    run it inline, so it has happened when a request returns). Bolt's lazy listeners would deep-copy
    every request of the listener for that, about a fifth of a `/opp` request's time, file or not.
    ``throttle`` limits each person (`oppbot web` and `oppbot socket` pass one; by default none).

    Two modes: with SLACK_BOT_TOKEN, the one workspace of that token; without it, with
    SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, installed by OAuth in many (bot.pages.install), each
    request answered with its workspace's own bot token (Bolt's authorize, from the installations)."""
    client = client or web_client(settings)
    # on the app's own pool the kept answers of changes made together are written together; a pool
    # given (the console's and the tests', which run the work inline) writes each at once
    gather = functools.partial(time.sleep, replays.GATHER) if after_answer is None else None
    after_answer = after_answer or CarryingExecutor(max_workers=DEFAULT_THREADS, thread_name_prefix="oppbot-after")
    many = distributed(settings)
    flow = (
        {"oauth_flow": install_flow(rt, settings), "authorize": authorize(rt, settings, client), "user_facing_authorize_error_message": not_installed_text()}
        if many
        else {}
    )
    with _unseen(*SIGN_IN_ENV):  # Bolt would read them as an OAuth install flow's and drop the bot token
        app = OppApp(
            rt,
            after_answer,
            gather=gather,
            client=client,
            **flow,
            signing_secret=settings.signing_secret,
            process_before_response=True,
            token_verification_enabled=False,
            raise_error_for_unhandled_request=False,
        )
    fetch_profile = profile_fetcher(client)
    throttle = throttle or Throttle(rt.clock, limit=None)
    watch_engine(rt.sessions.kw["bind"])

    def attach_actor(request: BoltRequest, next):  # noqa: A002 - Bolt's name
        """The runtime and the acting member, for every listener (a failure takes the error path);
        a person over the limit, or a request that waited too long, is turned away first. The
        member is read with the request key's record, in one statement (``context["arrival"]``, for
        handlers.replays)."""
        context, body = request.context, request.body
        context["rt"] = rt
        handling = rt.current()
        if handling is not None and context.team_id:  # from here on, rt.config is the workspace's (bot.core.workspace_configs)
            handling.workspace_id = context.team_id
        context["fetch_profile"] = profile_fetcher(context.client) if many else fetch_profile
        context["after_answer"] = after_answer
        context["kept"] = app.kept
        if context.user_id and context.team_id:
            who = (context.team_id, context.user_id)
            context["actor"] = throttle.actor(who)  # until loaded: for a refusal's or failure's language
            refusal = gate(throttle, who)
            if refusal:
                raise Refused(refusal)
            with rt.peeking() as connection:
                context["arrival"] = arrived = requests.arrival(connection, context.team_id, context.user_id, replays.request_key(body))
            with rt.unnoticed():  # a profile read on arrival is no change of the person's (handlers.home_refresh)
                context["actor"] = load_actor(
                    rt, workspace_id=context.team_id, slack_user_id=context.user_id, fetch_profile=context["fetch_profile"], arrived=arrived
                )
            throttle.remember(who, context["actor"])
        return next()

    app.middleware(Direct(attach_actor))
    register_listeners(app)
    return app


def gate(throttle: Throttle, who: tuple[str, str]) -> str | None:
    """Why a person's request is turned away unserved (a message key), or None to serve it."""
    info = current()
    if info is None or info.surface not in PEOPLE:
        return None
    if info.waited() > SHED_AFTER:
        return "busy"
    if not throttle.allow(who):
        return "slow_down"
    return None


# Sign in with Slack's credentials (bot.pages): Bolt takes these variables, when set, for an OAuth
# install flow of its own, which authorizes each request from installations it has stored instead
# of the bot token. oppbot has one workspace's bot token; Bolt is built without seeing them.
SIGN_IN_ENV = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


@contextlib.contextmanager
def _unseen(*names: str):
    """The environment without ``names`` for the block's length (start-up, one thread)."""
    hidden = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(hidden)
