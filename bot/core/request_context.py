"""The request being served: its id, when it arrived, the surface it came from and how it ended.

One context variable holds it for the thread serving the request. The composition root sets it
(bot.web for each HTTP request, bot.app for each Bolt dispatch); every log line written meanwhile
carries the id (``RequestIdFilter`` fills ``%(request_id)s``), the error path shows the same id to
the person as the reference of a failure (``reference``), and the metrics read the surface and
outcome. Work after the answer keeps the id (``CarryingExecutor``). Slack-free and database-free.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

NO_REQUEST = "-"


def new_id() -> str:
    """A short random id: eight hex digits, easy to read out and to search the logs for."""
    return uuid.uuid4().hex[:8]


@dataclass
class RequestInfo:
    """``arrived`` is ``time.monotonic()`` when the request reached the server; ``outcome`` is set
    when it ends other than well (``user_error``, ``internal_error``, ``rejected``)."""

    id: str = field(default_factory=new_id)
    arrived: float = field(default_factory=time.monotonic)
    surface: str = "unknown"
    outcome: str | None = None

    def waited(self) -> float:
        """Seconds since it arrived."""
        return time.monotonic() - self.arrived


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("oppbot_request", default=None)


def current() -> RequestInfo | None:
    return _current.get()


_hurried = threading.local()


@contextmanager
def hurrying() -> Iterator[None]:
    """This thread is answering a request (Slack waits 3 s for the answer): what it asks of Slack
    meanwhile is not worth a long wait (bot.clients). Work it hands to other threads is not hurried."""
    before = getattr(_hurried, "on", False)
    _hurried.on = True
    try:
        yield
    finally:
        _hurried.on = before


def hurried() -> bool:
    """Whether this thread is answering a request now (``hurrying``)."""
    return getattr(_hurried, "on", False)


@contextmanager
def serving(info: RequestInfo | None = None) -> Iterator[RequestInfo]:
    """Make ``info`` (a new request if None) the current one for the block, then restore the
    previous one, so a pooled thread never carries an id into the next request."""
    info = info or RequestInfo()
    token = _current.set(info)
    try:
        yield info
    finally:
        _current.reset(token)


def reference() -> str:
    """The reference a person is shown for a failure: the id of the request being served (the one
    its log lines carry), else a fresh one (a failure outside any request)."""
    info = _current.get()
    return info.id if info else new_id()


class RequestIdFilter(logging.Filter):
    """Gives every log record ``request_id``: the current request's, or ``-`` outside one. Attach
    it to the handlers, so records of every logger get it."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = _current.get()
        record.request_id = info.id if info else NO_REQUEST
        return True


class CarryingExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in the context of the code that submitted them: work after
    the answer logs under the id of the request that asked for it."""

    def submit(self, fn, /, *args, **kwargs):
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def after_response(executor, fn, /, *args) -> None:
    """Run ``fn`` after the answer. Within ``answering`` (the HTTP server's thread serving a
    request) the same thread runs it once the answer has been handed back (``run_afterwards``):
    no other thread is woken to compete with the request threads. For short database work only —
    work that waits on Slack goes to ``executor``, so no request thread is held by it. Elsewhere
    (the console, the tests, the worker) it goes to ``executor``."""
    waiting = _afterwards.get()
    if waiting is None:
        executor.submit(fn, *args)
    else:
        waiting.append((contextvars.copy_context(), fn, args))


_afterwards: contextvars.ContextVar[list | None] = contextvars.ContextVar("oppbot_afterwards", default=None)
log = logging.getLogger(__name__)


@contextmanager
def answering() -> Iterator[list]:
    """The block answers a request in this thread: work ``after_response`` is given meanwhile waits
    in the list yielded, for ``run_afterwards`` once the answer is on its way."""
    token = _afterwards.set([])
    try:
        yield _afterwards.get()
    finally:
        _afterwards.reset(token)


def run_afterwards(waiting: list) -> None:
    """Run the work ``answering`` kept, each task in its submitter's context; a failure is logged
    and the next task still runs."""
    for context, fn, args in waiting:
        try:
            context.run(fn, *args)
        except Exception:
            log.exception("work after an answer failed")
