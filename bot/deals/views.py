"""A deal as people see it: ``deal_view`` and ``event_views`` copy what a card, a list or a history
shows out of the rows, inside the transaction, so bot.blocks can draw it after the commit."""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy.orm import Session, object_session

from bot.blocks.views import DealLine, DealView, EventView
from bot.deals import reviews
from bot.deals.lessons import similar_count
from bot.deals.risk_watch import open_risks
from bot.deals.winprob import TOTAL, model_read
from store.models import Event, Opportunity, WinStat

_SPECIAL = ("owner", "creator", "tags", "auto_tags", "qualification", "closed_deals", "risks", "playbook", "review", "lessons")


def deal_view(opp: Opportunity, *, lessons: bool = False) -> DealView:
    """``opp`` as a card shows it; ``lessons``: with the count of lessons from similar deals (a deal
    just created or entering a stage)."""
    values = {f.name: getattr(opp, f.name, None) for f in fields(DealView) if f.name not in _SPECIAL}
    session = object_session(opp)
    risks = open_risks(session, opp.id) if opp.status == "open" else ()
    return DealView(
        owner=opp.owner.slack_user_id,
        creator=opp.creator.slack_user_id,
        tags=tuple(opp.tags or ()),
        auto_tags=tuple(opp.auto_tags or ()),
        qualification=dict(opp.qualification or {}),
        closed_deals=closed_deals(session, opp.workspace_id),
        risks=risks,
        review=reviews.status_of(session, opp.id) if opp.status in reviews.CLOSED else None,
        lessons=similar_count(session, opp, risks) if lessons and opp.status == "open" else 0,
        playbook={stage: dict(ticked) for stage, ticked in (opp.playbook or {}).items()},
        **values,
    )


def deal_lines(rows) -> list[DealLine]:
    """List lines from rows of store.queries.LINE_COLUMNS (a page of search_deals)."""
    return [DealLine(**{name: value for name, value in row._mapping.items() if name != "id"}) for row in rows]


def closed_deals(session: Session | None, workspace_id: str) -> int:
    """How many closed deals the win model has counted (read once per transaction)."""
    if session is None:
        return 0
    model = model_read(session, workspace_id)  # read already by a change's reassessment
    if model is not None:
        return model.closed
    cache = session.info.setdefault("closed_deals", {})
    if workspace_id not in cache:
        row = session.get(WinStat, (workspace_id, TOTAL, ""))
        cache[workspace_id] = row.won + row.lost if row else 0
    return cache[workspace_id]


def event_views(events: list[Event]) -> list[EventView]:
    return [EventView(at=e.at, actor=e.actor.slack_user_id, kind=e.kind, field=e.field, old=e.old, new=e.new) for e in events]
