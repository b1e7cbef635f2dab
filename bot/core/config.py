"""Settings from the environment (secrets) and from config.toml (the team's pipeline), validated.

A bad config stops start-up with one line naming the file, the key and the fault, e.g.
``config.toml: stages[2].probability: must be a number from 0 to 1, got 1.5``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("zh", "en")
ROLES = ("bdr", "ae", "support", "manager", "admin")


class ConfigError(Exception):
    """Raised with a single human-readable line: file: key: what is wrong."""


class Named:
    """Something people see by name, in Chinese or English (``names`` = {"zh": ..., "en": ...})."""

    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]


@dataclass(frozen=True)
class Stage(Named):
    key: str
    names: dict[str, str]
    probability: float
    stall_days: int
    owner_role: str  # the role responsible (R) in this stage
    consulted: tuple[str, ...] = ()  # roles consulted (C)
    informed: tuple[str, ...] = ()  # roles informed (I)


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
    team: tuple[TeamSeed, ...] = ()
    assignment: AssignmentSettings = field(default_factory=lambda: AssignmentSettings())

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
        if not candidates:
            return None
        length, reason = max(candidates, key=lambda c: c[0])
        return reason, text.strip()[length:].strip(" :：,，-")


@dataclass(frozen=True)
class Settings:
    """Secrets and locations, from the environment only."""

    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    database_url: str | None
    slack_api_url: str | None
    config_path: str

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN"),
            signing_secret=env.get("SLACK_SIGNING_SECRET"),
            app_token=env.get("SLACK_APP_TOKEN"),
            database_url=env.get("DATABASE_URL"),
            slack_api_url=env.get("SLACK_API_URL"),
            config_path=env.get("OPPBOT_CONFIG") or default_config_path(),
        )


# The config shipped inside the package: the default when there is no ./config.toml, and what
# `oppbot init` copies. The repository's top-level config.toml is a symlink to it.
SHIPPED_CONFIG = Path(__file__).with_name("default_config.toml")


def default_config_path() -> str:
    """``config.toml`` in the working directory if there is one, else the shipped config."""
    return "config.toml" if Path("config.toml").is_file() else str(SHIPPED_CONFIG)


def load_config(path: str | os.PathLike) -> Config:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (check OPPBOT_CONFIG, or run `oppbot init` to write a config.toml here)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, str(path))


def parse_config(raw: dict, path: str = "config.toml") -> Config:
    check = _Checker(path)
    ws = check.table(raw, "workspace")
    language = check.choice(ws, "workspace.language", LANGUAGES, default="zh")
    timezone = check.string(ws, "workspace.timezone", default="Asia/Shanghai")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        check.fail("workspace.timezone", f"unknown timezone {timezone!r} (use an IANA name such as Asia/Shanghai)")
    currency = check.string(ws, "workspace.currency", default="CNY")
    if not (len(currency) == 3 and currency.isalpha() and currency.isupper()):
        check.fail("workspace.currency", f"must be a 3-letter ISO code such as CNY, got {currency!r}")
    admins = ws.get("admins", [])
    if not isinstance(admins, list) or not all(isinstance(a, str) and a.startswith(("U", "W")) for a in admins):
        check.fail("workspace.admins", 'must be a list of Slack user ids such as ["U012ABCDEF"]')

    channels = check.table(raw, "channels")
    for key, value in channels.items():
        if not isinstance(value, str) or not value:
            check.fail(f"channels.{key}", 'must be a channel name such as "#deal-alerts" or an id')

    raw_stages = raw.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        check.fail("stages", "at least one [[stages]] table is required")
    stages = []
    for i, item in enumerate(raw_stages):
        where = f"stages[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table")
        key = check.string(item, f"{where}.key")
        if not key.replace("_", "").isalnum() or key != key.lower() or key in ("won", "lost"):
            check.fail(f"{where}.key", f"must be lower-case letters, digits or _ and not won/lost, got {key!r}")
        if key in (s.key for s in stages):
            check.fail(f"{where}.key", f"duplicate stage key {key!r}")
        names = check.names(item, f"{where}.name")
        probability = item.get("probability")
        if not isinstance(probability, int | float) or isinstance(probability, bool) or not 0 <= probability <= 1:
            check.fail(f"{where}.probability", f"must be a number from 0 to 1, got {probability!r}")
        stall_days = item.get("stall_days")
        if not isinstance(stall_days, int) or isinstance(stall_days, bool) or stall_days < 1:
            check.fail(f"{where}.stall_days", f"must be a whole number of days >= 1, got {stall_days!r}")
        owner_role = check.choice(item, f"{where}.owner_role", ROLES)
        consulted = _roles(check, item, f"{where}.consulted")
        informed = _roles(check, item, f"{where}.informed")
        stages.append(Stage(key, names, float(probability), stall_days, owner_role, consulted, informed))

    reasons = check.table(raw, "reasons")
    won = _reasons(check, reasons, "won")
    lost = _reasons(check, reasons, "lost")
    return Config(
        path=path,
        language=language,
        timezone=timezone,
        currency=currency,
        admins=tuple(admins),
        stages=tuple(stages),
        won_reasons=won,
        lost_reasons=lost,
        qualification=_qualification(check, raw, [s.key for s in stages]),
        channels=dict(channels),
        digest=_digest(check, raw, [s.key for s in stages]),
        alerts=_alerts(check, raw),
        team=_team(check, raw),
        assignment=_assignment(check, raw),
    )


def _clock_time(check: _Checker, raw: dict, key: str, default: str) -> str:
    value = check.string(raw, key, default)
    hour, sep, minute = value.partition(":")
    if not (sep and hour.isdigit() and minute.isdigit() and len(minute) == 2 and 0 <= int(hour) < 24 and 0 <= int(minute) < 60):
        check.fail(key, f'must be a local time such as "09:00", got {value!r}')
    return f"{int(hour):02d}:{minute}"


def _digest(check: _Checker, raw: dict, stage_keys: list[str]) -> DigestSettings:
    d = check.table(raw, "digest")
    days = d.get("working_days", list(DigestSettings.working_days))
    if not isinstance(days, list) or not days or not all(day in WEEKDAYS for day in days):
        check.fail("digest.working_days", f"must be a list of days from {', '.join(WEEKDAYS)}, got {days!r}")
    skip = d.get("skip_non_working_days", True)
    if not isinstance(skip, bool):
        check.fail("digest.skip_non_working_days", f"must be true or false, got {skip!r}")
    deliver = d.get("deliver", list(DigestSettings.deliver))
    if not isinstance(deliver, list) or not deliver or not set(deliver) <= set(DELIVERY):
        check.fail("digest.deliver", f"must be a list of {' and '.join(DELIVERY)}, got {deliver!r}")
    managers = d.get("managers", [])
    if not isinstance(managers, list) or not all(isinstance(m, str) and m.startswith(("U", "W")) for m in managers):
        check.fail("digest.managers", 'must be a list of Slack user ids such as ["U012ABCDEF"]')
    targets = check.table(d, "targets") if "targets" in d else {}
    for name in targets:
        if name not in ("month", "quarter"):
            check.fail(f"digest.targets.{name}", "unknown target (use month and quarter)")
    default_commit = "negotiation" if "negotiation" in stage_keys else stage_keys[max(0, len(stage_keys) - 2)]
    return DigestSettings(
        daily_time=_clock_time(check, d, "digest.daily_time", DigestSettings.daily_time),
        weekly_day=check.choice(d, "digest.weekly_day", WEEKDAYS, default=DigestSettings.weekly_day),
        brief_time=_clock_time(check, d, "digest.brief_time", DigestSettings.brief_time),
        working_days=tuple(days),
        skip_non_working_days=skip,
        deliver=tuple(deliver),
        managers=tuple(managers),
        top=_number(check, d, "digest.top", DigestSettings.top, low=1, high=20),
        month_target=float(_number(check, targets, "digest.targets.month", 0, whole=False)),
        quarter_target=float(_number(check, targets, "digest.targets.quarter", 0, whole=False)),
        commit_from=check.choice(d, "digest.commit_from", tuple(stage_keys), default=default_commit),
    )


def _alerts(check: _Checker, raw: dict) -> AlertSettings:
    a = check.table(raw, "alerts")
    known = {"channel_min_amount", "channel_grades", "escalate_after_days", "quiet_start", "quiet_end", "working_days", "bundle_time", "snooze_days"}
    for key in a:
        if key not in known:
            check.fail(f"alerts.{key}", f"unknown key (known: {', '.join(sorted(known))})")
    default = AlertSettings()
    grades = a.get("channel_grades", list(default.channel_grades))
    if not isinstance(grades, list) or not set(grades) <= set(GRADES):
        check.fail("alerts.channel_grades", f'must be a list of grades such as ["A"], got {grades!r}')
    days = a.get("working_days", list(default.working_days))
    if not isinstance(days, list) or not days or not all(day in WEEKDAYS for day in days):
        check.fail("alerts.working_days", f"must be a list of days from {', '.join(WEEKDAYS)}, got {days!r}")
    snooze = a.get("snooze_days", list(default.snooze_days))
    if not isinstance(snooze, list) or not 1 <= len(snooze) <= 5 or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 90 for n in snooze):
        check.fail("alerts.snooze_days", f"must be a list of 1 to 5 whole numbers of days from 1 to 90, got {snooze!r}")

    def clock_time(key: str, fallback: str) -> str:
        value = check.string(a, f"alerts.{key}", fallback)
        hour, sep, minute = value.partition(":")
        if not (sep and hour.isdigit() and minute.isdigit() and len(minute) == 2 and int(hour) < 24 and int(minute) < 60):
            check.fail(f"alerts.{key}", f'must be a local time such as "08:00", got {value!r}')
        return f"{int(hour):02d}:{minute}"

    return AlertSettings(
        channel_min_amount=float(_number(check, a, "alerts.channel_min_amount", default.channel_min_amount, whole=False)),
        channel_grades=tuple(grades),
        escalate_after_days=_number(check, a, "alerts.escalate_after_days", default.escalate_after_days, low=1),
        quiet_start=clock_time("quiet_start", default.quiet_start),
        quiet_end=clock_time("quiet_end", default.quiet_end),
        working_days=tuple(days),
        bundle_time=clock_time("bundle_time", default.bundle_time),
        snooze_days=tuple(snooze),
    )


# --- [[team]] and [assignment]: roles, rules that hand out deals, the public pool ---------------

STRATEGIES = ("round_robin", "least_loaded", "manual")


@dataclass(frozen=True)
class TeamSeed:
    """A member as config.toml seeds them ([[team]]); `/opp team set` changes them later."""

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


def _roles(check: _Checker, raw: dict, key: str) -> tuple[str, ...]:
    value = raw.get(key.rsplit(".", 1)[-1], [])
    if not isinstance(value, list) or not all(v in ROLES for v in value):
        check.fail(key, f"must be a list of roles from {', '.join(ROLES)}, got {value!r}")
    return tuple(value)


def _texts(check: _Checker, raw: dict, key: str) -> tuple[str, ...]:
    value = raw.get(key.rsplit(".", 1)[-1], [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        check.fail(key, f'must be a list of names such as ["华东"], got {value!r}')
    return tuple(value)


def _user_id(check: _Checker, raw: dict, key: str, required: bool = True) -> str | None:
    value = raw.get(key.rsplit(".", 1)[-1])
    if value is None and not required:
        return None
    if not (isinstance(value, str) and value[:1] in ("U", "W") and value[1:].isalnum()):
        check.fail(key, f'must be a Slack user id such as "U012ABCDEF", got {value!r}')
    return value


def _team(check: _Checker, raw: dict) -> tuple[TeamSeed, ...]:
    items = raw.get("team", [])
    if not isinstance(items, list):
        check.fail("team", "must be a list of [[team]] tables")
    seeds = []
    for i, item in enumerate(items):
        where = f"team[{i}]"
        if not isinstance(item, dict):
            check.fail(where, 'must be a table { user = "U012ABCDEF", role = "ae" }')
        user = _user_id(check, item, f"{where}.user")
        if user in (s.user for s in seeds):
            check.fail(f"{where}.user", f"{user} is listed twice")
        capacity = item.get("capacity")
        if capacity is not None:
            capacity = _number(check, item, f"{where}.capacity", None, low=0, high=10000)
        seeds.append(
            TeamSeed(
                user=user,
                role=check.choice(item, f"{where}.role", ROLES),
                manager=_user_id(check, item, f"{where}.manager", required=False),
                regions=_texts(check, item, f"{where}.regions"),
                industries=_texts(check, item, f"{where}.industries"),
                capacity=capacity,
            )
        )
    return tuple(seeds)


def _assignment(check: _Checker, raw: dict) -> AssignmentSettings:
    a = check.table(raw, "assignment")
    known = {"offer_hours", "pool_return_days", "pool_manager", "default_strategy", "rules"}
    for key in a:
        if key not in known:
            check.fail(f"assignment.{key}", f"unknown key (known: {', '.join(sorted(known))})")
    rules = []
    items = a.get("rules", [])
    if not isinstance(items, list):
        check.fail("assignment.rules", "must be a list of [[assignment.rules]] tables")
    for i, item in enumerate(items):
        where = f"assignment.rules[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table { name = ..., strategy = ..., role = ... }")
        name = check.string(item, f"{where}.name")
        if name in (r.name for r in rules):
            check.fail(f"{where}.name", f"duplicate rule name {name!r}")
        known_rule = {"name", "strategy", "region", "industry", "source", "tag", "min_amount", "max_amount", "people", "role"}
        for key in item:
            if key not in known_rule:
                check.fail(f"{where}.{key}", f"unknown key (known: {', '.join(sorted(known_rule))})")
        people = item.get("people", [])
        if not isinstance(people, list) or not all(isinstance(p, str) and p[:1] in ("U", "W") for p in people):
            check.fail(f"{where}.people", 'must be a list of Slack user ids such as ["U012ABCDEF"]')
        role = check.choice(item, f"{where}.role", ROLES) if "role" in item else None
        strategy = check.choice(item, f"{where}.strategy", STRATEGIES)
        if strategy != "manual" and not people and role is None:
            check.fail(where, 'needs people = [...] or role = "..." to say who gets the deals')
        low = item.get("min_amount") and float(_number(check, item, f"{where}.min_amount", None, whole=False))
        high = item.get("max_amount") and float(_number(check, item, f"{where}.max_amount", None, whole=False))
        if low is not None and high is not None and low > high:
            check.fail(f"{where}.min_amount", f"must not be above max_amount ({high}), got {low}")
        rules.append(
            Rule(
                name=name,
                strategy=strategy,
                regions=_texts(check, item, f"{where}.region"),
                industries=_texts(check, item, f"{where}.industry"),
                sources=_texts(check, item, f"{where}.source"),
                tags=_texts(check, item, f"{where}.tag"),
                min_amount=low,
                max_amount=high,
                people=tuple(people),
                role=role,
            )
        )
    return AssignmentSettings(
        offer_hours=_number(check, a, "assignment.offer_hours", 24, low=1, high=24 * 30),
        pool_return_days=_number(check, a, "assignment.pool_return_days", 14, low=1, high=365),
        pool_manager=_user_id(check, a, "assignment.pool_manager", required=False),
        default_strategy=check.choice(a, "assignment.default_strategy", STRATEGIES, default="round_robin"),
        rules=tuple(rules),
    )


def _number(check: _Checker, raw: dict, key: str, default, *, low: float = 0, high: float | None = None, whole: bool = True):
    value = raw.get(key.rsplit(".", 1)[-1], default)
    kinds = int if whole else int | float
    if not isinstance(value, kinds) or isinstance(value, bool) or value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f">= {low}"
        check.fail(key, f"must be a {'whole ' if whole else ''}number {span}, got {value!r}")
    return value


def _qualification(check: _Checker, raw: dict, stage_keys: list[str]) -> Qualification:
    q = check.table(raw, "qualification")
    criteria = []
    items = q.get("criteria")
    if not isinstance(items, list) or not items:
        check.fail("qualification.criteria", "at least one [[qualification.criteria]] table is required")
    for i, item in enumerate(items):
        where = f"qualification.criteria[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table")
        key = check.string(item, f"{where}.key")
        if key in (c.key for c in criteria):
            check.fail(f"{where}.key", f"duplicate criterion key {key!r}")
        weight = _number(check, item, f"{where}.weight", None, low=1, high=100)
        choices = []
        raw_choices = item.get("choices")
        if not isinstance(raw_choices, list) or len(raw_choices) < 2:
            check.fail(f"{where}.choices", "needs at least two { key, name = { zh, en }, points } choices")
        for j, choice in enumerate(raw_choices):
            cw = f"{where}.choices[{j}]"
            if not isinstance(choice, dict):
                check.fail(cw, "must be a table { key, name = { zh, en }, points }")
            points = _number(check, choice, f"{cw}.points", None, low=0, high=1, whole=False)
            choices.append(Choice(check.string(choice, f"{cw}.key"), check.names(choice, f"{cw}.name"), float(points)))
        criteria.append(Criterion(key, check.names(item, f"{where}.name"), weight, tuple(choices)))
    total = sum(c.weight for c in criteria)
    if total != 100:
        check.fail("qualification.criteria", f"weights must add up to 100, they add up to {total}")
    threshold = _number(check, q, "qualification.threshold", 60, high=100)
    gate = check.choice(q, "qualification.gate_stage", tuple(stage_keys), default=stage_keys[min(2, len(stage_keys) - 1)])
    high_intent = _number(check, q, "qualification.high_intent", 70, high=100)
    low_intent = _number(check, q, "qualification.low_intent", 40, high=100)
    if low_intent > high_intent:
        check.fail("qualification.low_intent", f"must not be above high_intent ({high_intent}), got {low_intent}")
    g = check.table(raw, "grading")
    high_value = _number(check, g, "grading.high_value", 1_000_000, whole=False)
    medium_value = _number(check, g, "grading.medium_value", 200_000, whole=False)
    if medium_value > high_value:
        check.fail("grading.medium_value", f"must not be above high_value ({high_value}), got {medium_value}")
    cadence = g.get("cadence_days", {"A": 1, "B": 7, "C": 30})
    if not isinstance(cadence, dict) or set(cadence) != set(GRADES):
        check.fail("grading.cadence_days", "must give days for each grade, e.g. { A = 1, B = 7, C = 30 }")
    for grade in GRADES:
        _number(check, cadence, f"grading.cadence_days.{grade}", None, low=1)
    rules = []
    for i, item in enumerate(raw.get("tag_rules", [])):
        where = f"tag_rules[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table { tag = ..., min_score = ... }")
        grades = item.get("grades", [])
        if not isinstance(grades, list) or not set(grades) <= set(GRADES):
            check.fail(f"{where}.grades", 'must be a list of grades such as ["A", "B"]')
        min_stage = item.get("min_stage")
        if min_stage is not None and min_stage not in stage_keys:
            check.fail(f"{where}.min_stage", f"must be a stage key, got {min_stage!r}")
        rules.append(
            TagRule(
                tag=check.string(item, f"{where}.tag"),
                min_score=item.get("min_score") and _number(check, item, f"{where}.min_score", None, high=100),
                max_score=item.get("max_score") and _number(check, item, f"{where}.max_score", None, high=100),
                grades=tuple(grades),
                min_stage=min_stage,
            )
        )
    p = check.table(raw, "probability")
    return Qualification(
        criteria=tuple(criteria),
        threshold=threshold,
        gate_stage=gate,
        high_intent=high_intent,
        low_intent=low_intent,
        high_value=float(high_value),
        medium_value=float(medium_value),
        cadence_days={k: int(cadence[k]) for k in GRADES},
        tag_rules=tuple(rules),
        min_closed=_number(check, p, "probability.min_closed", 50, low=1),
        min_examples=_number(check, p, "probability.min_examples", 5, low=1),
    )


def _reasons(check: _Checker, reasons: dict, kind: str) -> tuple[Reason, ...]:
    items = reasons.get(kind, [])
    if not isinstance(items, list) or (kind == "lost" and not items):
        check.fail(f"reasons.{kind}", "must be a non-empty list of { key = ..., name = { zh = ..., en = ... } }")
    out = []
    for i, item in enumerate(items):
        where = f"reasons.{kind}[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table { key = ..., name = { zh = ..., en = ... } }")
        out.append(Reason(check.string(item, f"{where}.key"), check.names(item, f"{where}.name")))
    return tuple(out)


class _Checker:
    def __init__(self, path: str):
        self.path = path

    def fail(self, key: str, problem: str):
        raise ConfigError(f"{self.path}: {key}: {problem}")

    def table(self, raw: dict, key: str) -> dict:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.fail(key, "must be a table")
        return value

    def string(self, raw: dict, key: str, default: str | None = None) -> str:
        value = raw.get(key.rsplit(".", 1)[-1], default)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "is required" if value is None else f"must be a non-empty string, got {value!r}")
        return value

    def choice(self, raw: dict, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.string(raw, key, default)
        if value not in allowed:
            self.fail(key, f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def names(self, raw: dict, key: str) -> dict[str, str]:
        value = raw.get(key.rsplit(".", 1)[-1])
        if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) and value[lang] for lang in LANGUAGES):
            self.fail(key, 'must give both names, e.g. name = { zh = "方案提交", en = "Proposal" }')
        return {lang: value[lang] for lang in LANGUAGES}
