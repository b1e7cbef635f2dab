"""Requests handled once, by key: the row written in the same transaction as a request's change
(a second writer of the same key fails on the unique key and rolls back), the first answer kept
with it, looked up when the request comes again, and forgotten after a while."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import ProcessedRequest


class AlreadyProcessed(Exception):
    """Another transaction recorded the same key first: this one must not be committed."""


def record(session: Session, workspace_id: str, key: str, now: datetime) -> None:
    """Mark ``key`` as done in this transaction. Raises AlreadyProcessed if it was done already
    (the caller rolls back). Pending changes are flushed first, so only the key can be at fault."""
    session.flush()
    session.add(ProcessedRequest(workspace_id=workspace_id, key=key, created_at=now))
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyProcessed(key) from None


def find(session: Session, workspace_id: str, key: str) -> ProcessedRequest | None:
    return session.scalars(select(ProcessedRequest).where(ProcessedRequest.workspace_id == workspace_id, ProcessedRequest.key == key)).one_or_none()


def keep_answer(session: Session, workspace_id: str, key: str, answer: dict) -> None:
    session.execute(update(ProcessedRequest).where(ProcessedRequest.workspace_id == workspace_id, ProcessedRequest.key == key).values(answer=answer))


def forget_before(session: Session, before: datetime) -> int:
    """Drop the keys recorded before ``before`` (Slack repeats a request within minutes)."""
    return session.execute(delete(ProcessedRequest).where(ProcessedRequest.created_at < before)).rowcount
