"""Telling people about a deal's alerts: one message per deal and reader that lists every open
condition of the deal, posted once and then updated in place (chat.update through the outbox) as
conditions open and clear, as people act on it, or when it is escalated. Also the severity that
decides the message's sign, who hears about a deal (routes), the manager's escalation note and the
daily bundle.

A deal's messages carry the outbox key ``deal:<deal id>:<round>:<first alert>:<target>``; an *episode* of a deal
runs from the first announcement of its open alerts until they have all cleared. Within an episode
a reader has one message; a condition opening later updates it. After the last condition clears,
a new condition starts a new episode, and a new message."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from bot.blocks.alerts import AlertView, alert_message, bundle_message
from bot.core.config import Config
from bot.deals import payments, threads
from bot.delivery import outbox
from bot.team.members import language_of, reader_language
from store.models import Alert, Event, Handover, Member, Opportunity, OutboxMessage, Risk

ORDER = ("payment_overdue", "risk", "close_passed", "next_step_overdue", "follow_up", "stalled", "handover_stalled")
URGENT = {"payment_overdue", "risk", "close_passed", "next_step_overdue", "follow_up"}  # at risk or overdue
CAUSED_BY_FIELD = {"next_step_overdue": "next_step_due", "close_passed": "expected_close"}


def team_time(config: Config, now: datetime) -> datetime:
    """``now`` on the team's clock (config.toml's timezone): working hours and days are counted there."""
    return now.astimezone(config.tz)


def big(config: Config, opp: Opportunity) -> bool:
    return opp.amount is not None and opp.amount >= Decimal(str(config.alerts.channel_min_amount))


def severity(config: Config, opp: Opportunity, conditions) -> str:
    """🔴 (high) for a deal at risk or overdue at or above the channel threshold, ⚠️ (warn) otherwise."""
    return "high" if big(config, opp) and URGENT & set(conditions) else "warn"


def _sorted(alerts: list[Alert]) -> list[Alert]:
    return sorted(alerts, key=lambda a: (ORDER.index(a.condition) if a.condition in ORDER else len(ORDER), a.id))


def open_alerts(session: Session, opportunity_id: int) -> list[Alert]:
    """The deal's open alerts that have been announced and are not snoozed."""
    rows = session.scalars(
        select(Alert).where(Alert.opportunity_id == opportunity_id, Alert.cleared_at.is_(None), Alert.notified_at.is_not(None), Alert.snoozed_until.is_(None))
    ).all()
    return _sorted(list(rows))


def _shown(session: Session, opp: Opportunity) -> tuple[list[Alert], bool]:
    """The alerts a deal's message lists, and whether they have all cleared (then: the last ones)."""
    alerts = open_alerts(session, opp.id)
    if alerts:
        return alerts, False
    snoozed = session.scalars(select(Alert).where(Alert.opportunity_id == opp.id, Alert.cleared_at.is_(None), Alert.notified_at.is_not(None))).all()
    if snoozed:
        return _sorted(list(snoozed)), False
    last = session.scalar(select(func.max(Alert.cleared_at)).where(Alert.opportunity_id == opp.id))
    cleared = session.scalars(select(Alert).where(Alert.opportunity_id == opp.id, Alert.cleared_at == last)).all() if last else []
    return _sorted(list(cleared)), True


def _acted(session: Session, config: Config, opp: Opportunity, alerts: list[Alert], lang: str) -> tuple[str, dict] | None:
    done = [a for a in alerts if a.action]
    if not done:
        return None
    alert = max(done, key=lambda a: (a.acted_at, a.id))
    who = session.get(Member, alert.acted_by_id).slack_user_id if alert.acted_by_id else ""
    kind, _, arg = alert.action.partition(":")
    params: dict = {"who": who}
    if kind == "snooze":
        params["days"] = int(arg or 0)
    elif kind == "reassign":
        params["owner"] = opp.owner.slack_user_id
    elif kind == "lost":
        params["reason"] = next((r.name(lang) for r in config.lost_reasons if r.key == arg), arg)
    return f"alert_acted_{kind}", params


def deal_view(session: Session, config: Config, opp: Opportunity, lang: str | None = None) -> AlertView:
    """The deal's message: every condition open on it (or, once all have cleared, the last ones)."""
    lang = lang or config.language
    alerts, cleared = _shown(session, opp)
    escalated = any(a.escalated_at for a in alerts)
    manager = opp.owner.manager
    return AlertView(
        alert_id=min((a.id for a in alerts if a.cleared_at is None), default=alerts[0].id if alerts else 0),
        items=tuple((a.condition, why(session, config, a, opp)) for a in alerts),
        number=opp.number,
        title=opp.title,
        amount=opp.amount,
        currency=opp.currency,
        stage=opp.stage,
        grade=opp.grade or "C",
        owner=opp.owner.slack_user_id,
        severity=severity(config, opp, [a.condition for a in alerts]),
        acted=_acted(session, config, opp, alerts, lang),
        escalated_to=manager.slack_user_id if escalated and manager else None,
        escalated_days=config.alerts.escalate_after_days,
        cleared=cleared,
        open=opp.status == "open",
    )


def why(session: Session, config: Config, alert: Alert, opp: Opportunity) -> dict:
    now = alert.notified_at or alert.opened_at
    today = team_time(config, now).date()
    if alert.condition == "stalled":
        limit = config.stage(opp.stage).stall_days if opp.stage in {s.key for s in config.stages} else 0
        return {"days": max(0, (now - opp.last_activity_at).days), "stage": opp.stage, "limit": limit}
    if alert.condition == "follow_up":
        due = team_time(config, opp.next_touch_due or now).date()
        return {"grade": opp.grade or "C", "due": due, "days": max(0, (today - due).days)}
    if alert.condition == "next_step_overdue":
        due = opp.next_step_due or today
        return {"step": opp.next_step or "—", "due": due, "days": max(0, (today - due).days)}
    if alert.condition == "close_passed":
        due = opp.expected_close or today
        return {"due": due, "days": max(0, (today - due).days)}
    if alert.condition == "payment_overdue":
        due, amount = payments.first_overdue(session, opp.id, today)
        return {"due": due or today, "days": max(0, (today - (due or today)).days), "money": (amount, opp.currency)}
    if alert.condition == "handover_stalled":
        handover = session.scalars(select(Handover).where(Handover.opportunity_id == opp.id)).one()
        left = tuple(step.key for step in config.after.handover_steps if step.key not in handover.checklist)
        return {"days": max(0, (now - handover.progress_at).days), "limit": config.after.handover_stall_days, "steps": left, "number": opp.number}
    risks = session.execute(select(Risk.kind, Risk.note).where(Risk.opportunity_id == opp.id, Risk.cleared_at.is_(None)).order_by(Risk.id)).all()
    return {"risks": tuple((kind, note) for kind, note in risks)}


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


def routes(session: Session, config: Config, opp: Opportunity, conditions: dict[str, datetime | None], now: datetime) -> list[tuple[str, str, str]]:
    """Who hears about new conditions on a deal: [(target, channel or user id, language)]. The owner
    by DM (unless muted, bundled daily or channel-only, or every new condition is their own doing);
    for a stalled handover, its delivery owner by DM too (on the same terms); for an overdue payment,
    by DM, finance and the owner's manager (target ``dm:<their id>``); the alerts channel for big or
    grade-A deals (unless the owner chose DM-only), but not about a handover: that is the owner's
    and the delivery owner's business; the deal's room (`/opp room`), if it has one, about everything.
    Channel and room posts go in the deal's thread there (bot.deals.threads)."""
    owner = opp.owner
    out = []
    mine = all(caused_by(session, owner.id, opp.id, c, since) for c, since in conditions.items())
    if _hears_by_dm(owner, now) and not mine:
        out.append(("dm", owner.slack_user_id, language_of(owner, config)))
    delivery = delivery_owner(session, opp.id) if "handover_stalled" in conditions else None
    if delivery is not None and delivery.id != owner.id and _hears_by_dm(delivery, now):
        out.append(("delivery", delivery.slack_user_id, language_of(delivery, config)))
    channel = config.channels.get("alerts")
    if (
        channel
        and owner.alert_mode != "dm_only"
        and "handover_stalled" not in conditions
        and (big(config, opp) or (opp.grade or "C") in config.alerts.channel_grades)
    ):
        out.append(("channel", channel, config.language))
    if opp.room_channel and opp.room_archived_at is None and opp.room_channel != channel:  # its room hears everything
        out.append(("room", opp.room_channel, config.language))
    if "payment_overdue" in conditions:  # 回款 is also finance's and the managers' business
        out += [
            (f"dm:{m.slack_user_id}", m.slack_user_id, language_of(m, config))
            for m in _payment_people(session, config, opp)
            if m.id != owner.id and _hears_by_dm(m, now)
        ]
    return out


def _hears_by_dm(member: Member, now: datetime) -> bool:
    """Whether ``member`` takes alert DMs now: not muted, and not on the daily bundle or channel only."""
    muted = member.muted_until is not None and member.muted_until > now
    return not muted and member.alert_mode not in ("bundle", "channel")


def delivery_owner(session: Session, opportunity_id: int) -> Member | None:
    """Who delivers the won deal (its handover's delivery owner), if anyone."""
    return session.scalar(select(Member).join(Handover, Handover.delivery_owner_id == Member.id).where(Handover.opportunity_id == opportunity_id))


def _payment_people(session: Session, config: Config, opp: Opportunity) -> list[Member]:
    """The members with a role in ``payments.tell_roles`` (a manager only if the owner's) who take alert DMs now."""
    roles = set(config.after.payment_roles)
    people = session.scalars(select(Member).where(Member.workspace_id == opp.workspace_id, Member.role.in_(roles)).order_by(Member.id))
    return [m for m in people if m.role != "manager" or m.id == opp.owner.manager_id]


def episode_start(session: Session, opportunity_id: int, now: datetime, *, include_now: bool = False) -> datetime | None:
    """When the deal's current episode was first announced (None: nothing announced is open).
    ``include_now``: count alerts announced, or cleared, at ``now`` too."""
    if include_now:  # the messages to update now: alerts that cleared just now still belong to them
        alive = (Alert.notified_at <= now, or_(Alert.cleared_at.is_(None), Alert.cleared_at >= now))
    else:  # the messages a new condition joins: an episode whose alerts have all cleared is over
        alive = (Alert.notified_at < now, Alert.cleared_at.is_(None))
    return session.scalar(select(func.min(Alert.notified_at)).where(Alert.opportunity_id == opportunity_id, *alive))


def episode_messages(session: Session, opportunity_id: int, now: datetime, *, include_now: bool = False) -> list[OutboxMessage]:
    """The deal's messages (DMs and channel posts, not escalation notes) of its current episode."""
    start = episode_start(session, opportunity_id, now, include_now=include_now)
    if start is None:
        return []
    # messages posted before alerts were one message per deal carry ``alert:<alert id>:…`` (an
    # escalation note ``alert:<id>:escalate:…``): they are the deal's messages too, so an upgrade
    # leaves none of them unresolved
    alerts = session.scalars(select(Alert.id).where(Alert.opportunity_id == opportunity_id, Alert.notified_at >= start)).all()
    legacy = and_(or_(*(OutboxMessage.key.like(f"alert:{a}:%") for a in alerts)), OutboxMessage.key.not_like("%:escalate:%")) if alerts else false()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(or_(OutboxMessage.key.like(f"deal:{opportunity_id}:%"), legacy), OutboxMessage.update_of.is_(None), OutboxMessage.created_at >= start)
            .order_by(OutboxMessage.id)
        )
    )


def update_messages(session: Session, config: Config, opp: Opportunity, now: datetime, *, tag: str, originals=None) -> int:
    """Queue a chat.update of every message of the deal's episode (DMs, channel post) to show it as it now reads."""
    originals = episode_messages(session, opp.id, now, include_now=True) if originals is None else originals
    for original in originals:
        lang = reader_language(session, config, opp.workspace_id, original.channel)
        reply = alert_message(deal_view(session, config, opp, lang), config, lang)
        outbox.enqueue_update(session, original, reply, kind="alert_update", tag=tag, now=now)  # the same update once
    return len(originals)


def plan(session: Session, config: Config, deals: dict[int, dict[str, datetime | None]], now: datetime) -> tuple[list[tuple], dict[str, list[int]]]:
    """Who hears what when a scan announces new conditions on ``deals`` (deal id -> {condition:
    since}): every message, as (deal id, target, channel or user id, update of the episode's message?),
    and the people whose new DMs are folded into one. A person on the default mode (``each``, or
    ``dm_only``) whose DMs would be new posts about several deals gets one DM listing them instead
    (bundled: user id -> deal ids, most pressing first); a single deal keeps its own DM, updated in
    place later; ``dm`` always gets one DM per deal."""
    sends, folded = [], {}
    for oid, since in sorted(deals.items()):
        opp = session.get(Opportunity, oid)
        live = {m.channel for m in episode_messages(session, oid, now)}
        for target, channel, _ in routes(session, config, opp, since, now):
            sends.append((oid, target, channel, channel in live))
            if target == "dm" and channel not in live and opp.owner.alert_mode != "dm":
                folded.setdefault(channel, []).append((pressing(config, opp, since), oid))
    bundled = {ch: [oid for _, oid in sorted(deals_)] for ch, deals_ in folded.items() if len(deals_) > 1}
    return [s for s in sends if not (s[1] == "dm" and not s[3] and s[2] in bundled)], bundled


def pressing(config: Config, opp: Opportunity, conditions) -> tuple:
    """Most pressing first: 🔴 before ⚠️, then the biggest amount, then the deal number."""
    return (severity(config, opp, conditions) != "high", -(opp.amount or 0), opp.number)


def announce(session: Session, config: Config, opp: Opportunity, alerts: list[Alert], since: dict[str, datetime | None], now: datetime, held=()) -> None:
    """Announce newly found conditions of one deal: each reader's message of the episode is updated
    to list them, or, for a reader without one, posted — unless the reader is in ``held`` (their
    DMs of this scan go out as one, see ``plan``)."""
    live = {m.channel: m for m in episode_messages(session, opp.id, now)}
    for alert in alerts:
        alert.notified_at = now
    session.flush()
    updated = []
    for target, channel, lang in routes(session, config, opp, {a.condition: since.get(a.condition) for a in alerts}, now):
        if channel in live:
            updated.append(live[channel])
            continue
        if target == "dm" and channel in held:
            continue
        key = f"deal:{opp.id}:{int(now.timestamp())}:{alerts[0].id}:{target}"
        reply = alert_message(deal_view(session, config, opp, lang), config, lang)
        if target in ("channel", "room"):  # in the deal's thread there, under its live card
            message = threads.post(session, config, opp, channel, key=key, kind="alert", reply=reply, now=now)
        else:
            message = outbox.enqueue(session, workspace_id=opp.workspace_id, key=key, kind="alert", channel=channel, reply=reply, now=now)
        for alert in alerts:
            alert.outbox_id = alert.outbox_id or message.id
    if updated:
        update_messages(session, config, opp, now, tag="new", originals=updated)


def escalate(session: Session, config: Config, workspace_id: str, findings: dict, now: datetime) -> int:
    """Alerts nobody acted on for ``escalate_after_days`` go to the owner's manager: one note per deal."""
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
    by_deal: dict[int, list[Alert]] = {}
    for alert in due:
        alert.escalated_at = now
        by_deal.setdefault(alert.opportunity_id, []).append(alert)
    count = 0
    for oid, alerts in sorted(by_deal.items()):
        opp = session.get(Opportunity, oid)
        manager = opp.owner.manager
        if manager is None or manager.id == opp.owner_id:
            continue
        found = [findings.get((oid, a.condition)) for a in alerts]
        if all(caused_by(session, manager.id, oid, a.condition, f.since if f else None) for a, f in zip(alerts, found, strict=True)):
            continue
        session.flush()
        lang = language_of(manager, config)
        outbox.enqueue(
            session,
            workspace_id=workspace_id,
            key=f"escalate:{oid}:{manager.slack_user_id}:{int(now.timestamp())}",
            kind="alert",
            channel=manager.slack_user_id,
            reply=alert_message(deal_view(session, config, opp, lang), config, lang),
            now=now,
        )
        update_messages(session, config, opp, now, tag="escalated")
        count += 1
    return count


def bundle_due(config: Config, now: datetime) -> datetime | None:
    """Today's bundle time, if the bundle is due at ``now`` (on a working day, at or after it)."""
    local = team_time(config, now)
    hour, _, minute = config.alerts.bundle_time.partition(":")
    at = local.replace(hour=int(hour), minute=int(minute), second=0, microsecond=0)
    if local < at or not config.alerts.working_time(local):
        return None
    return at


def bundle_views(session: Session, config: Config, member: Member, since: datetime) -> list[AlertView]:
    """The member's deals with alerts announced since ``since``, most pressing first: one view per
    deal, each listing all its open conditions."""
    alerts = session.scalars(
        select(Alert)
        .join(Opportunity, Opportunity.id == Alert.opportunity_id)
        .where(Opportunity.owner_id == member.id, Alert.cleared_at.is_(None), Alert.notified_at > since, Alert.snoozed_until.is_(None))
    ).all()
    conditions: dict[int, set[str]] = {}
    for a in alerts:
        if not caused_by(session, member.id, a.opportunity_id, a.condition, a.opened_at):
            conditions.setdefault(a.opportunity_id, set()).add(a.condition)
    deals = {oid: session.get(Opportunity, oid) for oid in conditions}
    ordered = sorted(deals, key=lambda oid: pressing(config, deals[oid], conditions[oid]))  # most pressing first
    return [deal_view(session, config, deals[oid]) for oid in ordered]  # the bundle shows no action lines: no reader's language needed


def bundle_members(session: Session, workspace_id: str, now: datetime) -> list[Member]:
    return list(
        session.scalars(
            select(Member).where(
                Member.workspace_id == workspace_id, Member.alert_mode == "bundle", or_(Member.muted_until.is_(None), Member.muted_until <= now)
            )
        )
    )


def bundle(session: Session, *, config: Config, workspace_id: str, now: datetime) -> int:
    """One DM per bundle-mode member listing, deal by deal, the alerts announced since the last
    bundle time. Sent once a day, at or after ``alerts.bundle_time`` on working days. Returns DMs queued."""
    at = bundle_due(config, now)
    if at is None:
        return 0
    sent = 0
    for member in bundle_members(session, workspace_id, now):
        lang = language_of(member, config)
        views = bundle_views(session, config, member, at - timedelta(days=1))
        if not views:
            continue
        outbox.enqueue(
            session,
            workspace_id=workspace_id,
            key=f"bundle:{workspace_id}:{member.slack_user_id}:{at.date().isoformat()}",
            kind="alert_bundle",
            channel=member.slack_user_id,
            reply=bundle_message(views, config, lang),
            now=now,
        )
        sent += 1
    return sent


def send_bundled(session: Session, config: Config, workspace_id: str, bundled: dict[str, list[int]], now: datetime) -> int:
    """One DM per person of ``plan``'s bundled: their deals of this scan, most pressing first."""
    for channel, oids in sorted(bundled.items()):
        lang = reader_language(session, config, workspace_id, channel)
        views = [deal_view(session, config, session.get(Opportunity, oid)) for oid in oids]  # no action lines in a bundle
        outbox.enqueue(
            session,
            workspace_id=workspace_id,
            key=f"bundle:{workspace_id}:{channel}:{int(now.timestamp())}",
            kind="alert_bundle",
            channel=channel,
            reply=bundle_message(views, config, lang, burst=True),
            now=now,
        )
    return len(bundled)
