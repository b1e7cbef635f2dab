"""The buttons on an alert: Log activity, Snooze, Reassign, Mark lost. Each records who did what
on the alert and queues a chat.update of every copy of it (DM, channel) in the same transaction;
the clicked copy is also answered at once with the updated message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.blocks import forms
from bot.deals import opportunities
from bot.deals import permissions
from bot.blocks.alerts import alert_message
from bot.core.errors import NotFound
from handlers.deal_buttons import guarded
from bot.team.members import Actor, ensure_member
from bot.blocks.deals import Reply
from handlers.args import Modal
from bot.core.runtime import Runtime
from handlers.team import hand_over
from bot.alerts.scan import alert_view, update_alert_messages
from store.models import Alert, Opportunity


@dataclass(frozen=True)
class Outcome:
    """The alert updated in place (``done``), or a message to show only to the clicker."""

    reply: Reply
    done: bool


def _outcome(rt: Runtime, actor: Actor, work) -> Outcome:
    result = guarded(rt, actor, work)
    return result if isinstance(result, Outcome) else Outcome(result, False)


def _open_alert(session, actor: Actor, alert_id: int) -> tuple[Alert, Opportunity]:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.workspace_id != actor.workspace_id or alert.cleared_at is not None:
        raise NotFound("alert_gone")
    return alert, session.get(Opportunity, alert.opportunity_id)


def _acted(session, rt: Runtime, actor: Actor, alert: Alert, action: str, tag: str) -> Outcome:
    now = rt.clock.now()
    alert.acted_at, alert.acted_by_id, alert.action = now, actor.member_id, action
    session.flush()
    update_alert_messages(session, rt.config, alert, now, tag)
    return Outcome(alert_message(alert_view(session, rt.config, alert, actor.lang), rt.config, actor.lang), True)


def snooze(rt: Runtime, actor: Actor, value: str) -> Outcome:
    """``value`` is "<alert id>:<days>"."""
    alert_id, _, days_text = value.partition(":")
    days = int(days_text)

    def work():
        if days not in rt.config.alerts.snooze_days:
            raise NotFound("alert_gone")
        with rt.transaction() as session:
            alert, opp = _open_alert(session, actor, int(alert_id))
            opportunities.require_change(actor, opp)
            alert.snoozed_until = rt.clock.now() + timedelta(days=days)
            return _acted(session, rt, actor, alert, f"snooze:{days}", f"snooze{days}")

    return _outcome(rt, actor, work)


def open_log(rt: Runtime, actor: Actor, alert_id: int, channel: str | None) -> Modal | Reply:
    """The log-activity modal for the alert's deal; the alert shows who is on it."""

    def work():
        with rt.transaction() as session:
            alert, opp = _open_alert(session, actor, alert_id)
            opportunities.require_change(actor, opp)
            _acted(session, rt, actor, alert, "log", "log")  # the modal answers; the alert updates via the outbox
            number = opp.number
        return Modal(forms.log_modal(actor.lang, number=number, meta=forms.FormMeta(channel=channel, number=number)))

    return guarded(rt, actor, work)


def reassign(rt: Runtime, actor: Actor, alert_id: int, new_owner: str, fetch_profile) -> Outcome:
    def work():
        with rt.transaction() as session:
            alert, opp = _open_alert(session, actor, alert_id)
            opp = opportunities.get(session, actor=actor, number=opp.number, for_update=True)
            permissions.require(actor, "assign", opp, rt.config)  # managers of the team, admins
            member = ensure_member(session, workspace_id=actor.workspace_id, slack_user_id=new_owner, clock=rt.clock, fetch_profile=fetch_profile)
            hand_over(session, rt=rt, actor=actor, opp=opp, member=member)
            return _acted(session, rt, actor, alert, "reassign", "reassign")

    return _outcome(rt, actor, work)


def mark_lost(rt: Runtime, actor: Actor, value: str) -> Outcome:
    """``value`` is "<alert id>:<lost reason key>"."""
    alert_id, _, reason = value.partition(":")

    def work():
        with rt.transaction() as session:
            alert, opp = _open_alert(session, actor, int(alert_id))
            opportunities.close(session, actor=actor, number=opp.number, won=False, reason=reason, note=None, config=rt.config, clock=rt.clock)
            return _acted(session, rt, actor, alert, f"lost:{reason}", "lost")

    return _outcome(rt, actor, work)
