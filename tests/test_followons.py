"""二次商机 through Slack: a follow-on deal from a won one, the owner reminded once to go back (in
working hours, with the injected clock), and an account's page whose figures agree with its deals
worked out again here."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.worker.jobs import revisits
from store.models import Opportunity, OutboxMessage


def test_a_follow_on_deal_grows_from_a_won_one(slack, rt, db):
    slack.command("alice", "new Acme ERP 50万 account Acme industry 制造 region 华东")
    slack.command("alice", "won 1")
    answer = slack.command("alice", "followon 1 Phase 2 expansion 30万")
    assert "Created follow-on deal #2 Phase 2 expansion (from #1)." in answer.text
    with rt.sessions() as s:
        won, new = s.scalars(select(Opportunity).order_by(Opportunity.number)).unique().all()
    assert (new.account, new.source, new.industry, new.region, new.amount, new.followon_of, new.status) == (
        "Acme",
        "follow-on",
        "制造",
        "华东",
        300000,
        won.id,
        "open",
    )
    assert [(e.kind, e.new) for e in db.events(1) if e.kind == "followon"] == [("followon", "#2")]


def test_only_from_won_deals_and_by_who_may_change_it(slack):
    slack.command("alice", "new Acme ERP 50万")
    assert "#1 isn't won: a follow-on deal grows from a won one." in slack.command("alice", "followon 1 Phase 2").text
    slack.command("alice", "won 1")
    assert "You can't change #1" in slack.command("bob", "followon 1 Phase 2").text
    assert "Usage: `/opp followon 42" in slack.command("alice", "followon 1").text


def test_the_owner_is_reminded_once_to_go_back_after_revisit_days(slack, rt, clock):
    slack.command("alice", "new Acme ERP 50万 account Acme")
    slack.command("alice", "won 1")

    def reminded() -> list[str]:
        with rt.sessions() as s:
            return [m.channel for m in s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "revisit"))]

    clock.advance(days=rt.config.after.revisit_days - 1)
    assert revisits(rt, None, clock.now()) == 0 and reminded() == []
    clock.advance(days=1)
    assert revisits(rt, None, clock.now()) == 1 and reminded() == ["U0ALICE"]
    clock.advance(hours=1)
    assert revisits(rt, None, clock.now()) == 0 and reminded() == ["U0ALICE"]  # once
    with rt.sessions() as s:
        text = s.scalars(select(OutboxMessage.text).where(OutboxMessage.kind == "revisit")).one()
    assert text.startswith("It's been 90 days since #1 Acme ERP was won: time to go back to Acme")


def test_the_account_page_adds_up_its_deals(slack, rt):
    deals = [("Acme ERP", "50万", "won"), ("Acme CRM", "20万", "lost"), ("Acme BI", "10万", "open"), ("Other", "5万", "open")]
    for title, amount, _ in deals:
        account = "苏州 Acme 有限公司" if title.startswith("Acme") else "Other"
        slack.command("alice", f"new {title} {amount} account {account}")
    slack.command("alice", "won 1")
    slack.command("alice", "lost 2 price")
    slack.command("alice", "pay 1 received 12万 2026-11-20")
    slack.command("alice", "followon 1 Acme phase 2 8万")
    slack.command("alice", "won 5")
    page = slack.command("alice", "account 苏州ACME").text
    acme = [d for d in deals if d[0].startswith("Acme")] + [("Acme phase 2", "8万", "won")]
    won = sum(Decimal(int(a[:-1]) * 10000) for _, a, s in acme if s == "won")
    assert f"Account: 苏州 Acme 有限公司 ({len(acme)} deals)" in page
    assert f"Won ¥{int(won / 1000)}k · open 1 (¥100k) · received ¥120k · to collect ¥{int((won - 120000) / 1000)}k · follow-ons 1 (won ¥80k)" in page, page
    assert "Other" not in page
    assert "No deals with the account “Nobody”." in slack.command("alice", "account Nobody").text


def test_in_chinese(slack):
    slack.command("li", "新建 恒通 WMS 50万 客户 苏州恒通")
    slack.command("li", "赢单 1")
    assert "已创建二次商机 #2 二期（来自 #1）。" in slack.command("li", "追加 1 二期 20万").text
    assert "客户：苏州恒通（2 个商机）" in slack.command("li", "客户 苏州恒通").text


def test_the_history_says_what_happened_after_the_win_in_words(slack):
    """回款 and 二次商机 in a deal's history are sentences, never a field's internal name."""
    slack.command("alice", "new Acme ERP 50万 account Acme")
    slack.command("alice", "won 1")
    slack.command("alice", "pay 1 plan 30% 2026-12-31, 70% 2027-03-31")
    slack.command("alice", "pay 1 received 10万 2026-11-20")
    slack.command("alice", "followon 1 Phase 2 5万")
    first = slack.command("alice", "history 1").text
    assert "started follow-on deal #2 from it" in first and "recorded money received: 100000.00 CNY 2026-11-20" in first
    assert "set the payment plan: 150000.00 CNY 2026-12-31, 350000.00 CNY 2027-03-31" in first
    assert "是赢单商机 #1 的二次商机" in slack.command("li", "历史 2").text
    for internal in ("followon_of", "changed plan", "changed received", "changed followon"):
        assert internal not in first


def test_follow_on_revenue_and_each_accounts_figures_agree_with_the_deals_made(slack, rt):
    """Generated deals over three accounts, some won, with follow-ons won, lost or still open and
    payments: each account page's figures against a plain reckoning of what was asked for."""
    import random

    from bot.deals.followons import account

    rnd = random.Random(21)
    made: list[dict] = []
    for i in range(12):
        acct = rnd.choice(["Acme", "Globex", "Initech"])
        amount = rnd.randrange(1, 50) * 10000
        slack.command("alice", f"new Deal {i} {amount} account {acct}")
        made.append({"account": acct, "amount": amount, "status": "open", "followon": False, "received": 0})
        number = len(made)
        if rnd.random() < 0.6:
            slack.command("alice", f"won {number}")
            made[-1]["status"] = "won"
            if rnd.random() < 0.5:
                paid = rnd.randrange(1, 10) * 1000
                slack.command("alice", f"pay {number} received {paid} 2026-11-20")
                made[-1]["received"] = paid
            if rnd.random() < 0.7:
                extra = rnd.randrange(1, 20) * 10000
                slack.command("alice", f"followon {number} More {i} {extra}")
                made.append({"account": acct, "amount": extra, "status": "open", "followon": True, "received": 0})
                outcome = rnd.choice(["won", "lost", "open"])
                if outcome != "open":
                    slack.command("alice", f"{outcome} {len(made)}" + (" price" if outcome == "lost" else ""))
                    made[-1]["status"] = outcome
    with rt.sessions() as s:
        for acct in ("Acme", "Globex", "Initech"):
            mine = [d for d in made if d["account"] == acct]
            if not mine:
                continue
            page = account(s, "T0001", acct)
            cny = lambda deals: {"CNY": Decimal(sum(d["amount"] for d in deals))} if deals else {}  # noqa: E731
            won = [d for d in mine if d["status"] == "won"]
            assert page.total == len(mine)
            assert page.won == cny(won)
            assert page.pipeline == (sum(d["status"] == "open" for d in mine), cny([d for d in mine if d["status"] == "open"]))
            assert page.received == ({"CNY": Decimal(sum(d["received"] for d in mine))} if any(d["received"] for d in mine) else {})
            assert page.followons == (sum(d["followon"] for d in mine), cny([d for d in won if d["followon"]]))
