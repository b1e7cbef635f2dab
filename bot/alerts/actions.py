"""What the buttons on an alert do: Log activity, Snooze, Reassign, Mark lost. Each records who did
what on the alert and queues a chat.update of every copy of it (DM, channel) in the same
transaction, and returns the alert as it now reads."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.alerts.notices import deal_view, update_messages
from bot.blocks.alerts import alert_message
from bot.blocks.kit import Reply
from bot.core.errors import NotFound
from bot.core.runtime import Runtime
from bot.deals import opportunities, permissions
from bot.deals.pool import hand_over
from bot.team.members import Actor, ProfileFetcher, ensure_member
from store.models import Alert, Opportunity


def _open_alert(session, actor: Actor, alert_id: int) -> tuple[Alert, Opportunity]:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.workspace_id != actor.workspace_id or alert.cleared_at is not None:
        raise NotFound("alert_gone")
    return alert, session.get(Opportunity, alert.opportunity_id)


def _deal_alerts(session, alert: Alert) -> list[Alert]:
    """An alert's message stands for its deal: a button acts on every open alert of the deal."""
    return list(session.scalars(select(Alert).where(Alert.opportunity_id == alert.opportunity_id, Alert.cleared_at.is_(None))))


def _acted(session, rt: Runtime, actor: Actor, alert: Alert, action: str, tag: str) -> Reply:
    """Record the action on the deal's alerts, queue the update of its messages; the message as it now reads."""
    now = rt.clock.now()
    for one in _deal_alerts(session, alert) or [alert]:
        one.acted_at, one.acted_by_id, one.action = now, actor.member_id, action
        if alert.snoozed_until is not None:
            one.snoozed_until = alert.snoozed_until
    session.flush()
    opp = session.get(Opportunity, alert.opportunity_id)
    update_messages(session, rt.config, opp, now, tag=tag)
    return alert_message(deal_view(session, rt.config, opp, actor.lang), rt.config, actor.lang)


def snooze(rt: Runtime, actor: Actor, alert_id: int, days: int) -> Reply:
    if days not in rt.config.alerts.snooze_days:
        raise NotFound("alert_gone")
    with rt.transaction() as session:
        alert, opp = _open_alert(session, actor, alert_id)
        opportunities.require_change(actor, opp)
        alert.snoozed_until = rt.clock.now() + timedelta(days=days)
        return _acted(session, rt, actor, alert, f"snooze:{days}", f"snooze{days}")


def start_log(rt: Runtime, actor: Actor, alert_id: int) -> int:
    """Someone is logging an activity from the alert: the alert shows who is on it (its copies are
    updated through the outbox). Returns the deal's number, for the log form."""
    with rt.transaction() as session:
        alert, opp = _open_alert(session, actor, alert_id)
        opportunities.require_change(actor, opp)
        _acted(session, rt, actor, alert, "log", "log")
        return opp.number


def reassign(rt: Runtime, actor: Actor, alert_id: int, new_owner: str, fetch_profile: ProfileFetcher) -> Reply:
    with rt.transaction() as session:
        alert, opp = _open_alert(session, actor, alert_id)
        opp = opportunities.get(session, actor=actor, number=opp.number, for_update=True)
        permissions.require(actor, "assign", opp, rt.config)  # managers of the team, admins
        member = ensure_member(session, workspace_id=actor.workspace_id, slack_user_id=new_owner, clock=rt.clock, fetch_profile=fetch_profile)
        hand_over(session, rt=rt, actor=actor, opp=opp, member=member)
        return _acted(session, rt, actor, alert, "reassign", "reassign")


def mark_lost(rt: Runtime, actor: Actor, alert_id: int, reason: str) -> Reply:
    with rt.transaction() as session:
        alert, opp = _open_alert(session, actor, alert_id)
        opportunities.close(session, actor=actor, number=opp.number, won=False, reason=reason, note=None, config=rt.config, clock=rt.clock)
        return _acted(session, rt, actor, alert, f"lost:{reason}", "lost")
