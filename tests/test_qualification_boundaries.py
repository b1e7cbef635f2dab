"""Qualification thresholds as people meet them in Slack: deals typed exactly on high_value,
medium_value, high_intent, low_intent and the tag rules' min/max score, and one step either side.

config.toml: high_value 100万, medium_value 20万, high_intent 70, low_intent 40; tag 高意向 at
score >= 70, 易流失 at score <= 30 from Proposal on. The config here adds 重点, set on grades A
and B only."""

from dataclasses import replace

import pytest

from bot.core.config_model import TagRule

# Answers giving exactly these scores with config.toml's weights (31, 41 and 71 can't be reached)
SCORE = {
    29: "need:urgent competition:behind strategic_fit:medium",
    30: "need:urgent strategic_fit:high",
    32: "need:urgent competition:ahead",
    39: "need:clear timing:this_quarter competition:ahead strategic_fit:medium",
    40: "need:urgent timing:this_quarter",
    42: "need:urgent timing:this_quarter strategic_fit:medium",
    69: "authority:decision_maker need:urgent timing:this_quarter competition:ahead strategic_fit:medium",
    70: "budget:approved authority:decision_maker need:urgent",
    72: "budget:approved need:urgent timing:this_quarter competition:ahead",
}


@pytest.fixture
def config(config):
    """config.toml plus a tag rule limited to grades A and B."""
    q = config.qualification
    rules = (*q.tag_rules, TagRule(tag="重点", grades=("A", "B")))
    return replace(config, qualification=replace(q, tag_rules=rules))


def created(slack, db, amount: str, score: int):
    reply = slack.command("alice", f"new Deal {amount} {SCORE[score]}")
    assert "Created #" in reply.text, reply.text
    return db.deals()[-1]


@pytest.mark.parametrize(
    "amount, score, grade",
    [
        ("999999", 70, "B"),  # high intent: A from exactly high_value (100万)
        ("100万", 70, "A"),
        ("1000001", 70, "A"),
        ("199999", 40, "C"),  # medium intent: B from exactly medium_value (20万)
        ("20万", 40, "B"),
        ("200001", 40, "B"),
    ],
)
def test_value_grades_start_exactly_at_their_amounts(slack, db, amount, score, grade):
    """A deal of exactly high_value (with high intent) or medium_value (with medium intent) gets the
    higher grade; one yuan less does not."""
    deal = created(slack, db, amount, score)
    assert (deal.score, deal.grade) == (score, grade)


@pytest.mark.parametrize("score, grade", [(69, "B"), (70, "A"), (72, "A")])
def test_high_intent_starts_exactly_at_high_intent(slack, db, score, grade):
    """On a high-value deal, a score of exactly high_intent (70) makes it A; 69 leaves it B."""
    deal = created(slack, db, "200万", score)
    assert (deal.score, deal.grade) == (score, grade)


@pytest.mark.parametrize("score, grade", [(39, "C"), (40, "B"), (42, "B")])
def test_low_intent_ends_just_below_low_intent(slack, db, score, grade):
    """On a medium-value deal, a score of exactly low_intent (40) is medium intent (B); 39 is low (C)."""
    deal = created(slack, db, "50万", score)
    assert (deal.score, deal.grade) == (score, grade)


@pytest.mark.parametrize("score, tagged", [(69, False), (70, True), (72, True)])
def test_min_score_tag_is_set_from_exactly_min_score(slack, db, score, tagged):
    """高意向 (min_score 70) is set on a deal scoring exactly 70, not on one scoring 69."""
    deal = created(slack, db, "5万", score)
    assert deal.score == score
    assert ("高意向" in deal.auto_tags) is tagged


@pytest.mark.parametrize("score, tagged", [(29, True), (30, True), (32, False)])
def test_max_score_tag_is_set_up_to_exactly_max_score(slack, db, score, tagged):
    """易流失 (max_score 30, from Proposal) is set on a deal at Proposal scoring exactly 30, not 32."""
    created(slack, db, "5万", score)
    assert "Moved #1 to Proposal" in slack.command("alice", "move 1 proposal").text
    deal = db.deal(1)
    assert deal.score == score
    assert ("易流失" in deal.auto_tags) is tagged


@pytest.mark.parametrize(
    "amount, score, grade",
    [("200万", 70, "A"), ("200万", 40, "B"), ("50万", 40, "B"), ("5万", 70, "C"), ("50万", 39, "C")],
)
def test_a_tag_limited_to_grades_is_set_on_exactly_those_grades(slack, db, amount, score, grade):
    """A tag rule for grades A and B tags A and B deals and never a C deal."""
    deal = created(slack, db, amount, score)
    assert deal.grade == grade
    assert ("重点" in deal.auto_tags) is (grade in ("A", "B"))
