"""What the worker watches on open deals, and who hears about it.

Conditions, each found by one SQL query over open deals (the database filters; Python receives
only the matching rows):

- ``stalled``: no activity for longer than the stage's ``stall_days``;
- ``follow_up``: the grade's cadence passed with no touch (``next_touch_due`` in the past);
- ``next_step_overdue``: the next step's due date has passed (team timezone);
- ``close_passed``: the expected close date has passed while the deal is open;
- ``risk``: a risk flag (``/opp risk``, or 客户沉默 which the scan flags itself first:
  bot.deals.risk_watch) is open;
- ``payment_overdue``: on a *won* deal, a payment milestone (回款) fell due unpaid
  (bot.deals.payments); its owner hears, and so do the roles in ``payments.tell_roles``.
- ``handover_stalled``: a won deal's handover to delivery is not yet accepted and nothing was
  ticked on it for ``[handover] stall_days`` (bot.deals.handover); its delivery owner hears too.

``scan`` opens an Alert per new (deal, condition) — at most one open, a partial unique index says
so — and clears alerts whose condition went away, in the caller's transaction, queuing the Slack
messages in the outbox in that same transaction. People hear about a *deal*, not a condition:
one message per deal and reader lists every open condition and is updated in place as they open
and clear (bot.alerts.notices). Messages go out only in working time (working days, outside quiet
hours, team timezone); an alert found outside it waits, unannounced, for the first scan in working
time. Routing: the owner by DM (unless muted, bundled daily or channel-only), the alerts channel
for big or grade-A deals (unless the owner chose DM-only); nobody hears about a condition their
own change caused. Someone on the default mode whose DMs of one scan would be about several deals
gets one DM listing them, most pressing first (bot.alerts.notices.plan). An alert nobody acted on for ``alerts.escalate_after_days`` goes to the owner's
manager. A snoozed alert is quiet until the snooze ends, then announced again if its condition
still holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.alerts import notices
from bot.alerts.notices import bundle, team_time
from bot.alerts.preview import preview
from bot.core.config import Config
from bot.deals import payments, risk_watch
from store.models import Alert, Handover, Opportunity, Risk

__all__ = ["CONDITIONS", "Finding", "ScanResult", "bundle", "detect", "scan", "team_time"]

CONDITIONS = ("stalled", "follow_up", "next_step_overdue", "close_passed", "risk", "payment_overdue", "handover_stalled")


@dataclass(frozen=True)
class Finding:
    """A condition that holds now on one open deal, and since when."""

    opportunity_id: int
    condition: str
    since: datetime


@dataclass
class ScanResult:
    opened: list[Finding] = field(default_factory=list)
    cleared: int = 0
    notified: int = 0
    escalated: int = 0
    silent: int = 0  # 客户沉默 flags raised by this scan
    pending: int = 0  # open alerts not yet announced (outside working time)
    lines: list[str] = field(default_factory=list)  # for `oppbot scan --dry-run`


def _day_start(config: Config, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=config.tz)


def detect(session: Session, *, config: Config, workspace_id: str, now: datetime) -> list[Finding]:
    """Every condition that holds now on an open deal of the workspace."""
    today = team_time(config, now).date()
    open_deal = (Opportunity.workspace_id == workspace_id, Opportunity.status == "open")
    found: list[Finding] = []

    stall = or_(*(and_(Opportunity.stage == s.key, Opportunity.last_activity_at < now - timedelta(days=s.stall_days)) for s in config.stages))
    days = {s.key: timedelta(days=s.stall_days) for s in config.stages}
    for oid, stage, last in session.execute(select(Opportunity.id, Opportunity.stage, Opportunity.last_activity_at).where(*open_deal, stall)):
        found.append(Finding(oid, "stalled", last + days[stage]))

    for oid, due in session.execute(select(Opportunity.id, Opportunity.next_touch_due).where(*open_deal, Opportunity.next_touch_due < now)):
        found.append(Finding(oid, "follow_up", due))

    for oid, due in session.execute(select(Opportunity.id, Opportunity.next_step_due).where(*open_deal, Opportunity.next_step_due < today)):
        found.append(Finding(oid, "next_step_overdue", _day_start(config, due + timedelta(days=1))))

    for oid, due in session.execute(select(Opportunity.id, Opportunity.expected_close).where(*open_deal, Opportunity.expected_close < today)):
        found.append(Finding(oid, "close_passed", _day_start(config, due + timedelta(days=1))))

    risks = (
        select(Risk.opportunity_id, func.min(Risk.raised_at))
        .join(Opportunity, Opportunity.id == Risk.opportunity_id)
        .where(*open_deal, Risk.cleared_at.is_(None))
        .group_by(Risk.opportunity_id)
    )
    for oid, since in session.execute(risks):
        found.append(Finding(oid, "risk", since))
    for oid, due in payments.overdue_deals(session, workspace_id, today):  # won deals: 回款 past its day
        found.append(Finding(oid, "payment_overdue", _day_start(config, due + timedelta(days=1))))

    stall = timedelta(days=config.after.handover_stall_days)
    handovers = (
        select(Handover.opportunity_id, Handover.progress_at)
        .join(Opportunity, Opportunity.id == Handover.opportunity_id)
        .where(Opportunity.workspace_id == workspace_id, Opportunity.status == "won", Handover.accepted_on.is_(None), Handover.progress_at < now - stall)
    )
    for oid, progress in session.execute(handovers):
        found.append(Finding(oid, "handover_stalled", progress + stall))
    return found


def scan(session: Session, *, config: Config, workspace_id: str, now: datetime, dry_run: bool = False) -> ScanResult:
    """Bring the open alerts in line with the conditions that hold now; queue what must be said."""
    result = ScanResult()
    if not dry_run:  # 客户沉默 first, so its flags are found below in the same scan
        result.silent = risk_watch.flag_silent(session, config=config, workspace_id=workspace_id, now=now)
    findings = {(f.opportunity_id, f.condition): f for f in detect(session, config=config, workspace_id=workspace_id, now=now)}
    open_rows = session.execute(
        select(Alert.id, Alert.opportunity_id, Alert.condition).where(Alert.workspace_id == workspace_id, Alert.cleared_at.is_(None))
    ).all()
    open_keys = {(oid, cond): aid for aid, oid, cond in open_rows}
    new = [f for key, f in findings.items() if key not in open_keys]
    gone = [(aid, key[0]) for key, aid in open_keys.items() if key not in findings]
    result.opened = new
    if dry_run:
        result.lines = preview(session, config, workspace_id, findings, now)
        result.cleared = len(gone)
        return result
    _record(session, workspace_id, new, gone, now)
    if gone:
        for oid in sorted({oid for _, oid in gone}):
            notices.update_messages(session, config, session.get(Opportunity, oid), now, tag="cleared")
        result.cleared = len(gone)
    _end_snoozes(session, workspace_id, now)
    unannounced = (Alert.workspace_id == workspace_id, Alert.cleared_at.is_(None), Alert.notified_at.is_(None), Alert.snoozed_until.is_(None))
    if not config.alerts.working_time(team_time(config, now)):
        result.pending = session.scalar(select(func.count()).select_from(Alert).where(*unannounced))
        return result
    by_deal: dict[int, list[Alert]] = {}
    for alert in session.scalars(select(Alert).where(*unannounced).order_by(Alert.id)):
        by_deal.setdefault(alert.opportunity_id, []).append(alert)
    since = {oid: {a.condition: f.since if (f := findings.get((oid, a.condition))) else None for a in alerts} for oid, alerts in by_deal.items()}
    _, bundled = notices.plan(session, config, since, now)
    for oid, alerts in sorted(by_deal.items()):
        notices.announce(session, config, session.get(Opportunity, oid), alerts, since[oid], now, held=bundled)
        result.notified += len(alerts)
    notices.send_bundled(session, config, workspace_id, bundled, now)
    result.escalated = notices.escalate(session, config, workspace_id, findings, now)
    return result


def _record(session: Session, workspace_id: str, new: list[Finding], gone: list[tuple[int, int]], now: datetime) -> None:
    if new:  # one multi-row INSERT; the partial unique index keeps it to one open per deal and condition
        session.execute(
            insert(Alert),
            [{"workspace_id": workspace_id, "opportunity_id": f.opportunity_id, "condition": f.condition, "opened_at": now} for f in new],
        )
    if gone:
        session.execute(update(Alert).where(Alert.id.in_([aid for aid, _ in gone])).values(cleared_at=now))
    session.flush()


def _end_snoozes(session: Session, workspace_id: str, now: datetime) -> None:
    """A snooze that ended with the condition still there: announce it again."""
    session.execute(
        update(Alert)
        .where(Alert.workspace_id == workspace_id, Alert.cleared_at.is_(None), Alert.snoozed_until <= now)
        .values(snoozed_until=None, notified_at=None, acted_at=None, acted_by_id=None, action=None, escalated_at=None)
    )
