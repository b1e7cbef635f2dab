"""A deal as people see it: ``deal_view`` and ``event_views`` copy what a card, a list or a history
shows out of the rows, inside the transaction, so bot.blocks can draw it after the commit;
``card_view`` reads what a card shows straight into its view, for a card that only reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from operator import itemgetter

from sqlalchemy import Connection, bindparam, exists, func, select
from sqlalchemy.orm import Session, aliased, object_session

from bot.blocks.views import DealLine, DealView, EventView
from bot.core.errors import NotFound
from bot.deals import reviews
from bot.deals.lessons import similar_count
from bot.deals.risk_watch import open_risks
from bot.deals.winprob import TOTAL, model_read
from store.models import Event, Member, Opportunity, Review, Risk, WinStat

_SPECIAL = ("owner", "creator", "tags", "auto_tags", "qualification", "closed_deals", "risks", "playbook", "review", "lessons")
_PLAIN = tuple(f.name for f in fields(DealView) if f.name not in _SPECIAL)  # the deal's own columns, as they are


def _view(value: Callable[[str], object], *, owner: str, creator: str, closed_deals: int, risks, review: str | None, lessons: int) -> DealView:
    """A DealView from ``value`` (a deal's column by name) and what is read beside the deal."""
    return DealView(
        owner=owner,
        creator=creator,
        tags=tuple(value("tags") or ()),
        auto_tags=tuple(value("auto_tags") or ()),
        qualification=dict(value("qualification") or {}),
        closed_deals=closed_deals,
        risks=risks,
        review=review,
        lessons=lessons,
        playbook={stage: dict(ticked) for stage, ticked in (value("playbook") or {}).items()},
        **{name: value(name) for name in _PLAIN},
    )


def deal_view(opp: Opportunity, *, lessons: bool = False, people: Mapping[int, str] | None = None) -> DealView:
    """``opp`` as a card shows it; ``lessons``: with the count of lessons from similar deals (a deal
    just created or entering a stage); ``people``: Slack ids of members the caller has at hand, by
    member id (the person acting, on a deal they just created), so their rows are not read again."""
    session = object_session(opp)
    risks = open_risks(session, opp.id) if opp.status == "open" else ()
    people = people or {}
    return _view(
        lambda name: getattr(opp, name, None),
        owner=people.get(opp.owner_id) or opp.owner.slack_user_id,
        creator=people.get(opp.creator_id) or opp.creator.slack_user_id,
        closed_deals=closed_deals(session, opp.workspace_id),
        risks=risks,
        review=reviews.status_of(session, opp.id) if opp.status in reviews.CLOSED else None,
        lessons=similar_count(session, opp, risks) if lessons and opp.status == "open" else 0,
    )


_OWNER, _CREATOR = aliased(Member), aliased(Member)
# a card's deal with its people, the closed deals the win model has counted, its review and
# whether a risk flag is open on it: what deal_view reads in four statements, in one
_CARD = (
    select(
        Opportunity.id,
        *(Opportunity.__table__.c[name] for name in (*_PLAIN, "tags", "auto_tags", "qualification", "playbook")),
        _OWNER.slack_user_id.label("owner"),
        _CREATOR.slack_user_id.label("creator"),
        func.coalesce(
            select(WinStat.won + WinStat.lost).where(WinStat.workspace_id == bindparam("ws"), WinStat.feature == TOTAL, WinStat.value == "").scalar_subquery(),
            0,
        ).label("closed_deals"),
        select(Review.status).where(Review.opportunity_id == Opportunity.id).scalar_subquery().label("review"),
        exists().where(Risk.opportunity_id == Opportunity.id, Risk.cleared_at.is_(None)).label("at_risk"),
    )
    .join(_OWNER, _OWNER.id == Opportunity.owner_id)
    .join(_CREATOR, _CREATOR.id == Opportunity.creator_id)
    .where(Opportunity.workspace_id == bindparam("ws"), Opportunity.number == bindparam("number"))
)


def card_view(connection: Connection, workspace_id: str, number: int) -> DealView:
    """Deal ``number`` as its card shows it (as ``deal_view`` has it, without lessons), read on
    ``connection`` in one statement, and a second for the open flags of a deal that has some: no
    ORM objects, for a card that only reads. NotFound for no such deal, or a deleted one."""
    row = connection.execute(_CARD, {"ws": workspace_id, "number": number}).one_or_none()
    if row is None or row.status == "deleted":
        raise NotFound("deal_not_found", number=number)
    return _view(
        row._mapping.__getitem__,
        owner=row.owner,
        creator=row.creator,
        closed_deals=row.closed_deals,
        risks=open_risks(connection, row.id) if row.at_risk and row.status == "open" else (),
        review=row.review if row.status in reviews.CLOSED else None,
        lessons=0,
    )


_LINE = tuple(f.name for f in fields(DealLine))


def deal_lines(rows) -> list[DealLine]:
    """List lines from rows of store.queries.LINE_COLUMNS (a page of search_deals), each value
    taken by its position, found once from the columns' names."""
    if not rows:
        return []
    line = itemgetter(*map(rows[0]._fields.index, _LINE))
    return [DealLine(*line(row)) for row in rows]


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
