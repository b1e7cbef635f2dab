"""Forecast accuracy (预测准确率): at the start of each month and each quarter the worker saves
each owner's forecast for it (``ForecastSnapshot``: commit, best case and pipeline amounts by
forecast category and the weighted amount, per currency, of their open deals expected to close in
it), once: a period that has snapshots gets no more, and the unique key (workspace, period, owner)
stops a second worker. The report compares that forecast with what was won in the period.

Who is snapshotted: everyone with an open deal (whatever its close date) or a personal target
for the period, so a rep whose forecast was nothing still has a line. A period begins with the
worker's first run in it: snapshots start from there."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.blocks.targets import Accuracy
from bot.core.config import Config
from bot.core.forecast_categories import FORECAST_CATEGORIES
from bot.core.periods import Period, month_of, period_key, quarter_of
from bot.deals.forecasts import category_column
from bot.reporting.attainment import name_people, won_by_owner
from bot.reporting.metrics import add, money, open_where, weighted_amount
from bot.team.uninstall import served
from store.models import ForecastSnapshot, Opportunity, Target

log = logging.getLogger(__name__)

FIGURES = (*FORECAST_CATEGORIES, "weighted")


def take_snapshots(rt, now: datetime, workspace_id: str | None = None) -> int:
    """Save the forecast of the month and the quarter ``now`` falls in (team timezone), in every
    workspace, where not saved yet. Returns how many owners' forecasts were saved."""
    day = now.astimezone(rt.config.tz).date()
    periods = (month_of(day, rt.config.tz), quarter_of(day, rt.config.tz))
    saved = 0
    with rt.sessions() as session:
        workspaces = served(session, workspace_id)
    for workspace_id in workspaces:
        for period in periods:
            try:
                with rt.transaction() as session:
                    count = snapshot(session, rt.config, workspace_id, period, now)
                saved += count  # once committed
            except IntegrityError:  # another worker saved it first
                log.info("forecast snapshot %s of %s was taken by another worker", period_key(period), workspace_id)
    return saved


def snapshot(session: Session, config: Config, workspace_id: str, period: Period, now: datetime) -> int:
    """Save each owner's forecast for ``period`` unless the period has one already."""
    key = period_key(period)
    if taken(session, workspace_id, key):
        return 0
    figures = forecast_figures(session, config, workspace_id, period)
    owners = _owners(session, workspace_id, key) | set(figures)
    for owner in owners:
        found = figures.get(owner, {})
        row = {name: {c: str(v) for c, v in found.get(name, {}).items()} for name in FIGURES}
        session.add(ForecastSnapshot(workspace_id=workspace_id, period=key, owner_id=owner, taken_at=now, figures=row))
    session.flush()
    return len(owners)


def taken(session: Session, workspace_id: str, key: str) -> bool:
    """Whether the period's forecast was saved already."""
    return session.scalar(select(ForecastSnapshot.id).where(ForecastSnapshot.workspace_id == workspace_id, ForecastSnapshot.period == key).limit(1)) is not None


def _owners(session: Session, workspace_id: str, key: str) -> set[int]:
    """Everyone with an open deal, or a personal target for the period."""
    owners = set(session.scalars(select(Opportunity.owner_id).where(*open_where(workspace_id, None)).distinct()))
    targeted = select(Target.member_id).where(
        Target.workspace_id == workspace_id, Target.period == key, Target.replaced_at.is_(None), Target.member_id.is_not(None)
    )
    return owners | set(session.scalars(targeted))


def forecast_figures(session: Session, config: Config, workspace_id: str, period: Period) -> dict[int, dict[str, dict[str, Decimal]]]:
    """Per owner: the amounts by forecast category and weighted of their open deals expected to
    close in ``period``, per currency (one grouped query)."""
    category = category_column(config)
    rows = session.execute(
        select(Opportunity.owner_id, category, Opportunity.currency, func.sum(Opportunity.amount), func.sum(weighted_amount(config)))
        .where(*open_where(workspace_id, None), Opportunity.expected_close >= period.first, Opportunity.expected_close <= period.last)
        .group_by(Opportunity.owner_id, category, Opportunity.currency)
    )
    out: dict[int, dict[str, dict[str, Decimal]]] = {}
    for owner, cat, currency, amount, weighted in rows:
        mine = out.setdefault(owner, {})
        mine[cat] = add(mine.get(cat, {}), money([(currency, amount)]))
        mine["weighted"] = add(mine.get("weighted", {}), money([(currency, weighted)]))
    return out


def accuracy(session: Session, config: Config, workspace_id: str, period: Period) -> tuple[datetime, Accuracy, list[Accuracy]] | None:
    """When the period's forecast was saved, the team's line and each owner's: the commit and
    weighted forecast at the start, and what they won in the period. None: no snapshot."""
    snaps = session.execute(
        select(ForecastSnapshot.owner_id, ForecastSnapshot.figures, ForecastSnapshot.taken_at).where(
            ForecastSnapshot.workspace_id == workspace_id, ForecastSnapshot.period == period_key(period)
        )
    ).all()
    if not snaps:
        return None
    people = {owner: Accuracy(owner, commit=_money(figures.get("commit")), weighted=_money(figures.get("weighted"))) for owner, figures, _ in snaps}
    for owner, won in won_by_owner(session, workspace_id, period).items():
        people.setdefault(owner, Accuracy(owner)).won = won
    team = Accuracy(None)
    for row in people.values():
        team.commit, team.weighted, team.won = add(team.commit, row.commit), add(team.weighted, row.weighted), add(team.won, row.won)
    name_people(session, people)
    return min(taken for _, _, taken in snaps), team, sorted(people.values(), key=lambda r: (r.name.lower(), r.slack_user_id))


def _money(saved: dict | None) -> dict[str, Decimal]:
    return {c: Decimal(v) for c, v in (saved or {}).items()}
