"""The typed configuration: what config.toml describes once it has been checked.

The pipeline's stages, won and lost reasons, qualification criteria and grading, digest and alert
settings, the team seed and the assignment rules, as frozen dataclasses, with the fixed vocabularies
(languages, roles, grades, weekdays, strategies) they are checked against. Reading and checking the
file is bot.core.config's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

LANGUAGES = ("zh", "en")
ROLES = ("bdr", "ae", "support", "delivery", "finance", "manager", "admin")
FORECAST_CATEGORIES = ("commit", "best_case", "pipeline")  # 承诺, 乐观, 管道


class Named:
    """Something people see by name, in Chinese or English (``names`` = {"zh": ..., "en": ...})."""

    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]


@dataclass(frozen=True)
class Step(Named):
    """One item of a checklist: a stage's key action (方案演示), a handover's step (需求交接)."""

    key: str
    names: dict[str, str]


@dataclass(frozen=True)
class Stage(Named):
    key: str
    names: dict[str, str]
    probability: float
    stall_days: int
    owner_role: str  # the role responsible (R) in this stage
    consulted: tuple[str, ...] = ()  # roles consulted (C)
    informed: tuple[str, ...] = ()  # roles informed (I)
    actions: tuple[Step, ...] = ()  # the stage's playbook: key actions shown as a checklist on the card
    forecast: str | None = None  # the forecast category of its deals unless set (commit, best_case, pipeline); None: derived


@dataclass(frozen=True)
class Reason(Named):
    key: str
    names: dict[str, str]


@dataclass(frozen=True)
class Choice(Named):
    key: str
    names: dict[str, str]
    points: float  # share of the criterion's weight, 0..1


@dataclass(frozen=True)
class Criterion(Named):
    key: str
    names: dict[str, str]
    weight: int
    choices: tuple[Choice, ...]

    def choice(self, key: str | None) -> Choice | None:
        return next((c for c in self.choices if c.key == key), None)

    def read(self, text: str) -> Choice | None:
        """The choice a person typed: its key or a name in either language (any case, spaces
        ignored), else the one choice whose name holds the text (已接触 for 已接触决策人)."""
        return _named(self.choices, text)


def _named(items, text: str):
    """The item of ``items`` (each with ``key`` and ``names``) that ``text`` names exactly, else
    the only one with a name holding it (two letters or more), else None."""
    typed = "".join(text.split()).casefold()
    if not typed:
        return None
    for item in items:
        if typed in ("".join(label.split()).casefold() for label in (item.key, *item.names.values())):
            return item
    holding = [item for item in items if len(typed) >= 2 and any(typed in "".join(n.split()).casefold() for n in item.names.values())]
    return holding[0] if len(holding) == 1 else None


@dataclass(frozen=True)
class TagRule:
    tag: str
    min_score: int | None = None
    max_score: int | None = None
    grades: tuple[str, ...] = ()
    min_stage: str | None = None


@dataclass(frozen=True)
class Qualification:
    criteria: tuple[Criterion, ...]
    threshold: int  # a deal scoring below it ...
    gate_stage: str  # ... cannot move past this stage
    high_intent: int
    low_intent: int
    high_value: float
    medium_value: float
    cadence_days: dict[str, int]
    tag_rules: tuple[TagRule, ...]
    min_closed: int  # closed deals needed before win probability is learned
    min_examples: int  # a feature value seen fewer times is ignored

    def criterion(self, text: str) -> Criterion | None:
        """The criterion a person typed, by key or by name in either language (预算, Budget)."""
        return _named(self.criteria, text)


GRADES = ("A", "B", "C")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DELIVERY = ("dm", "channel")


@dataclass(frozen=True)
class DigestSettings:
    """When and to whom digests go ([digest] in config.toml). Times are in workspace.timezone."""

    daily_time: str = "09:00"
    weekly_day: str = "mon"
    brief_time: str = "08:30"
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    skip_non_working_days: bool = True
    deliver: tuple[str, ...] = ("dm", "channel")
    managers: tuple[str, ...] = ()  # Slack user ids, besides members with role "manager" and the admins
    top: int = 5  # items listed per list before "and N more"
    month_target: float = 0.0  # in workspace.currency; 0 = none
    quarter_target: float = 0.0
    commit_from: str | None = None  # the first "committed" stage; default negotiation, else the second-to-last

    def working(self, day) -> bool:
        return not self.skip_non_working_days or WEEKDAYS[day.weekday()] in self.working_days


# --- [alerts]: what the worker watches and how it tells people ---------------------------------


@dataclass(frozen=True)
class AlertSettings:
    """Alert routing and timing ([alerts] in config.toml). Times are in workspace.timezone."""

    channel_min_amount: float = 500000.0  # deals at or above this amount also alert the alerts channel
    channel_grades: tuple[str, ...] = ("A",)  # ... and so do deals of these grades
    escalate_after_days: int = 2  # an alert nobody acted on goes to the owner's manager after this
    quiet_start: str = "20:00"  # no alerts from this local time ...
    quiet_end: str = "08:00"  # ... until this one
    working_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    bundle_time: str = "09:00"  # when members who chose the daily bundle get it
    snooze_days: tuple[int, ...] = (1, 3, 7)

    @staticmethod
    def _minutes(text: str) -> int:
        hour, _, minute = text.partition(":")
        return int(hour) * 60 + int(minute)

    def working_time(self, local) -> bool:
        """Whether ``local`` (a datetime in the team timezone) is on a working day, outside quiet hours."""
        if WEEKDAYS[local.weekday()] not in self.working_days:
            return False
        minute, start, end = local.hour * 60 + local.minute, self._minutes(self.quiet_start), self._minutes(self.quiet_end)
        if start == end:
            return True
        quiet = (minute >= start or minute < end) if start > end else (start <= minute < end)
        return not quiet


# --- [[team]] and [assignment]: roles, rules that hand out deals, the public pool ---------------

STRATEGIES = ("round_robin", "least_loaded", "manual")


@dataclass(frozen=True)
class TeamSeed:
    """A member as config.toml seeds them ([[team]]), once; `/opp team set` changes them later, and
    a start applies the entry again only where it changed since (bot.team.roster)."""

    user: str
    role: str
    manager: str | None = None
    regions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    capacity: int | None = None


@dataclass(frozen=True)
class Rule:
    """An assignment rule: deals matching every condition given go to ``people`` (Slack ids) or,
    when empty, to members with ``role`` (optionally also in the deal's region), by ``strategy``."""

    name: str
    strategy: str
    regions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    min_amount: float | None = None
    max_amount: float | None = None
    people: tuple[str, ...] = ()
    role: str | None = None


@dataclass(frozen=True)
class AssignmentSettings:
    offer_hours: int = 24  # an offer not answered in this many hours passes to the next person
    pool_return_days: int = 14  # a deal with no activity for this many days returns to the pool
    pool_manager: str | None = None  # Slack id told about the pool; else the admins
    default_strategy: str = "round_robin"  # when no rule matches: the stage's role, by this
    rules: tuple[Rule, ...] = ()


# --- [pool]: when deals return to the public pool, the warning before, and claiming ------------


@dataclass(frozen=True)
class PoolSettings:
    """[pool] in config.toml (bot.deals.recycle, bot.deals.pool)."""

    # days without a customer touch (call, meeting, visit, email) before a deal of each grade
    # returns; 0: never. A grade not given takes assignment.pool_return_days.
    return_days: dict[str, int] = field(default_factory=lambda: {"A": 0, "B": 14, "C": 14})
    exempt_from_stage: str | None = None  # deals in this stage or a later one never return
    warn_days: int = 3  # the owner is warned this many days before; a deal returns only once warned
    daily_claims: int = 0  # claims a person may make a day (workspace time zone); 0: no limit
    reclaim_after_days: int = 0  # days before a deal's previous owner may claim it back; 0: at once


# --- [risks]: risk flags the worker raises itself ------------------------------------------------


@dataclass(frozen=True)
class RiskSettings:
    """[risks] in config.toml."""

    silent_days: int = 14  # 客户沉默: flagged after this many days with no call, meeting, visit or email


@dataclass(frozen=True)
class AfterClose:
    """[handover], [payments], [review] and [followon]: what happens after a deal is won or lost."""

    handover_steps: tuple[Step, ...] = ()  # the handover checklist (需求交接, 实施范围确认 …)
    handover_stall_days: int = 7  # an open handover with no progress this long alerts like a stalled deal
    payment_roles: tuple[str, ...] = ("finance", "manager")  # told of an overdue payment besides the owner
    review_remind_days: int = 3  # a closed deal without a review reminds its owner after this many days
    revisit_days: int = 90  # a won account's owner is reminded to go back after this many days


@dataclass(frozen=True)
class MeetingSettings:
    """[meeting]: the weekly review meeting (商机评审会). Its agenda is posted to channels.meeting
    (else channels.digest) on ``weekday`` at ``time`` (team timezone); no ``weekday``: not scheduled.
    Deals at or above ``big_deal`` (workspace currency) are the agenda's."""

    weekday: str = "mon"
    time: str = "10:00"
    big_deal: float = 500000.0


@dataclass(frozen=True)
class RoomSettings:
    """[rooms]: deal rooms (`/opp room 42`). A room is archived when its deal closes if ``archive_on_close``."""

    archive_on_close: bool = True
    # a deal at or above this amount (workspace currency) has its stage changes, won and lost told
    # in channels.deals (else channels.alerts), under its card there; 0: none
    big_deal: float = 500000.0


@dataclass(frozen=True)
class UnfurlSettings:
    """[unfurls]: a pasted deal link's preview (bot.deals.unfurls). Amounts stay out of channels
    shared with other organisations (Slack Connect) unless ``amounts_in_shared_channels``."""

    amounts_in_shared_channels: bool = False


@dataclass(frozen=True)
class Config:
    path: str
    language: str
    timezone: str
    currency: str
    admins: tuple[str, ...]
    stages: tuple[Stage, ...]
    won_reasons: tuple[Reason, ...]
    lost_reasons: tuple[Reason, ...]
    qualification: Qualification
    channels: dict[str, str] = field(default_factory=dict)
    digest: DigestSettings = field(default_factory=DigestSettings)
    alerts: AlertSettings = field(default_factory=lambda: AlertSettings())
    risks: RiskSettings = field(default_factory=lambda: RiskSettings())
    team: tuple[TeamSeed, ...] = ()
    assignment: AssignmentSettings = field(default_factory=lambda: AssignmentSettings())
    pool: PoolSettings = field(default_factory=lambda: PoolSettings())
    duplicate_check: bool = True  # new deals are checked against open ones (撞单)
    # [currencies] rates: what one unit of each other currency is worth in ``currency``; with a
    # rate for every currency in a total, the total is shown in ``currency`` alone
    rates: dict[str, Decimal] = field(default_factory=dict)
    after: AfterClose = field(default_factory=AfterClose)
    meeting: MeetingSettings = field(default_factory=MeetingSettings)
    rooms: RoomSettings = field(default_factory=RoomSettings)
    unfurls: UnfurlSettings = field(default_factory=lambda: UnfurlSettings())
    public_url: str | None = None  # not in config.toml: OPPBOT_PUBLIC_URL, set by the runtime (bot.core.links)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(key)

    def stage_index(self, key: str) -> int:
        return [s.key for s in self.stages].index(key)

    def find_stage(self, text: str) -> Stage | None:
        """A stage by key, English or Chinese name (case-insensitive), or 1-based position."""
        wanted = text.strip().lower()
        for stage in self.stages:
            if wanted == stage.key or wanted in (n.lower() for n in stage.names.values()):
                return stage
        if wanted.isdigit() and 1 <= int(wanted) <= len(self.stages):
            return self.stages[int(wanted) - 1]
        return None

    def find_reason(self, text: str, *, won: bool) -> tuple[Reason, str] | None:
        """Match the start of ``text`` to a reason; returns the reason and the rest of the text."""
        reasons = self.won_reasons if won else self.lost_reasons
        lowered = text.strip().lower()
        candidates = []
        for reason in reasons:
            for label in (reason.key, *reason.names.values()):
                rest = lowered[len(label) :]
                # an English label must end at a word boundary ("other", not "otherwise")
                boundary = not label.isascii() or not rest or not (rest[0].isalnum() or rest[0] == "_")
                if lowered.startswith(label.lower()) and boundary:
                    candidates.append((len(label), reason))
        if not candidates:  # a part of one name only: 关系 for 客户关系
            first, _, rest = text.strip().partition(" ")
            reason = _named(reasons, first)
            return (reason, rest.strip()) if reason else None
        length, reason = max(candidates, key=lambda c: c[0])
        return reason, text.strip()[length:].strip(" :：,，-")
