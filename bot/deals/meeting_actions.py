"""Actions the weekly review meeting (商机评审会) assigns on a deal: assigning one makes it the deal's
next step (through ``opportunities.update``, so with its events and the edit permission), records
it, and DMs the assignee through the outbox; marking one done (the assignee, the deal's owner, a
manager or an admin) takes it off the agenda. Each is an event on the deal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.meeting import ActionLine, action_dm
from bot.core import history
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.deal_fields import LIMITS
from bot.core.errors import BadInput, NotFound, PermissionDenied
from bot.core.text import clean
from bot.deals import opportunities
from bot.deals.opportunities import DealInput
from bot.delivery.outbox import enqueue
from bot.team.members import Actor, language_of, role_of
from store.models import MeetingAction, Member, Opportunity

MARKERS = ("manager", "admin")  # roles that may mark anyone's action done


@dataclass(frozen=True)
class ActionTarget:
    """The deal an action is about to be assigned on, for the form."""

    number: int
    title: str
    owner: str  # Slack user id: the default assignee


def target(session: Session, *, actor: Actor, number: int, config: Config) -> ActionTarget:
    """The open deal ``number``, if ``actor`` may set its next step (else refused, saying who may)."""
    opp = _open_deal(session, actor, number)
    opportunities.require_change(actor, opp, "edit", config)
    return ActionTarget(opp.number, opp.title, opp.owner.slack_user_id)


def _open_deal(session: Session, actor: Actor, number: int, *, for_update: bool = False) -> Opportunity:
    opp = opportunities.get(session, actor=actor, number=number, for_update=for_update)
    if opp.status != "open":
        raise BadInput("deal_closed", number=number, status=opp.status)
    return opp


def assign(
    session: Session, *, actor: Actor, number: int, text: str, assignee: Member, due_on: date, config: Config, clock: Clock
) -> tuple[MeetingAction, Opportunity]:
    """Assign ``text`` on deal ``number`` to ``assignee`` by ``due_on``: the deal's next step and
    its due day become the action's, and the assignee hears by DM."""
    text = clean(text).strip()
    if not text:
        raise BadInput("mt_action_required", field="mt_action")
    if len(text) > LIMITS["next_step"]:
        raise BadInput("too_long", field="mt_action", name="mt_action", length=len(text), limit=LIMITS["next_step"])
    _open_deal(session, actor, number, for_update=True)
    opp, _ = opportunities.update(session, actor=actor, number=number, changes=DealInput(next_step=text, next_step_due=due_on), config=config, clock=clock)
    now = clock.now()
    action = MeetingAction(
        workspace_id=actor.workspace_id,
        opportunity_id=opp.id,
        text=text,
        assignee_id=assignee.id,
        due_on=due_on,
        meeting_on=now.astimezone(config.tz).date(),
        created_by_id=actor.member_id,
        created_at=now,
    )
    session.add(action)
    session.flush()
    _record(session, opp, actor, now, "assigned", text)
    line = ActionLine(action.id, opp.number, opp.title, text, assignee.slack_user_id, assignee.display_name, due_on)
    reply = action_dm(line, actor.slack_user_id, language_of(assignee, config))
    enqueue(
        session, workspace_id=actor.workspace_id, key=f"meeting-action:{action.id}", kind="meeting_action", channel=assignee.slack_user_id, reply=reply, now=now
    )
    return action, opp


def done(session: Session, *, actor: Actor, action_id: int, clock: Clock) -> tuple[MeetingAction, Opportunity, bool]:
    """Mark action ``action_id`` done; returns it, its deal, and whether this call did it (False:
    it was done already)."""
    action = session.scalars(
        select(MeetingAction).where(MeetingAction.id == action_id, MeetingAction.workspace_id == actor.workspace_id).with_for_update()
    ).one_or_none()
    if action is None:
        raise NotFound("mt_action_not_found")
    opp = session.get(Opportunity, action.opportunity_id)
    if not (actor.is_admin or role_of(actor) in MARKERS or actor.member_id in (action.assignee_id, opp.owner_id)):
        assignee = session.get(Member, action.assignee_id)
        raise PermissionDenied("mt_done_not_allowed", number=opp.number, assignee=assignee.slack_user_id)
    if action.done_at is not None:
        return action, opp, False
    now = clock.now()
    action.done_at, action.done_by_id = now, actor.member_id
    _record(session, opp, actor, now, "done", action.text)
    session.flush()
    return action, opp, True


def done_by(session: Session, action: MeetingAction) -> str:
    """The Slack id of whoever marked ``action`` done."""
    return session.get(Member, action.done_by_id).slack_user_id


def _record(session: Session, opp: Opportunity, actor: Actor, now, what: str, text: str) -> None:
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="meeting_action", field=what, new=text)
