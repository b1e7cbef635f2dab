"""Deals going back to the public pool (公海) by themselves, and the warning before.

- The rule (config [pool]): an open, owned deal returns after its grade's ``return_days`` (0:
  never) without a customer touch (a call, meeting, visit or email; a note is not one) since the
  later of its last touch and its ``pool_clock_at`` (its owner got it, or was allowed to keep it),
  unless its stage is ``exempt_from_stage`` or later. The database picks the deals (one SQL query).
- ``warn_idle_deals``: ``warn_days`` before, the owner gets one DM per period (outbox key
  ``pool-warn:<id>:<time>``) with Log activity and Keep; ``return_idle_deals`` returns a deal only
  once its owner was warned at least ``warn_days`` ago (at once when ``warn_days`` is 0).
- Keep: the owner asks their manager (one DM per warning, ``pool-keep:<id>:<token>``, Approve and
  Decline). Approval starts the deal's clock again (a full ``return_days`` from then); a decline
  leaves the return as warned. A logged customer touch also starts a new period.

Each warning, request, answer and return writes an event.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from bot.blocks.kit import Reply, esc, message
from bot.blocks.team import keep_request_message, pool_warning_message
from bot.core import history
from bot.core.config import Config
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.deals import opportunities
from bot.deals.risk_watch import last_touch
from bot.team import assignment, offers
from bot.team.members import Actor, language_of
from store.models import Event, Opportunity


def _clock():
    return func.coalesce(Opportunity.pool_clock_at, Opportunity.created_at)


def exempt_stages(config: Config) -> list[str]:
    first = config.pool.exempt_from_stage
    return [] if first is None else [s.key for s in config.stages[config.stage_index(first) :]]


def due_at(config: Config, moment: datetime):
    """The deals that would be due to return at ``moment`` (a condition; also the manager's digest's
    "returning within 7 days")."""
    touched, clock = last_touch(), _clock()
    by_grade = [
        and_(Opportunity.grade == grade, touched < moment - timedelta(days=days), clock < moment - timedelta(days=days))
        for grade, days in config.pool.return_days.items()
        if days > 0
    ]
    where = [Opportunity.status == "open", Opportunity.pooled_at.is_(None), or_(*by_grade) if by_grade else false()]
    if exempt_stages(config):
        where.append(Opportunity.stage.not_in(exempt_stages(config)))
    return and_(*where)


def _warned_this_period():
    warned = Opportunity.pool_warned_at
    return and_(warned.is_not(None), warned >= last_touch(), warned >= _clock())


def _to_warn(config: Config, now: datetime):
    return and_(due_at(config, now + timedelta(days=config.pool.warn_days)), ~_warned_this_period())


def _to_return(config: Config, now: datetime):
    if config.pool.warn_days == 0:
        return due_at(config, now)
    return and_(due_at(config, now), _warned_this_period(), Opportunity.pool_warned_at <= now - timedelta(days=config.pool.warn_days))


def _of(condition, workspace_id: str | None):
    """``condition``, for the deals of one workspace when given."""
    return condition if workspace_id is None else and_(condition, Opportunity.workspace_id == workspace_id)


def _ids(rt, condition) -> list[int]:
    with rt.transaction() as session:
        return list(session.scalars(select(Opportunity.id).where(condition).order_by(Opportunity.id)))


def _locked(session: Session, deal_id: int, condition) -> Opportunity | None:
    """The deal, locked, if it still meets ``condition`` (someone may have acted since it was listed)."""
    opp = session.get(Opportunity, deal_id, with_for_update={"of": Opportunity})
    if opp is None or session.scalar(select(Opportunity.id).where(Opportunity.id == deal_id, condition)) is None:
        return None
    return opp


def token_of(opp: Opportunity) -> str:
    return str(int(opp.pool_warned_at.timestamp())) if opp.pool_warned_at else ""


def return_day(config: Config, warned_at: datetime) -> str:
    return (warned_at + timedelta(days=config.pool.warn_days)).astimezone(config.tz).date().isoformat()


def _each_due(rt, condition, act) -> int:
    """``act(session, deal)`` on each deal meeting ``condition``, each in its own transaction with
    the deal locked and checked again (someone may have acted since it was listed). Returns how many."""
    done = 0
    for deal_id in _ids(rt, condition):
        with rt.transaction() as session:
            opp = _locked(session, deal_id, condition)
            if opp is not None:
                act(session, opp)
                done += 1
    return done


def warn_idle_deals(rt, now: datetime, workspace_id: str | None = None) -> int:
    """DM each owner whose deal returns in ``warn_days``, once a period. Returns how many."""
    config = rt.config
    if config.pool.warn_days == 0:
        return 0

    def warn(session: Session, opp: Opportunity) -> None:
        opp.pool_warned_at = now
        system = assignment.system_member(session, opp.workspace_id, now)
        day = return_day(config, now)
        history.event(session, opportunity_id=opp.id, actor_id=system.id, at=now, kind="pool", field="warned", old=None, new=day)
        lang = language_of(opp.owner, config)
        text = t(lang, "pool_warn_dm", number=opp.number, title=esc(opp.title), day=day, days=config.pool.return_days[opp.grade])
        reply = pool_warning_message(text, opp.number, token_of(opp), lang)
        offers.dm(session, opp.workspace_id, opp.owner.slack_user_id, f"pool-warn:{opp.id}:{now.isoformat()}", reply, now)

    return _each_due(rt, _of(_to_warn(config, now), workspace_id), warn)


def return_idle_deals(rt, now: datetime, workspace_id: str | None = None) -> int:
    """Deals due (and warned) go back to the public pool, announced to the channel, the owner and
    the pool manager. Returns how many."""
    config = rt.config

    def give_back(session: Session, opp: Opportunity) -> None:
        system = assignment.system_member(session, opp.workspace_id, now)
        owner = opp.owner.slack_user_id
        why = t(config.language, "as_why_idle", user=owner, days=config.pool.return_days[opp.grade])
        assignment.to_pool(session, config, opp, why, by=system.id, now=now)
        opp.responsible_id = None
        text = t(config.language, "pool_returned_dm", number=opp.number, title=esc(opp.title), why=why)
        offers.dm(session, opp.workspace_id, owner, f"pool-returned:{opp.id}:{now.isoformat()}", message(text), now)

    return _each_due(rt, _of(_to_return(config, now), workspace_id), give_back)


def _warned_deal(session: Session, actor: Actor, number: int, token: str) -> Opportunity:
    """The deal a Keep button or answer is about, still owned and still under that warning."""
    opp = opportunities.get(session, actor=actor, number=number)
    if opp.status != "open" or opp.pooled_at is not None or not token or token_of(opp) != token:
        raise BadInput("pool_keep_stale", number=number)
    return opp


def _answered(session: Session, opp: Opportunity) -> bool:
    """The manager already declined a keep for this warning (an approval ends the warning itself:
    its token no longer matches)."""
    found = select(Event.id).where(Event.opportunity_id == opp.id, Event.kind == "pool", Event.field == "keep_declined", Event.at >= opp.pool_warned_at)
    return session.scalar(found.limit(1)) is not None


def ask_keep(session: Session, *, config: Config, actor: Actor, number: int, token: str, now: datetime) -> Reply:
    """The owner's Keep: ask their manager, once per warning."""
    opp = _warned_deal(session, actor, number, token)
    if opp.owner_id != actor.member_id:
        raise BadInput("pool_keep_not_owner", number=number, user=opp.owner.slack_user_id)
    manager = opp.owner.manager
    if manager is None:
        raise BadInput("pool_keep_no_manager", number=number)
    if _answered(session, opp):
        raise BadInput("pool_keep_stale", number=number)
    key = f"pool-keep:{opp.id}:{token}"
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="pool", field="keep_asked", old=None, new=manager.slack_user_id)
    lang = language_of(manager, config)
    day = return_day(config, opp.pool_warned_at)
    text = t(lang, "pool_keep_ask", user=actor.slack_user_id, number=number, title=esc(opp.title), grade=opp.grade, day=day)
    offers.dm(session, opp.workspace_id, manager.slack_user_id, key, keep_request_message(text, number, token, lang), now)
    return message(t(actor.lang, "pool_keep_asked", number=number, user=manager.slack_user_id))


def answer_keep(session: Session, *, config: Config, actor: Actor, number: int, token: str, approve: bool, now: datetime) -> Reply:
    """The manager's Approve (the deal's clock starts again) or Decline (it returns as warned)."""
    opp = _warned_deal(session, actor, number, token)
    manager = opp.owner.manager
    if manager is None or manager.id != actor.member_id:
        raise BadInput("pool_keep_not_manager", number=number, user=opp.owner.slack_user_id)
    if _answered(session, opp):
        raise BadInput("pool_keep_stale", number=number)
    owner = opp.owner
    field = "keep_approved" if approve else "keep_declined"
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="pool", field=field, old=None, new=owner.slack_user_id)
    lang = language_of(owner, config)
    day = return_day(config, opp.pool_warned_at)
    if approve:
        opp.pool_clock_at, opp.pool_warned_at = now, None
    days = config.pool.return_days[opp.grade]
    told = t(lang, f"pool_{field}_dm", user=actor.slack_user_id, number=number, title=esc(opp.title), days=days, day=day)
    offers.dm(session, opp.workspace_id, owner.slack_user_id, f"pool-{field}:{opp.id}:{token}", message(told), now)
    return message(t(actor.lang, f"pool_{field}", number=number, user=owner.slack_user_id))
