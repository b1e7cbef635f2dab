"""Attainment (达成) against targets: per owner and for the team, what was won in a month or
quarter, what is committed (open deals expected to close in it, forecast category commit) and the
weighted pipeline closing in it, each as a share of the target in force (store.queries
.current_targets). The team's target is the one set with `/opp target team …`, else config.toml's
``[digest.targets]`` month or quarter figure. Two grouped SQL queries per period."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.blocks.targets import Attained
from bot.blocks.views import Forecast, Money
from bot.core.config import Config
from bot.core.forecast_categories import COMMIT
from bot.core.periods import Period, period_key, whole_months
from bot.deals.forecasts import category_column
from bot.reporting.metrics import add, money, open_where, owned_where, weighted_amount
from store.models import Member, Opportunity, Target
from store.queries import current_targets


def config_target(period: Period, config: Config) -> float:
    """config.toml's target for a period: the quarter target for a quarter; for whole months (a
    month, a year, a range of whole months) the month target once per month; else none."""
    if period.name == "quarter":
        return config.digest.quarter_target
    return config.digest.month_target * whole_months(period)


def team_target(session: Session, config: Config, workspace_id: str, period: Period) -> float:
    """The team's target for ``period``: the one set for it (a month or a quarter), else config.toml's."""
    key = period_key(period)
    row = current_targets(session, workspace_id, key).get(None) if key else None
    return float(row.amount) if row is not None else config_target(period, config)


def by_owner(session: Session, config: Config, workspace_id: str, period: Period, owner_ids=None) -> dict[int, Attained]:
    """Won, committed and weighted per owner for ``period`` (owners with none of them left out)."""
    rows: dict[int, Attained] = {}
    committed = case((category_column(config) == COMMIT, Opportunity.amount), else_=None)
    open_rows = session.execute(
        select(Opportunity.owner_id, Opportunity.currency, func.sum(committed), func.sum(weighted_amount(config)))
        .where(*open_where(workspace_id, owner_ids), Opportunity.expected_close >= period.first, Opportunity.expected_close <= period.last)
        .group_by(Opportunity.owner_id, Opportunity.currency)
    )
    for owner, currency, commit_sum, weighted_sum in open_rows:
        row = rows.setdefault(owner, Attained(owner))
        row.committed = add(row.committed, money([(currency, commit_sum)]))
        row.weighted = add(row.weighted, money([(currency, weighted_sum)]))
    for owner, won in won_by_owner(session, workspace_id, period, owner_ids).items():
        rows.setdefault(owner, Attained(owner)).won = won
    return {owner: row for owner, row in rows.items() if row.won or row.committed or row.weighted}


def won_by_owner(session: Session, workspace_id: str, period: Period, owner_ids=None) -> dict[int, Money]:
    """What each owner won in ``period``, per currency."""
    rows = session.execute(
        select(Opportunity.owner_id, Opportunity.currency, func.sum(Opportunity.amount))
        .where(*owned_where(workspace_id, owner_ids), Opportunity.status == "won", Opportunity.closed_at >= period.start, Opportunity.closed_at < period.end)
        .group_by(Opportunity.owner_id, Opportunity.currency)
    )
    out: dict[int, Money] = {}
    for owner, currency, amount in rows:
        out[owner] = add(out.get(owner, {}), money([(currency, amount)]))
    return out


def attainment(session: Session, config: Config, workspace_id: str, period: Period) -> tuple[Attained, list[Attained]]:
    """The team's line (everyone's deals, the team's target) and one line per person who has a
    target or figures in the period, by name."""
    key = period_key(period)
    targets = current_targets(session, workspace_id, key) if key else {}
    people = by_owner(session, config, workspace_id, period)
    for member_id, row in targets.items():
        if member_id is not None:
            people.setdefault(member_id, Attained(member_id)).target = row.amount
    team = Attained(None, target=Decimal(str(team_target(session, config, workspace_id, period))) or None)
    for row in people.values():
        team.won, team.committed, team.weighted = add(team.won, row.won), add(team.committed, row.committed), add(team.weighted, row.weighted)
    name_people(session, people)
    return team, sorted(people.values(), key=lambda r: (r.name.lower(), r.slack_user_id))


def name_people(session: Session, rows: dict[int, Attained]) -> None:
    """Fill in each row's Slack id and display name."""
    if not rows:
        return
    for member_id, slack_id, name in session.execute(select(Member.id, Member.slack_user_id, Member.display_name).where(Member.id.in_(list(rows)))):
        rows[member_id].slack_user_id, rows[member_id].name = slack_id, name or slack_id


def personal(session: Session, config: Config, workspace_id: str, member_id: int, period: Period) -> Attained | None:
    """One person's line for ``period``, when they have a target for it (the Home tab's)."""
    key = period_key(period)
    row = session.scalar(
        select(Target).where(Target.workspace_id == workspace_id, Target.member_id == member_id, Target.period == key, Target.replaced_at.is_(None))
    )
    if row is None:
        return None
    mine = by_owner(session, config, workspace_id, period, (member_id,)).get(member_id, Attained(member_id))
    mine.target = row.amount
    return mine


def team_lines(*forecasts: Forecast) -> list[tuple[Period, Attained]]:
    """The team's attainment from forecasts already computed (the digest's, the Home tab's): one
    line per period with a target."""
    return [(f.period, Attained(None, target=Decimal(str(f.target)), won=f.won, committed=f.committed, weighted=f.weighted)) for f in forecasts if f.target]


def personal_lines(session: Session, config: Config, workspace_id: str, member_id: int, *periods: Period) -> list[tuple[Period, Attained]]:
    """A person's attainment in each period they have a target for (their Home tab)."""
    found = ((period, personal(session, config, workspace_id, member_id, period)) for period in periods)
    return [(period, row) for period, row in found if row is not None]
