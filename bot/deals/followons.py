"""二次商机: going back to won customers. A follow-on deal is created from a won one (`/opp
followon 42 <title> <amount>`): same account, industry and region, source ``follow-on``, linked to
the won deal, which records it too. A won deal's owner is reminded once to go back after
``followon.revisit_days`` from the customer's acceptance (the handover's 验收) or, without one, the
win; the reminder waits for working hours. An account's page (`/opp account <name>`) gathers its
deals: won value, open pipeline, 回款, follow-ons and the lessons of its reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import String, and_, cast, exists, func, literal, select
from sqlalchemy.orm import Session

from bot.core import history
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.errors import BadInput
from bot.deals import duplicates, opportunities, permissions
from bot.deals.opportunities import DealInput
from bot.team.members import Actor
from store.models import Handover, Opportunity, OutboxMessage, Payment, Review

SOURCE = "follow-on"
REVISIT_KEY = "revisit:"
SHOWN = 10  # deals and lessons an account's page lists


def create(
    session: Session, *, actor: Actor, number: int, title: str, amount: Decimal | None, currency: str | None, config: Config, clock: Clock
) -> Opportunity:
    """A new open deal grown from won deal ``number``, owned by whoever creates it."""
    won = opportunities.get(session, actor=actor, number=number)
    if won.status != "won":
        raise BadInput("followon_not_won", number=number)
    permissions.require(actor, "edit", won, config)
    deal = DealInput(
        title=title, account=won.account, amount=amount, currency=currency or won.currency, source=SOURCE, industry=won.industry, region=won.region
    )
    opp, _ = opportunities.create(session, actor=actor, deal=deal, config=config, clock=clock)
    opp.followon_of = won.id
    now = clock.now()
    history.event(session, opportunity_id=won.id, actor_id=actor.member_id, at=now, kind="followon", field="followon", new=f"#{opp.number}")
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="followon", field="followon_of", new=f"#{won.number}")
    session.flush()
    return opp


def due_revisits(session: Session, config: Config, workspace_id: str, now: datetime) -> list[Opportunity]:
    """Won deals whose revisit is due and not yet sent: closed (or, with a handover, accepted)
    ``revisit_days`` ago. One query; the outbox key says whether it was sent."""
    days = timedelta(days=config.after.revisit_days)
    sent = exists().where(OutboxMessage.key == literal(REVISIT_KEY) + cast(Opportunity.id, String))
    accepted = select(Handover.accepted_on).where(Handover.opportunity_id == Opportunity.id).correlate(Opportunity).scalar_subquery()
    query = (
        select(Opportunity, accepted)
        .where(Opportunity.workspace_id == workspace_id, Opportunity.status == "won", Opportunity.closed_at <= now - days, ~sent)
        .order_by(Opportunity.closed_at)
        .limit(500)
    )
    today = now.astimezone(config.tz).date()
    return [opp for opp, accepted_on in session.execute(query).unique() if accepted_on is None or accepted_on + days <= today]


@dataclass(frozen=True)
class AccountPage:
    """One account's deals and what they add up to (amounts per currency)."""

    name: str
    deals: tuple[tuple[int, str, str, Decimal | None, str, bool], ...]  # number, title, status, amount, currency, follow-on
    total: int
    won: dict[str, Decimal]
    pipeline: tuple[int, dict[str, Decimal]]
    received: dict[str, Decimal]
    outstanding: dict[str, Decimal]  # won value not yet received
    followons: tuple[int, dict[str, Decimal]]  # follow-on deals, and the value of those won
    lessons: tuple[tuple[int, str], ...]  # (deal number, lesson), newest first


def account(session: Session, workspace_id: str, name: str) -> AccountPage | None:
    """The account ``name`` names (compared as duplicates compare accounts), or None."""
    key = duplicates.account_key(name)
    if key is None:
        return None
    mine = (Opportunity.workspace_id == workspace_id, Opportunity.account_key == key, Opportunity.status.in_(("open", "won", "lost")))
    deals = session.execute(
        select(Opportunity.number, Opportunity.title, Opportunity.status, Opportunity.amount, Opportunity.currency, Opportunity.followon_of.is_not(None))
        .where(*mine)
        .order_by(Opportunity.number.desc())
    ).all()
    if not deals:
        return None
    shown_name = session.scalar(select(Opportunity.account).where(*mine).order_by(Opportunity.number.desc()).limit(1))

    def sums(*where, column=Opportunity.amount, table=Opportunity) -> dict[str, Decimal]:
        query = select(table.currency, func.sum(column)).where(*where).group_by(table.currency)
        if table is not Opportunity:
            query = query.join(Opportunity, Opportunity.id == table.opportunity_id)
        return {c: Decimal(v) for c, v in session.execute(query.where(*mine)) if v}

    won = and_(Opportunity.status == "won")
    lessons = session.execute(
        select(Opportunity.number, Review.lesson)
        .join(Review, Review.opportunity_id == Opportunity.id)
        .where(*mine, Review.lesson.is_not(None))
        .order_by(Review.id.desc())
        .limit(SHOWN)
    ).all()
    received = sums(won, column=Payment.amount, table=Payment)
    won_value = sums(won)
    return AccountPage(
        name=shown_name or name,
        deals=tuple(tuple(d) for d in deals[:SHOWN]),
        total=len(deals),
        won=won_value,
        pipeline=(sum(1 for d in deals if d.status == "open"), sums(Opportunity.status == "open")),
        received=received,
        outstanding={c: v - received.get(c, Decimal(0)) for c, v in won_value.items() if v > received.get(c, Decimal(0))},
        followons=(sum(1 for d in deals if d[5]), sums(won, Opportunity.followon_of.is_not(None))),
        lessons=tuple((n, text) for n, text in lessons),
    )
