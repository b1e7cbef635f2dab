"""View objects: plain, frozen facts taken inside a transaction, which bot.blocks draws after it.
The domain fills them in (a deal, an event of its history, pipeline figures); blocks never reads
the database, so nothing is loaded lazily while a message is built."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.core.money import total_in
from bot.core.periods import Period

Money = dict[str, Decimal]  # currency -> amount


@dataclass(frozen=True)
class DealView:
    """A deal as shown to people; taken inside the transaction so it can be rendered after it."""

    number: int
    title: str
    account: str | None
    contact: str | None
    amount: Decimal | None
    currency: str
    stage: str
    status: str
    expected_close: date | None
    next_step: str | None
    next_step_due: date | None
    owner: str
    creator: str
    source: str | None
    industry: str | None
    region: str | None
    budget: str | None
    authority: str | None
    need: str | None
    timing: str | None
    tags: tuple[str, ...]
    won_reason: str | None
    lost_reason: str | None
    stage_entered_at: datetime
    version: int
    qualification: dict
    score: int
    grade: str
    grade_pinned: bool
    strategic: bool
    next_touch_due: datetime | None
    win_probability: float | None
    probability_override: float | None
    auto_tags: tuple[str, ...]
    closed_deals: int  # closed deals the workspace's win model has learned from
    risks: tuple[tuple[str, str | None], ...] = ()  # open risk flags, oldest first: (kind, note)
    review: str | None = None  # a won or lost deal's review: asked, done, skipped (None: never asked)
    lessons: int = 0  # lessons from similar deals, counted when it was created or entered a stage
    playbook: dict = field(default_factory=dict)  # key actions ticked: {stage key: {action key: ISO time}}
    forecast_category: str | None = None  # the owner's call (commit, best_case, pipeline); None: the stage's default


@dataclass(frozen=True)
class HandoverView:
    """A won deal's handover to delivery as its messages and form show it: the deal, who delivers
    it, what and by when, each checklist step ticked (the day, on the team's calendar, and by whom)
    and the customer's acceptance. ``exists`` is False for the form of a handover not yet made."""

    number: int
    title: str
    account: str | None
    amount: Decimal | None
    currency: str
    owner: str  # the deal's owner, Slack user id
    delivery_owner: str | None = None  # Slack user id
    scope: str | None = None
    key_dates: str | None = None
    notes: str | None = None
    ticked: dict[str, tuple[date, str | None]] = field(default_factory=dict)  # step key -> (day, who)
    accepted_on: date | None = None
    exists: bool = True


@dataclass(frozen=True)
class DealLine:
    """A deal as one line of a list shows it (store.queries.LINE_COLUMNS)."""

    number: int
    title: str
    account: str | None
    amount: Decimal | None
    currency: str
    stage: str
    status: str
    expected_close: date | None
    grade: str
    score: int
    win_probability: float | None
    probability_override: float | None
    owner: str  # Slack user id
    at_risk: bool = False  # a risk flag is open on it


@dataclass(frozen=True)
class EventView:
    """One line of a deal's history: who changed what, when, from what to what."""

    at: datetime
    actor: str  # Slack user id
    kind: str
    field: str | None
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ReviewView:
    """A won or lost deal's review (复盘) as its form shows it; ``status`` None: never asked."""

    number: int
    title: str
    outcome: str  # won, lost
    status: str | None
    reason: str | None  # a configured reason key: the review's, else the close's
    competitor: str | None = None
    worked: str | None = None
    didnt: str | None = None
    lesson: str | None = None


@dataclass(frozen=True)
class LessonLine:
    """One lesson of the lessons base: the review and its deal."""

    number: int
    title: str
    outcome: str  # won, lost
    reason: str | None
    competitor: str | None
    industry: str | None
    lesson: str  # the lesson, else what didn't work, else what worked
    done_on: date  # the day the review was written, in the team's timezone


@dataclass(frozen=True)
class MeetingView:
    """What a review meeting's post tells the team about a closed deal."""

    number: int
    title: str
    outcome: str
    amount: Decimal | None
    currency: str
    owner: str  # Slack user id
    asked_by: str  # Slack user id
    stages: tuple[tuple[str, date], ...]  # (stage key, the day it was entered), in order
    closed_on: date
    activities: int
    review: ReviewView


@dataclass(frozen=True)
class Item:
    """One deal in a list."""

    number: int
    title: str
    amount: Decimal | None
    currency: str
    owner: str  # Slack user id
    owner_name: str = ""
    day: date | None = None  # the date that put it on the list (due, close)
    since: datetime | None = None  # last activity (stalled lists)
    risks: tuple[str, ...] = ()  # kinds of its open risk flags (at-risk lists)


@dataclass
class ItemList:
    total: int
    items: list[Item]
    amount: Money = field(default_factory=dict)

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class StageRow:
    stage: str
    count: int = 0
    amount: Money = field(default_factory=dict)
    weighted: Money = field(default_factory=dict)


@dataclass
class Forecast:
    period: Period
    won: Money
    weighted: Money  # open deals expected to close in the period, weighted
    committed: Money  # open deals in forecast category commit expected to close in the period
    target: float
    best_case: Money = field(default_factory=dict)  # ... in category best case (reports; the digest leaves it out)
    pipeline: Money = field(default_factory=dict)  # ... in category pipeline

    def attainment(self, currency: str, rates: dict[str, Decimal]) -> float | None:
        """(won + committed) / target, in the workspace currency; None without a target, or when
        an amount is in a currency with no rate (a share of part of it would mislead)."""
        if not self.target:
            return None
        reached = {c: self.won.get(c, 0) + self.committed.get(c, 0) for c in {*self.won, *self.committed}}
        total = total_in(reached, currency, rates)
        return None if total is None else float(total) / self.target


@dataclass
class RepRow:
    member_id: int
    slack_user_id: str
    name: str = ""
    open: int = 0
    advanced: int = 0
    activities: int = 0
    overdue: int = 0
    won: int = 0
    won_amount: Money = field(default_factory=dict)


@dataclass
class Changes:
    new: int
    new_amount: Money
    advanced: int
    won: ItemList
    lost: ItemList
    owner_changes: int


@dataclass
class Funnel:
    period: Period
    conversion: list[tuple[str, int, int]]  # stage, moved forward (or won) from it, left it
    won: int
    lost: int
    won_amount: Money
    cycle_days: float | None  # average days from creation to won
    stage_days: dict[str, float]  # average days spent in each stage, by deals that left it
    losses: list[tuple[str, int, Money]]  # reason, deals, amount; most first
    new: int
    new_amount: Money

    @property
    def win_rate(self) -> float | None:
        return self.won / (self.won + self.lost) if self.won + self.lost else None


@dataclass(frozen=True)
class TrendPoint:
    at: datetime  # end of the week
    count: int
    amount: Money  # per currency
