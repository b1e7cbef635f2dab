"""Read queries over deals. The database filters, sorts, counts and pages; Python only receives
the page it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Row, Select, case, func, literal, or_, select, text, update
from sqlalchemy.orm import Session

from store.models import Event, Member, Opportunity, UTCDateTime, Workspace


@dataclass(frozen=True)
class DealFilter:
    workspace_id: str
    statuses: tuple[str, ...] = ("open",)
    owner_ids: tuple[int, ...] | None = None
    stage: str | None = None
    overdue_on: date | None = None  # next step due, or expected close, before this day
    close_from: date | None = None
    close_to: date | None = None
    text: str | None = None
    grade: str | None = None
    touch_due_by: datetime | None = None  # next touch due at or before this moment
    quiet_since: tuple[tuple[str, datetime], ...] | None = None  # stalled: (stage, no activity since) pairs


SEARCH_MIN = 3  # characters a text search needs to use the search index (trigrams); shorter ones scan


SEARCH_CAP = 2000  # the newest matches a search (SQLite) considers: its page is the newest 20, its count stops at 100


def _matches(session: Session, f: DealFilter, cap: int = SEARCH_CAP) -> list[int] | None:
    """SQLite: the ids of the newest deals whose title, account or contact holds ``f.text``, from the
    search index (migration 0007), so a search is driven by its matches and reads those rows by
    primary key, rather than walking the workspace's deals and probing the matches for each. None
    where the index does not apply (PostgreSQL's trigram indexes serve ILIKE itself; short text)."""
    if not f.text or len(f.text) < SEARCH_MIN or session.get_bind().dialect.name != "sqlite":
        return None
    phrase = '"' + f.text.replace('"', '""') + '"'  # the words as one substring, in any of the three columns
    found = text("SELECT rowid FROM opportunities_search WHERE opportunities_search MATCH :phrase ORDER BY rowid DESC LIMIT :cap")
    return list(session.scalars(found, {"phrase": phrase, "cap": cap}))


def _where(query: Select, f: DealFilter, matched: list[int] | None) -> Select:
    query = query.where(Opportunity.workspace_id == f.workspace_id, Opportunity.status.in_(f.statuses))
    if f.owner_ids is not None:
        query = query.where(Opportunity.owner_id.in_(f.owner_ids))
    if f.stage:
        query = query.where(Opportunity.stage == f.stage)
    if f.overdue_on:
        query = query.where(or_(Opportunity.next_step_due < f.overdue_on, Opportunity.expected_close < f.overdue_on))
    if f.grade:
        query = query.where(Opportunity.grade == f.grade)
    if f.touch_due_by:
        query = query.where(Opportunity.next_touch_due <= f.touch_due_by)
    if f.quiet_since:
        cutoffs = {stage: literal(at, UTCDateTime()) for stage, at in f.quiet_since}
        query = query.where(Opportunity.stage.in_(cutoffs), Opportunity.last_activity_at < case(cutoffs, value=Opportunity.stage))
    if f.close_from:
        query = query.where(Opportunity.expected_close >= f.close_from)
    if f.close_to:
        query = query.where(Opportunity.expected_close <= f.close_to)
    if f.text and matched is not None:
        query = query.where(Opportunity.id.in_(matched))
    elif f.text:
        pattern = "%" + f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Opportunity.title.ilike(pattern, escape="\\"),
                Opportunity.account.ilike(pattern, escape="\\"),
                Opportunity.contact.ilike(pattern, escape="\\"),
            )
        )
    return query


# what a list shows of each deal (bot.blocks.views.DealLine): plain columns, no ORM objects
LINE_COLUMNS = (
    Opportunity.number,
    Opportunity.title,
    Opportunity.account,
    Opportunity.amount,
    Opportunity.currency,
    Opportunity.stage,
    Opportunity.status,
    Opportunity.expected_close,
    Opportunity.grade,
    Opportunity.score,
    Opportunity.win_probability,
    Opportunity.probability_override,
    Member.slack_user_id.label("owner"),
)


@dataclass(frozen=True)
class Page:
    """One page of deals (rows of ``LINE_COLUMNS``) and how many matched: ``total`` counts up to
    ``count_limit``; beyond it ``more_than`` is set and ``total`` is that limit (a search says
    "100+" rather than count a million)."""

    deals: list[Row]
    total: int
    more_than: bool = False


def search_deals(session: Session, f: DealFilter, *, limit: int, newest_first: bool = False, count_limit: int | None = None) -> Page:
    """One page of matching deals, in an order the list indexes give directly: by close date (deals
    without one last), then number; or newest first. Owners are joined for the page's rows only."""
    matched = _matches(session, f)
    if newest_first:
        ids = list(session.scalars(_where(select(Opportunity.id), f, matched).order_by(Opportunity.number.desc()).limit(limit)))
    else:
        dated = _where(select(Opportunity.id), f, matched).where(Opportunity.expected_close.is_not(None))
        ids = list(session.scalars(dated.order_by(Opportunity.expected_close, Opportunity.number).limit(limit)))
        if len(ids) < limit:
            undated = _where(select(Opportunity.id), f, matched).where(Opportunity.expected_close.is_(None))
            ids += session.scalars(undated.order_by(Opportunity.number).limit(limit - len(ids)))
    # the page's rows with their owners: the join is made for these rows only, after the LIMIT
    lines = select(Opportunity.id, *LINE_COLUMNS).join(Member, Member.id == Opportunity.owner_id).where(Opportunity.id.in_(ids))
    rows = {row.id: row for row in session.execute(lines)} if ids else {}
    total, more_than = _count(session, f, count_limit, matched)
    return Page([rows[i] for i in ids], total, more_than)


def _count(session: Session, f: DealFilter, limit: int | None, matched: list[int] | None) -> tuple[int, bool]:
    if limit is None:
        return session.scalar(_where(select(func.count()).select_from(Opportunity), f, matched)) or 0, False  # count(*): the index alone answers
    capped = _where(select(Opportunity.id), f, matched).limit(limit + 1).subquery()
    found = session.scalar(select(func.count()).select_from(capped)) or 0
    return min(found, limit), found > limit


def deals_with_owners(session: Session, f: DealFilter, *, limit: int) -> list[tuple[Opportunity, str]]:
    """Matching deals in number order, each with its owner's Slack user id (an export)."""
    matched = _matches(session, f, cap=limit)
    query = _where(select(Opportunity, Member.slack_user_id).join(Member, Member.id == Opportunity.owner_id), f, matched)
    return [tuple(row) for row in session.execute(query.order_by(Opportunity.number).limit(limit)).unique().all()]


def deal_by_number(session: Session, workspace_id: str, number: int, *, for_update: bool = False) -> Opportunity | None:
    query = select(Opportunity).where(Opportunity.workspace_id == workspace_id, Opportunity.number == number)
    if for_update:
        query = query.with_for_update(of=Opportunity)
    return session.scalars(query).unique().one_or_none()


def deal_by_request_key(session: Session, workspace_id: str, request_key: str) -> Opportunity | None:
    return session.scalars(select(Opportunity).where(Opportunity.workspace_id == workspace_id, Opportunity.request_key == request_key)).unique().one_or_none()


def next_deal_number(session: Session, workspace_id: str) -> int:
    """Atomically take the workspace's next short number (#42); the row lock serialises takers."""
    taken = session.execute(
        update(Workspace).where(Workspace.id == workspace_id).values(next_number=Workspace.next_number + 1).returning(Workspace.next_number)
    ).scalar_one()
    return taken - 1


def deal_events(session: Session, opportunity_id: int, *, limit: int) -> tuple[list[Event], int]:
    total = session.scalar(select(func.count(Event.id)).where(Event.opportunity_id == opportunity_id)) or 0
    rows = session.scalars(select(Event).where(Event.opportunity_id == opportunity_id).order_by(Event.id.desc()).limit(limit)).unique().all()
    return list(rows), total
