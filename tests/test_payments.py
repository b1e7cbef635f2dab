"""回款 through Slack: a won deal's payment plan (shares or amounts, dates as people type them),
money received matched to the milestones in the order they fall due, who may do it, and the
overdue alert the worker sends once, to the owner and finance. The clock is fixed; nothing sleeps."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.deals.payments import allocate
from store.models import Payment, PaymentMilestone
from tests import test_alerts, test_handover
from tests.test_alerts import dms
from tests.test_handover import LI, handed_over, handover_row
from tests.test_permissions import set_role

client, run = test_alerts.client, test_alerts.run  # fixtures: the sender's client, one worker pass
won = test_handover.won  # fixture: #1 won by alice, li in delivery


def won_deal(slack, who="alice", amount="50万") -> None:
    slack.command(who, f"new Acme ERP {amount} account Acme")
    slack.command(who, "won 1")


def milestones(rt) -> list[tuple]:
    with rt.sessions() as s:
        rows = s.scalars(select(PaymentMilestone).order_by(PaymentMilestone.position))
        return [(m.amount, m.due_on, m.received, m.paid_on) for m in rows]


def test_a_plan_by_shares_then_money_received_fills_the_milestones_in_due_order(slack, rt, db):
    won_deal(slack)
    answer = slack.command("alice", "pay 1 plan 30% 2026-12-31, 70% 2027-03-31")
    assert "Payment plan set for #1." in answer.text
    assert milestones(rt) == [(Decimal("150000.00"), date(2026, 12, 31), 0, None), (Decimal("350000.00"), date(2027, 3, 31), 0, None)]
    answer = slack.command("alice", "pay 1 received 20万 2026-11-20")
    assert "Recorded ¥200k received on #1." in answer.text, answer.text
    assert milestones(rt) == [
        (Decimal("150000.00"), date(2026, 12, 31), Decimal("150000.00"), date(2026, 11, 20)),
        (Decimal("350000.00"), date(2027, 3, 31), Decimal("50000.00"), None),
    ]
    assert "*Received* ¥200k · *to come* ¥300k · *overdue* ¥0" in answer.text
    kinds = [(e.kind, e.new) for e in db.events(1) if e.kind.startswith("payment")]
    assert kinds == [("payment_plan", "150000.00 CNY 2026-12-31, 350000.00 CNY 2027-03-31"), ("payment", "200000.00 CNY 2026-11-20")]


def test_in_chinese_with_amounts_and_dates_as_people_type_them(slack, rt):
    won_deal(slack, "li", "100万")
    answer = slack.command("li", "回款 1 计划 40万 下月底，60万 2027-06-30")
    assert "已设置 #1 的回款计划。" in answer.text
    assert milestones(rt)[0][:2] == (Decimal("400000.00"), date(2026, 12, 31))
    answer = slack.command("li", "回款 1 收到 10万")  # today
    assert "已记录 #1 收到 ¥10万。" in answer.text and "已收 ¥10万" in answer.text
    assert milestones(rt)[0][2:] == (Decimal("100000.00"), None)
    assert "⏳ ¥40万 · 2026-12-31 到期 · 已收 ¥10万" in slack.command("li", "回款 1").text


def test_a_plan_made_after_money_came_in_is_matched_to_it(slack, rt):
    won_deal(slack)
    slack.command("alice", "pay 1 received 10万 2026-11-01")
    slack.command("alice", "pay 1 plan 10万 2026-11-15, 40万 2027-01-31")
    assert [m[2:] for m in milestones(rt)] == [(Decimal("100000.00"), date(2026, 11, 1)), (0, None)]


@pytest.mark.parametrize(
    "command, said",
    [
        ("pay 1 plan 60% 2026-12-31, 50% 2027-03-31", "The plan's shares add up to 110%; at most 100%."),
        ("pay 1 plan 30% someday", "Couldn't read “30% someday” in the plan"),
        ("pay 1 plan 2026-12-31", "Couldn't read “2026-12-31” in the plan"),
        ("pay 1 plan 60万 2026-12-31", "The plan adds up to 600000.00, more than the deal's amount, 500000.00."),
        ("pay 1 received $5000", "#1 is in CNY: record payments in CNY (you gave USD)."),
        ("pay 1 received 5万 2026-12-30", "2026-12-30 hasn't come yet: record money already received."),
        ("pay 1 received lots", "Couldn't read the amount"),
        ("pay 1 refund 5万", "Usage: `/opp pay 42`"),
        ("pay 2", "There is no deal #2."),
    ],
)
def test_what_cannot_be_done_is_said_and_nothing_changes(slack, rt, command, said):
    won_deal(slack)
    answer = slack.command("alice", command)
    assert said in answer.text, answer.text
    with rt.sessions() as s:
        assert s.scalars(select(PaymentMilestone)).all() == [] and s.scalars(select(Payment)).all() == []


def test_only_won_deals_and_only_their_owner_managers_or_finance(slack, rt):
    slack.command("alice", "new Open deal 5万")
    assert "#1 isn't won: payment plans and payments are for won deals." in slack.command("alice", "pay 1 plan 100% 2026-12-31").text
    slack.command("alice", "won 1")
    assert "Only #1's owner, their manager, finance or an admin can manage its payments." in slack.command("bob", "pay 1 received 1万").text
    set_role(rt, "U0BOB", "finance")
    assert "Recorded" in slack.command("bob", "pay 1 received 1万").text


def test_an_overdue_milestone_alerts_the_owner_and_finance_once(slack, rt, clock, run):
    """The owner, finance and the owner's own manager hear; another manager, and finance of
    another workspace, do not."""
    from bot.blocks.kit import fmt_date
    from store.models import Member, Workspace

    won_deal(slack)
    for who in ("bob", "li", "nyc"):
        slack.command(who, "help")
    set_role(rt, "U0BOB", "finance")
    set_role(rt, "U0LI", "manager")
    set_role(rt, "U0NYC", "manager")
    set_role(rt, "U0ALICE", "ae", manager="U0LI")
    with rt.transaction() as s:
        s.add(Workspace(id="T0OTHER", next_number=1, created_at=clock.now()))
        s.flush()
        s.add(Member(workspace_id="T0OTHER", slack_user_id="U0ELSEWHERE", display_name="x", role="finance", created_at=clock.now()))
    slack.command("alice", "pay 1 plan 30% 2026-11-30, 70% 2027-03-31")
    assert dms(run(), "U0ALICE") == []  # not due yet
    clock.advance(days=7)  # 2 December, 10:00 Shanghai: two days overdue
    posted = run()
    to_alice, to_bob = dms(posted, "U0ALICE"), dms(posted, "U0BOB")
    assert len(to_alice) == 1 and len(to_bob) == 1
    assert "Payment overdue" in to_alice[0].args["text"]
    assert f"¥150k due {fmt_date(date(2026, 11, 30), 'en')}" in str(to_alice[0].args["blocks"]) and "2 days overdue" in str(to_alice[0].args["blocks"])
    assert len(dms(posted, "U0LI")) == 1 and dms(posted, "U0NYC") == [] and dms(posted, "U0ELSEWHERE") == []
    clock.advance(hours=2)
    assert dms(run(), "U0ALICE") == [] and dms(run(), "U0BOB") == []  # never twice
    slack.command("alice", "pay 1 received 15万 2026-12-02")
    clock.advance(hours=2)
    run()
    with rt.sessions() as s:
        from store.models import Alert

        assert [(a.condition, a.cleared_at is not None) for a in s.scalars(select(Alert))] == [("payment_overdue", True)]


def test_matching_agrees_with_a_plain_running_total_on_generated_plans():
    """Each milestone receives what the payments so far cover beyond the milestones before it (in
    due order), computed here from running totals, for 200 generated plans and payments."""
    rnd = random.Random(9)
    for _ in range(200):
        plan = [
            PaymentMilestone(position=i, amount=Decimal(rnd.randrange(1, 100) * 1000), due_on=date(2026, 1, 1) + timedelta(days=rnd.randrange(400)))
            for i in range(rnd.randrange(1, 6))
        ]
        paid = [
            Payment(id=i, amount=Decimal(rnd.randrange(1, 120) * 500), received_on=date(2026, 1, 1) + timedelta(days=rnd.randrange(400)))
            for i in range(rnd.randrange(0, 6))
        ]
        allocate(plan, paid)
        total = sum((p.amount for p in paid), Decimal(0))
        before = Decimal(0)
        for m in sorted(plan, key=lambda m: (m.due_on, m.position)):
            assert m.received == max(Decimal(0), min(m.amount, total - before))
            assert (m.paid_on is not None) == (total - before >= m.amount)
            before += m.amount


# --- the figures: the payments report, the digest, the forecast ------------------------------------


def generated_collections(slack, rnd: random.Random) -> list[dict]:
    """Eight won deals of alice's and bob's with generated plans and payments, all through /opp;
    returns what was asked for, for the figures to be worked out again from it."""
    deals = []
    for number in range(1, 9):
        who = ("alice", "bob")[number % 2]
        amount = rnd.randrange(10, 90) * 10000
        slack.command(who, f"new Deal {number} {amount}")
        slack.command(who, f"won {number}")
        parts, left = [], 100
        for _ in range(rnd.randrange(1, 4)):
            share = min(left, rnd.choice([20, 30, 50]))
            left -= share
            parts.append((share, date(2026, 10, 1) + timedelta(days=rnd.randrange(120))))
            if not left:
                break
        slack.command(who, f"pay {number} plan " + ", ".join(f"{share}% {day}" for share, day in parts))
        paid = [(rnd.randrange(1, 30) * 5000, date(2026, 10, 1) + timedelta(days=rnd.randrange(55))) for _ in range(rnd.randrange(0, 3))]
        for value, day in paid:
            slack.command(who, f"pay {number} received {value} {day}")
        deals.append({"owner": who, "amount": Decimal(amount), "parts": parts, "paid": paid})
    return deals


def expected_figures(deals: list[dict], first: date, last: date, today: date) -> tuple[dict, dict]:
    """Planned, received and overdue by month and by owner, from the plans and payments as given:
    each milestone gets what the deal's payments cover beyond the milestones due before it."""
    months: dict[str, list[Decimal]] = {}
    owners: dict[str, list[Decimal]] = {}
    for d in deals:
        milestones = sorted(((d["amount"] * share / 100, day) for share, day in d["parts"]), key=lambda m: m[1])
        total, before = sum((Decimal(v) for v, _ in d["paid"]), Decimal(0)), Decimal(0)
        for value, day in milestones:
            received = max(Decimal(0), min(value, total - before))
            before += value
            if first <= day <= last:
                for key, table in ((f"{day:%Y-%m}", months), (d["owner"], owners)):
                    row = table.setdefault(key, [Decimal(0)] * 3)
                    row[0] += value
                    row[2] += value - received if day < today else 0
        for value, day in d["paid"]:
            if first <= day <= last:
                for key, table in ((f"{day:%Y-%m}", months), (d["owner"], owners)):
                    table.setdefault(key, [Decimal(0)] * 3)[1] += value
    return months, owners


def test_the_payments_report_by_month_and_rep_agrees_with_the_plans_and_payments_given(slack, rt):
    from bot.blocks.digests import fmt_total

    deals = generated_collections(slack, random.Random(4))
    answer = slack.command("alice", "report payments 2026-Q4").text
    months, owners = expected_figures(deals, date(2026, 10, 1), date(2026, 12, 31), date(2026, 11, 25))
    money = lambda v: fmt_total({"CNY": v} if v else {}, rt.config, "en")  # noqa: E731
    for label, (planned, received, overdue) in [*months.items(), *((f"<@{'U0' + o.upper()}>", v) for o, v in owners.items())]:
        line = f"• {label}: planned {money(planned)} · received {money(received)} · overdue {money(overdue)}"
        assert line in answer, (line, answer)
    assert "Payments · 2026 Q4" in answer


def test_the_digest_lists_payments_due_this_week_and_overdue_and_the_forecast_the_cash_expected(slack, rt, clock):
    from bot.reporting.digests import daily_facts

    for who in ("alice",):
        slack.command(who, "new Acme ERP 50万")
        slack.command(who, "won 1")
        slack.command(who, "pay 1 plan 20% 2026-11-20, 30% 2026-11-28, 50% 2026-12-20")
    with rt.sessions() as s:
        facts = daily_facts(s, rt.config, "T0001", date(2026, 11, 25))
    assert (facts.cash.due, facts.cash.overdue) == ({"CNY": Decimal("150000.00")}, {"CNY": Decimal("100000.00")})
    assert [(n, day) for n, _, day, _ in facts.cash.overdue_items] == [(1, date(2026, 11, 20))]
    slack.command("alice", "pay 1 received 12万 2026-11-21")  # the first in full, 2万 of the second
    with rt.sessions() as s:
        facts = daily_facts(s, rt.config, "T0001", date(2026, 11, 25))
    assert (facts.cash.due, facts.cash.overdue, facts.cash.overdue_items) == ({"CNY": Decimal("130000.00")}, {}, ())
    forecast = slack.command("alice", "report forecast 2026-12").text
    assert "*Cash expected*: ¥250k (falling due in the period, not yet in)" in forecast


# --- the plan given with the handover ----------------------------------------------------------------


def test_the_handover_form_takes_the_payment_plan(slack, rt, won):
    handed_over(slack, payment_plan="40% 2026-12-31，60% 2027年2月28日")
    assert [m[:2] for m in milestones(rt)] == [(Decimal("200000.00"), date(2026, 12, 31)), (Decimal("300000.00"), date(2027, 2, 28))]
    assert handover_row(rt) is not None


def test_a_plan_the_handover_form_cannot_read_is_said_on_its_field_and_nothing_is_saved(slack, rt, won):
    form_view = slack.opened_view()
    answer = slack.submit("alice", form_view, dict(delivery_owner=LI, scope="x", payment_plan="30% someday"))
    assert answer.json["response_action"] == "errors"
    assert "payment_plan" in answer.json["errors"] and "30% someday" in answer.json["errors"]["payment_plan"]
    assert handover_row(rt) is None and milestones(rt) == []
