"""回款 figures: what was planned to come in, what came in and what is overdue, by month and by
rep (`/opp report payments [period]`); what falls due this week and what is overdue (the daily
digest); the cash still expected in a period (the forecast). Each is one grouped SQL query over
the workspace's won deals; Python only adds the groups up."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.blocks.views import Money
from bot.core.periods import Period
from bot.reporting.metrics import add, money
from store.models import Member, Opportunity, Payment, PaymentMilestone


@dataclass
class CashRow:
    """Planned (falling due), received and overdue, in one month or for one rep."""

    label: str  # "2026-12", or a rep's Slack id
    planned: Money = field(default_factory=dict)
    received: Money = field(default_factory=dict)
    overdue: Money = field(default_factory=dict)


@dataclass(frozen=True)
class CashDue:
    """Payments falling due in a span and overdue on a day: totals, and the first deals of each."""

    due: Money
    overdue: Money
    due_items: tuple[tuple[int, str, date, Money], ...]  # (number, title, due on, still to come)
    overdue_items: tuple[tuple[int, str, date, Money], ...]


def _won(workspace_id: str):
    return (Opportunity.workspace_id == workspace_id, Opportunity.status == "won")


def _left():
    return PaymentMilestone.amount - PaymentMilestone.received


def collections(session: Session, workspace_id: str, period: Period, today: date) -> tuple[list[CashRow], list[CashRow]]:
    """By month and by rep over ``period``: milestones falling due in it, money received in it,
    and what of its milestones due before ``today`` is still to come."""
    months: dict[str, CashRow] = {}
    reps: dict[str, CashRow] = {}

    def row(table: dict[str, CashRow], label: str) -> CashRow:
        return table.setdefault(label, CashRow(label))

    planned = (
        select(PaymentMilestone.due_on, Member.slack_user_id, PaymentMilestone.currency, func.sum(PaymentMilestone.amount), func.sum(_left()))
        .join(Opportunity, Opportunity.id == PaymentMilestone.opportunity_id)
        .join(Member, Member.id == Opportunity.owner_id)
        .where(*_won(workspace_id), PaymentMilestone.due_on >= period.first, PaymentMilestone.due_on <= period.last)
        .group_by(PaymentMilestone.due_on, Member.slack_user_id, PaymentMilestone.currency)
    )
    for due_on, owner, currency, amount, left in session.execute(planned):
        late = money([(currency, left)]) if due_on < today else {}
        for target in (row(months, f"{due_on:%Y-%m}"), row(reps, owner)):
            target.planned = add(target.planned, money([(currency, amount)]))
            target.overdue = add(target.overdue, late)
    received = (
        select(Payment.received_on, Member.slack_user_id, Payment.currency, func.sum(Payment.amount))
        .join(Opportunity, Opportunity.id == Payment.opportunity_id)
        .join(Member, Member.id == Opportunity.owner_id)
        .where(*_won(workspace_id), Payment.received_on >= period.first, Payment.received_on <= period.last)
        .group_by(Payment.received_on, Member.slack_user_id, Payment.currency)
    )
    for received_on, owner, currency, amount in session.execute(received):
        for target in (row(months, f"{received_on:%Y-%m}"), row(reps, owner)):
            target.received = add(target.received, money([(currency, amount)]))
    return sorted(months.values(), key=lambda r: r.label), sorted(reps.values(), key=lambda r: r.label)


def due_and_overdue(session: Session, workspace_id: str, first: date, last: date, today: date, top: int) -> CashDue:
    """Unpaid milestones falling due from ``first`` to ``last`` (from today on), and those overdue on ``today``."""
    base = (
        select(Opportunity.number, Opportunity.title, PaymentMilestone.due_on, PaymentMilestone.currency, _left())
        .join(Opportunity, Opportunity.id == PaymentMilestone.opportunity_id)
        .where(*_won(workspace_id), PaymentMilestone.paid_on.is_(None))
        .order_by(PaymentMilestone.due_on, Opportunity.number)
    )
    due_rows = session.execute(base.where(PaymentMilestone.due_on >= max(first, today), PaymentMilestone.due_on <= last)).all()
    late_rows = session.execute(base.where(PaymentMilestone.due_on < today)).all()

    def items(rows) -> tuple:
        return tuple((number, title, due_on, money([(currency, left)])) for number, title, due_on, currency, left in rows[:top])

    return CashDue(
        due=money((c, left) for *_, c, left in due_rows),
        overdue=money((c, left) for *_, c, left in late_rows),
        due_items=items(due_rows),
        overdue_items=items(late_rows),
    )


def expected(session: Session, workspace_id: str, period: Period) -> Money:
    """Cash still to come from milestones falling due in ``period``."""
    rows = session.execute(
        select(PaymentMilestone.currency, func.sum(_left()))
        .join(Opportunity, Opportunity.id == PaymentMilestone.opportunity_id)
        .where(*_won(workspace_id), PaymentMilestone.paid_on.is_(None), PaymentMilestone.due_on >= period.first, PaymentMilestone.due_on <= period.last)
        .group_by(PaymentMilestone.currency)
    )
    return money(rows)


def totals(rows: list[CashRow]) -> CashRow:
    out = CashRow("")
    for r in rows:
        out.planned, out.received, out.overdue = add(out.planned, r.planned), add(out.received, r.received), add(out.overdue, r.overdue)
    return out
