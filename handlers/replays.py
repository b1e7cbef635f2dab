"""Requests Slack sends twice are done once. Slack repeats a request when it got no answer in time
(an Events API retry carries ``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``), a person's
double click on Submit sends a form twice, a proxy may replay a click. Every copy carries the same
key: the trigger id of a command or a click, the view id of a form, the event id of an event.

``guard`` (a global middleware, after Bolt's signature check and the actor, whose read brought the
key's record along) looks the key up: a key already done is answered as the first was (the same
card for a command; for a form, the modal closes and the message the first sent is sent again; a
click or an event, nothing more), and the listener does not run. Otherwise it names the key for bot.core.runtime, which records it in the
transaction of the first change. ``remember`` keeps the first answer (``AnswerKeeper``); ``repeat``
answers a copy that raced the first and lost at commit.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot.blocks.kit import Reply, warning
from bot.core.i18n import t
from bot.core.runtime import Handling, Runtime
from handlers.slack_io import post_private
from store import requests

log = logging.getLogger(__name__)

JSON = {"content-type": "application/json"}
GATHER = 0.05  # seconds the answers kept on the after-answer pool wait for others to be written with


def request_key(body: dict) -> str | None:
    """What makes copies of one request the same: the view id of a submitted form, the event id of
    an event, else the trigger id (commands, clicks, shortcuts)."""
    kind = body.get("type")
    if kind == "view_submission":
        view_id = (body.get("view") or {}).get("id")
        return f"view:{view_id}" if view_id else None
    if kind == "event_callback":
        return f"event:{body['event_id']}" if body.get("event_id") else None
    trigger = body.get("trigger_id")
    return f"trigger:{trigger}" if trigger else None


def _retry(request: BoltRequest) -> str:
    number = (request.headers.get("x-slack-retry-num") or [None])[0]
    reason = (request.headers.get("x-slack-retry-reason") or [None])[0]
    return f"retry {number} ({reason})" if number else "a repeat"


def guard(request: BoltRequest, next) -> BoltResponse | None:  # noqa: A002 - Bolt's name
    context, body = request.context, request.body
    rt: Runtime = context["rt"]
    handling = rt.current()
    key, workspace_id = request_key(body), context.team_id
    if handling is None or not key or not workspace_id:
        return next()
    arrived = context.get("arrival")  # read with the actor (bot.app), for a request from a person
    if arrived is None or arrived.key != key:
        with rt.peeking() as connection:  # never waits behind SQLite's writers
            arrived = requests.find(connection, workspace_id, key)
    if not arrived.done:
        handling.workspace_id, handling.key = workspace_id, key
        return next()
    log.info("%s: %s of %s, done before: answered as the first was, nothing done again", workspace_id, _retry(request), key)
    return _answer(arrived.answer or context["kept"].answer(workspace_id, key), body, context.client, context)


def _answer(answer: dict | None, body: dict, client: WebClient, context: BoltContext) -> BoltResponse:
    """The first answer again; without one (not kept yet), what a repeat of that kind gets."""
    if answer is not None:
        private = answer.get("private")
        if private and body.get("type") == "view_submission":
            post_private(client, context["actor"].slack_user_id, private.get("channel"), Reply(**private["reply"]))
        headers = {"content-type": answer["content_type"]} if answer.get("content_type") else {}
        return BoltResponse(status=answer["status"], body=answer["body"], headers=headers)
    if body.get("command"):
        actor = context.get("actor")
        text = t(actor.lang if actor else context["rt"].config.language, "request_replayed")
        return BoltResponse(status=200, body=json.dumps({"response_type": "ephemeral", **warning(text).payload()}, ensure_ascii=False), headers=JSON)
    return BoltResponse(status=200, body="")


def repeat(body: dict, context: BoltContext, client: WebClient) -> BoltResponse:
    """A copy that ran alongside the first and lost on the key at commit (bot.core.errors.Replayed)."""
    rt: Runtime = context["rt"]
    handling = rt.current()
    answer = None
    if handling is not None and handling.key:
        answer = context["kept"].answer(handling.workspace_id, handling.key)
        if answer is None:
            with rt.peeking() as connection:  # never waits behind SQLite's writers
                answer = requests.find(connection, handling.workspace_id, handling.key).answer
        log.info("%s: %s arrived twice at once: done once", handling.workspace_id, handling.key)
    return _answer(answer, body, client, context)


class AnswerKeeper:
    """The first answers of requests that changed something, kept for the copies that may follow:
    in this process at once (a copy that reaches it is answered from memory), and in the database
    for copies that reach another process. Writes are grouped: while one thread writes, answers
    that arrive meanwhile wait for it and go in the next statement together (one transaction for
    many, so with requests in flight a change costs one write transaction, not two). They are
    written on ``writer`` (the app's after-answer pool): the thread that answered a request goes on
    to the next one instead of waiting for SQLite's writer lock (without a pool, the keeping thread
    writes), after ``pause`` (the app's: ``GATHER``), so that the answers of the changes made
    meanwhile go in the same statement (a write transaction takes SQLite's one writer lock, which
    the changes themselves queue for). A copy that reaches another process before its answer is
    written gets the plain answer for its kind."""

    MEMORY = 2000  # answers kept in memory, the newest

    def __init__(self, rt: Runtime, writer: Executor | None = None, *, pause: Callable[[], object] | None = None):
        self.rt = rt
        self._writer = writer
        self._pause = pause
        self._lock = threading.Lock()
        self._recent: OrderedDict[tuple[str, str], dict] = OrderedDict()
        self._pending: list[dict] = []
        self._writing = False

    def keep(self, workspace_id: str, key: str, answer: dict) -> None:
        with self._lock:
            self._recent[(workspace_id, key)] = answer
            while len(self._recent) > self.MEMORY:
                self._recent.popitem(last=False)
            self._pending.append({"w": workspace_id, "k": key, "answer": answer})
            if self._writing:
                return  # the thread writing now takes it next
            self._writing = True
        if self._writer is not None:
            try:
                self._writer.submit(self._write, self._pause)
                return
            except RuntimeError:  # the pool is shut down (the process is stopping): this thread writes
                pass
        self._write()

    def answer(self, workspace_id: str, key: str) -> dict | None:
        with self._lock:
            return self._recent.get((workspace_id, key))

    def _write(self, pause: Callable[[], object] | None = None) -> None:
        try:
            if pause is not None:
                pause()  # on the writer pool's thread: the answers kept meanwhile join these
            while True:
                with self._lock:
                    rows, self._pending = self._pending, []
                    if not rows:
                        self._writing = False
                        return
                try:
                    with self.rt.writing() as connection:
                        requests.keep_answers(connection, rows)
                except Exception:  # the changes are committed; a copy in another process then gets the plain answer
                    log.exception("could not keep the answers to %s", ", ".join(row["k"] for row in rows))
        except BaseException:  # stopped (the process is exiting): the next answer kept starts a writer again
            with self._lock:
                self._writing = False
            raise


def remember(keeper: AnswerKeeper, handling: Handling, request: BoltRequest, response: BoltResponse) -> None:
    """After a request whose change was recorded: keep its answer for the copies that may follow."""
    if not handling.recorded or response.status != 200 or request.context.get("failed"):
        return  # a copy then gets the plain answer for its kind
    if not (request.body.get("command") or request.body.get("type") == "view_submission"):
        return  # a click's or an event's answer is empty: a copy gets that plain answer anyway
    content_type = (response.headers.get("content-type") or [None])[0]
    answer = {"status": response.status, "body": response.body, "content_type": content_type, "private": request.context.get("private_reply")}
    keeper.keep(handling.workspace_id, handling.key, answer)
