"""Who hears of a risk flag, and the flag the worker raises by itself: 客户沉默 (customer silent).

- ``tell_manager``: every flag raised reaches the deal owner's manager by DM, once per flag (outbox
  key ``risk:<id>:manager``), whatever the deal's amount or grade. Not when the manager raised it,
  owns the deal, or the owner has no manager.
- ``flag_silent``: the worker's scan flags 客户沉默 on every open, owned deal with no customer touch
  (a call, meeting, visit or email; a note is not one) for ``risks.silent_days`` since the last
  touch (or since the deal was created). One SQL statement finds them. A deal whose silence was
  already flagged since its last touch, open or cleared by hand, is not flagged again until a
  new touch and a new silence.
- ``clear_silent``: a customer touch logged clears the deal's open 客户沉默 flags.

Each flag and clear writes an event.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.blocks.alerts import RiskNews, risk_news_message
from bot.core import history
from bot.core.config import Config
from bot.delivery import outbox
from bot.team.assignment import system_member
from bot.team.members import language_of
from store.models import Activity, Member, Opportunity, Risk

SILENT = "silent"
CUSTOMER_TOUCHES = ("call", "meeting", "visit", "email")


def tell_manager(session: Session, config: Config, opp: Opportunity, risk: Risk, now: datetime) -> bool:
    """DM the owner's manager about a newly raised flag; whether a message was queued."""
    manager = opp.owner.manager
    if manager is None or manager.id in (opp.owner_id, risk.raised_by_id):
        return False
    session.flush()  # the flag's id names the message
    lang = language_of(manager, config)
    raiser = session.get(Member, risk.raised_by_id)
    automatic = risk.kind == SILENT and raiser is not None and raiser.role == "system"
    news = RiskNews(
        number=opp.number,
        title=opp.title,
        amount=opp.amount,
        currency=opp.currency,
        grade=opp.grade or "C",
        owner=opp.owner.slack_user_id,
        kind=risk.kind,
        note=risk.note,
        raised_by=None if automatic or raiser is None else raiser.slack_user_id,
        silent_days=config.risks.silent_days,
    )
    outbox.enqueue(
        session,
        workspace_id=opp.workspace_id,
        key=f"risk:{risk.id}:manager",
        kind="risk",
        channel=manager.slack_user_id,
        reply=risk_news_message(news, config, lang),
        now=now,
    )
    return True


def last_touch():
    """The time of the deal's last customer touch (a correlated subquery), else its creation."""
    touched = (
        select(func.max(Activity.created_at))
        .where(Activity.opportunity_id == Opportunity.id, Activity.kind.in_(CUSTOMER_TOUCHES))
        .correlate(Opportunity)
        .scalar_subquery()
    )
    return func.coalesce(touched, Opportunity.created_at)


def silent_deals(session: Session, config: Config, workspace_id: str, now: datetime) -> list[int]:
    """Ids of the open, owned deals silent for ``risks.silent_days`` whose silence is not flagged yet."""
    since = last_touch()
    flagged = exists().where(Risk.opportunity_id == Opportunity.id, Risk.kind == SILENT, or_(Risk.cleared_at.is_(None), Risk.raised_at >= since))
    cutoff = now - timedelta(days=config.risks.silent_days)
    query = select(Opportunity.id).where(
        Opportunity.workspace_id == workspace_id,
        Opportunity.status == "open",
        Opportunity.pooled_at.is_(None),
        since < cutoff,
        ~flagged,
    )
    return list(session.scalars(query.order_by(Opportunity.id)))


def flag_silent(session: Session, *, config: Config, workspace_id: str, now: datetime) -> int:
    """Flag 客户沉默 on every deal ``silent_deals`` finds, as the app; tell their managers. Returns how many."""
    found = silent_deals(session, config, workspace_id, now)
    if not found:
        return 0
    app = system_member(session, workspace_id, now)
    for oid in found:
        opp = session.get(Opportunity, oid)
        risk = Risk(opportunity_id=oid, kind=SILENT, note=None, raised_by_id=app.id, raised_at=now)
        session.add(risk)
        history.event(session, opportunity_id=oid, actor_id=app.id, at=now, kind="risk", field=SILENT, old=None, new=SILENT)
        tell_manager(session, config, opp, risk, now)
    return len(found)


def clear_silent(session: Session, opp: Opportunity, actor_id: int, kind: str, now: datetime) -> int:
    """A logged activity of ``kind``: a customer touch clears the deal's open 客户沉默 flags."""
    if kind not in CUSTOMER_TOUCHES:
        return 0
    flags = session.scalars(select(Risk).where(Risk.opportunity_id == opp.id, Risk.kind == SILENT, Risk.cleared_at.is_(None))).all()
    for risk in flags:
        risk.cleared_at = now
    if flags:
        history.event(session, opportunity_id=opp.id, actor_id=actor_id, at=now, kind="risk", field=SILENT, old="open", new="cleared")
    return len(flags)


_OPEN_RISKS = select(Risk.kind, Risk.note).where(Risk.opportunity_id == bindparam("deal"), Risk.cleared_at.is_(None)).order_by(Risk.id)


def open_risks(on: Session | Connection, opportunity_id: int) -> tuple[tuple[str, str | None], ...]:
    """The deal's open flags, oldest first: (kind, note); read on a session or a connection (a card
    read without the ORM, bot.deals.views.card_view). The statement is built once."""
    rows = on.execute(_OPEN_RISKS, {"deal": opportunity_id}).all()
    return tuple((kind, note) for kind, note in rows)
