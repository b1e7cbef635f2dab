"""The sender: delivers due outbox rows to Slack, each exactly once.

How a row goes out:

1. **Claim** it in its own committed transaction: ``UPDATE ... SET claimed_at = now WHERE id = ?
   AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < now - CLAIM_TIMEOUT)``. Only one
   process can win that update, so two senders never post the same row.
2. **Post** it (``chat.postMessage`` with message metadata ``oppbot_outbox`` carrying the row's
   key; ``chat.update`` for a row that updates an earlier message). The client repeats a post
   within the attempt only after a 429, when Slack says it did nothing; reads and updates are
   also repeated after 5xx and dropped connections (bot.clients). A ``room_archive`` row archives
   its channel (conversations.archive) once every earlier row for that channel is out.
3. **Record** the outcome in another transaction: ``sent_at``, the channel id and ``ts`` on
   success; otherwise the claim is released with ``next_attempt_at`` pushed back (exponential,
   capped at an hour) and ``last_error`` kept. After ``MAX_ATTEMPTS`` a row is parked (its next
   attempt set far in the future) and logged; nothing is dropped silently.

A post whose outcome is unknown may be in the conversation already: a timeout, a connection
dropped after sending, a 5xx or Slack's ``internal_error``/``fatal_error``. Its row's
``last_error`` starts with ``UNKNOWN``, and so does every later failure until the question is
settled. If the process dies between 2 and 3, the row stays claimed; after ``CLAIM_TIMEOUT``
(longer than any post can take) the next run takes it over. In both cases, before posting again
the sender looks in the target conversation's history (since shortly before the row was queued)
for a message whose metadata carries the row's key: if Slack has it, the row is marked sent with
that ``ts`` and nothing is posted twice.

Slack's rate limits (bot.worker.limits): before each call a row needs (a post, an edit, an
archive, each read of the history check) the sender asks the limiter, whose buckets are per
workspace and method and, for posts, per channel, and are shared through Redis by every worker
that points at it. A short wait is slept; a longer one puts the row back with ``next_attempt_at``
that much later, its attempt not counted, so a Monday-morning burst goes out at Slack's pace
instead of into 429s. A 429 that comes back all the same is not repeated by the client (Slack did
nothing): its ``Retry-After`` is recorded in the limiter, so every process holds off that method
in that workspace, and the row waits that long, its attempt not counted and its ``last_error``
left as it was (a post whose outcome is unknown stays so, and is looked for before the next try).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.client import HTTPException

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clients import retry_handlers
from bot.deals.threads import ARCHIVE_KIND
from bot.worker.installed import WorkspaceClients
from bot.worker.limits import Limiter, Pacer, RateLimited
from store.db import transaction
from store.models import OutboxMessage

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 30
MAX_BACKOFF = timedelta(hours=1)
PARKED = timedelta(days=3650)
EVENT_TYPE = "oppbot_outbox"
HISTORY_PAGE = 200
HISTORY_MARGIN = timedelta(hours=1)  # look this far before the row was queued (clocks differ)
UNKNOWN = "outcome unknown: "  # how last_error starts while a post may be in Slack already
# "ok": false answers after which Slack may have posted the message all the same
UNCLEAR_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable"})
# What a failed call to Slack raises: an answer, a client error, or a broken connection
SEND_ERRORS = (SlackClientError, OSError, HTTPException)


# a row of a workspace the app is not installed in (removed): it waits, and goes with the workspace's data
NOT_INSTALLED = "not_installed: the workspace has no installation"
NOT_INSTALLED_WAIT = timedelta(hours=1)


def sender_client(token: str | None, base_url: str | None, *, retries: int = 3) -> WebClient:
    """A WebClient that repeats what is safe to repeat (bot.clients): reads and updates after a
    5xx or a dropped connection; a post never after an answer that leaves its outcome unknown. A
    429 is not repeated: the sender defers the row by its Retry-After (bot.worker.limits)."""
    return WebClient(token=token, base_url=base_url or WebClient.BASE_URL, timeout=30, retry_handlers=retry_handlers(retries, rate_limits=False))


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    recovered: int = 0  # found already in Slack after an interrupted or unanswered post
    deferred: int = 0  # put back without an attempt: an update waiting for its original, a rate limit
    rate_limited: int = 0  # of those deferred, by Slack's 429 (the limiter's own waits are not counted here)


@dataclass(frozen=True)
class _Claimed:
    id: int
    key: str
    channel: str
    text: str
    blocks: list | None
    update_of: int | None
    attempts: int
    created_at: datetime
    look_first: bool  # an earlier post may have reached Slack: look in the history before posting
    thread_of: int | None = None  # a reply in the thread of that row's message
    kind: str = ""
    workspace_id: str = ""


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


# The queue's task sending now (bot.worker.queue), None in process: a row it claimed is marked with
# it, so the same task run again after its worker died takes the row back at once, not after
# CLAIM_TIMEOUT (and looks in the conversation before posting: that worker may have posted it).
CLAIMANT: ContextVar[str | None] = ContextVar("oppbot_claimant", default=None)


def _claimable(now: datetime):
    """A row nobody is sending: unclaimed, claimed longer than CLAIM_TIMEOUT ago, or by this task."""
    mine = CLAIMANT.get()
    free = [OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT]
    return or_(*free, OutboxMessage.claimed_by == mine) if mine is not None else or_(*free)


def due_ids(session: Session, now: datetime, limit: int, workspace_id: str | None = None) -> list[int]:
    due = select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now, _claimable(now))
    if workspace_id is not None:
        due = due.where(OutboxMessage.workspace_id == workspace_id)
    return list(session.scalars(due.order_by(OutboxMessage.id).limit(limit)))


def claim(sessions: sessionmaker[Session], message_id: int, now: datetime) -> _Claimed | None:
    """Take the row for this process, in its own committed transaction; None if someone else has it."""
    with transaction(sessions) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None:
            return None
        interrupted = row.claimed_at is not None  # a sender died during its attempt
        unknown = (row.last_error or "").startswith(UNKNOWN)
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None), _claimable(now))
            .values(claimed_at=now, claimed_by=CLAIMANT.get(), attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            return None
        return _Claimed(
            row.id,
            row.key,
            row.channel,
            row.text,
            row.blocks,
            row.update_of,
            row.attempts + 1,
            row.created_at,
            interrupted or unknown,
            row.thread_of,
            row.kind,
            row.workspace_id,
        )


def send_due(
    sessions: sessionmaker[Session],
    clients: WebClient | WorkspaceClients,
    now: datetime,
    *,
    limit: int = 200,
    limiter: Limiter | None = None,
    sleep: Callable[[float], None] = time.sleep,
    workspace_id: str | None = None,
) -> SendResult:
    """Deliver every due row (up to ``limit``; only ``workspace_id``'s when given), each with
    ``clients`` (one client; or installed in many workspaces, its workspace's: a row of a workspace
    without one waits, NOT_INSTALLED), within ``limiter``'s budgets (None: no pacing; Slack's 429s
    still defer the row), short waits slept with ``sleep``."""
    result = SendResult()
    pacer = Pacer(limiter, now.timestamp(), sleep)
    with sessions() as session:
        ids = due_ids(session, now, limit, workspace_id)
    for message_id in ids:
        claimed = claim(sessions, message_id, now)
        if claimed is None:
            continue
        client = clients.for_workspace(claimed.workspace_id) if isinstance(clients, WorkspaceClients) else clients
        if client is None:
            _release(sessions, claimed.id, now + NOT_INSTALLED_WAIT, NOT_INSTALLED, count=False)
            result.deferred += 1
            continue
        try:
            if claimed.kind == ARCHIVE_KIND:
                send_archive(sessions, client, claimed, now, result, pacer)
            elif claimed.update_of is not None:
                send_update(sessions, client, claimed, now, result, pacer)
            else:
                send_one(sessions, client, claimed, now, result, pacer)
        except RateLimited as limited:  # nothing was done: back later, the attempt not counted
            log.info("outbox row %s (%s) waits %.1fs: %s", claimed.id, claimed.key, limited.wait, limited)
            _release(sessions, claimed.id, now + timedelta(seconds=pacer.slept + limited.wait), None, count=False)
            result.deferred += 1
            result.rate_limited += limited.by_slack
    return result


QUIET_KINDS = ("deal_change",)  # replies kept in their thread: a deal's notes of what changed


def _thread(sessions: sessionmaker[Session], msg: _Claimed) -> dict | None:
    """Where a reply goes: the channel and ts of the message that starts its thread ({} for a
    message of its own; None while that one is not out yet). A reply is also shown in the channel
    (reply_broadcast: an alert, a handover), except the notes of a deal's changes (``QUIET_KINDS``),
    which stay in the thread under its live card."""
    if msg.thread_of is None:
        return {}
    with sessions() as session:
        anchor = session.get(OutboxMessage, msg.thread_of)
        if anchor is None or anchor.sent_at is None:
            return None if anchor is not None else {}
        return {"channel": anchor.slack_channel, "thread_ts": anchor.slack_ts, "reply_broadcast": msg.kind not in QUIET_KINDS}


def send_one(sessions: sessionmaker[Session], client: WebClient, msg: _Claimed, now: datetime, result: SendResult, pacer: Pacer) -> None:
    """Post a new message, after looking for it in the conversation if an earlier try may have posted it."""
    thread = _thread(sessions, msg)
    if thread is None:  # its thread's first message is not out yet: try again shortly
        _release(sessions, msg.id, now + timedelta(minutes=1), None, count=False)
        result.deferred += 1
        return
    posted = None
    try:
        posted = _already_posted(client, msg, thread, pacer) if msg.look_first else None
    except SEND_ERRORS as exc:  # could not look: still unknown, try again later
        _failed(sessions, msg, now, _describe(exc), result, unknown=True)
        return
    if posted is not None:
        result.recovered += 1
    else:
        try:
            response = pacer.call(
                msg.workspace_id,
                "chat.postMessage",
                msg.channel,  # as queued, like the thread's first message: "#name" and its id are one budget
                client.chat_postMessage,
                **{"channel": msg.channel, **thread},
                text=msg.text,
                blocks=msg.blocks,
                metadata={"event_type": EVENT_TYPE, "event_payload": {"key": msg.key}},
                unfurl_links=False,
                unfurl_media=False,
            )
        except SEND_ERRORS as exc:
            _failed(sessions, msg, now, _describe(exc), result, unknown=_may_have_posted(exc))
            return
        posted = (response["channel"], response["ts"])
    _sent(sessions, msg.id, now, posted)
    result.sent += 1


def send_update(sessions: sessionmaker[Session], client: WebClient, msg: _Claimed, now: datetime, result: SendResult, pacer: Pacer) -> None:
    """Edit the message an earlier row posted (safe to repeat); wait while that one is not out yet."""
    with sessions() as session:
        original = session.get(OutboxMessage, msg.update_of)
        target = (original.slack_channel, original.slack_ts) if original and original.sent_at else None
    if target is None:  # the original is not out yet: try again shortly
        _release(sessions, msg.id, now + timedelta(minutes=1), None, count=False)
        result.deferred += 1
        return
    try:
        response = pacer.call(msg.workspace_id, "chat.update", None, client.chat_update, channel=target[0], ts=target[1], text=msg.text, blocks=msg.blocks)
    except SEND_ERRORS as exc:
        _failed(sessions, msg, now, _describe(exc), result, unknown=False)
        return
    _sent(sessions, msg.id, now, (response.get("channel") or target[0], response.get("ts") or target[1]))
    result.sent += 1


def send_archive(sessions: sessionmaker[Session], client: WebClient, msg: _Claimed, now: datetime, result: SendResult, pacer: Pacer) -> None:
    """Archive a deal's room (conversations.archive, safe to repeat) once every row queued for it
    before has gone out or been given up on (parked): the room's last message is in it before it
    closes, and a message Slack would never take does not keep it open for ever."""
    with sessions() as session:
        waiting = session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.channel == msg.channel,
                OutboxMessage.id < msg.id,
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.attempts < MAX_ATTEMPTS,
            )
            .limit(1)
        )
    if waiting is not None:
        _release(sessions, msg.id, now + timedelta(minutes=1), None, count=False)
        result.deferred += 1
        return
    try:
        pacer.call(msg.workspace_id, "conversations.archive", None, client.conversations_archive, channel=msg.channel)
    except SlackApiError as exc:
        if exc.response.get("error") != "already_archived":
            _failed(sessions, msg, now, _describe(exc), result, unknown=False)
            return
    except SEND_ERRORS as exc:
        _failed(sessions, msg, now, _describe(exc), result, unknown=False)
        return
    _sent(sessions, msg.id, now, (msg.channel, ""))
    result.sent += 1


def _may_have_posted(exc: Exception) -> bool:
    """Whether Slack may have carried out a post that failed with ``exc``: yes unless it answered
    that it did not (a 429, another 4xx, or an error like ``not_in_channel``)."""
    if isinstance(exc, SlackApiError):
        return exc.response.status_code >= 500 or exc.response.get("error") in UNCLEAR_ERRORS
    return True  # no answer: a timeout, a dropped connection, a garbled reply


def _describe(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return f"{type(exc).__name__}: {exc}"


def _sent(sessions, message_id: int, now: datetime, posted: tuple[str, str]) -> None:
    with transaction(sessions) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(sent_at=now, slack_channel=posted[0], slack_ts=posted[1], claimed_at=None, last_error=None)
            .execution_options(synchronize_session=False)
        )


def _failed(sessions, msg: _Claimed, now: datetime, error: str, result: SendResult, *, unknown: bool) -> None:
    result.failed += 1
    prefix = UNKNOWN if unknown else ""
    if msg.attempts >= MAX_ATTEMPTS:
        log.error("giving up on outbox row %s (%s) after %s attempts: %s%s", msg.id, msg.key, msg.attempts, prefix, error)
        _release(sessions, msg.id, now + PARKED, f"{prefix}parked after {msg.attempts} attempts: {error}")
    else:
        log.warning("outbox row %s (%s) failed (attempt %s): %s%s", msg.id, msg.key, msg.attempts, prefix, error)
        _release(sessions, msg.id, now + backoff(msg.attempts), prefix + error)


def _release(sessions, message_id: int, next_attempt: datetime, error: str | None, *, count: bool = True) -> None:
    values = {"claimed_at": None, "next_attempt_at": next_attempt}
    if error is not None:
        values["last_error"] = error[:2000]
    if not count:
        values["attempts"] = OutboxMessage.attempts - 1
    with transaction(sessions) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values).execution_options(synchronize_session=False))


def _already_posted(client: WebClient, msg: _Claimed, thread: dict, pacer: Pacer) -> tuple[str, str] | None:
    """The (channel, ts) of the message carrying this row's key, if the conversation has it:
    every page of its history since shortly before the row was queued (of its thread, for a reply
    not shown in the channel). Errors propagate (the row is tried again later, never posted blind)."""
    quiet = thread.get("reply_broadcast") is False
    channel = thread["channel"] if quiet else _conversation_id(client, msg.channel, pacer, msg.workspace_id)
    if channel is None:
        return None
    oldest = f"{(msg.created_at - HISTORY_MARGIN).timestamp():.6f}"
    cursor = None
    while True:
        if quiet:
            page = pacer.call(
                msg.workspace_id,
                "conversations.replies",
                None,
                client.conversations_replies,
                channel=channel,
                ts=thread["thread_ts"],
                oldest=oldest,
                limit=HISTORY_PAGE,
                cursor=cursor,
                include_all_metadata=True,
            )
        else:
            page = pacer.call(
                msg.workspace_id,
                "conversations.history",
                None,
                client.conversations_history,
                channel=channel,
                oldest=oldest,
                limit=HISTORY_PAGE,
                cursor=cursor,
                include_all_metadata=True,
            )
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == EVENT_TYPE and (metadata.get("event_payload") or {}).get("key") == msg.key:
                return channel, message["ts"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            return None


def _conversation_id(client: WebClient, channel: str, pacer: Pacer, workspace_id: str) -> str | None:
    if channel[:1] in ("U", "W"):  # a DM: the IM channel with that user
        return pacer.call(workspace_id, "conversations.open", None, client.conversations_open, users=channel)["channel"]["id"]
    if channel.startswith("#"):
        name, cursor = channel[1:], None
        while True:
            page = pacer.call(
                workspace_id,
                "conversations.list",
                None,
                client.conversations_list,
                types="public_channel,private_channel",
                limit=1000,
                cursor=cursor,
                exclude_archived=True,
            )
            for item in page.get("channels") or []:
                if item.get("name") == name:
                    return item["id"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
    return channel
