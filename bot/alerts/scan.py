"""What the worker watches on open deals, and who hears about it.

Conditions, each found by one SQL query over open deals (the database filters; Python receives
only the matching rows):

- ``stalled``: no activity for longer than the stage's ``stall_days``;
- ``follow_up``: the grade's cadence passed with no touch (``next_touch_due`` in the past);
- ``next_step_overdue``: the next step's due date has passed (team timezone);
- ``close_passed``: the expected close date has passed while the deal is open;
- ``risk``: a risk flag (``/opp risk``, or 客户沉默 which the scan flags itself first:
  bot.deals.risk_watch) is open.

``scan`` opens an Alert per new (deal, condition) — at most one open, a partial unique index says
so — and clears alerts whose condition went away, in the caller's transaction, queuing the Slack
messages in the outbox in that same transaction. Messages go out only in working time (working
days, outside quiet hours, team timezone); an alert found outside it waits, unannounced, for the
first scan in working time. Routing: the owner by DM (unless muted, or bundled daily), the alerts
channel for big or grade-A deals (unless the owner chose DM-only); nobody hears about a condition
their own change caused. An alert nobody acted on for ``alerts.escalate_after_days`` goes to the
owner's manager. A snoozed alert is quiet until the snooze ends, then announced again if its
condition still holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.blocks.alerts import AlertView, alert_message, bundle_message, condition_name, why_text
from bot.core.config import Config
from bot.deals import risk_watch
from bot.delivery import outbox
from bot.team.members import language_of
from store.models import Alert, Event, Member, Opportunity, OutboxMessage, Risk, Workspace

CONDITIONS = ("stalled", "follow_up", "next_step_overdue", "close_passed", "risk")


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


def team_time(config: Config, now: datetime) -> datetime:
    """``now`` on the team's clock (config.toml's timezone): working hours and days are counted there."""
    return now.astimezone(config.tz)


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
    return found


def workspaces(session: Session) -> list[str]:
    return list(session.scalars(select(Workspace.id).order_by(Workspace.id)))


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
    gone = [aid for key, aid in open_keys.items() if key not in findings]
    result.opened = new
    if dry_run:
        result.lines = _explain(session, config, new, now)
        result.cleared = len(gone)
        return result

    if new:  # one multi-row INSERT; the partial unique index keeps it to one open per deal and condition
        session.execute(
            insert(Alert),
            [{"workspace_id": workspace_id, "opportunity_id": f.opportunity_id, "condition": f.condition, "opened_at": now} for f in new],
        )
    if gone:
        session.execute(update(Alert).where(Alert.id.in_(gone)).values(cleared_at=now))
        for aid in gone:
            _update_messages(session, config, session.get(Alert, aid), now, tag="cleared")
        result.cleared = len(gone)
    session.flush()

    # a snooze that ended with the condition still there: announce it again
    session.execute(
        update(Alert)
        .where(Alert.workspace_id == workspace_id, Alert.cleared_at.is_(None), Alert.snoozed_until <= now)
        .values(snoozed_until=None, notified_at=None, acted_at=None, acted_by_id=None, action=None, escalated_at=None)
    )
    unannounced = (Alert.workspace_id == workspace_id, Alert.cleared_at.is_(None), Alert.notified_at.is_(None), Alert.snoozed_until.is_(None))
    if not config.alerts.working_time(team_time(config, now)):
        result.pending = session.scalar(select(func.count()).select_from(Alert).where(*unannounced))
        return result
    pending = list(session.scalars(select(Alert).where(*unannounced).order_by(Alert.id)))
    for alert in pending:
        _announce(session, config, alert, findings.get((alert.opportunity_id, alert.condition)), now)
        result.notified += 1
    result.escalated = _escalate(session, config, workspace_id, findings, now)
    return result


# --- telling people ------------------------------------------------------------------------


def alert_view(session: Session, config: Config, alert: Alert, lang: str | None = None) -> AlertView:
    opp = session.get(Opportunity, alert.opportunity_id)
    today_why = _why(session, config, alert, opp)
    acted = None
    if alert.action:
        who = session.get(Member, alert.acted_by_id).slack_user_id if alert.acted_by_id else ""
        kind, _, arg = alert.action.partition(":")
        params = {"who": who}
        if kind == "snooze":
            params["days"] = int(arg or 0)
        elif kind == "reassign":
            params["owner"] = opp.owner.slack_user_id
        elif kind == "lost":
            params["reason"] = next((r.name(lang or config.language) for r in config.lost_reasons if r.key == arg), arg)
        acted = (f"alert_acted_{kind}", params)
    manager = opp.owner.manager
    return AlertView(
        alert_id=alert.id,
        condition=alert.condition,
        number=opp.number,
        title=opp.title,
        amount=opp.amount,
        currency=opp.currency,
        stage=opp.stage,
        grade=opp.grade or "C",
        owner=opp.owner.slack_user_id,
        why=today_why,
        acted=acted,
        escalated_to=manager.slack_user_id if alert.escalated_at and manager else None,
        escalated_days=config.alerts.escalate_after_days,
        cleared=alert.cleared_at is not None,
        open=opp.status == "open",
    )


def _why(session: Session, config: Config, alert: Alert, opp: Opportunity) -> dict:
    now = alert.notified_at or alert.opened_at
    today = team_time(config, now).date()
    if alert.condition == "stalled":
        limit = config.stage(opp.stage).stall_days if opp.stage in {s.key for s in config.stages} else 0
        return {"days": max(0, (now - opp.last_activity_at).days), "stage": opp.stage, "limit": limit}
    if alert.condition == "follow_up":
        due = opp.next_touch_due or now
        return {"grade": opp.grade or "C", "due": team_time(config, due).date(), "days": max(0, (now - due).days)}
    if alert.condition == "next_step_overdue":
        due = opp.next_step_due or today
        return {"step": opp.next_step or "—", "due": due, "days": max(0, (today - due).days)}
    if alert.condition == "close_passed":
        due = opp.expected_close or today
        return {"due": due, "days": max(0, (today - due).days)}
    risks = session.execute(select(Risk.kind, Risk.note).where(Risk.opportunity_id == opp.id, Risk.cleared_at.is_(None)).order_by(Risk.id)).all()
    return {"risks": tuple((kind, note) for kind, note in risks)}


CAUSED_BY_FIELD = {"next_step_overdue": "next_step_due", "close_passed": "expected_close"}


def caused_by(session: Session, member_id: int, opportunity_id: int, condition: str, since: datetime | None) -> bool:
    """Whether the condition is ``member_id``'s own doing, so they are not told about it: they
    raised the newest open risk flag, or they last set the date that has now passed, after it
    had passed. Stalls and missed follow-ups are inaction, never anyone's change."""
    if condition == "risk":
        raiser = session.scalars(
            select(Risk.raised_by_id).where(Risk.opportunity_id == opportunity_id, Risk.cleared_at.is_(None)).order_by(Risk.id.desc()).limit(1)
        ).first()
        return raiser == member_id
    name = CAUSED_BY_FIELD.get(condition)
    if name is None or since is None:
        return False
    event = session.scalars(select(Event).where(Event.opportunity_id == opportunity_id, Event.field == name).order_by(Event.id.desc()).limit(1)).first()
    return event is not None and event.actor_id == member_id and event.at >= since


def routes(session: Session, config: Config, alert: Alert, opp: Opportunity, since: datetime | None, now: datetime) -> list[tuple[str, str, str]]:
    """Where an alert goes: [(target, channel or user id, language)]."""
    owner = opp.owner
    out = []
    muted = owner.muted_until is not None and owner.muted_until > now
    if not muted and owner.alert_mode != "bundle" and not caused_by(session, owner.id, opp.id, alert.condition, since):
        out.append(("dm", owner.slack_user_id, language_of(owner, config)))
    channel = config.channels.get("alerts")
    big = opp.amount is not None and opp.amount >= Decimal(str(config.alerts.channel_min_amount))
    if channel and owner.alert_mode != "dm_only" and (big or (opp.grade or "C") in config.alerts.channel_grades):
        out.append(("channel", channel, config.language))
    return out


def _announce(session: Session, config: Config, alert: Alert, finding: Finding | None, now: datetime) -> None:
    opp = session.get(Opportunity, alert.opportunity_id)
    alert.notified_at = now
    session.flush()
    round_ = int(now.timestamp())
    first = None
    for target, channel, lang in routes(session, config, alert, opp, finding.since if finding else None, now):
        message = outbox.enqueue(
            session,
            workspace_id=alert.workspace_id,
            key=f"alert:{alert.id}:{round_}:{target}",
            kind="alert",
            channel=channel,
            reply=alert_message(alert_view(session, config, alert, lang), config, lang),
            now=now,
        )
        first = first or message
    if first is not None:
        alert.outbox_id = first.id


def _escalate(session: Session, config: Config, workspace_id: str, findings: dict, now: datetime) -> int:
    cutoff = now - timedelta(days=config.alerts.escalate_after_days)
    due = session.scalars(
        select(Alert).where(
            Alert.workspace_id == workspace_id,
            Alert.cleared_at.is_(None),
            Alert.escalated_at.is_(None),
            Alert.acted_at.is_(None),
            Alert.snoozed_until.is_(None),
            Alert.notified_at <= cutoff,
        )
    ).all()
    count = 0
    for alert in due:
        opp = session.get(Opportunity, alert.opportunity_id)
        manager = opp.owner.manager
        alert.escalated_at = now
        if manager is None or manager.id == opp.owner_id:
            continue
        finding = findings.get((alert.opportunity_id, alert.condition))
        if caused_by(session, manager.id, opp.id, alert.condition, finding.since if finding else None):
            continue
        session.flush()
        outbox.enqueue(
            session,
            workspace_id=workspace_id,
            key=f"alert:{alert.id}:escalate:{manager.slack_user_id}",
            kind="alert",
            channel=manager.slack_user_id,
            reply=alert_message(alert_view(session, config, alert, language_of(manager, config)), config, language_of(manager, config)),
            now=now,
        )
        _update_messages(session, config, alert, now, tag="escalated")
        count += 1
    return count


def _update_messages(session: Session, config: Config, alert: Alert, now: datetime, *, tag: str) -> int:
    """Queue a chat.update of every message announcing ``alert`` (DM, channel) to show its state."""
    originals = session.scalars(
        select(OutboxMessage).where(OutboxMessage.key.like(f"alert:{alert.id}:%"), OutboxMessage.update_of.is_(None), ~OutboxMessage.key.like("%:escalate:%"))
    ).all()
    if not originals:
        return 0
    stamp = int(now.timestamp() * 1000)
    for original in originals:
        lang = config.language
        if not original.channel.startswith("#") and original.channel[:1] in ("U", "W"):
            member = session.scalars(select(Member).where(Member.workspace_id == alert.workspace_id, Member.slack_user_id == original.channel)).first()
            lang = language_of(member, config) if member else lang
        outbox.enqueue(
            session,
            workspace_id=alert.workspace_id,
            key=f"update:{original.id}:{tag}:{stamp}",
            kind="alert_update",
            channel=original.channel,
            reply=alert_message(alert_view(session, config, alert, lang), config, lang),
            now=now,
            update_of=original.id,
        )
    return len(originals)


def update_alert_messages(session: Session, config: Config, alert: Alert, now: datetime, tag: str) -> int:
    return _update_messages(session, config, alert, now, tag=tag)


def bundle(session: Session, *, config: Config, workspace_id: str, now: datetime) -> int:
    """One DM per bundle-mode member with the alerts announced since the last bundle time.
    Sent once a day, at or after ``alerts.bundle_time`` on working days. Returns DMs queued."""
    local = team_time(config, now)
    hour, _, minute = config.alerts.bundle_time.partition(":")
    at = local.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
    if local < at or not config.alerts.working_time(local):
        return 0
    since = at - timedelta(days=1)
    members = session.scalars(
        select(Member).where(
            Member.workspace_id == workspace_id,
            Member.alert_mode == "bundle",
            or_(Member.muted_until.is_(None), Member.muted_until <= now),
        )
    ).all()
    sent = 0
    for member in members:
        alerts = session.scalars(
            select(Alert)
            .join(Opportunity, Opportunity.id == Alert.opportunity_id)
            .where(
                Opportunity.owner_id == member.id,
                Alert.cleared_at.is_(None),
                Alert.notified_at > since,
                Alert.snoozed_until.is_(None),
            )
            .order_by(Alert.id)
        ).all()
        alerts = [a for a in alerts if not caused_by(session, member.id, a.opportunity_id, a.condition, a.opened_at)]
        if not alerts:
            continue
        lang = language_of(member, config)
        views = [alert_view(session, config, a, lang) for a in alerts]
        outbox.enqueue(
            session,
            workspace_id=workspace_id,
            key=f"bundle:{member.slack_user_id}:{local.date().isoformat()}",
            kind="alert_bundle",
            channel=member.slack_user_id,
            reply=bundle_message(views, config, lang),
            now=now,
        )
        sent += 1
    return sent


def _explain(session: Session, config: Config, findings: list[Finding], now: datetime) -> list[str]:
    lines = []
    working = config.alerts.working_time(team_time(config, now))
    for f in sorted(findings, key=lambda f: (f.opportunity_id, f.condition)):
        opp = session.get(Opportunity, f.opportunity_id)
        alert = Alert(id=0, workspace_id=opp.workspace_id, opportunity_id=opp.id, condition=f.condition, opened_at=now, notified_at=now)
        view = AlertView(
            alert_id=0,
            condition=f.condition,
            number=opp.number,
            title=opp.title,
            amount=opp.amount,
            currency=opp.currency,
            stage=opp.stage,
            grade=opp.grade or "C",
            owner=opp.owner.slack_user_id,
            why=_why(session, config, alert, opp),
        )
        targets = [f"{target} {channel}" for target, channel, _ in routes(session, config, alert, opp, f.since, now)] or ["nobody"]
        when = "now" if working else "at the next working hour"
        lines.append(f"#{opp.number} {opp.title}: {condition_name(f.condition, 'en')} — {why_text(view, config, 'en')} -> {', '.join(targets)} ({when})")
    return lines
