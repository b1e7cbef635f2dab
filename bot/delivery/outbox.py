"""The outbox: Slack messages that must not be lost (alerts, reminders, assignments, digests) are
written here in the same transaction as their cause; the worker's sender (bot.worker.sender) delivers them."""

from __future__ import annotations

import json
import zlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.deals import Reply
from store.models import OutboxMessage


def enqueue(
    session: Session,
    *,
    workspace_id: str,
    key: str,
    kind: str,
    channel: str,
    reply: Reply,
    now: datetime,
    not_before: datetime | None = None,
    update_of: int | None = None,
    thread_of: int | None = None,
) -> OutboxMessage:
    """Queue ``reply`` for ``channel`` (a channel, or a user id for a DM). ``key`` identifies the
    message: queuing the same key twice queues it once and returns the first."""
    existing = session.scalars(select(OutboxMessage).where(OutboxMessage.key == key)).one_or_none()
    if existing is not None:
        return existing
    message = OutboxMessage(
        workspace_id=workspace_id,
        key=key,
        kind=kind,
        channel=channel,
        text=reply.text,
        blocks=reply.blocks,
        update_of=update_of,
        thread_of=thread_of,
        created_at=now,
        next_attempt_at=not_before or now,
        attempts=0,
    )
    session.add(message)
    session.flush()
    return message


def enqueue_update(session: Session, original: OutboxMessage, reply: Reply, *, kind: str, tag: str, now: datetime) -> OutboxMessage:
    """Queue a chat.update of ``original`` (a message queued earlier) to read as ``reply``. The key
    names the original, ``tag`` (what happened), the moment and the content, so the same update
    is queued once."""
    stamp = int(now.timestamp() * 1000)
    digest = zlib.crc32(json.dumps([reply.text, reply.blocks], sort_keys=True, default=str).encode())
    return enqueue(
        session,
        workspace_id=original.workspace_id,
        key=f"update:{original.id}:{tag}:{stamp}:{digest:08x}",
        kind=kind,
        channel=original.channel,
        reply=reply,
        now=now,
        update_of=original.id,
    )
