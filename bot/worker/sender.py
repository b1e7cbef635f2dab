"""The sender: delivers due outbox rows to Slack, each exactly once.

How a row goes out:

1. **Claim** it in its own committed transaction: ``UPDATE ... SET claimed_at = now WHERE id = ?
   AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < now - CLAIM_TIMEOUT)``. Only one
   process can win that update, so two senders never post the same row.
2. **Post** it (``chat.postMessage`` with message metadata ``oppbot_outbox`` carrying the row's
   key; ``chat.update`` for a row that updates an earlier message). The client's retry handlers
   ride out 429 (honouring Retry-After), 5xx and dropped connections within one attempt.
3. **Record** the outcome in another transaction: ``sent_at``, the channel id and ``ts`` on
   success; otherwise the claim is released with ``next_attempt_at`` pushed back (exponential,
   capped at an hour) and ``last_error`` kept. After ``MAX_ATTEMPTS`` a row is parked (its next
   attempt set far in the future) and logged; nothing is dropped silently.

If the process dies between 2 and 3, the row stays claimed. After ``CLAIM_TIMEOUT`` (longer than
any post with its retries can take) the next run takes it over, and before posting again it
looks in the target conversation's recent history for a message whose metadata carries the row's
key: if Slack has it, the row is marked sent with that ``ts`` and nothing is posted twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from store.db import transaction
from store.models import OutboxMessage

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 30
MAX_BACKOFF = timedelta(hours=1)
PARKED = timedelta(days=3650)
EVENT_TYPE = "oppbot_outbox"
HISTORY_LIMIT = 200


def sender_client(token: str | None, base_url: str | None, *, retries: int = 3) -> WebClient:
    """A WebClient that retries 429 (after Retry-After), 5xx and connection errors itself."""
    client = WebClient(token=token, base_url=base_url or WebClient.BASE_URL, timeout=30)
    client.retry_handlers.extend(
        [
            RateLimitErrorRetryHandler(max_retry_count=retries),
            ServerErrorRetryHandler(max_retry_count=retries),
            ConnectionErrorRetryHandler(max_retry_count=retries),
        ]
    )
    return client


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    recovered: int = 0  # found already in Slack after an interrupted send
    deferred: int = 0  # an update waiting for its original


@dataclass(frozen=True)
class _Claimed:
    id: int
    key: str
    channel: str
    text: str
    blocks: list | None
    update_of: int | None
    attempts: int
    previous_claim: datetime | None


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), MAX_BACKOFF)


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    stale = now - CLAIM_TIMEOUT
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < stale),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def claim(sessions: sessionmaker[Session], message_id: int, now: datetime) -> _Claimed | None:
    """Take the row for this process, in its own committed transaction; None if someone else has it."""
    stale = now - CLAIM_TIMEOUT
    with transaction(sessions) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None:
            return None
        previous = row.claimed_at
        taken = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.sent_at.is_(None),
                or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < stale),
            )
            .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            return None
        return _Claimed(row.id, row.key, row.channel, row.text, row.blocks, row.update_of, row.attempts + 1, previous)


def send_due(sessions: sessionmaker[Session], client: WebClient, now: datetime, *, limit: int = 200) -> SendResult:
    """Deliver every due row (up to ``limit``)."""
    result = SendResult()
    with sessions() as session:
        ids = due_ids(session, now, limit)
    for message_id in ids:
        claimed = claim(sessions, message_id, now)
        if claimed is None:
            continue
        send_one(sessions, client, claimed, now, result)
    return result


def send_one(sessions: sessionmaker[Session], client: WebClient, msg: _Claimed, now: datetime, result: SendResult) -> None:
    try:
        if msg.update_of is not None:
            with sessions() as session:
                original = session.get(OutboxMessage, msg.update_of)
                target = (original.slack_channel, original.slack_ts) if original and original.sent_at else None
            if target is None:  # the original is not out yet: try again shortly
                _release(sessions, msg.id, now + timedelta(minutes=1), None, count=False)
                result.deferred += 1
                return
            response = client.chat_update(channel=target[0], ts=target[1], text=msg.text, blocks=msg.blocks)
            posted = (response.get("channel") or target[0], response.get("ts") or target[1])
        else:
            posted = _already_posted(client, msg) if msg.previous_claim is not None else None
            if posted is not None:
                result.recovered += 1
            else:
                response = client.chat_postMessage(
                    channel=msg.channel,
                    text=msg.text,
                    blocks=msg.blocks,
                    metadata={"event_type": EVENT_TYPE, "event_payload": {"key": msg.key}},
                    unfurl_links=False,
                    unfurl_media=False,
                )
                posted = (response["channel"], response["ts"])
    except SlackApiError as exc:
        error = str(exc.response.get("error") or exc.response.status_code)
        _failed(sessions, msg, now, error, result)
        return
    except (SlackClientError, OSError) as exc:
        _failed(sessions, msg, now, f"{type(exc).__name__}: {exc}", result)
        return
    with transaction(sessions) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == msg.id)
            .values(sent_at=now, slack_channel=posted[0], slack_ts=posted[1], claimed_at=None, last_error=None)
            .execution_options(synchronize_session=False)
        )
    result.sent += 1


def _failed(sessions, msg: _Claimed, now: datetime, error: str, result: SendResult) -> None:
    result.failed += 1
    if msg.attempts >= MAX_ATTEMPTS:
        log.error("giving up on outbox row %s (%s) after %s attempts: %s", msg.id, msg.key, msg.attempts, error)
        _release(sessions, msg.id, now + PARKED, f"parked after {msg.attempts} attempts: {error}")
    else:
        log.warning("outbox row %s (%s) failed (attempt %s): %s", msg.id, msg.key, msg.attempts, error)
        _release(sessions, msg.id, now + backoff(msg.attempts), error)


def _release(sessions, message_id: int, next_attempt: datetime, error: str | None, *, count: bool = True) -> None:
    values = {"claimed_at": None, "next_attempt_at": next_attempt}
    if error is not None:
        values["last_error"] = error[:2000]
    if not count:
        values["attempts"] = OutboxMessage.attempts - 1
    with transaction(sessions) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values).execution_options(synchronize_session=False))


def _already_posted(client: WebClient, msg: _Claimed) -> tuple[str, str] | None:
    """After an interrupted send: the (channel, ts) of the message carrying this row's key, if Slack
    has it. Errors propagate (the row is retried later, never posted blind)."""
    channel = _conversation_id(client, msg.channel)
    if channel is None:
        return None
    response = client.conversations_history(channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True)
    for message in response.get("messages") or []:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == EVENT_TYPE and (metadata.get("event_payload") or {}).get("key") == msg.key:
            return channel, message["ts"]
    return None


def _conversation_id(client: WebClient, channel: str) -> str | None:
    if channel[:1] in ("U", "W"):  # a DM: the IM channel with that user
        return client.conversations_open(users=channel)["channel"]["id"]
    if channel.startswith("#"):
        name, cursor = channel[1:], None
        while True:
            page = client.conversations_list(types="public_channel,private_channel", limit=1000, cursor=cursor, exclude_archived=True)
            for item in page.get("channels") or []:
                if item.get("name") == name:
                    return item["id"]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
    return channel
