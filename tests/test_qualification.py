"""Score, grade, cadence and rule tags from config.toml, as pure functions."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.deals import qualification as qual

ANSWERS_FULL = {"budget": "approved", "authority": "decision_maker", "need": "urgent", "timing": "this_quarter", "competition": "none", "strategic_fit": "high"}


def test_weights_and_breakdown(config):
    q = config.qualification
    assert sum(c.weight for c in q.criteria) == 100
    total, parts = qual.score(q, ANSWERS_FULL)
    assert total == 100
    total, parts = qual.score(q, {"budget": "planned", "authority": "influencer"})
    assert total == 15 + 10
    assert [(p.key, p.earned, p.weight) for p in parts][:3] == [("budget", 15, 25), ("authority", 10, 20), ("need", 0, 25)]
    assert qual.score(q, {"budget": "no-such-choice"})[0] == 0
    assert qual.missing(q, parts)[0].key == "need"  # the biggest gap first


@pytest.mark.parametrize(
    "amount, strategic, score, grade",
    [
        (2_000_000, False, 80, "A"),  # high value, high intent
        (2_000_000, False, 30, "B"),  # high value still being nurtured
        (500_000, False, 50, "B"),  # medium value
        (500_000, False, 20, "C"),  # medium value, low intent
        (50_000, False, 95, "C"),  # low value
        (50_000, True, 90, "A"),  # strategic counts as high value
        (None, False, 0, "C"),
    ],
)
def test_grades(config, amount, strategic, score, grade):
    assert qual.grade(config.qualification, amount=amount and Decimal(amount), strategic=strategic, score_=score) == grade


def test_cadence_tags_gate_and_pin(config):
    last = datetime(2026, 11, 25, 2, tzinfo=UTC)
    a = qual.assess(config, answers=ANSWERS_FULL, amount=Decimal(3_000_000), strategic=False, stage="proposal", last_activity_at=last)
    assert (a.score, a.grade, a.next_touch_due) == (100, "A", last + timedelta(days=1))
    assert a.auto_tags == ("高意向",)
    c = qual.assess(config, answers={}, amount=Decimal(3_000_000), strategic=False, stage="proposal", last_activity_at=last, pinned_grade="C")
    assert (c.grade, c.next_touch_due) == ("C", last + timedelta(days=30))
    assert c.auto_tags == ("易流失",)  # score 0 at proposal or later
    early = qual.assess(config, answers={}, amount=None, strategic=False, stage="lead", last_activity_at=last)
    assert early.auto_tags == ()
    assert qual.blocks_move(config, 59, "proposal") and not qual.blocks_move(config, 59, "needs")
    assert not qual.blocks_move(config, 60, "contract")


@pytest.mark.parametrize(
    "amount, score, grade",
    [
        ("999999.99", 70, "B"),  # a cent below high_value
        ("1000000", 70, "A"),  # exactly high_value
        ("1000000.01", 70, "A"),
        ("199999.99", 40, "C"),  # a cent below medium_value
        ("200000", 40, "B"),  # exactly medium_value
        ("200000.01", 40, "B"),
        ("2000000", 69, "B"),  # one below high_intent
        ("2000000", 70, "A"),  # exactly high_intent
        ("2000000", 71, "A"),
        ("500000", 39, "C"),  # one below low_intent
        ("500000", 40, "B"),  # exactly low_intent
        ("500000", 41, "B"),
    ],
)
def test_grade_thresholds_are_inclusive(config, amount, score, grade):
    """high_value, medium_value, high_intent and low_intent each count from exactly their value."""
    assert qual.grade(config.qualification, amount=Decimal(amount), strategic=False, score_=score) == grade


@pytest.mark.parametrize(
    "score, stage, tags",
    [
        (69, "lead", ()),
        (70, "lead", ("高意向",)),  # min_score 70 is inclusive
        (71, "lead", ("高意向",)),
        (29, "proposal", ("易流失",)),
        (30, "proposal", ("易流失",)),  # max_score 30 is inclusive
        (31, "proposal", ()),
        (30, "needs", ()),  # before min_stage
    ],
)
def test_tag_rule_score_bounds_are_inclusive(config, score, stage, tags):
    """A tag rule's min_score and max_score both include the bound itself."""
    assert qual.rule_tags(config, score_=score, grade_="B", stage=stage) == tags


def test_the_next_touch_never_falls_on_a_non_working_day(config):
    friday = datetime(2026, 11, 27, 2, tzinfo=UTC)  # Fri 10:00 in Shanghai
    a = qual.assess(config, answers=ANSWERS_FULL, amount=Decimal(3_000_000), strategic=False, stage="proposal", last_activity_at=friday)
    assert a.grade == "A" and a.next_touch_due == friday + timedelta(days=3)  # Saturday rolls to Monday, same hour
    b = qual.assess(config, answers={}, amount=Decimal(3_000_000), strategic=False, stage="proposal", last_activity_at=friday, pinned_grade="B")
    assert b.next_touch_due == friday + timedelta(days=7)  # a Friday stays
    saturday_eve = datetime(2026, 11, 27, 17, tzinfo=UTC)  # Sat 01:00 in Shanghai, Friday in UTC: the team's day counts
    c = qual.assess(config, answers=ANSWERS_FULL, amount=Decimal(3_000_000), strategic=False, stage="proposal", last_activity_at=saturday_eve)
    assert c.next_touch_due == saturday_eve + timedelta(days=2)  # Sunday rolls to Monday
