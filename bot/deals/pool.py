"""Who holds a deal: the public pool (公海) of deals nobody owns, atomic claims from it (within
``pool.daily_claims`` a day, and not by a deal's previous owner for ``pool.reclaim_after_days``
after it returned from them), and a hand-over from one person to another (`/opp assign`, an
alert's Reassign). Deals return to the pool by bot.deals.recycle."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.blocks.kit import esc, message
from bot.core import history
from bot.core.errors import BadInput, Conflict
from bot.core.i18n import t
from bot.core.runtime import Runtime
from bot.deals import opportunities, permissions
from bot.deals.opportunities import DealInput
from bot.team import offers, rules
from bot.team.members import Actor
from store.models import AssignmentOffer, Event, Member, Opportunity

LIST_LIMIT = 25


def pooled(session: Session, workspace_id: str, *, limit: int = LIST_LIMIT) -> tuple[list[Opportunity], int]:
    where = (Opportunity.workspace_id == workspace_id, Opportunity.status == "open", Opportunity.pooled_at.is_not(None))
    total = session.scalar(select(func.count(Opportunity.id)).where(*where)) or 0
    rows = session.scalars(select(Opportunity).where(*where).order_by(Opportunity.pooled_at, Opportunity.number).limit(limit)).unique().all()
    return list(rows), total


def claim(session: Session, *, actor: Actor, number: int, config, now: datetime) -> Opportunity:
    """Take a pooled deal. Atomic, twice over: a conditional UPDATE (… WHERE pooled_at IS NOT NULL)
    lets exactly one of several simultaneous claimers win, and the claimer's capacity is part of
    that same UPDATE (… AND the open deals they hold < capacity), with their member row locked
    first (PostgreSQL: SELECT … FOR UPDATE; SQLite serialises writers), so claims arriving together
    from one person stop at their capacity. The others hear who won, or that they are full."""
    opp = opportunities.get(session, actor=actor, number=number)
    if opp.pooled_at is None:
        if opp.owner_id == actor.member_id:
            return opp
        raise Conflict("pool_already_claimed" if _claimed_since(session, opp) else "pool_not_in_pool", number=number, user=opp.owner.slack_user_id)
    permissions.require(actor, "claim", opp, config)
    _cooling_off(session, actor, opp, config, now)
    me = session.scalars(select(Member).where(Member.id == actor.member_id).with_for_update()).one()
    conditions = [Opportunity.id == opp.id, Opportunity.pooled_at.is_not(None), Opportunity.status == "open"]
    if me.capacity is not None:
        conditions.append(rules.held_count(actor.workspace_id, me.id) < me.capacity)
    if config.pool.daily_claims:
        conditions.append(_claims_today(me.id, config, now) < config.pool.daily_claims)
    won = session.execute(
        update(Opportunity)
        .where(*conditions)
        .values(
            owner_id=actor.member_id,
            pooled_at=None,
            responsible_id=None,
            updated_at=now,
            last_activity_at=now,
            pool_clock_at=now,
            pool_warned_at=None,
            version=Opportunity.version + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        session.expire(opp)
        if opp.pooled_at is not None and opp.status == "open":  # still in the pool: the claimer is full
            _refuse_full(session, actor, me, config, now)
        owner = session.scalar(select(Member.slack_user_id).join(Opportunity, Opportunity.owner_id == Member.id).where(Opportunity.id == opp.id))
        raise Conflict("pool_already_claimed", number=number, user=owner)
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="assigned", field="claim", old="pool", new=actor.slack_user_id)
    session.execute(
        update(AssignmentOffer)
        .where(AssignmentOffer.opportunity_id == opp.id, AssignmentOffer.status == offers.OPEN_OFFER)
        .values(status="withdrawn", answered_at=now)
    )
    offers.post(
        session,
        config,
        actor.workspace_id,
        f"claim:{opp.id}:{now.isoformat()}",
        t(config.language, "pool_post_claimed", user=actor.slack_user_id, number=number, title=esc(opp.title)),
        now,
    )
    session.flush()
    session.refresh(opp)
    return opp


def _day_start(config, now: datetime) -> datetime:
    local = now.astimezone(config.tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _claims_today(member_id: int, config, now: datetime):
    """How many deals the member claimed since midnight (workspace time), as a subquery."""
    claimed = select(func.count(Event.id)).where(Event.actor_id == member_id, Event.kind == "assigned", Event.field == "claim")
    return claimed.where(Event.at >= _day_start(config, now)).scalar_subquery()


def _refuse_full(session: Session, actor: Actor, me: Member, config, now: datetime) -> None:
    """Why a claim of a deal still in the pool did not go through: the daily limit, or capacity."""
    limit = config.pool.daily_claims
    if limit:
        count = session.scalar(select(_claims_today(me.id, config, now)))
        if count >= limit:
            raise BadInput("pool_daily_limit", count=count, limit=limit)
    held = rules.open_counts(session, actor.workspace_id, [me.id]).get(me.id, 0)
    raise BadInput("as_at_capacity", user=actor.slack_user_id, open=held, capacity=me.capacity)


def _cooling_off(session: Session, actor: Actor, opp: Opportunity, config, now: datetime) -> None:
    """The person the deal last returned from may not claim it back for ``pool.reclaim_after_days``."""
    days = config.pool.reclaim_after_days
    last = session.scalars(
        select(Event).where(Event.opportunity_id == opp.id, Event.kind == "assigned", Event.field == "pool").order_by(Event.id.desc()).limit(1)
    ).first()
    if days and last is not None and last.old == actor.slack_user_id and last.at > now - timedelta(days=days):
        day = (last.at + timedelta(days=days)).astimezone(config.tz).date().isoformat()
        raise BadInput("pool_reclaim_wait", number=opp.number, day=day)


def _claimed_since(session: Session, opp: Opportunity) -> bool:
    last = session.scalars(select(Event.field).where(Event.opportunity_id == opp.id, Event.kind == "assigned").order_by(Event.id.desc()).limit(1)).first()
    return last == "claim"


def hand_over(session: Session, *, rt: Runtime, actor: Actor, opp: Opportunity, member: Member) -> Opportunity:
    """A person gives the deal to ``member`` (permission already checked): the owner changes (an
    event), open offers are withdrawn, the new owner is told and the assignments channel hears."""
    config, now, number = rt.config, rt.clock.now(), opp.number
    if member.id == opp.owner_id and opp.pooled_at is None:
        raise BadInput("as_already_owner", user=member.slack_user_id, number=number)
    old = opp.owner.slack_user_id if opp.pooled_at is None else None  # None: from the public pool
    opp, _ = opportunities.update(session, actor=actor, number=number, changes=DealInput(owner_id=member.id), config=config, clock=rt.clock)
    opp.pooled_at = None
    opp.pool_clock_at, opp.pool_warned_at = rt.clock.now(), None
    session.execute(
        update(AssignmentOffer)
        .where(
            AssignmentOffer.opportunity_id == opp.id,
            AssignmentOffer.kind == "owner",
            AssignmentOffer.status == offers.OPEN_OFFER,
        )
        .values(status="withdrawn", answered_at=now)
    )
    lang = config.language
    offers.dm(
        session,
        opp.workspace_id,
        member.slack_user_id,
        f"manual:{opp.id}:{opp.version}",
        message(t(lang, "as_manual_dm", by=actor.slack_user_id, number=number, title=esc(opp.title))),
        now,
    )
    offers.post(
        session,
        config,
        opp.workspace_id,
        f"manual-post:{opp.id}:{opp.version}",
        t(
            lang,
            "as_manual_post" if old else "as_manual_post_pooled",
            by=actor.slack_user_id,
            number=number,
            title=esc(opp.title),
            user=member.slack_user_id,
            old=old,
        ),
        now,
    )
    return opp


def retrying(work, attempts: int = 5):
    """Run a short write transaction again when SQLite reports the database busy (two writers at
    the same instant); PostgreSQL waits on the row lock instead and never needs this."""
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc).lower() or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
