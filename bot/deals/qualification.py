"""Qualification rules: the weighted score (BANT + the team's own criteria), the A/B/C grade, how
often a deal must be touched, and the tags rules set. Pure functions of the deal and config."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.config import WEEKDAYS, Config, Qualification


@dataclass(frozen=True)
class Part:
    """One criterion's share of the score: ``earned`` of ``weight`` points."""

    key: str
    choice: str | None
    earned: int
    weight: int


@dataclass(frozen=True)
class Assessment:
    score: int
    parts: tuple[Part, ...]
    grade: str
    next_touch_due: datetime
    auto_tags: tuple[str, ...]


def score(q: Qualification, answers: dict[str, str]) -> tuple[int, tuple[Part, ...]]:
    parts = []
    for criterion in q.criteria:
        choice = criterion.choice(answers.get(criterion.key))
        earned = round(criterion.weight * choice.points) if choice else 0
        parts.append(Part(criterion.key, choice.key if choice else None, earned, criterion.weight))
    return sum(p.earned for p in parts), tuple(parts)


def value_tier(q: Qualification, amount, strategic: bool) -> str:
    amount = float(amount or 0)
    if strategic or amount >= q.high_value:
        return "high"
    return "medium" if amount >= q.medium_value else "low"


def intent_tier(q: Qualification, score_: int) -> str:
    if score_ >= q.high_intent:
        return "high"
    return "low" if score_ < q.low_intent else "medium"


def grade(q: Qualification, *, amount, strategic: bool, score_: int) -> str:
    """A: high value and high intent. B: medium value, or high value still being nurtured.
    C: low value, or low intent on a deal that isn't high value."""
    value, intent = value_tier(q, amount, strategic), intent_tier(q, score_)
    if value == "high" and intent == "high":
        return "A"
    if value == "high" or (value == "medium" and intent != "low"):
        return "B"
    return "C"


def next_touch(config: Config, grade_: str, last_activity_at: datetime) -> datetime:
    """When the grade's cadence wants the next touch: never on a non-working day ([alerts]
    working_days, team timezone) — such a day rolls to the next working day, same time of day."""
    due = (last_activity_at + timedelta(days=config.qualification.cadence_days[grade_])).astimezone(config.tz)
    working = set(config.alerts.working_days)
    for _ in range(7):
        if WEEKDAYS[due.weekday()] in working:
            break
        due += timedelta(days=1)
    return due


def rule_tags(config: Config, *, score_: int, grade_: str, stage: str) -> tuple[str, ...]:
    q = config.qualification
    tags = []
    for rule in q.tag_rules:
        if rule.min_score is not None and score_ < rule.min_score:
            continue
        if rule.max_score is not None and score_ > rule.max_score:
            continue
        if rule.grades and grade_ not in rule.grades:
            continue
        if rule.min_stage and config.stage_index(stage) < config.stage_index(rule.min_stage):
            continue
        tags.append(rule.tag)
    return tuple(tags)


def assess(config: Config, *, answers: dict, amount, strategic: bool, stage: str, last_activity_at: datetime, pinned_grade: str | None = None) -> Assessment:
    q = config.qualification
    total, parts = score(q, answers)
    grade_ = pinned_grade or grade(q, amount=amount, strategic=strategic, score_=total)
    return Assessment(
        score=total,
        parts=parts,
        grade=grade_,
        next_touch_due=next_touch(config, grade_, last_activity_at),
        auto_tags=rule_tags(config, score_=total, grade_=grade_, stage=stage),
    )


def blocks_move(config: Config, score_: int, target_stage: str) -> bool:
    """A deal below the threshold may not move past the gate stage."""
    q = config.qualification
    return score_ < q.threshold and config.stage_index(target_stage) > config.stage_index(q.gate_stage)


def blocks_win(config: Config, score_: int) -> bool:
    """A deal below the threshold may not be marked won (unless a manager overrides the gate)."""
    return score_ < config.qualification.threshold


def missing(q: Qualification, parts: tuple[Part, ...]) -> list[Part]:
    """Criteria not yet at full marks, biggest gap first: what to work on to qualify."""
    return sorted((p for p in parts if p.earned < p.weight), key=lambda p: p.earned - p.weight)
