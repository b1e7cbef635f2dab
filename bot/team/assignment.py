"""Who gets a deal, one deal at a time: the owner by the rules (with an offer) or the public pool,
the responsible person for each stage (RACI "R"), and offers answered, declined or expired.

Each function writes the decision (owner or responsible, an event, an offer) and queues the
messages through the outbox, all in the caller's transaction. The parts live next to it: the
rules and the decision for one deal in bot.team.rules, offers and assignment messages in
bot.team.offers, many deals at once in bot.team.batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.blocks.kit import Reply, esc, message
from bot.core import history
from bot.core.config import Config, Rule
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.core.text import clean
from bot.team.offers import OPEN_OFFER, dm, offer, open_offer, pool_manager_ids, post
from bot.team.rules import SYSTEM_USER, Decision, decide, is_default, role_names, rule_named
from store.models import AssignmentOffer, Member, Opportunity, Workspace

# --- writing decisions ------------------------------------------------------------------------


def system_member(session: Session, workspace_id: str, now: datetime) -> Member:
    """The member automatic decisions are recorded under."""
    member = session.scalars(select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id == SYSTEM_USER)).one_or_none()
    if member is None:
        if session.get(Workspace, workspace_id) is None:
            session.add(Workspace(id=workspace_id, next_number=1, created_at=now))
            session.flush()  # the member row refers to it
        member = Member(workspace_id=workspace_id, slack_user_id=SYSTEM_USER, display_name="oppbot", role="system", created_at=now, profile_fetched_at=now)
        session.add(member)
        session.flush()
    return member


def _event(session: Session, opp: Opportunity, actor_id: int, now: datetime, field_: str, old: str | None, new: str | None) -> None:
    history.event(session, opportunity_id=opp.id, actor_id=actor_id, at=now, kind="assigned", field=field_, old=old, new=new)


def _slack_id(session: Session, member_id: int | None) -> str | None:
    if member_id is None:
        return None
    return session.scalar(select(Member.slack_user_id).where(Member.id == member_id))


def to_pool(session: Session, config: Config, opp: Opportunity, why: str, *, by: int, now: datetime) -> None:
    """Put the deal in the public pool and announce it to the channel and the pool's manager."""
    if opp.pooled_at is None:
        _event(session, opp, by, now, "pool", _slack_id(session, opp.owner_id), "pool")
        opp.pooled_at = now
        opp.updated_at = now
    if opp.responsible_id is not None:  # a pooled deal is nobody's, for every stage
        _event(session, opp, by, now, "responsible", _slack_id(session, opp.responsible_id), None)
        opp.responsible_id = None
    lang = config.language
    text = t(lang, "as_to_pool", number=opp.number, title=esc(opp.title), why=why)
    key = f"pool:{opp.id}:{now.isoformat()}"
    post(session, config, opp.workspace_id, key, text, now)
    for user in pool_manager_ids(config):
        dm(session, opp.workspace_id, user, f"{key}:{user}", message(text), now)


def _why_pooled(config: Config, decision: Decision, passed_on: bool) -> str:
    key = "as_why_manual" if decision.why == "manual" else "as_why_passed" if passed_on else "as_why_nobody"
    name = t(config.language, "as_default_rule") if is_default(decision.rule) else decision.rule.name
    return t(config.language, key, rule=esc(name))


def assign_owner(
    session: Session, config: Config, opp: Opportunity, *, by: int, now: datetime, exclude: Iterable[int] = (), rule: Rule | None = None
) -> Decision:
    """Give the deal an owner by the rules (with an offer), or put it in the public pool; ``rule``
    and ``exclude`` when an offer passes on within its rule."""
    exclude = list(exclude)
    today = now.astimezone(config.tz).date()
    decision = decide(session, config, opp, role=None, today=today, exclude=exclude, rule=rule)
    if decision.chosen is None:
        to_pool(session, config, opp, _why_pooled(config, decision, bool(exclude)), by=by, now=now)
        return decision
    old = _slack_id(session, opp.owner_id) if opp.pooled_at is None else "pool"
    _event(session, opp, by, now, "owner", old, decision.chosen.slack_user_id)
    opp.owner_id = decision.chosen.member_id
    opp.pooled_at = None
    opp.pool_clock_at, opp.pool_warned_at = now, None  # the pool's clock starts for the new owner
    opp.updated_at = now
    offer(session, config, opp, decision, kind="owner", now=now, passed_over=exclude)
    return decision


def stage_entered(session: Session, opp: Opportunity, *, actor, config: Config, now: datetime) -> None:
    """After a move: when the new stage's responsible role is not the owner's, choose a person of
    that role by the rules and tell both; else the owner is responsible again."""
    with session.no_autoflush:
        _stage_entered(session, opp, actor=actor, config=config, now=now)


def _stage_entered(session: Session, opp: Opportunity, *, actor, config: Config, now: datetime) -> None:
    stage = config.stage(opp.stage)
    owner_role = "ae" if opp.owner.role == "rep" else opp.owner.role
    old = opp.responsible_id
    if stage.owner_role == owner_role or opp.pooled_at is not None:
        if old is not None:
            _event(session, opp, actor.member_id, now, "responsible", _slack_id(session, old), None)
            opp.responsible_id = None
        return
    if old is not None and session.scalar(select(Member.role).where(Member.id == old)) in role_names(stage.owner_role):
        return  # the person already responsible has the right role
    _withdraw(session, opp, "responsible", now)
    decision = decide(session, config, opp, role=stage.owner_role, today=now.astimezone(config.tz).date())
    if decision.chosen is None:
        if old is not None:
            _event(session, opp, actor.member_id, now, "responsible", _slack_id(session, old), None)
            opp.responsible_id = None
        if decision.considered:  # people of that role exist but none can take it: tell the pool manager
            why = _why_pooled(config, decision, False)  # the default rule by its name in the team's language
            for user in pool_manager_ids(config):
                dm(session, opp.workspace_id, user, f"resp-none:{opp.id}:{now.isoformat()}:{user}", message(f"#{opp.number} {esc(opp.title)}: {why}"), now)
        return
    _event(session, opp, actor.member_id, now, "responsible", _slack_id(session, old), decision.chosen.slack_user_id)
    opp.responsible_id = decision.chosen.member_id
    offer(session, config, opp, decision, kind="responsible", now=now)
    lang = config.language
    told = t(
        lang,
        "as_stage_told_owner",
        number=opp.number,
        title=esc(opp.title),
        stage=stage.name(lang),
        user=decision.chosen.slack_user_id,
        role=t(lang, "role_" + stage.owner_role),
    )
    dm(session, opp.workspace_id, opp.owner.slack_user_id, f"stage-owner:{opp.id}:{now.isoformat()}", message(told), now)


def _withdraw(session: Session, opp: Opportunity, kind: str, now: datetime) -> None:
    session.execute(
        update(AssignmentOffer)
        .where(AssignmentOffer.opportunity_id == opp.id, AssignmentOffer.kind == kind, AssignmentOffer.status == OPEN_OFFER)
        .values(status="withdrawn", answered_at=now)
    )


def pass_on(session: Session, config: Config, made: AssignmentOffer, status: str, *, by: int, now: datetime, reason: str | None = None) -> Decision | None:
    """The offer was declined or expired: mark it (an event) and hand the deal to the next eligible
    person of the offer's rule, else to the public pool. Returns the decision, or None when the
    deal had moved on already (closed, or given to someone else) and nothing changed."""
    made.status = status
    made.reason = reason
    made.answered_at = now
    new = f"declined: {reason[:400]}" if reason else status  # a decline always has its reason; an expiry has none
    history.event(session, opportunity_id=made.opportunity_id, actor_id=by, at=now, kind="assigned", field="offer", old=OPEN_OFFER, new=new)
    opp = session.get(Opportunity, made.opportunity_id, with_for_update={"of": Opportunity})
    if opp is None or opp.status != "open" or opp.pooled_at is not None:
        return None
    passed = [*made.passed_over, made.member_id]
    if made.kind == "owner":
        if opp.owner_id != made.member_id:
            return None  # someone already moved it on
        return assign_owner(session, config, opp, by=by, now=now, exclude=passed, rule=rule_named(config, made.rule, opp))
    if opp.responsible_id != made.member_id:
        return None
    role = config.stage(opp.stage).owner_role
    decision = decide(session, config, opp, role=role, today=now.astimezone(config.tz).date(), exclude=passed, rule=rule_named(config, made.rule, opp, role))
    if decision.chosen is None:  # nobody else: the deal goes to the pool, nobody is responsible
        owner = _slack_id(session, opp.owner_id)
        why = _why_pooled(config, decision, True)
        to_pool(session, config, opp, why, by=by, now=now)
        text = t(config.language, "pool_returned_dm", number=opp.number, title=esc(opp.title), why=why)
        dm(session, opp.workspace_id, owner, f"pool-returned:{opp.id}:{now.isoformat()}", message(text), now)
        return decision
    _event(session, opp, by, now, "responsible", _slack_id(session, made.member_id), decision.chosen.slack_user_id)
    opp.responsible_id = decision.chosen.member_id
    offer(session, config, opp, decision, kind="responsible", now=now, passed_over=passed)
    return decision


# --- answering offers, and the worker's expiry job -------------------------------------------


def accept(rt, actor, offer_id: int) -> Reply:
    with rt.transaction() as session:
        made = open_offer(session, offer_id, for_update=True)
        if made is None or made.status != OPEN_OFFER or made.member_id != actor.member_id:
            return message(t(actor.lang, "as_offer_gone"))
        made.status, made.answered_at = "accepted", rt.clock.now()
        number = session.scalar(select(Opportunity.number).where(Opportunity.id == made.opportunity_id))
        history.event(
            session,
            opportunity_id=made.opportunity_id,
            actor_id=actor.member_id,
            at=made.answered_at,
            kind="assigned",
            field="offer",
            old=OPEN_OFFER,
            new="accepted",
        )
    return message(t(actor.lang, "as_accepted", number=number))


def decline(rt, actor, offer_id: int, reason: str) -> Reply:
    """Decline with a reason: the deal passes to the next eligible person (or the pool), and the
    person who declined reads which."""
    reason = clean(reason or "").strip()
    if not reason:
        raise BadInput("as_decline_need_reason", field="reason")
    now = rt.clock.now()
    with rt.transaction() as session:
        made = open_offer(session, offer_id, for_update=True)
        if made is None or made.status != OPEN_OFFER or made.member_id != actor.member_id:
            return message(t(actor.lang, "as_offer_gone"))
        opp = session.get(Opportunity, made.opportunity_id)
        number = opp.number
        said = t(rt.config.language, "as_channel_declined", user=actor.slack_user_id, number=number, reason=esc(clip_reason(reason)))
        post(session, rt.config, opp.workspace_id, f"offer-declined:{made.id}", said, now)
        decision = pass_on(session, rt.config, made, "declined", by=actor.member_id, now=now, reason=reason[:500])
    return message(t(actor.lang, "as_declined_" + outcome(decision), number=number, next=_next(decision)))


def outcome(decision: Decision | None) -> str:
    """What became of a deal whose offer passed on: "next" (offered to someone), "pool", "moved"
    (it had moved on already; nothing changed)."""
    if decision is None:
        return "moved"
    return "next" if decision.chosen is not None else "pool"


def _next(decision: Decision | None) -> str | None:
    return decision.chosen.slack_user_id if decision is not None and decision.chosen is not None else None


def clip_reason(reason: str) -> str:
    return reason if len(reason) <= 200 else reason[:199] + "…"


def expire_offers(rt, now: datetime, workspace_id: str | None = None) -> int:
    """Offers nobody answered in time pass to the next eligible person (else the pool); the
    assignee's manager (else the pool manager) reads which. One transaction per offer; returns how
    many expired."""
    due = select(AssignmentOffer.id).where(AssignmentOffer.status == OPEN_OFFER, AssignmentOffer.expires_at <= now)
    if workspace_id is not None:
        due = due.where(AssignmentOffer.workspace_id == workspace_id)
    with rt.transaction() as session:
        ids = session.scalars(due.order_by(AssignmentOffer.id)).all()
    done = 0
    for offer_id in ids:
        with rt.transaction() as session:
            done += _expire(session, rt.config, offer_id, now)
    return done


def _expire(session: Session, config: Config, offer_id: int, now: datetime) -> int:
    made = open_offer(session, offer_id, for_update=True)
    if made is None or made.status != OPEN_OFFER or made.expires_at > now:
        return 0
    opp = session.get(Opportunity, made.opportunity_id)
    system = system_member(session, made.workspace_id, now)
    decision = pass_on(session, config, made, "expired", by=system.id, now=now)
    member = session.get(Member, made.member_id)
    text = t(
        config.language,
        "as_expired_" + outcome(decision),
        user=member.slack_user_id,
        hours=config.assignment.offer_hours,
        number=opp.number,
        title=esc(opp.title),
        next=_next(decision),
    )
    manager = session.get(Member, member.manager_id) if member.manager_id else None
    for user in [manager.slack_user_id] if manager else pool_manager_ids(config):
        dm(session, made.workspace_id, user, f"offer-expired:{made.id}:{user}", message(text), now)
    return 1
