"""Risk flags in plain sight: on the card, the list, the manager digest and the Home tab; every flag
reaches the owner's manager once; 客户沉默 flagged and cleared by the worker on its own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.reporting.digests import send_due_digests
from bot.worker.jobs import send_outbox
from store.models import Member, Opportunity, Risk
from tests import test_alerts
from tests.conftest import USERS, payload_text
from tests.slackcheck import assert_valid_message
from tests.test_home import open_home, text_of

ALICE, BOB, BOSS = (USERS[n]["user_id"] for n in ("alice", "bob", "boss"))


client, posts, run = test_alerts.client, test_alerts.posts, test_alerts.run  # the worker's pass: scan, bundles, send


def manager_of_alice_is_bob(rt):
    with rt.transaction() as session:
        people = {m.slack_user_id: m for m in session.scalars(select(Member))}
        people[ALICE].manager_id = people[BOB].id


def open_flags(rt) -> list[tuple[int, str]]:
    with rt.sessions() as session:
        rows = session.execute(select(Opportunity.number, Risk.kind).join(Opportunity).where(Risk.cleared_at.is_(None)).order_by(Risk.id))
        return [tuple(r) for r in rows]


def card(slack, number: int) -> str:
    answer = slack.command("alice", f"show {number}")
    assert_valid_message(answer.json)
    return answer.text


def test_the_card_shows_open_risks_until_they_are_cleared(slack):
    slack.command("alice", "new Acme ERP 5万")
    assert "Risks" not in card(slack, 1)
    slack.command("alice", "risk 1 competitor they quoted <!channel> lower")
    text = card(slack, 1)
    assert "🔴 *Risks*: Competitor involved — they quoted &lt;!channel&gt; lower" in text
    slack.command("alice", "risk 1 clear competitor")
    assert "Risks" not in card(slack, 1)
    history = slack.command("alice", "history 1").text
    assert "flagged a risk: Competitor involved — they quoted &lt;!channel&gt; lower" in history
    assert "cleared a risk: Competitor involved" in history and "competitor" not in history


def test_the_list_marks_only_deals_with_an_open_risk(slack):
    for title in ("Acme", "Globex", "Initech"):
        slack.command("alice", f"new {title} 5万")
    slack.command("alice", "risk 2 budget-cut")
    slack.command("alice", "risk 3 competitor")
    slack.command("alice", "risk 3 clear competitor")
    answer = slack.command("alice", "list")
    assert_valid_message(answer.json)
    lines = {b["accessory"]["value"]: b["text"]["text"] for b in answer.json["blocks"] if b.get("accessory", {}).get("value") in ("1", "2", "3")}
    assert lines["2"].startswith("🔴 *<https://oppbot.example.com/deals/2|#2>* Globex")
    assert not lines["1"].startswith("🔴") and not lines["3"].startswith("🔴")
    assert sum("🔴" in line for line in lines.values()) == 1


def test_the_manager_digest_puts_deals_at_risk_first(slack, rt, client, fake, clock):
    slack.command("alice", "new Acme ERP 5万")
    slack.command("alice", "new Globex 20万 close 2026-11-20")  # overdue
    slack.command("alice", "risk 1 champion-left our sponsor moved on")
    clock.set(clock.now().replace(hour=9, minute=30) + timedelta(days=1))  # Thursday, after the 09:00 digest time
    assert send_due_digests(rt) >= 1
    send_outbox(rt, client, rt.clock.now())
    digest = [p for p in posts(fake) if p.args["channel"] == BOSS]
    assert len(digest) == 1
    assert_valid_message(digest[0].args)
    text = payload_text(digest[0].args)
    attention = text.index("*需要关注*：有风险 1 个 ·")  # boss is in config's admins, read in the workspace's Chinese
    risks = text.index("*🔴 有风险*（1）")
    overdue = text.index("*逾期*（1）")
    assert attention < risks < overdue
    assert "*#1* Acme ERP" in text[risks:overdue] and "🔴 关键决策人变动" in text[risks:overdue]
    assert "Globex" not in text[risks:overdue]


def test_home_shows_deals_at_risk_to_the_owner_and_to_a_manager(slack):
    slack.command("alice", "new Acme ERP 5万")
    slack.command("alice", "new Globex 20万")
    assert "At risk" not in text_of(open_home(slack, "alice"))
    slack.command("alice", "risk 2 competitor")
    mine = text_of(open_home(slack, "alice"))
    assert "*🔴 At risk* (1)" in mine and "*#2* Globex" in mine and "🔴 Competitor involved" in mine
    team = text_of(open_home(slack, "boss"))
    assert "*Needing attention* (1): 1 at risk, 0 stalled, 0 overdue" in team and "*#2* Globex" in team and "🔴 Competitor involved" in team


def test_a_small_deals_risk_reaches_the_owners_manager_once(slack, rt, run, clock):
    slack.command("alice", "new Acme ERP 5万")  # small, grade C: the alerts channel never hears of it
    slack.command("bob", "help")
    manager_of_alice_is_bob(rt)
    slack.command("alice", "risk 1 budget-cut 预算砍半")
    sent = run()
    to_bob = [p for p in sent if p.args["channel"] == BOB]
    assert [p.args["channel"] for p in sent] == [BOB]  # alice raised it herself; no channel
    assert_valid_message(to_bob[0].args)
    text = payload_text(to_bob[0].args)
    assert "🔴 Risk on <@U0ALICE>'s deal *#1 Acme ERP*: Budget cut — 预算砍半" in text and "flagged by <@U0ALICE>" in text
    assert "budget-cut" not in text
    assert "*<https://oppbot.example.com/deals/1|#1> Acme ERP*" in to_bob[0].args["blocks"][0]["text"]["text"]  # the number links to its page
    clock.advance(hours=1)
    assert run() == []  # once per flag
    slack.command("alice", "risk 1 competitor")
    assert [p.args["channel"] for p in run()] == [BOB]  # a second flag is news again
    assert "Flagged a risk on #1" in slack.command("bob", "risk 1 silent 电话一直没人接").text  # the manager himself: he knows
    assert open_flags(rt) == [(1, "budget-cut"), (1, "competitor"), (1, "silent")]
    assert run() == []


def test_a_deal_with_only_notes_goes_silent_and_a_call_clears_it(slack, rt, run, clock, db):
    slack.command("alice", "new Acme ERP 5万 stage proposal")
    slack.command("bob", "help")
    manager_of_alice_is_bob(rt)
    start = clock.now()
    clock.set(start + timedelta(days=6))
    slack.command("alice", "log 1 note: still waiting for them")
    assert run() == [] and open_flags(rt) == []
    clock.set(start + timedelta(days=rt.config.risks.silent_days, hours=1))  # 14 days and an hour: Wednesday
    sent = run()
    assert open_flags(rt) == [(1, "silent")]
    to_bob = [payload_text(p.args) for p in sent if p.args["channel"] == BOB]
    assert len(to_bob) == 1 and "Customer gone silent" in to_bob[0] and "no call, meeting, visit or email for 14 days" in to_bob[0]
    assert any(p.args["channel"] == ALICE for p in sent)  # the owner's alert
    assert "🔴 *Risks*: Customer gone silent" in card(slack, 1)
    assert [p.args["channel"] for p in run() if p.args["channel"] == BOB] == []  # flagged once
    assert open_flags(rt) == [(1, "silent")]

    slack.command("alice", "log 1 call: they are back, budget approved")
    assert open_flags(rt) == []
    assert "Risks" not in card(slack, 1)
    kinds = [(e.kind, e.field, e.old, e.new) for e in db.events(1) if e.kind == "risk"]
    assert kinds == [("risk", "silent", None, "silent"), ("risk", "silent", "open", "cleared")]
    run()
    assert open_flags(rt) == []  # the call restarted the count: not silent again


def test_a_logged_call_keeps_a_deal_from_going_silent(slack, rt, run, clock):
    slack.command("alice", "new Acme ERP 5万 stage proposal")
    start = clock.now()
    clock.set(start + timedelta(days=5))
    slack.command("alice", "log 1 电话：客户确认需求")
    clock.set(start + timedelta(days=14, hours=1))  # 14 days since creation, 9 since the call
    run()
    assert open_flags(rt) == []
    clock.set(start + timedelta(days=19, hours=1))  # Monday: 14 days and an hour since the call
    run()
    assert open_flags(rt) == [(1, "silent")]
    slack.command("alice", "risk 1 clear silent")  # cleared by hand: not flagged again for the same silence
    clock.advance(days=1)
    run()
    assert open_flags(rt) == []


def test_the_manager_digest_lists_deals_going_back_to_the_pool_within_a_week(slack, rt, client, fake, clock):
    """Grade C returns after 14 days without a customer touch: on day 8 a quiet C deal is due
    within 7 days and listed; a grade A deal and one in negotiation never return."""
    slack.command("alice", "new Quiet one 10万")
    slack.command("alice", "new Big one 150万")
    slack.command("boss", "grade 2 A")
    slack.command("alice", "new Haggling 10万 stage negotiation")
    slack.command("alice", "new Fresh one 10万")
    clock.set(clock.now().replace(hour=9, minute=30) + timedelta(days=8))
    slack.command("alice", "log 4 call: they want a demo")  # a customer touch on day 8: due back on day 22
    assert send_due_digests(rt) >= 1
    send_outbox(rt, client, rt.clock.now())
    text = payload_text([p for p in posts(fake) if p.args["channel"] == BOSS][-1].args)
    returning = text[text.index("*Back to the public pool within 7 days* (1)") :]  # boss has used the app: his own English
    assert "*#1* Quiet one" in returning
    assert not any(f"*#{n}*" in returning for n in (2, 3, 4))
