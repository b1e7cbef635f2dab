"""Qualification as people meet it in Slack: score and grade on the card, the stage gate, answers in
the form, pinned grades, probability overrides, tags, and lists by grade and due touch."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from bot.console.slack_api import TEAM_ID
from bot.deals import winprob
from store.db import transaction
from store.models import Event, Opportunity, WinStat
from tests.slackcheck import assert_valid_view

FULL = "budget:approved authority:decision_maker need:urgent timing:this_quarter competition:none strategic_fit:high"


def test_card_shows_score_breakdown_grade_cadence_and_probability(slack, db):
    card = slack.command("alice", "new Big rollout 200万 budget:approved need:clear").text
    assert "Score 40/100* · Budget 25/25 · Authority 0/20 · Need 15/25 · Timing 0/15 · Competition 0/10 · Strategic fit 0/5" in card
    assert "B · follow up every 7 days" in card  # high value, still being nurtured
    assert "Next touch: Wed 2026-12-02" in card
    assert "5% — stage default" in card
    deal = db.deal(1)
    assert (deal.score, deal.grade, deal.win_probability) == (40, "B", 0.05)
    assert deal.qualification == {"budget": "approved", "need": "clear"}

    zh = slack.command("li", "查看 1").text
    assert "评分 40/100* · 预算 25/25 · 决策人 0/20 · 需求 15/25" in zh
    assert "B 级 · 每 7 天跟进" in zh and "5% — 阶段默认值" in zh


@pytest.mark.gated
def test_a_deal_below_the_threshold_cannot_pass_the_gate_until_it_qualifies(slack, db):
    slack.command("alice", "new Pilot 50万")
    before = len(db.events(1))
    refused = slack.command("alice", "move 1 proposal").text
    assert "#1 scores 0, below the 60 needed to move past Needs confirmed" in refused
    assert "Missing: Budget 0/25, Need 0/25, Authority 0/20, Timing 0/15" in refused
    assert db.deal(1).stage == "lead" and len(db.events(1)) == before
    assert "Moved #1 to Needs confirmed" in slack.command("alice", "move 1 needs").text  # up to the gate is fine

    answer = slack.command("alice", "qualify 1 budget:approved authority:decision_maker need:clear").text
    assert "Qualification of #1 updated: score 60, grade B" in answer
    assert "Moved #1 to Proposal" in slack.command("alice", "move 1 proposal").text
    events = db.events(1)
    changed = [(e.field, e.old, e.new) for e in events if e.kind == "updated"]
    assert ("q:budget", None, "approved") in changed and ("score", "0", "60") in changed and ("grade", "C", "B") in changed
    history = slack.command("alice", "history 1").text
    assert "changed Budget from — to Approved" in history and "changed Score from 0 to 60" in history


@pytest.mark.gated
def test_the_gate_lists_only_criteria_short_of_full_marks(slack, db):
    """A criterion already at full marks is not among what is missing."""
    slack.command("alice", "new Pilot 50万 budget:approved competition:none strategic_fit:high")  # 40 of 60
    refused = slack.command("alice", "move 1 proposal").text
    assert "#1 scores 40, below the 60" in refused
    missing = refused.split("Missing: ")[1]
    assert missing.startswith("Need 0/25, Authority 0/20, Timing 0/15")
    assert "Budget" not in missing and "Competition" not in missing


def test_bad_answers_are_refused_with_the_choices(slack, db):
    slack.command("alice", "new Pilot 5万")
    answer = slack.command("alice", "qualify 1 budget:lots").text
    assert "“lots” is not an answer for Budget. Answers: `approved` Approved, `planned` Planned, `unknown` Unknown" in answer
    assert "Give answers" in slack.command("alice", "qualify 1").text
    assert db.deal(1).qualification == {}


@pytest.mark.parametrize(
    "text",
    [
        "评估 1 预算:已批准 决策人:已接触 需求:明确",  # names as configured, 已接触 the only choice holding it
        "评估 1 预算：已批准 决策人：已接触决策人 需求：明确",  # full-width colons, whole names
        "qualify 1 Budget:approved authority:DECISION_MAKER need:Clear",  # keys and English names, any case
        "评估 1 budget:已批准 Authority:decision 需求:clear",  # "decision" is in one name only
    ],
)
def test_answers_by_chinese_or_english_names_store_the_same_keys(slack, db, text):
    slack.command("li", "新建 试点 50万")
    answer = slack.command("li", text).text
    assert db.deal(1).qualification == {"budget": "approved", "authority": "decision_maker", "need": "clear"}, answer


def test_a_wrong_answer_in_chinese_lists_the_choices_by_their_chinese_names(slack, db):
    slack.command("li", "新建 试点 5万")
    answer = slack.command("li", "评估 1 预算:很多").text
    assert "「很多」不是「预算」的选项。可选：`已批准`、`有预算计划`、`未知`。例如 `/opp 评估 42 预算:已批准 需求:紧迫`。" in answer
    assert "approved" not in answer and "budget" not in answer
    assert "「接触」不是「决策人」的选项" in slack.command("li", "评估 1 决策人:接触").text  # in two names: which one?
    assert "评估项：`预算`、`决策人`" in slack.command("li", "评估 1").text
    assert db.deal(1).qualification == {}


def test_the_form_asks_each_criterion_and_saving_recomputes_in_one_transaction(slack, db, fake):
    slack.command("alice", "new Pilot 300万")
    slack.command("alice", "edit 1")
    view = slack.opened_view()
    assert_valid_view(view)
    ids = [b.get("block_id") for b in view["blocks"]]
    assert {"q_budget", "q_authority", "q_need", "q_timing", "q_competition", "q_strategic_fit", "strategic"} <= set(ids)
    slack.submit("alice", view, {"q_budget": "approved", "q_authority": "decision_maker", "q_need": "urgent", "q_timing": "this_quarter"})
    deal = db.deal(1)
    assert (deal.score, deal.grade) == (85, "A")  # 300万 is high value, 85 is high intent
    assert deal.next_touch_due == deal.last_activity_at + timedelta(days=1)
    assert "高意向" in deal.auto_tags
    card = fake.last("chat.postEphemeral").args
    assert "A · follow up every 1 day" in str(card["blocks"])

    # the edit form comes back with the answers chosen; a strategic small deal is graded as high value
    slack.command("alice", "new Small 5万 " + FULL)
    slack.command("alice", "edit 2")
    view = slack.opened_view()
    budget = next(b for b in view["blocks"] if b.get("block_id") == "q_budget")
    assert budget["element"]["initial_option"]["value"] == "approved"
    slack.submit("alice", view, {"strategic": True})
    assert (db.deal(2).strategic, db.deal(2).grade) == (True, "A")


def test_a_manager_pins_a_grade_and_can_unpin_it(slack, db):
    slack.command("alice", "new Pilot 5万")
    refused = slack.command("alice", "grade 1 A").text
    assert "Only a manager or an admin can pin the grade of #1" in refused
    assert db.deal(1).grade == "C"
    assert "#1 grade pinned to A" in slack.command("boss", "grade 1 A").text
    deal = db.deal(1)
    assert (deal.grade, deal.grade_pinned) == ("A", True)
    assert "(pinned)" in slack.command("alice", "show 1").text
    slack.command("alice", "qualify 1 budget:unknown")  # inputs change: the pin holds
    assert db.deal(1).grade == "A"
    assert "#1 grade back to the rules (C)" in slack.command("boss", "grade 1 auto").text
    assert "is not a grade" in slack.command("boss", "grade 1 Z").text


def test_probability_override_sticks_until_cleared(slack, db):
    slack.command("alice", "new Pilot 5万")
    assert "#1 win probability set to 60%" in slack.command("alice", "prob 1 60%").text
    assert "60% — set by hand" in slack.command("alice", "show 1").text
    slack.command("alice", "move 1 needs")
    assert db.deal(1).win_probability == 0.6
    assert "is not a probability" in slack.command("alice", "prob 1 150%").text
    assert "back to automatic" in slack.command("alice", "prob 1 clear").text
    assert db.deal(1).win_probability == 0.2  # needs confirmed: the stage default
    assert "is not a probability" in slack.command("alice", "prob 1 lots").text
    assert "You can't change #1" in slack.command("bob", "prob 1 90").text


def test_tags_by_hand_and_by_rule(slack, db):
    slack.command("alice", "new Pilot 5万 " + FULL)
    assert db.deal(1).auto_tags == ["高意向"]
    slack.command("alice", "tag 1 +需跟进 +易流失")
    slack.command("alice", "tag 1 -易流失")
    assert db.deal(1).tags == ["需跟进"]
    card = slack.command("alice", "show 1").text
    assert "Tags: 需跟进, 高意向" in card


def test_lists_by_grade_and_due_touch(slack, db, clock):
    slack.command("alice", "new Big 300万 " + FULL)  # A: touch daily
    slack.command("alice", "new Small 5万")  # C: monthly
    assert "*#1*" in slack.command("alice", "list grade:A").text
    assert "*#2*" not in slack.command("alice", "list grade:A").text
    assert "No deals match" in slack.command("alice", "list due").text
    clock.advance(days=2)
    due = slack.command("alice", "list due").text
    assert "*#1*" in due and "*#2*" not in due
    assert "Couldn't use the filter" in slack.command("alice", "list grade:Z").text


def test_learned_probability_is_shown_once_enough_deals_have_closed(slack, db, rt):
    slack.command("alice", "new Referral deal 50万 source referral")
    owner = db.deal(1).owner_id
    now = rt.clock.now()
    with transaction(rt.sessions) as s:
        s.execute(
            insert(Opportunity),
            [
                {
                    "workspace_id": TEAM_ID,
                    "number": 100 + i,
                    "title": f"old {i}",
                    "currency": "CNY",
                    "tags": [],
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "last_activity_at": now,
                    "stage_entered_at": now,
                    "stage": "proposal",
                    "source": "referral" if i % 2 else "cold",
                    "grade": "C",
                    "amount": Decimal(100_000),
                    "owner_id": owner,
                    "creator_id": owner,
                    "status": "won" if (i % 2 and i % 10) or i == 2 else "lost",
                }
                for i in range(60)
            ],
        )
        assert winprob.learn(s, TEAM_ID) == 60
    card = slack.command("alice", "log 1 called them").text
    assert "— learned from 60 closed deals" in card
    assert db.deal(1).win_probability > 0.7

    slack.command("alice", "won 1")
    with rt.sessions() as s:
        total = s.get(WinStat, (TEAM_ID, "_all", ""))
        assert total.won + total.lost == 61  # counted at once, without relearning
        assert s.scalar(select(Opportunity.win_probability).where(Opportunity.number == 1)) == 1.0
        assert s.scalars(select(Event).where(Event.field == "status")).first().new == "won"


def test_lists_show_grade_score_and_probability_in_both_languages(slack):
    slack.command("alice", "new Big 300万 " + FULL)
    assert "grade A · score 100 · win probability 5%" in slack.command("alice", "list").text
    slack.command("li", "新建 大单 300万 " + FULL)
    assert "A 级 · 100 分 · 赢单概率 5%" in slack.command("li", "列表").text
