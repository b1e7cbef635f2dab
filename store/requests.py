"""Requests handled once, by key: the row written in the same transaction as a request's change
(a second writer of the same key fails on the unique key and rolls back), the first answer kept
with it, looked up when the request comes again, and forgotten after a while.

What a request needs before it runs — who is acting and whether it was done before — is one
statement (``arrival``); these statements are built once and run on a Core connection: they are
on every request's path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, and_, bindparam, delete, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import Member, ProcessedRequest

MEMBERS = Member.__table__
DONE = ProcessedRequest.__table__


class AlreadyProcessed(Exception):
    """Another transaction recorded the same key first: this one must not be committed."""


@dataclass(frozen=True)
class Arrival:
    """What is known when a request arrives: the acting member's row (``ACTOR_COLUMNS``; None for
    a person never seen), and whether the request's key was done before, with its kept answer."""

    key: str | None
    member: Row | None
    done: bool
    answer: dict | None


_here = select(literal(1).label("here")).subquery("arrival")
# what an Actor is made of (bot.team.members.actor_for), and whether it is fresh
ACTOR_COLUMNS = ("id", "workspace_id", "slack_user_id", "display_name", "role", "locale", "timezone", "profile_fetched_at")
_ARRIVAL = (
    select(*(MEMBERS.c[name] for name in ACTOR_COLUMNS), DONE.c.id.label("done_id"), DONE.c.answer.label("done_answer"))
    .select_from(_here)
    .outerjoin(MEMBERS, and_(MEMBERS.c.workspace_id == bindparam("workspace_id"), MEMBERS.c.slack_user_id == bindparam("slack_user_id")))
    .outerjoin(DONE, and_(DONE.c.workspace_id == bindparam("workspace_id"), DONE.c.key == bindparam("key")))
)
_KEEP = update(DONE).where(DONE.c.workspace_id == bindparam("w"), DONE.c.key == bindparam("k")).values(answer=bindparam("answer"))
_RECORD = insert(DONE)


def arrival(connection: Connection, workspace_id: str, slack_user_id: str | None, key: str | None) -> Arrival:
    """The acting member and the key's record, in one statement (a key or a person may be None)."""
    row = connection.execute(_ARRIVAL, {"workspace_id": workspace_id, "slack_user_id": slack_user_id, "key": key}).one()
    return Arrival(key=key, member=row if row.id is not None else None, done=row.done_id is not None, answer=row.done_answer)


def record(session: Session, workspace_id: str, key: str, now: datetime) -> None:
    """Mark ``key`` as done in this transaction. Raises AlreadyProcessed if it was done already
    (the caller rolls back). Pending changes are flushed first, so only the key can be at fault."""
    session.flush()
    try:
        session.connection().execute(_RECORD, {"workspace_id": workspace_id, "key": key, "created_at": now})
    except IntegrityError:
        raise AlreadyProcessed(key) from None


def find(connection: Connection, workspace_id: str, key: str) -> Arrival:
    """The key's record alone (a request without a person, or one that lost a race on the key)."""
    return arrival(connection, workspace_id, None, key)


def keep_answers(connection: Connection, rows: list[dict]) -> None:
    """The first answers of keys recorded before: rows of ``w`` (workspace), ``k`` (key), ``answer``."""
    connection.execute(_KEEP, rows)


def forget_before(session: Session, before: datetime) -> int:
    """Drop the keys recorded before ``before`` (Slack repeats a request within minutes)."""
    return session.execute(delete(ProcessedRequest).where(ProcessedRequest.created_at < before)).rowcount
