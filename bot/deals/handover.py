"""A won deal handed over to delivery (交接): its form saved (who delivers it, the scope, key dates,
notes), its checklist ([handover] checklist in config.toml) ticked step by step, and the customer's
acceptance (验收), which closes it.

Only a won deal has a handover, one at most; the deal's owner, its delivery owner, a manager of
either and the admins may make or change it (bot.deals.permissions.may_hand_over). Each change is
an event on the deal, and every tick and the acceptance move ``progress_at`` on (an open handover
that stands still alerts: bot.alerts.scan). The messages are queued through the outbox in the
caller's transaction: a new handover is posted to ``channels.delivery`` and sent to its delivery
owner, once each (the key names the handover and the reader, so a retry never doubles one), and
every later change updates those messages in place, each in its reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.handover import handover_message
from bot.blocks.kit import clip
from bot.blocks.views import HandoverView
from bot.core import history
from bot.core.config import Config, Step
from bot.core.config_after import find_step
from bot.core.deal_fields import LIMITS
from bot.core.errors import BadInput
from bot.core.text import clean
from bot.deals import opportunities, permissions, threads
from bot.delivery import outbox
from bot.team.members import Actor, language_of, reader_language
from bot.team.rules import decide
from store.models import Event, Handover, Member, Opportunity, OutboxMessage

ACCEPTANCE = "acceptance"  # the checklist step the customer's acceptance ticks (客户验收 as shipped)
TEXTS = ("scope", "key_dates", "notes")
QUOTE_LIMIT = 80  # how much of an unknown step an error quotes back


@dataclass(frozen=True)
class HandoverInput:
    """What the form gives: the delivery owner picked (a member id; None: keep the one there is,
    or let the assignment rules choose one for a new handover) and the texts ("" clears one)."""

    delivery_owner_id: int | None = None
    scope: str | None = None
    key_dates: str | None = None
    notes: str | None = None


def won_deal(session: Session, *, actor: Actor, number: int, for_update: bool = False) -> Opportunity:
    """The deal ``number``, refused unless it is won: only a won deal is handed over."""
    opp = opportunities.get(session, actor=actor, number=number, for_update=for_update)
    if opp.status != "won":
        raise BadInput("handover_not_won", number=number, status=opp.status)
    return opp


def of_deal(session: Session, opp: Opportunity) -> Handover | None:
    return session.scalars(select(Handover).where(Handover.opportunity_id == opp.id)).one_or_none()


def _member(session: Session, member_id: int | None) -> Member | None:
    return session.get(Member, member_id) if member_id is not None else None


def show(session: Session, *, actor: Actor, number: int, config: Config) -> HandoverView:
    """A won deal's handover as it stands (``exists`` False when it has none yet); anyone may look."""
    opp = won_deal(session, actor=actor, number=number)
    return view(session, config, opp, of_deal(session, opp))


def form_view(session: Session, *, actor: Actor, number: int, config: Config) -> HandoverView:
    """What the handover form opens with, for someone who may hand the deal over."""
    opp = won_deal(session, actor=actor, number=number)
    handover = of_deal(session, opp)
    permissions.require_hand_over(actor, opp, _member(session, handover.delivery_owner_id) if handover else None)
    return view(session, config, opp, handover)


def save(session: Session, *, actor: Actor, number: int, given: HandoverInput, config: Config, now: datetime) -> tuple[HandoverView, list[str]]:
    """Make the deal's handover, or change it (the form submitted again): the handover as it now
    reads and what changed (``["opened"]`` for a new one)."""
    opp = won_deal(session, actor=actor, number=number, for_update=True)
    handover = of_deal(session, opp)
    permissions.require_hand_over(actor, opp, _member(session, handover.delivery_owner_id) if handover else None)
    texts = _texts(given)
    if handover is None:
        handover = _open(session, actor, opp, given.delivery_owner_id, texts, config, now)
        changed = ["opened"]
    else:
        changed = _change(session, actor, opp, handover, given.delivery_owner_id, texts, now)
        if changed:
            _update_messages(session, config, opp, handover, now, tag="edit")
    _send(session, config, opp, handover, now)  # once per reader: only a new delivery owner gets one now
    return view(session, config, opp, handover), changed


def _texts(given: HandoverInput) -> dict[str, str | None]:
    """The form's texts cleaned ("" is none), each refused when longer than its field keeps."""
    texts = {}
    for name in TEXTS:
        value = clean(getattr(given, name) or "").strip() or None
        if value is not None and len(value) > LIMITS[name]:
            raise BadInput("too_long", field=name, name=name, length=len(value), limit=LIMITS[name])
        texts[name] = value
    return texts


def _open(session: Session, actor: Actor, opp: Opportunity, owner_id: int | None, texts: dict, config: Config, now: datetime) -> Handover:
    """A new handover: its delivery owner the one picked, else a member with the delivery role by
    the assignment rules (none when nobody can take it)."""
    if owner_id is None:
        decision = decide(session, config, opp, role="delivery", today=now.astimezone(config.tz).date())
        owner_id = decision.chosen.member_id if decision.chosen else None
    handover = Handover(
        opportunity_id=opp.id, delivery_owner_id=owner_id, checklist={}, created_by_id=actor.member_id, created_at=now, progress_at=now, **texts
    )
    session.add(handover)
    session.flush()
    delivery = _member(session, owner_id)
    _event(session, opp, actor, now, "opened", None, delivery.slack_user_id if delivery else None)
    return handover


def _change(session: Session, actor: Actor, opp: Opportunity, handover: Handover, owner_id: int | None, texts: dict, now: datetime) -> list[str]:
    """Apply the form again: an event per field that changed; the names of those fields."""
    changed = []
    if owner_id is not None and owner_id != handover.delivery_owner_id:
        old, new = _member(session, handover.delivery_owner_id), _member(session, owner_id)
        _event(session, opp, actor, now, "delivery_owner", old.slack_user_id if old else None, new.slack_user_id)
        handover.delivery_owner_id = owner_id
        changed.append("delivery_owner")
    for name, value in texts.items():
        if value != getattr(handover, name):
            _event(session, opp, actor, now, name, getattr(handover, name), value)
            setattr(handover, name, value)
            changed.append(name)
    return changed


def _open_handover(session: Session, actor: Actor, number: int) -> tuple[Opportunity, Handover]:
    """The won deal and its handover, for a change by ``actor``: it must exist and not be closed."""
    opp = won_deal(session, actor=actor, number=number, for_update=True)
    handover = of_deal(session, opp)
    if handover is None:
        raise BadInput("handover_missing", number=number)
    permissions.require_hand_over(actor, opp, _member(session, handover.delivery_owner_id))
    if handover.accepted_on is not None:
        raise BadInput("handover_closed", number=number, day=handover.accepted_on.isoformat())
    return opp, handover


def tick(session: Session, *, actor: Actor, number: int, step_text: str, config: Config, now: datetime, today: date) -> tuple[HandoverView, Step]:
    """Tick the checklist step ``step_text`` names (by key or by name); the acceptance step records
    the customer's acceptance ``today``. A step ticked already is refused, saying by whom."""
    steps = config.after.handover_steps
    opp, handover = _open_handover(session, actor, number)
    if not step_text.strip():
        raise BadInput("handover_need_step", number=number, steps=steps)
    step = find_step(steps, step_text)
    if step is None:
        raise BadInput("handover_unknown_step", value=clip(step_text.strip(), QUOTE_LIMIT), steps=steps)
    if step.key == ACCEPTANCE:
        _accept(session, actor, opp, handover, today, config, now)
        return view(session, config, opp, handover), step
    if step.key in handover.checklist:
        day, who = _ticks(session, config, opp, handover)[step.key]
        raise BadInput("handover_already_ticked", number=number, step=step.name(actor.lang), user=who or "", day=day.isoformat())
    handover.checklist = {**handover.checklist, step.key: now.isoformat()}
    handover.progress_at = now
    _event(session, opp, actor, now, "step", None, step.key)
    _update_messages(session, config, opp, handover, now, tag=f"step-{step.key}")
    return view(session, config, opp, handover), step


def accept(session: Session, *, actor: Actor, number: int, day: date, config: Config, now: datetime, today: date) -> HandoverView:
    """The customer accepted the delivery on ``day`` (today or before): the handover closes."""
    opp, handover = _open_handover(session, actor, number)
    if day > today:
        raise BadInput("handover_future_acceptance", number=number, value=day.isoformat())
    _accept(session, actor, opp, handover, day, config, now)
    return view(session, config, opp, handover)


def _accept(session: Session, actor: Actor, opp: Opportunity, handover: Handover, day: date, config: Config, now: datetime) -> None:
    handover.accepted_on = day
    if any(step.key == ACCEPTANCE for step in config.after.handover_steps):
        handover.checklist = {**handover.checklist, ACCEPTANCE: now.isoformat()}
    handover.progress_at = now
    _event(session, opp, actor, now, "accepted", None, day.isoformat())
    _update_messages(session, config, opp, handover, now, tag="accepted")


def _event(session: Session, opp: Opportunity, actor: Actor, now: datetime, field: str, old: str | None, new: str | None) -> None:
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="handover", field=field, old=old, new=new)


# --- what people see ---------------------------------------------------------------------------


def view(session: Session, config: Config, opp: Opportunity, handover: Handover | None) -> HandoverView:
    """The handover as its messages and form show it (an empty one for a deal without)."""
    deal = {"number": opp.number, "title": opp.title, "account": opp.account, "amount": opp.amount, "currency": opp.currency}
    if handover is None:
        return HandoverView(**deal, owner=opp.owner.slack_user_id, exists=False)
    delivery = _member(session, handover.delivery_owner_id)
    return HandoverView(
        **deal,
        owner=opp.owner.slack_user_id,
        delivery_owner=delivery.slack_user_id if delivery else None,
        scope=handover.scope,
        key_dates=handover.key_dates,
        notes=handover.notes,
        ticked=_ticks(session, config, opp, handover),
        accepted_on=handover.accepted_on,
    )


def _ticks(session: Session, config: Config, opp: Opportunity, handover: Handover) -> dict[str, tuple[date, str | None]]:
    """Each step ticked: the day, on the team's calendar, and who ticked it (the deal's events say)."""
    rows = session.execute(
        select(Event.field, Event.new, Member.slack_user_id)
        .join(Member, Member.id == Event.actor_id)
        .where(Event.opportunity_id == opp.id, Event.kind == "handover", Event.field.in_(("step", "accepted")))
        .order_by(Event.id)
    )
    who = {(new if field == "step" else ACCEPTANCE): user for field, new, user in rows}
    return {key: (datetime.fromisoformat(at).astimezone(config.tz).date(), who.get(key)) for key, at in handover.checklist.items()}


def _send(session: Session, config: Config, opp: Opportunity, handover: Handover, now: datetime) -> None:
    """Post the handover to channels.delivery (in the deal's thread there) and send it to its delivery owner: each once, as the
    outbox key names the handover and the reader (queuing a key again queues nothing)."""
    shown = view(session, config, opp, handover)
    readers = []
    if config.channels.get("delivery"):
        readers.append(("post", config.channels["delivery"], config.language))
    delivery = _member(session, handover.delivery_owner_id)
    if delivery is not None:
        readers.append((f"dm:{delivery.slack_user_id}", delivery.slack_user_id, language_of(delivery, config)))
    for name, channel, lang in readers:
        reply = handover_message(shown, config, lang)
        key = f"handover:{handover.id}:{name}"
        if name == "post":  # in the deal's thread in the delivery channel, under its live card
            threads.post(session, config, opp, channel, key=key, kind="handover", reply=reply, now=now)
        else:
            outbox.enqueue(session, workspace_id=opp.workspace_id, key=key, kind="handover", channel=channel, reply=reply, now=now)


def _update_messages(session: Session, config: Config, opp: Opportunity, handover: Handover, now: datetime, *, tag: str) -> None:
    """Queue a chat.update of each of the handover's messages (the channel post, every DM) to read
    as the handover now does, in its reader's language."""
    session.flush()
    shown = view(session, config, opp, handover)
    originals = session.scalars(
        select(OutboxMessage).where(OutboxMessage.key.like(f"handover:{handover.id}:%"), OutboxMessage.update_of.is_(None)).order_by(OutboxMessage.id)
    )
    for original in originals:
        lang = reader_language(session, config, opp.workspace_id, original.channel)
        outbox.enqueue_update(session, original, handover_message(shown, config, lang), kind="handover_update", tag=tag, now=now)
