"""Collaboration figures (`/opp report collab [period]`) and lead-source effectiveness
(`/opp report sources [period]`), each from grouped SQL queries over the workspace's offers,
alerts, activities and deals. Python only adds groups up and takes the median and 90th percentile
of the few waiting times it fetched (one column of hours, not whole rows).

- Assignment response: automatic assignments offered in the period, from offered to accepted.
- Alert response: alerts opened in the period, from the first notice (else the opening) to the
  action recorded on the alert.
- Pace, over the window from the period's start to its end (or now, for a period not over):
  alerts opened per 100 open deals per week, activities (stage changes aside) per open deal per
  week, open deals being the average of those open at the window's start and end; and the share
  of the deals open at its end that had an activity in it.
- Sources: the deals created in the period (deleted and merged ones aside), as they stand now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session

from bot.blocks.collab import Alerts, Collab, Offers, Pace, PersonCollab, SourceRow
from bot.core.config import Config
from bot.core.money import total_in
from bot.core.periods import Period
from bot.reporting.metrics import add, days_between, money, open_then, stage_rank
from store.models import Activity, Alert, AssignmentOffer, Event, Member, Opportunity

WEEK = timedelta(weeks=1)
OFFER_ANSWERS = ("declined", "expired", "withdrawn")


HOURS_PLACES = 6  # SQLite's day numbers are floats: a wait of 37.75 hours comes back as 37.7499999…


def _hours(session: Session, later, earlier):
    return days_between(session, later, earlier) * 24


def _rounded(hours) -> float:
    return round(float(hours), HOURS_PLACES)


def collab(session: Session, workspace_id: str, period: Period, now: datetime) -> Collab:
    """The team's and each person's figures over ``period`` (up to ``now`` for a period not over);
    a person with no offer, no alert and no deal open or worked in it is left out."""
    people: dict[int, PersonCollab] = {}
    names = {i: (u, n) for i, u, n in session.execute(select(Member.id, Member.slack_user_id, Member.display_name).where(Member.workspace_id == workspace_id))}

    def one(member_id: int) -> PersonCollab:
        if member_id not in people:
            people[member_id] = PersonCollab(*names.get(member_id, ("?", "")))
        return people[member_id]

    team_offers, team_alerts = Offers(), Alerts()
    _offers(session, workspace_id, period, lambda m: (team_offers, one(m).offers))
    _alerts(session, workspace_id, period, lambda m: (team_alerts, one(m).alerts))
    pace = _pace(session, workspace_id, period.start, min(period.end, now), lambda m: one(m).pace)
    pace.alerts = team_alerts.total
    for p in people.values():
        p.pace.alerts = p.alerts.total
    active = [p for p in people.values() if p.offers.total or p.alerts.total or p.pace.open_start or p.pace.open_end or p.pace.activities]
    shown = sorted(active, key=lambda p: (-p.offers.total, -p.alerts.total, -p.pace.open_end, p.name, p.slack_user_id))
    return Collab(team_offers, team_alerts, pace, shown)


def _offers(session: Session, workspace_id: str, period: Period, into: Callable[[int], tuple[Offers, Offers]]) -> None:
    """Offers made in the period: hours to acceptance, and how many were answered otherwise."""
    made = [AssignmentOffer.workspace_id == workspace_id, AssignmentOffer.created_at >= period.start, AssignmentOffer.created_at < period.end]
    waited = _hours(session, AssignmentOffer.answered_at, AssignmentOffer.created_at)
    for member_id, waited_hours in session.execute(
        select(AssignmentOffer.member_id, waited).where(*made, AssignmentOffer.status == "accepted", AssignmentOffer.answered_at.is_not(None))
    ):
        for offers in into(member_id):
            offers.accepted.hours.append(_rounded(waited_hours))
    for member_id, status, count in session.execute(
        select(AssignmentOffer.member_id, AssignmentOffer.status, func.count(AssignmentOffer.id))
        .where(*made, AssignmentOffer.status != "accepted")
        .group_by(AssignmentOffer.member_id, AssignmentOffer.status)
    ):
        name = status if status in OFFER_ANSWERS else "waiting"
        for offers in into(member_id):
            setattr(offers, name, getattr(offers, name) + count)


def _alerts(session: Session, workspace_id: str, period: Period, into: Callable[[int], tuple[Alerts, Alerts]]) -> None:
    """Alerts opened in the period, by the owner of their deal: hours from the notice to the action
    recorded, those still waiting and those cleared with nobody acting."""
    opened = (
        select(Opportunity.owner_id)
        .select_from(Alert)
        .join(Opportunity, Opportunity.id == Alert.opportunity_id)
        .where(Alert.workspace_id == workspace_id, Alert.opened_at >= period.start, Alert.opened_at < period.end)
    )
    waited = _hours(session, Alert.acted_at, func.coalesce(Alert.notified_at, Alert.opened_at))
    for owner_id, waited_hours in session.execute(opened.add_columns(waited).where(Alert.acted_at.is_not(None))):
        for alerts in into(owner_id):
            alerts.acted.hours.append(_rounded(waited_hours))
    still = case((Alert.cleared_at.is_(None), 1), else_=0)
    for owner_id, waiting, count in session.execute(
        opened.add_columns(func.sum(still), func.count(Alert.id)).where(Alert.acted_at.is_(None)).group_by(Opportunity.owner_id)
    ):
        for alerts in into(owner_id):
            alerts.waiting += int(waiting or 0)
            alerts.cleared += count - int(waiting or 0)


def _pace(session: Session, workspace_id: str, start: datetime, until: datetime, of: Callable[[int], Pace]) -> Pace:
    """Per owner (by the deals they own now), then for the team: open deals at ``start`` and
    ``until``, those open at ``until`` with an activity in the window and the activities logged
    on their deals in it."""
    team = Pace(weeks=max((until - start) / WEEK, 0.0))
    in_window = and_(Activity.created_at >= start, Activity.created_at < until, Activity.kind != "stage_change")
    worked = exists().where(Activity.opportunity_id == Opportunity.id, in_window)
    counts = (
        func.sum(case((open_then(start), 1), else_=0)),
        func.sum(case((open_then(until), 1), else_=0)),
        func.sum(case((and_(open_then(until), worked), 1), else_=0)),
    )
    mine = Opportunity.workspace_id == workspace_id
    for owner_id, at_start, at_end, touched in session.execute(select(Opportunity.owner_id, *counts).where(mine).group_by(Opportunity.owner_id)):
        _count(team, of(owner_id), open_start=int(at_start or 0), open_end=int(at_end or 0), touched=int(touched or 0))
    for owner_id, activities in session.execute(
        select(Opportunity.owner_id, func.count(Activity.id))
        .select_from(Activity)
        .join(Opportunity, Opportunity.id == Activity.opportunity_id)
        .where(mine, in_window)
        .group_by(Opportunity.owner_id)
    ):
        _count(team, of(owner_id), activities=activities)
    return team


def _count(team: Pace, own: Pace, **counts: int) -> None:
    """Add ``counts`` to the team's pace and to one owner's (whose window is the team's)."""
    own.weeks = team.weeks
    for name, value in counts.items():
        setattr(team, name, getattr(team, name) + value)
        setattr(own, name, getattr(own, name) + value)


def sources(session: Session, config: Config, workspace_id: str, period: Period) -> list[SourceRow]:
    """Per lead source, the deals created in the period (deleted and merged ones aside) as they
    stand now: how many, how many passed the qualification gate (are or were in a stage after
    ``qualification.gate_stage``, or won), how many were won and for how much. The most won value
    first (in the workspace currency where rates allow), then the most new deals."""
    gate = config.stage_index(config.qualification.gate_stage)
    moved_past = exists().where(Event.opportunity_id == Opportunity.id, Event.kind == "stage", stage_rank(Event.new, config) > gate)
    won = Opportunity.status == "won"
    qualified = case((won | (stage_rank(Opportunity.stage, config) > gate) | moved_past, 1), else_=0)
    source = func.nullif(func.trim(Opportunity.source), "")
    query = (
        select(
            source,
            Opportunity.currency,
            func.count(Opportunity.id),
            func.sum(qualified),
            func.sum(case((won, 1), else_=0)),
            func.sum(case((won, Opportunity.amount))),
        )
        .where(
            Opportunity.workspace_id == workspace_id,
            Opportunity.status.not_in(("deleted", "merged")),
            Opportunity.created_at >= period.start,
            Opportunity.created_at < period.end,
        )
        .group_by(source, Opportunity.currency)
    )
    rows: dict[str | None, SourceRow] = {}
    for name, currency, new, passed, won_count, amount in session.execute(query):
        row = rows.setdefault(name, SourceRow(name))
        row.new += new
        row.qualified += int(passed or 0)
        row.won += int(won_count or 0)
        row.won_amount = add(row.won_amount, money([(currency, amount)]))
    return sorted(rows.values(), key=lambda r: (-_value(r.won_amount, config), -r.new, r.source is None, r.source or ""))


def _value(amount, config: Config) -> float:
    """An amount to sort by: in the workspace currency where rates allow, else its part in it."""
    total = total_in(amount, config.currency, config.rates)
    return float(total if total is not None else amount.get(config.currency, 0))
