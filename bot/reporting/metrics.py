"""Pipeline figures for digests, reports and the Home tab, each computed by SQL aggregates
(COUNT / SUM with CASE, GROUP BY) in the database; Python only receives the totals and the few
deals a list shows. The daily digest's few-scan summaries are in bot.reporting.summaries.

Amounts are summed per currency (a ``Money`` maps currency -> amount). A deal's weighted amount is
its amount times its win probability, or the stage's default probability when it has none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from bot.blocks.views import Forecast, Funnel, Item, ItemList, Money, RepRow, StageRow, TrendPoint
from bot.core.config import Config
from bot.core.forecast_categories import BEST_CASE, COMMIT, PIPELINE
from bot.core.periods import Period, month_of
from bot.deals.forecasts import category_column
from store.models import Activity, Alert, AssignmentOffer, Event, Member, Opportunity, Review, Risk, UTCDateTime

CENT = Decimal("0.01")
Deals = tuple  # extra WHERE conditions on Opportunity that narrow a figure to some deals (a region, an industry)


def money(rows) -> Money:
    """{currency: amount} from (currency, amount) rows, dropping empty sums."""
    out: Money = defaultdict(Decimal)
    for currency, amount in rows:
        if amount is not None:
            out[currency] += Decimal(str(amount))
    return {c: v.quantize(CENT, rounding=ROUND_HALF_UP) for c, v in out.items() if v}


def add(*parts: Money) -> Money:
    out: Money = defaultdict(Decimal)
    for part in parts:
        for currency, amount in part.items():
            out[currency] += amount
    return {c: v for c, v in out.items() if v}


# --- SQL building blocks --------------------------------------------------------------------


def stage_probability(column, config: Config):
    """The default win probability of the stage in ``column``."""
    return case({s.key: s.probability for s in config.stages}, value=column, else_=0.0)


def probability(config: Config):
    """The deal's win probability, else its stage's default."""
    return func.coalesce(Opportunity.win_probability, stage_probability(Opportunity.stage, config))


def weighted_amount(config: Config):
    return Opportunity.amount * probability(config)


def stage_rank(column, config: Config):
    return case({s.key: i for i, s in enumerate(config.stages)}, value=column, else_=-1)


def stall_cutoffs(config: Config, now: datetime) -> tuple[tuple[str, datetime], ...]:
    """(stage, moment) pairs: a deal in that stage with no activity since the moment is stalled."""
    return tuple((s.key, now - timedelta(days=s.stall_days)) for s in config.stages)


def stalled_condition(config: Config, now: datetime):
    """No activity for longer than the stage's stall_days."""
    cutoffs = {s.key: literal(now - timedelta(days=s.stall_days), UTCDateTime()) for s in config.stages}
    return Opportunity.last_activity_at < case(cutoffs, value=Opportunity.stage, else_=literal(now - timedelta(days=3650), UTCDateTime()))


def overdue_condition(today: date):
    return or_(Opportunity.next_step_due < today, Opportunity.expected_close < today)


def days_between(session: Session, later, earlier):
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return func.extract("epoch", later - earlier) / 86400.0


def open_where(workspace_id: str, owner_ids: tuple[int, ...] | None):
    """WHERE conditions for the workspace's open deals (of ``owner_ids`` when given)."""
    where = [Opportunity.workspace_id == workspace_id, Opportunity.status == "open"]
    if owner_ids is not None:
        where.append(Opportunity.owner_id.in_(owner_ids))
    return where


def closed_where(workspace_id: str, statuses: tuple[str, ...], start: datetime, end: datetime):
    """WHERE conditions for the workspace's deals closed with one of ``statuses`` in [start, end)."""
    return [Opportunity.workspace_id == workspace_id, Opportunity.status.in_(statuses), Opportunity.closed_at >= start, Opportunity.closed_at < end]


def open_then(at: datetime):
    """The deal was open just before the moment ``at``: created before it and, if closed (won,
    lost, merged, deleted), closed at or after it."""
    return and_(Opportunity.created_at < at, or_(Opportunity.status == "open", Opportunity.closed_at >= at))


def owned_where(workspace_id: str, owner_ids: tuple[int, ...] | None):
    """WHERE conditions for the workspace's deals in any status (of ``owner_ids`` when given)."""
    where = [Opportunity.workspace_id == workspace_id]
    if owner_ids is not None:
        where.append(Opportunity.owner_id.in_(owner_ids))
    return where


# --- queries ----------------------------------------------------------------------------------


def pipeline(
    session: Session, config: Config, workspace_id: str, owner_ids: tuple[int, ...] | None = None, *, at: datetime | None = None, deals: Deals = ()
) -> list[StageRow]:
    """Open deals by stage, in pipeline order: count, amount and weighted amount. With ``at``, the
    pipeline as it stood at that moment (:func:`pipeline_at`); ``deals``: only the deals matching
    these conditions (a region, an industry)."""
    if at is None:
        query = (
            select(Opportunity.stage, Opportunity.currency, func.count(Opportunity.id), func.sum(Opportunity.amount), func.sum(weighted_amount(config)))
            .where(*open_where(workspace_id, owner_ids), *deals)
            .group_by(Opportunity.stage, Opportunity.currency)
        )
    else:
        query = pipeline_at(config, workspace_id, owner_ids, at, deals)
    by_stage = {s.key: StageRow(s.key) for s in config.stages}
    for stage, currency, count, amount, weighted in session.execute(query).all():
        row = by_stage.setdefault(stage, StageRow(stage))
        row.count += count
        row.amount = add(row.amount, money([(currency, amount)]))
        row.weighted = add(row.weighted, money([(currency, weighted)]))
    return list(by_stage.values())


def pipeline_at(config: Config, workspace_id: str, owner_ids: tuple[int, ...] | None, at: datetime, deals: Deals = ()):
    """(stage, currency, count, amount, weighted) of the deals open just before ``at``, from the
    event log: created before it and, if closed (won, lost, merged, deleted), closed at or after
    it. A deal's stage then is the ``old`` of its first stage change at or after ``at``, else its
    stage now (an imported deal has no stage changes). Weighted by the stage's probability: a
    deal's own is today's estimate, or its outcome once closed, neither known then."""
    moved_later = (
        select(Event.old)
        .where(Event.opportunity_id == Opportunity.id, Event.kind == "stage", Event.at >= at)
        .order_by(Event.at, Event.id)
        .limit(1)
        .correlate(Opportunity)
        .scalar_subquery()
    )
    then = (
        select(func.coalesce(moved_later, Opportunity.stage).label("stage"), Opportunity.currency, Opportunity.amount)
        .where(*owned_where(workspace_id, owner_ids), *deals, open_then(at))
        .subquery()
    )
    weighted = then.c.amount * stage_probability(then.c.stage, config)
    return select(then.c.stage, then.c.currency, func.count(), func.sum(then.c.amount), func.sum(weighted)).group_by(then.c.stage, then.c.currency)


def items(session: Session, where, order, top: int, *, day_column=None, with_amount: bool = False, total: int | None = None, offset: int = 0) -> ItemList:
    """How many deals match ``where`` (and their amount per currency), and the first ``top`` (after
    the first ``offset``, for a page). A ``total`` already known (from a summary) is not counted again."""
    if total is None:
        total = session.scalar(select(func.count(Opportunity.id)).where(*where)) or 0
    amount = {}
    if with_amount and total:
        amount = money(session.execute(select(Opportunity.currency, func.sum(Opportunity.amount)).where(*where).group_by(Opportunity.currency)).all())
    shown = []
    if total and top:
        columns = [
            Opportunity.number,
            Opportunity.title,
            Opportunity.amount,
            Opportunity.currency,
            Member.slack_user_id,
            Opportunity.last_activity_at,
            Member.display_name,
        ]
        if day_column is not None:
            columns.append(day_column)
        # the few ids first (a top-N sort over the deals alone), then their owners
        first = select(Opportunity.id).where(*where).order_by(*order).limit(top).offset(offset or None).scalar_subquery()
        rows = session.execute(select(*columns).join(Member, Member.id == Opportunity.owner_id).where(Opportunity.id.in_(first)).order_by(*order)).all()
        shown = [Item(r[0], r[1], r[2], r[3], r[4], r[6] or "", day=r[7] if day_column is not None else None, since=r[5]) for r in rows]
    return ItemList(total, shown, amount)


def stalled(session, config, workspace_id, now, top, owner_ids=None, total=None) -> ItemList:
    return items(
        session, [*open_where(workspace_id, owner_ids), stalled_condition(config, now)], [Opportunity.last_activity_at, Opportunity.number], top, total=total
    )


def first_due():
    """The earlier of a deal's next step's due date and its close date (either may be missing)."""
    return case(
        (
            and_(Opportunity.next_step_due.is_not(None), or_(Opportunity.expected_close.is_(None), Opportunity.next_step_due <= Opportunity.expected_close)),
            Opportunity.next_step_due,
        ),
        else_=Opportunity.expected_close,
    )


def overdue(session, workspace_id, today, top, owner_ids=None, total=None) -> ItemList:
    due = first_due()
    return items(session, [*open_where(workspace_id, owner_ids), overdue_condition(today)], [due, Opportunity.number], top, day_column=due, total=total)


def at_risk(session, workspace_id, top, owner_ids=None, *, where=(), order=None) -> ItemList:
    """Open deals with an open risk flag (and ``where``), biggest first (or in ``order``), each with its flags' kinds."""
    flagged = exists().where(Risk.opportunity_id == Opportunity.id, Risk.cleared_at.is_(None))
    order = order or [Opportunity.amount.desc().nulls_last(), Opportunity.number]
    return with_risk_kinds(session, workspace_id, items(session, [*open_where(workspace_id, owner_ids), flagged, *where], order, top))


def with_risk_kinds(session, workspace_id, found: ItemList) -> ItemList:
    """``found`` with each deal's open risk flags' kinds."""
    if not found.items:
        return found
    kinds: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(Opportunity.number, Risk.kind)
        .join(Risk, Risk.opportunity_id == Opportunity.id)
        .where(Opportunity.workspace_id == workspace_id, Opportunity.number.in_([i.number for i in found.items]), Risk.cleared_at.is_(None))
        .order_by(Risk.id)
    )
    for number, kind in rows:
        if kind not in kinds[number]:
            kinds[number].append(kind)
    found.items = [replace(i, risks=tuple(kinds[i.number])) for i in found.items]
    return found


def due_on(session, workspace_id, day, top, owner_ids=None) -> ItemList:
    return items(
        session, [*open_where(workspace_id, owner_ids), Opportunity.next_step_due == day], [Opportunity.number], top, day_column=Opportunity.next_step_due
    )


def closing(session, workspace_id, period: Period, top, owner_ids=None, total=None, amount=None) -> ItemList:
    where = [*open_where(workspace_id, owner_ids), Opportunity.expected_close >= period.first, Opportunity.expected_close <= period.last]
    found = items(
        session,
        where,
        [Opportunity.amount.desc().nulls_last(), Opportunity.number],
        top,
        day_column=Opportunity.expected_close,
        with_amount=amount is None,
        total=total,
    )
    if amount is not None:
        found.amount = amount
    return found


def closed(session, workspace_id, status: str, start: datetime, end: datetime, top, *, total: int, amount: Money) -> ItemList:
    """The deals ``status`` (won or lost) in [start, end), biggest first; their count and amount are already known."""
    found = items(session, closed_where(workspace_id, (status,), start, end), [Opportunity.amount.desc().nulls_last(), Opportunity.number], top, total=total)
    found.amount = amount
    return found


def unanswered_offers(session, workspace_id) -> int:
    """Automatic assignments still waiting for their assignee's answer."""
    return session.scalar(select(func.count(AssignmentOffer.id)).where(AssignmentOffer.workspace_id == workspace_id, AssignmentOffer.status == "offered")) or 0


def open_alerts(session, workspace_id) -> dict[str, int]:
    """The workspace's alerts not yet cleared, counted per condition."""
    query = select(Alert.condition, func.count(Alert.id)).where(Alert.workspace_id == workspace_id, Alert.cleared_at.is_(None))
    return dict(session.execute(query.group_by(Alert.condition)).all())


def forecast(session, config, workspace_id, period: Period, target: float, owner_ids=None) -> Forecast:
    """Won in the period; weighted, and by forecast category (committed = category commit), the
    open deals expected to close in it."""
    category = category_column(config)

    def of(name: str):
        return func.sum(case((category == name, Opportunity.amount), else_=None))

    rows = session.execute(
        select(Opportunity.currency, func.sum(weighted_amount(config)), of(COMMIT), of(BEST_CASE), of(PIPELINE))
        .where(*open_where(workspace_id, owner_ids), Opportunity.expected_close >= period.first, Opportunity.expected_close <= period.last)
        .group_by(Opportunity.currency)
    ).all()
    won = money(
        session.execute(
            select(Opportunity.currency, func.sum(Opportunity.amount))
            .where(
                *owned_where(workspace_id, owner_ids), Opportunity.status == "won", Opportunity.closed_at >= period.start, Opportunity.closed_at < period.end
            )
            .group_by(Opportunity.currency)
        ).all()
    )
    return Forecast(
        period=period,
        won=won,
        weighted=money((r[0], r[1]) for r in rows),
        committed=money((r[0], r[2]) for r in rows),
        target=target,
        best_case=money((r[0], r[3]) for r in rows),
        pipeline=money((r[0], r[4]) for r in rows),
    )


def reps(session, config, workspace_id, start: datetime, end: datetime, today: date, owner_ids=None) -> list[RepRow]:
    """Per member: open deals, overdue ones, stage advances and activities logged in the window,
    deals won in it. Members with nothing to show are left out; most open deals first."""
    members = {
        i: (u, n) for i, u, n in session.execute(select(Member.id, Member.slack_user_id, Member.display_name).where(Member.workspace_id == workspace_id))
    }
    rows: dict[int, RepRow] = {}

    def row(member_id: int) -> RepRow:
        if member_id not in rows:
            rows[member_id] = RepRow(member_id, *members.get(member_id, ("?", "")))
        return rows[member_id]

    for owner, count, late in session.execute(
        select(Opportunity.owner_id, func.count(Opportunity.id), func.sum(case((overdue_condition(today), 1), else_=0)))
        .where(*open_where(workspace_id, owner_ids))
        .group_by(Opportunity.owner_id)
    ):
        r = row(owner)
        r.open, r.overdue = count, int(late or 0)
    for owner, count in session.execute(
        select(Opportunity.owner_id, func.count(Event.id))
        .join(Opportunity, Opportunity.id == Event.opportunity_id)
        .where(
            *owned_where(workspace_id, owner_ids),
            Event.at >= start,
            Event.at < end,
            Event.kind == "stage",
            stage_rank(Event.new, config) > stage_rank(Event.old, config),
        )
        .group_by(Opportunity.owner_id)
    ):
        row(owner).advanced = count
    activity_query = (
        select(Activity.member_id, func.count(Activity.id))
        .join(Opportunity, Opportunity.id == Activity.opportunity_id)
        .where(Opportunity.workspace_id == workspace_id, Activity.created_at >= start, Activity.created_at < end, Activity.kind != "stage_change")
    )
    if owner_ids is not None:
        activity_query = activity_query.where(Activity.member_id.in_(owner_ids))
    for member_id, count in session.execute(activity_query.group_by(Activity.member_id)):
        row(member_id).activities = count
    for owner, currency, count, amount in session.execute(
        select(Opportunity.owner_id, Opportunity.currency, func.count(Opportunity.id), func.sum(Opportunity.amount))
        .where(*owned_where(workspace_id, owner_ids), Opportunity.status == "won", Opportunity.closed_at >= start, Opportunity.closed_at < end)
        .group_by(Opportunity.owner_id, Opportunity.currency)
    ):
        r = row(owner)
        r.won += count
        r.won_amount = add(r.won_amount, money([(currency, amount)]))
    return sorted(rows.values(), key=lambda r: (-r.open, -r.activities, r.slack_user_id))


def funnel(session, config, workspace_id, period: Period, deals: Deals = ()) -> Funnel:
    """Conversion, win rate, cycle, time in stage, loss reasons and new pipeline for ``period``, of
    the deals matching ``deals`` (all when empty)."""
    start, end = period.start, period.end
    forward = _stage_moves(session, config, workspace_id, start, end, deals, forward=True)
    backward = _stage_moves(session, config, workspace_id, start, end, deals, forward=False)
    closed_rows = _closed_by_stage(session, workspace_id, start, end, deals)
    conversion, won, lost, won_amount = _conversion(config, forward, backward, closed_rows)
    cycle = _cycle_days(session, workspace_id, start, end, deals)
    stage_days = _stage_days(session, workspace_id, start, end, deals)
    losses = _losses(session, workspace_id, start, end, deals)
    new_rows = _new_deals(session, workspace_id, start, end, deals)
    return Funnel(
        period=period,
        conversion=conversion,
        won=won,
        lost=lost,
        won_amount=won_amount,
        cycle_days=float(cycle) if cycle is not None else None,
        stage_days={k: float(v) for k, v in stage_days.items() if v is not None},
        losses=losses,
        new=sum(n for _, n, _ in new_rows),
        new_amount=money((c, a) for c, _, a in new_rows),
    )


def _stage_moves(session, config, workspace_id, start: datetime, end: datetime, deals: Deals, *, forward: bool) -> list[tuple[str, int]]:
    """(stage left, count) of the stage changes in the window: to a later stage when ``forward``,
    else to the same or an earlier one."""
    new_rank, old_rank = stage_rank(Event.new, config), stage_rank(Event.old, config)
    return session.execute(
        select(Event.old, func.count(Event.id))
        .join(Opportunity, Opportunity.id == Event.opportunity_id)
        .where(
            Opportunity.workspace_id == workspace_id,
            *deals,
            Event.kind == "stage",
            Event.at >= start,
            Event.at < end,
            new_rank > old_rank if forward else new_rank <= old_rank,
        )
        .group_by(Event.old)
    ).all()


def _closed_by_stage(session, workspace_id, start: datetime, end: datetime, deals: Deals):
    """(status, stage, currency, count, amount) of the deals won or lost in the window."""
    return session.execute(
        select(Opportunity.status, Opportunity.stage, Opportunity.currency, func.count(Opportunity.id), func.sum(Opportunity.amount))
        .where(*closed_where(workspace_id, ("won", "lost"), start, end), *deals)
        .group_by(Opportunity.status, Opportunity.stage, Opportunity.currency)
    ).all()


def _conversion(config, forward, backward, closed_rows) -> tuple[list[tuple[str, int, int]], int, int, Money]:
    """Per stage, the deals that moved on (forward or won from it) out of all that left it; and
    the deals won, lost and the amount won."""
    moved = defaultdict(int, dict(forward))  # one row per stage
    left = defaultdict(int, dict(forward))
    for stage, count in backward:
        left[stage] += count
    won = lost = 0
    won_amount: Money = {}
    for status, stage, currency, count, amount in closed_rows:
        left[stage] += count
        if status == "won":
            moved[stage] += count
            won += count
            won_amount = add(won_amount, money([(currency, amount)]))
        else:
            lost += count
    return [(s.key, moved[s.key], left[s.key]) for s in config.stages], won, lost, won_amount


def _cycle_days(session, workspace_id, start: datetime, end: datetime, deals: Deals):
    """Average days from creation to winning, over the deals won in the window (None if none)."""
    return session.scalar(
        select(func.avg(days_between(session, Opportunity.closed_at, Opportunity.created_at))).where(*closed_where(workspace_id, ("won",), start, end), *deals)
    )


def _stage_days(session, workspace_id, start: datetime, end: datetime, deals: Deals) -> dict:
    """Per stage left in the window, the average days spent in it. A deal leaves a stage by a
    stage change (in it since the previous stage change, or the deal's creation) or by being won
    or lost (in it since its last stage change, or ``stage_entered_at`` when it has none: an
    imported deal). One average over both kinds of leaving."""
    earlier = aliased(Event)
    entered = (
        select(func.max(earlier.at))
        .where(earlier.opportunity_id == Event.opportunity_id, earlier.kind == "stage", earlier.id < Event.id)
        .correlate(Event)
        .scalar_subquery()
    )
    moves = (
        select(Event.old.label("stage"), days_between(session, Event.at, func.coalesce(entered, Opportunity.created_at)).label("days"))
        .join(Opportunity, Opportunity.id == Event.opportunity_id)
        .where(Opportunity.workspace_id == workspace_id, *deals, Event.kind == "stage", Event.at >= start, Event.at < end)
    )
    last_move = select(func.max(Event.at)).where(Event.opportunity_id == Opportunity.id, Event.kind == "stage").correlate(Opportunity).scalar_subquery()
    closes = select(
        Opportunity.stage.label("stage"), days_between(session, Opportunity.closed_at, func.coalesce(last_move, Opportunity.stage_entered_at)).label("days")
    ).where(*closed_where(workspace_id, ("won", "lost"), start, end), *deals)
    spans = union_all(moves, closes).subquery()
    return dict(session.execute(select(spans.c.stage, func.avg(spans.c.days)).group_by(spans.c.stage)).all())


def _losses(session, workspace_id, start: datetime, end: datetime, deals: Deals) -> list[tuple[str, int, Money]]:
    """(reason, count, amount) of the deals lost in the window, the most frequent reason first."""
    rows = session.execute(
        select(Opportunity.lost_reason, Opportunity.currency, func.count(Opportunity.id), func.sum(Opportunity.amount))
        .where(*closed_where(workspace_id, ("lost",), start, end), *deals)
        .group_by(Opportunity.lost_reason, Opportunity.currency)
    ).all()
    return _ranked((reason or "other", currency, count, amount) for reason, currency, count, amount in rows)


def competitor_losses(session, workspace_id: str, start: datetime, end: datetime) -> list[tuple[str, int, Money]]:
    """(competitor, count, amount) of the deals lost in the window whose review names a competitor,
    the most frequent first; a competitor is one whatever the case or spaces around it, named as
    most of its reviews write it (the first such spelling in sort order on a tie)."""
    name = func.trim(Review.competitor)
    rows = session.execute(
        select(func.lower(name), name, Opportunity.currency, func.count(Opportunity.id), func.sum(Opportunity.amount))
        .join(Review, Review.opportunity_id == Opportunity.id)
        .where(*closed_where(workspace_id, ("lost",), start, end), name != "")
        .group_by(func.lower(name), name, Opportunity.currency)
    ).all()
    spellings: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, spelt, _, count, _ in rows:
        spellings[key][spelt] += count
    shown = {key: min(names, key=lambda n: (-names[n], n)) for key, names in spellings.items()}
    return _ranked((shown[key], currency, count, amount) for key, _, currency, count, amount in rows)


def _ranked(rows) -> list[tuple[str, int, Money]]:
    """(name, count, amount) from (name, currency, count, amount) rows, summed per name, the most
    frequent first (then by name)."""
    totals: dict[str, tuple[int, Money]] = {}
    for name, currency, count, amount in rows:
        n, m = totals.get(name, (0, {}))
        totals[name] = (n + count, add(m, money([(currency, amount)])))
    return sorted(((r, n, m) for r, (n, m) in totals.items()), key=lambda x: (-x[1], x[0]))


def _new_deals(session, workspace_id, start: datetime, end: datetime, deals: Deals):
    """(currency, count, amount) of the deals created in the window."""
    return session.execute(
        select(Opportunity.currency, func.count(Opportunity.id), func.sum(Opportunity.amount))
        .where(Opportunity.workspace_id == workspace_id, *deals, Opportunity.created_at >= start, Opportunity.created_at < end)
        .group_by(Opportunity.currency)
    ).all()


def forecast_by_month(session, config, workspace_id, first: date, months: int, tz: ZoneInfo, owner_ids=None) -> list[Forecast]:
    """Won, weighted and committed per month for ``months`` months from ``first``'s month."""
    out = []
    day = first.replace(day=1)
    for _ in range(months):
        period = month_of(day, tz)
        out.append(forecast(session, config, workspace_id, period, config.digest.month_target, owner_ids))
        day = period.last + timedelta(days=1)
    return out


def pipeline_trend(session: Session, config: Config, workspace_id: str, ends: list[datetime]) -> list[TrendPoint]:
    """The open pipeline as it stood at each moment in ``ends`` (deals created by then and not
    closed by then), in one pass over the workspace's deals: a COUNT and a SUM per moment, for
    each currency."""
    columns = []
    for i, end in enumerate(ends):
        was_open = and_(Opportunity.created_at <= end, or_(Opportunity.closed_at.is_(None), Opportunity.closed_at > end))
        columns.append(func.sum(case((was_open, 1), else_=0)).label(f"n{i}"))
        columns.append(func.sum(case((was_open, Opportunity.amount), else_=0)).label(f"a{i}"))
    rows = session.execute(
        select(Opportunity.currency, *columns).where(Opportunity.workspace_id == workspace_id, Opportunity.status != "deleted").group_by(Opportunity.currency)
    ).all()
    return [TrendPoint(end, sum(int(row[1 + 2 * i] or 0) for row in rows), money((row[0], row[2 + 2 * i]) for row in rows)) for i, end in enumerate(ends)]
