"""A deal's history as it is written: its events (who changed what, when, from what to what) and
its activities (what people did). Each is one Core INSERT, run at once, in the order the changes
happen: nothing reads these rows back as objects in the transaction that writes them, so they skip
the ORM's unit of work (its bookkeeping cost more than the statement; with the deal's own UPDATE
it was a third of a logged activity's time). They run on the session's connection, so pending
changes are not flushed first (``Session.execute`` would flush them: a deal changed again after
its event would then be written, and versioned, twice). The deal must be in the database already
(its id known): a new deal is flushed before its first event. Each row notes its deal as changed
by the request (bot.core.touched), and the session as one that wrote (store.db.wrote: the request's
key is recorded with it, so a repeat of the request writes nothing again), as a flush notes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import touched
from store.db import wrote_outside
from store.models import Activity, Event

_EVENT = Event.__table__.insert()
_ACTIVITY = Activity.__table__.insert()


def event(
    session: Session, *, opportunity_id: int, actor_id: int, at: datetime, kind: str, field: str | None = None, old: str | None = None, new: str | None = None
) -> None:
    """One event of the deal's history."""
    if opportunity_id is None:
        raise ValueError("an event of a deal not yet in the database")
    touched.written(session, opportunity_id)
    wrote_outside(session)
    session.connection().execute(
        _EVENT, {"opportunity_id": opportunity_id, "actor_id": actor_id, "at": at, "kind": kind, "field": field, "old": old, "new": new}
    )


def activity(session: Session, *, opportunity_id: int, member_id: int, kind: str, text: str, created_at: datetime) -> None:
    """Something a person did on the deal."""
    if opportunity_id is None:
        raise ValueError("an activity of a deal not yet in the database")
    touched.written(session, opportunity_id)
    wrote_outside(session)
    session.connection().execute(_ACTIVITY, {"opportunity_id": opportunity_id, "member_id": member_id, "kind": kind, "text": text, "created_at": created_at})
