"""The daily digest in few scans: the open pipeline (OpenSummary), what happened in a window
(WindowSummary), stage advances and owner changes per deal owner, and activities per member.
Each is one grouped pass over its table with conditional sums (SUM of CASE) in the database;
Python only adds up the grouped totals. The building blocks (open deals, stalled and overdue
conditions, money sums) are bot.reporting.metrics'.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, case, func, or_, select

from bot.blocks.views import Money, StageRow
from bot.core.config import Config
from bot.core.forecast_categories import COMMIT, stage_defaults
from bot.core.periods import Period
from bot.reporting.metrics import add, money, open_where, overdue_condition, stage_rank, stalled_condition
from store.models import Activity, Event, Opportunity


def sum_when(condition, value=None):
    """SUM of ``value`` (1 when not given) over the rows where ``condition`` holds; NULL if none."""
    return func.sum(case((condition, 1 if value is None else value), else_=None))


# --- open deals -----------------------------------------------------------------------------------


@dataclass
class OpenSummary:
    """Open deals in one pass, grouped by owner, stage and currency with conditional sums."""

    pipeline: list[StageRow]
    stalled: int
    overdue: int
    closing: int
    closing_amount: Money
    closing_weighted: Money
    month_weighted: Money
    month_committed: Money
    quarter_weighted: Money
    quarter_committed: Money
    by_owner: dict[int, tuple[int, int]]  # owner -> (open, overdue)


def open_summary(session, config, workspace_id, *, now: datetime, today: date, week: Period, month: Period, quarter: Period, owner_ids=None) -> OpenSummary:
    """The open deals (of ``owner_ids``, else the whole workspace) as they stand at ``now``, from
    one grouped pass: see OpenSummary."""
    rows = _open_rows(session, config, workspace_id, now=now, today=today, week=week, month=month, quarter=quarter, owner_ids=owner_ids)
    return _fold_open_rows(config, rows)


def _open_rows(session, config: Config, workspace_id, *, now: datetime, today: date, week: Period, month: Period, quarter: Period, owner_ids):
    """One row per currency, stage and owner of the open deals: count, amount, weighted amount,
    stalled, overdue, and the amounts closing this week, month and quarter."""
    # grouped by stage, so a weighted sum is SUM(amount * own probability) for deals that have one
    # plus the stage's default times SUM(amount) for those that don't: no per-row CASE over stages
    amount = Opportunity.amount
    own = Opportunity.win_probability.is_not(None)
    w = case((own, amount * Opportunity.win_probability), else_=None)
    w_default = case((own, None), else_=amount)
    close = Opportunity.expected_close
    in_week = and_(close >= week.first, close <= week.last)
    in_month = and_(close >= month.first, close <= month.last)
    in_quarter = and_(close >= quarter.first, close <= quarter.last)
    return session.execute(
        select(
            Opportunity.owner_id,
            Opportunity.stage,
            Opportunity.currency,
            func.count(Opportunity.id),
            func.sum(amount),
            func.sum(w),
            func.sum(w_default),
            sum_when(stalled_condition(config, now)),
            sum_when(overdue_condition(today)),
            sum_when(in_week),
            sum_when(in_week, amount),
            sum_when(in_week, w),
            sum_when(in_week, w_default),
            sum_when(in_month, w),
            sum_when(in_month, w_default),
            sum_when(in_month, amount),
            sum_when(in_quarter, w),
            sum_when(in_quarter, w_default),
            sum_when(in_quarter, amount),
            Opportunity.forecast_category,
        )
        .where(*open_where(workspace_id, owner_ids))
        # currency first: no index starts with it, so SQLite reads the table in order instead of
        # hopping through the owner index (several times slower on a big pipeline)
        .group_by(Opportunity.currency, Opportunity.stage, Opportunity.owner_id, Opportunity.forecast_category)
    ).all()


def _weighted(own_sum, default_sum, default_probability: Decimal) -> Decimal:
    """A weighted amount from its two sums: deals with their own probability (already weighted)
    and deals without one (to weigh by the stage's default probability)."""
    total = Decimal(str(own_sum)) if own_sum is not None else Decimal(0)
    if default_sum is not None:
        total += Decimal(str(default_sum)) * default_probability
    return total


def _fold_open_rows(config: Config, rows) -> OpenSummary:
    """Add up the grouped rows of ``_open_rows`` into the pipeline by stage, the counts, the sums
    per currency and the open and overdue deals per owner."""
    defaults = stage_defaults(config)
    probabilities = {s.key: Decimal(str(s.probability)) for s in config.stages}
    by_stage = {s.key: StageRow(s.key) for s in config.stages}
    by_owner: dict[int, tuple[int, int]] = {}
    sums = defaultdict(list)
    stalled = overdue = closing_count = 0
    for owner, stage, currency, n, amt, wt, wt_d, st, od, wk_n, wk_amt, wk_w, wk_wd, m_w, m_wd, m_amt, q_w, q_wd, q_amt, chosen in rows:
        p = probabilities.get(stage, Decimal(0))
        wt, wk_w, m_w, q_w = _weighted(wt, wt_d, p), _weighted(wk_w, wk_wd, p), _weighted(m_w, m_wd, p), _weighted(q_w, q_wd, p)
        m_c, q_c = (m_amt, q_amt) if (chosen or defaults.get(stage)) == COMMIT else (None, None)
        row = by_stage.setdefault(stage, StageRow(stage))
        row.count += n
        row.amount = add(row.amount, money([(currency, amt)]))
        row.weighted = add(row.weighted, money([(currency, wt)]))
        stalled += st or 0
        overdue += od or 0
        closing_count += wk_n or 0
        o_n, o_od = by_owner.get(owner, (0, 0))
        by_owner[owner] = (o_n + n, o_od + (od or 0))
        for name, value in (("wk_amt", wk_amt), ("wk_w", wk_w), ("m_w", m_w), ("m_c", m_c), ("q_w", q_w), ("q_c", q_c)):
            sums[name].append((currency, value))
    return OpenSummary(
        pipeline=list(by_stage.values()),
        stalled=stalled,
        overdue=overdue,
        closing=closing_count,
        closing_amount=money(sums["wk_amt"]),
        closing_weighted=money(sums["wk_w"]),
        month_weighted=money(sums["m_w"]),
        month_committed=money(sums["m_c"]),
        quarter_weighted=money(sums["q_w"]),
        quarter_committed=money(sums["q_c"]),
        by_owner=by_owner,
    )


# --- a window -------------------------------------------------------------------------------------


@dataclass
class WindowSummary:
    """What happened in a window, and the won amounts of the month and quarter, in one pass."""

    new: int
    new_amount: Money
    won: int
    won_amount: Money
    lost: int
    lost_amount: Money
    month_won: Money
    quarter_won: Money


def window_summary(session, workspace_id, start: datetime, end: datetime, month: Period, quarter: Period) -> WindowSummary:
    o = Opportunity
    since = min(start, quarter.start)
    created = and_(o.created_at >= start, o.created_at < end)
    closed_in = and_(o.closed_at >= start, o.closed_at < end)
    won = o.status == "won"
    rows = session.execute(
        select(
            o.currency,
            sum_when(created),
            sum_when(created, o.amount),
            sum_when(and_(won, closed_in)),
            sum_when(and_(won, closed_in), o.amount),
            sum_when(and_(o.status == "lost", closed_in)),
            sum_when(and_(o.status == "lost", closed_in), o.amount),
            sum_when(and_(won, o.closed_at >= month.start, o.closed_at < month.end), o.amount),
            sum_when(and_(won, o.closed_at >= quarter.start, o.closed_at < quarter.end), o.amount),
        )
        .where(o.workspace_id == workspace_id, or_(o.created_at >= start, o.closed_at >= since))
        .group_by(o.currency)
    ).all()
    sums = defaultdict(list)
    counts = defaultdict(int)
    for currency, n_new, a_new, n_won, a_won, n_lost, a_lost, m_won, q_won in rows:
        counts["new"] += n_new or 0
        counts["won"] += n_won or 0
        counts["lost"] += n_lost or 0
        for name, value in (("new", a_new), ("won", a_won), ("lost", a_lost), ("m", m_won), ("q", q_won)):
            sums[name].append((currency, value))
    return WindowSummary(
        new=counts["new"],
        new_amount=money(sums["new"]),
        won=counts["won"],
        won_amount=money(sums["won"]),
        lost=counts["lost"],
        lost_amount=money(sums["lost"]),
        month_won=money(sums["m"]),
        quarter_won=money(sums["q"]),
    )


def event_summary(session, config, workspace_id, start: datetime, end: datetime) -> dict[int, tuple[int, int]]:
    """Per deal owner: stage advances and owner changes in the window. The window's events are
    picked first (MATERIALIZED: one pass over the events), then joined to their deals."""
    forward = and_(Event.kind == "stage", stage_rank(Event.new, config) > stage_rank(Event.old, config))
    owner_change = and_(Event.kind == "updated", Event.field == "owner")
    picked = (
        select(Event.opportunity_id, case((forward, 1), else_=0).label("fwd"), case((owner_change, 1), else_=0).label("moved"))
        .where(Event.at >= start, Event.at < end, Event.kind.in_(("stage", "updated")))
        .cte("window_events")
        .prefix_with("MATERIALIZED")
    )
    rows = session.execute(
        select(Opportunity.owner_id, func.sum(picked.c.fwd), func.sum(picked.c.moved))
        .select_from(picked)
        .join(Opportunity, Opportunity.id == picked.c.opportunity_id)
        .where(Opportunity.workspace_id == workspace_id)
        .group_by(Opportunity.owner_id)
    ).all()
    return {owner: (int(adv or 0), int(moves or 0)) for owner, adv, moves in rows}


def activity_counts(session, workspace_id, start: datetime, end: datetime) -> dict[int, int]:
    """Activities logged per member in the window (stage changes are not activities)."""
    picked = (
        select(Activity.member_id, Activity.opportunity_id)
        .where(Activity.created_at >= start, Activity.created_at < end, Activity.kind != "stage_change")
        .cte("window_activities")
        .prefix_with("MATERIALIZED")
    )
    return dict(
        session.execute(
            select(picked.c.member_id, func.count())
            .select_from(picked)
            .join(Opportunity, Opportunity.id == picked.c.opportunity_id)
            .where(Opportunity.workspace_id == workspace_id)
            .group_by(picked.c.member_id)
        ).all()
    )
