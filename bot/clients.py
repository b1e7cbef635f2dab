"""The Slack Web API clients' shared parts: the retry rule both the app's and the worker's client
use, the profile reader, and the inline executor the console and tests run work-after-the-answer on.

Which Web API calls a Slack client repeats by itself, for the web app's client and the worker's.

A 429 is repeated after its Retry-After (Slack did nothing and says when to come back) by the web
app's client; the worker's sender instead puts the row back for that long (bot.worker.limits). A
dropped connection, a timeout or a 5xx leaves the outcome unknown, so only a call that is safe to
make twice (a read, or a write that sets a value, like ``chat.update``) is repeated then. A post
(``chat.postMessage``, a file, a modal) is never repeated blind: the worker's sender looks in the
conversation's history before it tries again (bot.worker.sender), and a reply the web process
could not deliver takes the error path.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor, Future
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.core.request_context import current, hurried
from bot.team.members import ProfileFetcher
from handlers.slack_io import retry_after_header

log = logging.getLogger(__name__)

# Calls whose second copy changes nothing the first did not. Anything else is not repeated.
REPEATABLE = frozenset(
    {
        "auth.test",
        "chat.getPermalink",
        "chat.update",
        "conversations.history",
        "conversations.info",
        "conversations.list",
        "conversations.open",
        "files.getUploadURLExternal",
        "users.info",
        "users.list",
        "views.publish",
        "views.update",
    }
)


# Slack waits 3 s for a request's answer, and the listeners call the Web API before it (a form
# opened, a room made, a reply posted): a call gets this long, so a Slack that does not answer
# makes an answer that says so, inside the 3 s, not a server thread held for the client's default
# 30 s. Work after the answer has the default (handlers.slack_io.unhurried).
ANSWER_TIMEOUT = 2.0


def api_method(request: HttpRequest) -> str:
    """``chat.postMessage`` from ``https://slack.com/api/chat.postMessage``."""
    return urlsplit(request.url).path.rsplit("/", 1)[-1]


class RepeatableConnectionErrorRetryHandler(ConnectionErrorRetryHandler):
    """slack_sdk's retry on a dropped connection, for repeatable calls only."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return api_method(request) in REPEATABLE and super()._can_retry(state=state, request=request, response=response, error=error)


class RepeatableServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk's retry on a 500 or 503, for repeatable calls only."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return api_method(request) in REPEATABLE and super()._can_retry(state=state, request=request, response=response, error=error)


ANSWER_BUDGET = 2.5  # seconds of Slack's 3 a request may spend before its answer


class UnhurriedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's repeat of a call after a 429, once Slack's Retry-After has passed; a call made
    by a thread answering a request (bot.core.request_context.hurried: Slack waits 3 s for the
    answer) only when that wait, and slack_sdk's up to 1 s on top, still ends before the answer is
    due. Otherwise the call fails at once, and the person is told when to try again."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        if not hurried():
            return True
        info = current()
        waited = info.waited() if info is not None else 0.0
        return waited + retry_after_header(response.headers if response is not None else None) + 1.0 <= ANSWER_BUDGET


def retry_handlers(retries: int, *, server_errors: bool = True, rate_limits: bool = True) -> list[RetryHandler]:
    """429s for every call made after a request's answer (unless ``rate_limits`` is false: the
    worker's sender defers the row instead, bot.worker.limits); dropped connections (and 5xx,
    unless ``server_errors`` is false) for repeatable calls only; each up to ``retries`` times
    within one call."""
    handlers: list[RetryHandler] = [UnhurriedRateLimitRetryHandler(max_retry_count=retries)] if rate_limits else []
    if server_errors:
        handlers.append(RepeatableServerErrorRetryHandler(max_retry_count=retries))
    handlers.append(RepeatableConnectionErrorRetryHandler(max_retry_count=retries))
    return handlers


def profile_fetcher(client: WebClient) -> ProfileFetcher:
    """users.info through the app's client; a failure is logged and the cached data kept."""

    def fetch(user_id: str) -> dict | None:
        try:
            return client.users_info(user=user_id, include_locale=True)["user"]
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("users.info failed for %s: %s", user_id, exc)
            return None

    return fetch


class InlineExecutor(Executor):
    """Runs work "after the answer" at once, in the request's thread: the console and the tests use
    it, so what happens after an answer has happened when the request returns."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to whoever looks at the future, as a pool would
            future.set_exception(exc)
        return future
