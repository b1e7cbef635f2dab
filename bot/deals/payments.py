"""回款: a won deal's payment plan and the money received against it.

A plan is milestones in order, each an amount or a share of the deal's amount (``30%``) due on a
day; the shares of one plan may add up to at most 100%, and amounts to at most the deal's amount
when it has one. Payments are matched to milestones in the order they fall due: each payment
fills the earliest milestone not yet covered, then the next (so a milestone's ``received`` is what
has come in towards it, and ``paid_on`` the day it was covered in full). The matching is worked
out again from all of a deal's payments whenever the plan or the payments change, so a payment
recorded late, or a plan made after some money came in, ends the same way.

A milestone is overdue from the day after it falls due while it is not covered; the alert scan
raises ``payment_overdue`` on the deal for it (bot.alerts.scan)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.core import history
from bot.core.config import Config
from bot.core.errors import BadInput
from bot.deals import opportunities, permissions
from bot.team.members import Actor
from store.models import Opportunity, Payment, PaymentMilestone

CENT = Decimal("0.01")
MAX_MILESTONES = 12
NOTE_LIMIT = 500


@dataclass(frozen=True)
class PlannedPart:
    """One milestone as a person gave it: an amount, or a share of the deal's amount, and a day."""

    due_on: date
    amount: Decimal | None = None
    share: Decimal | None = None  # 0.3 for 30%


@dataclass(frozen=True)
class Standing:
    """A won deal's collection: its milestones (in due order) and payments, what was received in
    all, what is still to come, and what is overdue on ``today``."""

    number: int
    title: str
    currency: str
    amount: Decimal | None
    milestones: tuple[PaymentMilestone, ...]
    payments: tuple[Payment, ...]
    received: Decimal
    outstanding: Decimal
    overdue: Decimal


def amounts(parts: list[PlannedPart], deal_amount: Decimal | None) -> list[Decimal]:
    """Each part's amount: its own, or its share of ``deal_amount``; a plan that can't be (shares
    without a deal amount, shares above 100%, more than the deal's amount) is refused."""
    if not parts or len(parts) > MAX_MILESTONES:
        raise BadInput("pay_plan_size", most=MAX_MILESTONES)
    shares = [p.share for p in parts if p.share is not None]
    if shares and not deal_amount:
        raise BadInput("pay_share_no_amount")
    if sum(shares, Decimal(0)) > 1:
        raise BadInput("pay_shares_over", total=f"{sum(shares, Decimal(0)) * 100:.0f}")
    out = [(p.amount if p.share is None else deal_amount * p.share).quantize(CENT, ROUND_HALF_UP) for p in parts]
    if any(a <= 0 for a in out):
        raise BadInput("pay_amount_zero")
    if deal_amount and sum(out) > deal_amount:
        raise BadInput("pay_plan_over", total=str(sum(out)), amount=str(deal_amount))
    return out


def allocate(milestones: list[PaymentMilestone], payments: list[Payment]) -> None:
    """Match ``payments`` (any order) to ``milestones`` in due order: each payment fills the
    earliest milestone not yet covered, then the next. Sets each milestone's received and paid_on."""
    queue = sorted(milestones, key=lambda m: (m.due_on, m.position))
    for m in queue:
        m.received, m.paid_on = Decimal(0), None
    waiting = iter(queue)
    current = next(waiting, None)
    for payment in sorted(payments, key=lambda p: (p.received_on, p.id or 0)):
        left = Decimal(payment.amount)
        while current is not None and left > 0:
            take = min(left, current.amount - current.received)
            current.received += take
            left -= take
            if current.received >= current.amount:
                current.paid_on = payment.received_on
                current = next(waiting, None)


def overdue_amount(milestones, today: date) -> Decimal:
    """What is still to come of the milestones that fell due before ``today``."""
    return sum((m.amount - m.received for m in milestones if m.paid_on is None and m.due_on < today), Decimal(0))


def _won_deal(session: Session, actor: Actor, number: int, config: Config) -> Opportunity:
    opp = opportunities.get(session, actor=actor, number=number, for_update=True)
    if opp.status != "won":
        raise BadInput("pay_not_won", number=number)
    permissions.require(actor, "pay", opp, config)
    return opp


def _rows(session: Session, opp: Opportunity) -> tuple[list[PaymentMilestone], list[Payment]]:
    milestones = list(session.scalars(select(PaymentMilestone).where(PaymentMilestone.opportunity_id == opp.id).order_by(PaymentMilestone.position)))
    payments = list(session.scalars(select(Payment).where(Payment.opportunity_id == opp.id).order_by(Payment.received_on, Payment.id)))
    return milestones, payments


def plan(session: Session, *, actor: Actor, number: int, parts: list[PlannedPart], config: Config, now: datetime) -> Standing:
    """Set (or replace) the deal's plan; payments already received are matched to the new one."""
    opp = _won_deal(session, actor, number, config)
    values = amounts(parts, opp.amount)
    session.execute(delete(PaymentMilestone).where(PaymentMilestone.opportunity_id == opp.id))
    milestones = [
        PaymentMilestone(
            opportunity_id=opp.id, position=i, amount=amount, currency=opp.currency, share=part.share, due_on=part.due_on, received=Decimal(0), created_at=now
        )
        for i, (part, amount) in enumerate(zip(parts, values, strict=True))
    ]
    session.add_all(milestones)
    _, payments = _rows(session, opp)
    allocate(milestones, payments)
    text = ", ".join(f"{m.amount} {m.currency} {m.due_on.isoformat()}" for m in milestones)
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="payment_plan", field="plan", new=text[:500])
    session.flush()
    return standing(session, opp, now.astimezone(config.tz).date())


def receive(
    session: Session, *, actor: Actor, number: int, amount: Decimal, currency: str, day: date, note: str | None, config: Config, now: datetime
) -> Standing:
    """Record money received on ``day``, in the deal's currency, and match it to the plan."""
    opp = _won_deal(session, actor, number, config)
    if currency != opp.currency:
        raise BadInput("pay_currency", currency=currency, deal_currency=opp.currency, number=number)
    if amount <= 0:
        raise BadInput("pay_amount_zero")
    if day > now.astimezone(config.tz).date():
        raise BadInput("pay_in_future", day=day.isoformat())
    if note and len(note) > NOTE_LIMIT:
        raise BadInput("too_long", name="note", length=len(note), limit=NOTE_LIMIT)
    session.add(Payment(opportunity_id=opp.id, amount=amount, currency=currency, received_on=day, note=note, recorded_by_id=actor.member_id, created_at=now))
    session.flush()
    milestones, payments = _rows(session, opp)
    allocate(milestones, payments)
    history.event(
        session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="payment", field="received", new=f"{amount} {currency} {day.isoformat()}"
    )
    session.flush()
    return standing(session, opp, now.astimezone(config.tz).date())


def standing(session: Session, opp: Opportunity, today: date) -> Standing:
    milestones, payments = _rows(session, opp)
    received = sum((p.amount for p in payments), Decimal(0))
    planned = sum((m.amount for m in milestones), Decimal(0))
    target = max(planned, opp.amount or Decimal(0))
    return Standing(
        number=opp.number,
        title=opp.title,
        currency=opp.currency,
        amount=opp.amount,
        milestones=tuple(milestones),
        payments=tuple(payments),
        received=received,
        outstanding=max(target - received, Decimal(0)),
        overdue=overdue_amount(milestones, today),
    )


def show(session: Session, *, actor: Actor, number: int, config: Config, now: datetime) -> Standing:
    opp = opportunities.get(session, actor=actor, number=number)
    if opp.status != "won":
        raise BadInput("pay_not_won", number=number)
    return standing(session, opp, now.astimezone(config.tz).date())


def overdue_deals(session: Session, workspace_id: str, today: date) -> list[tuple[int, date]]:
    """(deal id, the earliest day a milestone of it fell due unpaid) for the workspace's won deals
    with an overdue milestone: one query."""
    query = (
        select(PaymentMilestone.opportunity_id, func.min(PaymentMilestone.due_on))
        .join(Opportunity, Opportunity.id == PaymentMilestone.opportunity_id)
        .where(Opportunity.workspace_id == workspace_id, Opportunity.status == "won", PaymentMilestone.paid_on.is_(None), PaymentMilestone.due_on < today)
        .group_by(PaymentMilestone.opportunity_id)
    )
    return [(oid, due) for oid, due in session.execute(query)]


def first_overdue(session: Session, opportunity_id: int, today: date) -> tuple[date | None, Decimal]:
    """The earliest day a milestone of the deal fell due unpaid, and all that is overdue."""
    rows = session.execute(
        select(PaymentMilestone.due_on, PaymentMilestone.amount - PaymentMilestone.received).where(
            PaymentMilestone.opportunity_id == opportunity_id, PaymentMilestone.paid_on.is_(None), PaymentMilestone.due_on < today
        )
    ).all()
    return min((due for due, _ in rows), default=None), sum((Decimal(left) for _, left in rows), Decimal(0))
