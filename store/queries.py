"""Read queries over deals. The database filters, sorts, counts and pages; Python only receives
the page it shows."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Integer, Row, Select, Table, bindparam, case, column, exists, func, literal, or_, select, text, update
from sqlalchemy.orm import Session

from store.db import wrote_outside
from store.models import Activity, Event, Member, Opportunity, Risk, Target, UTCDateTime, Workspace


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
    region: str | None = None  # these three: the same text, in any case
    industry: str | None = None
    source: str | None = None


SEARCH_MIN = 3  # characters a text search needs to use the search index (trigrams); shorter ones scan


# SQLite's search index is kept in step by a trigger per inserted row (migration 0007), which costs
# as much as the insert itself; a bulk insert drops it in its transaction and indexes its rows with
# one statement instead (tokenising in one go is a sixth of the cost), then puts the trigger back.
_SEARCH_TRIGGER = (
    "CREATE TRIGGER opportunities_search_ai AFTER INSERT ON opportunities BEGIN "
    "INSERT INTO opportunities_search(rowid, title, account, contact) VALUES (new.id, new.title, new.account, new.contact); END"
)


@contextlib.contextmanager
def bulk_insert(session: Session) -> Iterator[None]:
    """Around inserting many deals in ``session``'s transaction: on SQLite the search index gets
    them in one statement at the end (the transaction holds the write lock throughout, and a
    rollback puts everything back). Elsewhere it changes nothing."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    before = session.scalar(select(func.max(Opportunity.id))) or 0
    session.execute(text("DROP TRIGGER opportunities_search_ai"))
    yield
    session.execute(
        text("INSERT INTO opportunities_search(rowid, title, account, contact) SELECT id, title, account, contact FROM opportunities WHERE id > :before"),
        {"before": before},
    )
    session.execute(text(_SEARCH_TRIGGER))


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert ``rows`` (all with the same keys) in ``session``'s transaction: on PostgreSQL with
    COPY (the values converted as SQLAlchemy would bind them), which takes half the time of an
    executemany there; elsewhere with one executemany."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = [(name, table.c[name].type._cached_bind_processor(connection.dialect)) for name in rows[0]]
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(name for name, _ in columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([bind(row[name]) if bind else row[name] for name, bind in columns])


SEARCH_CAP = 2000  # the newest matches a search (SQLite) considers: its page is the newest 20, its count stops at 100
# SQLite: the ids of the newest deals (at most :search_cap) whose title, account or contact holds
# the text, from the search index (migration 0007), found once for a statement (its page and its
# count both take them). SQLite reads them first, so a search is driven by its matches and reads
# those rows by primary key, rather than walking the workspace's deals and probing the matches for
# each. The index is read in its own order first, which costs a third of reading it newest first:
# only when that finds more matches than the cap are the newest read again, newest first.
_SEARCHED = (
    text(
        "WITH first AS MATERIALIZED (SELECT rowid FROM opportunities_search WHERE opportunities_search MATCH :phrase LIMIT :search_cap + 1) "
        "SELECT rowid FROM first WHERE (SELECT count(*) FROM first) <= :search_cap "
        "UNION ALL SELECT rowid FROM (SELECT rowid FROM opportunities_search WHERE opportunities_search MATCH :phrase ORDER BY rowid DESC "
        "LIMIT CASE WHEN (SELECT count(*) FROM first) > :search_cap THEN :search_cap ELSE 0 END)"
    )
    .columns(column("rowid", Integer))
    .cte("matched")
    .prefix_with("MATERIALIZED")
)


def _text_kind(session: Session, f: DealFilter) -> str | None:
    """How ``f.text`` is looked for: ``indexed`` (SQLite's search index), ``like`` (PostgreSQL's
    trigram indexes serve ILIKE itself; text too short for trigrams), None without text."""
    if not f.text:
        return None
    if len(f.text) < SEARCH_MIN or session.get_bind().dialect.name != "sqlite":
        return "like"
    return "indexed"


# A list's statements are built once for each shape of filter (which of its fields are set, how
# many statuses and owners it names) with the values as parameters: building a statement and its
# cache key costs ten times what SQLite takes to run it, on every request. The statuses and owners
# are a parameter each, not a list SQLAlchemy expands into the statement's text on every run.
Shape = tuple[int, int | None, bool, bool, bool, bool, int, bool, bool, str | None, tuple[str, ...]]
LABELS = ("region", "industry", "source")  # text fields a list filters on by their whole value


def _shape(f: DealFilter, text_kind: str | None) -> Shape:
    quiet = len(f.quiet_since or ())
    return (
        len(f.statuses),
        None if f.owner_ids is None else len(f.owner_ids),
        bool(f.stage),
        bool(f.overdue_on),
        bool(f.grade),
        bool(f.touch_due_by),
        quiet,
        bool(f.close_from),
        bool(f.close_to),
        text_kind,
        tuple(name for name in LABELS if getattr(f, name)),
    )


def _params(f: DealFilter, *, search_cap: int | None = None) -> dict:
    values = {
        "ws": f.workspace_id,
        **{f"status_{i}": status for i, status in enumerate(f.statuses)},
        **{f"owner_{i}": owner for i, owner in enumerate(f.owner_ids or ())},
        "stage": f.stage,
        "overdue": f.overdue_on,
        "grade": f.grade,
        "touch": f.touch_due_by,
        "close_from": f.close_from,
        "close_to": f.close_to,
        **{name: getattr(f, name).lower() for name in LABELS if getattr(f, name)},
    }
    for i, (stage, at) in enumerate(f.quiet_since or ()):
        values[f"quiet_stage_{i}"], values[f"quiet_at_{i}"] = stage, at
    if f.text:
        values["pattern"] = like_pattern(f.text)
        values["phrase"] = '"' + f.text.replace('"', '""') + '"'  # the words as one substring, in any of the three columns
        values["search_cap"] = SEARCH_CAP if search_cap is None else search_cap
    return values


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its % and _ taken as themselves (escaped with \\)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@functools.lru_cache(maxsize=512)
def _conditions(shape: Shape) -> tuple:
    statuses, owners, stage, overdue, grade, touch, quiet, close_from, close_to, text_kind, labels = shape
    where = [Opportunity.workspace_id == bindparam("ws"), Opportunity.status.in_([bindparam(f"status_{i}") for i in range(statuses)])]
    if owners is not None:
        where.append(Opportunity.owner_id.in_([bindparam(f"owner_{i}") for i in range(owners)]))
    if stage:
        where.append(Opportunity.stage == bindparam("stage"))
    if overdue:
        where.append(or_(Opportunity.next_step_due < bindparam("overdue"), Opportunity.expected_close < bindparam("overdue")))
    if grade:
        where.append(Opportunity.grade == bindparam("grade"))
    if touch:
        where.append(Opportunity.next_touch_due <= bindparam("touch"))
    if quiet:
        stages = [bindparam(f"quiet_stage_{i}") for i in range(quiet)]
        cutoff = case(*((Opportunity.stage == stages[i], bindparam(f"quiet_at_{i}", type_=UTCDateTime())) for i in range(quiet)))
        where += [Opportunity.stage.in_(stages), Opportunity.last_activity_at < cutoff]
    if close_from:
        where.append(Opportunity.expected_close >= bindparam("close_from"))
    if close_to:
        where.append(Opportunity.expected_close <= bindparam("close_to"))
    for name in labels:
        where.append(func.lower(getattr(Opportunity, name)) == bindparam(name))
    if text_kind == "indexed":
        where.append(Opportunity.id.in_(select(_SEARCHED.c.rowid)))
    elif text_kind == "like":
        pattern = bindparam("pattern")
        where.append(or_(*(column.ilike(pattern, escape="\\") for column in (Opportunity.title, Opportunity.account, Opportunity.contact))))
    return tuple(where)


# what a list shows of each deal (bot.blocks.views.DealLine, in its order): plain columns, no ORM objects
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
    # an open risk flag: one probe of ix_risks_opportunity per row of the page
    exists().where(Risk.opportunity_id == Opportunity.id, Risk.cleared_at.is_(None)).label("at_risk"),
)
# the three orders a list walks (the list indexes give each directly), each a page of ids
_ORDERS = {
    "newest": (Opportunity.number.desc(),),
    "dated": (Opportunity.expected_close, Opportunity.number),
    "undated": (Opportunity.number,),
}


@functools.lru_cache(maxsize=512)
def _ids(shape: Shape, order: str) -> Select:
    """A page of ids (``:limit`` of them) of the deals a filter of ``shape`` matches, in ``order``."""
    where = _conditions(shape)
    if order == "dated":
        where += (Opportunity.expected_close.is_not(None),)
    elif order == "undated":
        where += (Opportunity.expected_close.is_(None),)
    return select(Opportunity.id).where(*where).order_by(*_ORDERS[order]).limit(bindparam("limit"))


@functools.lru_cache(maxsize=512)
def _count(shape: Shape, capped: bool) -> Select:
    """How many deals a filter of ``shape`` matches; ``capped``: up to ``:count_limit`` only."""
    where = _conditions(shape)
    if not capped:
        return select(func.count()).select_from(Opportunity).where(*where)  # count(*): the index alone answers
    return select(func.count()).select_from(select(Opportunity.id).where(*where).limit(bindparam("count_limit")).subquery())


@functools.lru_cache(maxsize=1024)
def _page(shape: Shape, order: str, counted: str | None) -> Select:
    """A page of list lines in one statement: the page's ids in ``order`` (the LIMIT applied
    before anything is joined), their rows with their owners, and, unless ``counted`` is None,
    how many deals match in every row (``total``; ``capped``: up to ``:count_limit``), read in
    the same statement and so from the same snapshot."""
    page = _ids(shape, order).subquery("page")
    columns = list(LINE_COLUMNS)
    if counted is not None:
        columns.append(_count(shape, counted == "capped").scalar_subquery().correlate(None).label("total"))
    return (
        select(*columns)
        .select_from(page)
        .join(Opportunity, Opportunity.id == page.c.id)
        .join(Member, Member.id == Opportunity.owner_id)
        .order_by(*_ORDERS[order])
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
    without one last), then number; or newest first. One statement reads the page and its count;
    a second only when the deals with a close date do not fill the page."""
    shape, params = _shape(f, _text_kind(session, f)), _params(f)
    counted = "count" if count_limit is None else "capped"
    if count_limit is not None:
        params["count_limit"] = count_limit + 1
    run = session.connection().execute  # Core: rows, no ORM objects (a third less time a statement)
    if newest_first:
        rows = run(_page(shape, "newest", counted), {**params, "limit": limit}).all()  # all(): one fetch, not one a row
    else:
        rows = run(_page(shape, "dated", counted), {**params, "limit": limit}).all()
        if len(rows) < limit:  # counted already when the dated deals gave some rows
            rows += run(_page(shape, "undated", None if rows else counted), {**params, "limit": limit - len(rows)}).all()
    found = rows[0].total if rows else 0  # no row: nothing matches
    if count_limit is None:
        return Page(rows, found)
    return Page(rows, min(found, count_limit), found > count_limit)


def deals_with_owners(session: Session, f: DealFilter, *, limit: int) -> list[tuple[Opportunity, str]]:
    """Matching deals in number order, each with its owner's Slack user id (an export)."""
    query = select(Opportunity, Member.slack_user_id).join(Member, Member.id == Opportunity.owner_id)
    query = query.where(*_conditions(_shape(f, _text_kind(session, f)))).params(_params(f, search_cap=limit))
    return [tuple(row) for row in session.execute(query.order_by(Opportunity.number).limit(limit)).unique().all()]


_BY_NUMBER = select(Opportunity).where(Opportunity.workspace_id == bindparam("ws"), Opportunity.number == bindparam("number"))
_BY_NUMBER_LOCKED = _BY_NUMBER.with_for_update(of=Opportunity)
_BY_REQUEST_KEY = select(Opportunity).where(Opportunity.workspace_id == bindparam("ws"), Opportunity.request_key == bindparam("key"))
_NEXT_NUMBER = update(Workspace).where(Workspace.id == bindparam("ws")).values(next_number=Workspace.next_number + 1).returning(Workspace.next_number)


def deal_by_number(session: Session, workspace_id: str, number: int, *, for_update: bool = False) -> Opportunity | None:
    query = _BY_NUMBER_LOCKED if for_update else _BY_NUMBER
    return session.scalars(query, {"ws": workspace_id, "number": number}).unique().one_or_none()


def deal_by_request_key(session: Session, workspace_id: str, request_key: str) -> Opportunity | None:
    return session.scalars(_BY_REQUEST_KEY, {"ws": workspace_id, "key": request_key}).unique().one_or_none()


def next_deal_number(session: Session, workspace_id: str) -> int:
    """Atomically take the workspace's next short number (#42); the row lock serialises takers.
    The UPDATE runs on the session's connection after its pending changes, and the session is
    noted as one that wrote (store.db.wrote_outside): the ORM's UPDATE path cost more than the
    statement, and all it added was to set the counter on a Workspace object the session holds,
    which nothing reads there."""
    session.flush()
    wrote_outside(session)
    return session.connection().execute(_NEXT_NUMBER, {"ws": workspace_id}).scalar_one() - 1


def deal_events(session: Session, opportunity_id: int, *, limit: int) -> tuple[list[Event], int]:
    total = session.scalar(select(func.count(Event.id)).where(Event.opportunity_id == opportunity_id)) or 0
    rows = session.scalars(select(Event).where(Event.opportunity_id == opportunity_id).order_by(Event.id.desc()).limit(limit)).unique().all()
    return list(rows), total


def current_targets(session: Session, workspace_id: str, period_key: str) -> dict[int | None, Target]:
    """The targets in force for a period (2027-Q1, 2027-03), by member id (None: the team's);
    targets replaced since are history and left out."""
    rows = session.scalars(select(Target).where(Target.workspace_id == workspace_id, Target.period == period_key, Target.replaced_at.is_(None)))
    return {row.member_id: row for row in rows}


def deal_activities(session: Session, opportunity_id: int, *, limit: int) -> tuple[list[Activity], int]:
    """The deal's latest activities people logged (newest first, with who logged them; not its
    stage changes, which its events record) and how many it has."""
    logged = (Activity.opportunity_id == opportunity_id, Activity.kind != "stage_change")
    total = session.scalar(select(func.count(Activity.id)).where(*logged)) or 0
    query = select(Activity).where(*logged).order_by(Activity.created_at.desc(), Activity.id.desc()).limit(limit)
    return list(session.scalars(query).unique().all()), total


def amount_in(currency: str, rates: dict) -> object:
    """SQL for a deal's amount in ``currency``, from ``rates`` (what one unit of each other
    currency is worth in it); NULL for a currency without a rate."""
    known = {currency: 1.0, **{code: float(rate) for code, rate in rates.items()}}
    return Opportunity.amount * case({code: literal(rate) for code, rate in known.items()}, value=Opportunity.currency, else_=None)
