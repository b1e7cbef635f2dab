"""Settings from the environment (secrets) and from config.toml (the team's pipeline), validated.

A bad config stops start-up with one line per fault naming the file, the key and the fault, e.g.
``config.toml: stages[2].probability: must be a number from 0 to 1, got 1.5`` or
``config.toml: team[2].capacty: unknown key; did you mean `capacity`?``.

This is where configuration is read, and where other modules import it from: ``load_config`` and
``parse_config`` check config.toml section by section (each value through bot.core.config_checks)
and build the typed model of bot.core.config_model, whose names are re-exported here; every key is
checked against bot.core.config_keys, and people named in rules against [[team]].
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.config_after import parse_after, parse_steps
from bot.core.config_checks import Checker, ConfigError
from bot.core.config_keys import check_keys
from bot.core.config_meeting import parse_meeting
from bot.core.config_model import (
    DELIVERY,
    FORECAST_CATEGORIES,
    GRADES,
    LANGUAGES,
    ROLES,
    STRATEGIES,
    WEEKDAYS,
    AlertSettings,
    AssignmentSettings,
    Choice,
    Config,
    Criterion,
    DigestSettings,
    Named,
    Qualification,
    Reason,
    RiskSettings,
    Rule,
    Stage,
    Step,
    TagRule,
    TeamSeed,
)
from bot.core.config_pool import parse_pool
from bot.core.config_rooms import parse_rooms
from bot.core.config_unfurls import parse_unfurls

# The public entry point for configuration: the model's names are imported from here.
__all__ = [
    "DELIVERY",
    "GRADES",
    "LANGUAGES",
    "ROLES",
    "STRATEGIES",
    "WEEKDAYS",
    "AlertSettings",
    "AssignmentSettings",
    "Choice",
    "Config",
    "ConfigError",
    "Criterion",
    "DigestSettings",
    "Named",
    "Qualification",
    "Reason",
    "RiskSettings",
    "Rule",
    "Settings",
    "Stage",
    "Step",
    "TagRule",
    "TeamSeed",
    "load_config",
    "parse_config",
    "parse_text",
]


@dataclass(frozen=True)
class Settings:
    """Secrets and locations, from the environment only."""

    bot_token: str | None
    signing_secret: str | None
    app_token: str | None
    database_url: str | None
    slack_api_url: str | None
    config_path: str
    public_url: str | None = None  # OPPBOT_PUBLIC_URL: where the deal pages are (bot.core.links)
    client_id: str | None = None  # SLACK_CLIENT_ID, SLACK_CLIENT_SECRET: Sign in with Slack (bot.pages)
    client_secret: str | None = None
    session_secret: str | None = None  # OPPBOT_SESSION_SECRET: signs the web pages' cookies

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
            public_url=env.get("OPPBOT_PUBLIC_URL") or None,
            client_id=env.get("SLACK_CLIENT_ID") or None,
            client_secret=env.get("SLACK_CLIENT_SECRET") or None,
            session_secret=env.get("OPPBOT_SESSION_SECRET") or None,
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
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (check OPPBOT_CONFIG, or run `oppbot init` to write a config.toml here)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text (save it as UTF-8)") from None
    return parse_text(source, str(path))


def parse_text(source: str, path: str = "config.toml") -> Config:
    """A config from its TOML text (a file's, or a workspace's own as stored), checked as at start-up."""
    try:
        raw = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(raw, path)


def parse_config(raw: dict, path: str = "config.toml") -> Config:
    check = Checker(path)
    check_keys(check, raw)
    language, timezone, currency, admins = _workspace(check, raw)
    channels = _channels(check, raw)
    stages = _stages(check, raw)
    reasons = check.table(raw, "reasons")
    won = _reasons(check, reasons, "won")
    lost = _reasons(check, reasons, "lost")
    stage_keys = [s.key for s in stages]
    config = Config(
        path=path,
        language=language,
        timezone=timezone,
        currency=currency,
        admins=admins,
        stages=stages,
        won_reasons=won,
        lost_reasons=lost,
        qualification=_qualification(check, raw, stage_keys),
        channels=channels,
        digest=_digest(check, raw, stage_keys),
        alerts=_alerts(check, raw),
        risks=RiskSettings(silent_days=check.number(check.table(raw, "risks"), "risks.silent_days", RiskSettings.silent_days, low=1, high=365)),
        team=_team(check, raw),
        assignment=(assignment := _assignment(check, raw)),
        pool=parse_pool(check, raw, stage_keys, assignment.pool_return_days),
        duplicate_check=_duplicate_check(check, raw),
        rates=_rates(check, raw, currency),
        after=parse_after(check, raw),
        meeting=parse_meeting(check, raw),
        rooms=parse_rooms(check, raw),
        unfurls=parse_unfurls(check, raw),
    )
    _people_in_team(check, config.team, config.assignment)
    check.done()
    return config


RATE_LIMIT = 1_000_000  # a rate above this is a typo (IDR to CNY is 0.00045, CNY to VND 3,500)


def _rates(check: Checker, raw: dict, currency: str) -> dict[str, Decimal]:
    """[currencies] rates = { USD = 7.2 }: one unit of each currency in the workspace currency."""
    rates = check.table(raw, "currencies").get("rates", {})
    if not isinstance(rates, dict):
        check.fail("currencies.rates", "must be a table of ISO codes and numbers, e.g. { USD = 7.2, EUR = 7.8 }")
    out = {}
    for code, rate in rates.items():
        where = f"currencies.rates.{code}"
        if not (len(code) == 3 and code.isalpha() and code.isupper()):
            check.fail(where, "must be a 3-letter ISO code such as USD")
        elif code == currency:
            check.fail(where, f"is the workspace currency itself ({currency}); leave it out")
        elif isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate < RATE_LIMIT:
            check.fail(where, f"must be a number above 0 (what 1 {code} is worth in {currency}), got {rate!r}")
        else:
            out[code] = Decimal(str(rate))
    return out


def _duplicate_check(check: Checker, raw: dict) -> bool:
    ws = raw.get("workspace")
    value = ws.get("duplicate_check", True) if isinstance(ws, dict) else True
    if not isinstance(value, bool):
        check.fail("workspace.duplicate_check", "must be true or false")
    return value is not False


def _workspace(check: Checker, raw: dict) -> tuple[str, str, str, tuple[str, ...]]:
    """[workspace]: language, timezone, currency and admins."""
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
    return language, timezone, currency, tuple(admins)


def _channels(check: Checker, raw: dict) -> dict[str, str]:
    channels = check.table(raw, "channels")
    for key, value in channels.items():
        if not isinstance(value, str) or not value:
            check.fail(f"channels.{key}", 'must be a channel name such as "#deal-alerts" or an id')
    return dict(channels)


def _stages(check: Checker, raw: dict) -> tuple[Stage, ...]:
    raw_stages = raw.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        check.fail("stages", "at least one [[stages]] table is required")
    stages: list[Stage] = []
    for i, item in enumerate(raw_stages):
        stages.append(_stage(check, item, f"stages[{i}]", stages))
    return tuple(stages)


def _stage(check: Checker, item, where: str, earlier: list[Stage]) -> Stage:
    if not isinstance(item, dict):
        check.fail(where, "must be a table")
    key = check.string(item, f"{where}.key")
    if not key.replace("_", "").isalnum() or key != key.lower() or key in ("won", "lost"):
        check.fail(f"{where}.key", f"must be lower-case letters, digits or _ and not won/lost, got {key!r}")
    if key in (s.key for s in earlier):
        check.fail(f"{where}.key", f"duplicate stage key {key!r}")
    names = check.names(item, f"{where}.name")
    probability = item.get("probability")
    if not isinstance(probability, int | float) or isinstance(probability, bool) or not 0 <= probability <= 1:
        check.fail(f"{where}.probability", f"must be a number from 0 to 1, got {probability!r}")
    stall_days = item.get("stall_days")
    if not isinstance(stall_days, int) or isinstance(stall_days, bool) or stall_days < 1:
        check.fail(f"{where}.stall_days", f"must be a whole number of days >= 1, got {stall_days!r}")
    owner_role = check.choice(item, f"{where}.owner_role", ROLES)
    consulted = check.roles(item, f"{where}.consulted")
    informed = check.roles(item, f"{where}.informed")
    steps = parse_steps(check, item, f"{where}.actions")
    forecast = check.choice(item, f"{where}.forecast", FORECAST_CATEGORIES) if "forecast" in item else None
    return Stage(key, names, float(probability), stall_days, owner_role, consulted, informed, steps, forecast)


def _digest(check: Checker, raw: dict, stage_keys: list[str]) -> DigestSettings:
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
    default_commit = "negotiation" if "negotiation" in stage_keys else stage_keys[max(0, len(stage_keys) - 2)]
    return DigestSettings(
        daily_time=check.clock_time(d, "digest.daily_time", DigestSettings.daily_time),
        weekly_day=check.choice(d, "digest.weekly_day", WEEKDAYS, default=DigestSettings.weekly_day),
        brief_time=check.clock_time(d, "digest.brief_time", DigestSettings.brief_time),
        working_days=tuple(days),
        skip_non_working_days=skip,
        deliver=tuple(deliver),
        managers=tuple(managers),
        top=check.number(d, "digest.top", DigestSettings.top, low=1, high=20),
        month_target=float(check.number(targets, "digest.targets.month", 0, whole=False)),
        quarter_target=float(check.number(targets, "digest.targets.quarter", 0, whole=False)),
        commit_from=check.choice(d, "digest.commit_from", tuple(stage_keys), default=default_commit),
    )


def _alerts(check: Checker, raw: dict) -> AlertSettings:
    a = check.table(raw, "alerts")
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
        channel_min_amount=float(check.number(a, "alerts.channel_min_amount", default.channel_min_amount, whole=False)),
        channel_grades=tuple(grades),
        escalate_after_days=check.number(a, "alerts.escalate_after_days", default.escalate_after_days, low=1),
        quiet_start=clock_time("quiet_start", default.quiet_start),
        quiet_end=clock_time("quiet_end", default.quiet_end),
        working_days=tuple(days),
        bundle_time=clock_time("bundle_time", default.bundle_time),
        snooze_days=tuple(snooze),
    )


def _team(check: Checker, raw: dict) -> tuple[TeamSeed, ...]:
    items = raw.get("team", [])
    if not isinstance(items, list):
        check.fail("team", "must be a list of [[team]] tables")
    seeds = []
    for i, item in enumerate(items):
        where = f"team[{i}]"
        if not isinstance(item, dict):
            check.fail(where, 'must be a table { user = "U012ABCDEF", role = "ae" }')
        user = check.user_id(item, f"{where}.user")
        if user in (s.user for s in seeds):
            check.fail(f"{where}.user", f"{user} is listed twice")
        capacity = item.get("capacity")
        if capacity is not None:
            capacity = check.number(item, f"{where}.capacity", None, low=0, high=10000)
        seeds.append(
            TeamSeed(
                user=user,
                role=check.choice(item, f"{where}.role", ROLES),
                manager=check.user_id(item, f"{where}.manager", required=False),
                regions=check.texts(item, f"{where}.regions"),
                industries=check.texts(item, f"{where}.industries"),
                capacity=capacity,
            )
        )
    return tuple(seeds)


def _people_in_team(check: Checker, team: tuple[TeamSeed, ...], assignment: AssignmentSettings) -> None:
    """Everyone config.toml hands deals or the pool to, or makes someone's manager, is in [[team]]."""
    members = {seed.user for seed in team}

    def missing(key: str, person: str, otherwise: str) -> None:
        if person not in members:
            check.note(key, f'{person} is not in [[team]]; fix the id, add a [[team]] entry with user = "{person}", or {otherwise}')

    for i, seed in enumerate(team):
        if seed.manager:
            missing(f"team[{i}].manager", seed.manager, "remove the manager")
    for i, rule in enumerate(assignment.rules):
        for person in rule.people:
            missing(f"assignment.rules[{i}].people", person, "take them out of the rule")
    if assignment.pool_manager:
        missing("assignment.pool_manager", assignment.pool_manager, "remove pool_manager (the admins are told instead)")


def _assignment(check: Checker, raw: dict) -> AssignmentSettings:
    a = check.table(raw, "assignment")
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
        people = item.get("people", [])
        if not isinstance(people, list) or not all(isinstance(p, str) and p[:1] in ("U", "W") for p in people):
            check.fail(f"{where}.people", 'must be a list of Slack user ids such as ["U012ABCDEF"]')
        role = check.choice(item, f"{where}.role", ROLES) if "role" in item else None
        strategy = check.choice(item, f"{where}.strategy", STRATEGIES)
        if strategy != "manual" and not people and role is None:
            check.fail(where, 'needs people = [...] or role = "..." to say who gets the deals')
        low = item.get("min_amount") and float(check.number(item, f"{where}.min_amount", None, whole=False))
        high = item.get("max_amount") and float(check.number(item, f"{where}.max_amount", None, whole=False))
        if low is not None and high is not None and low > high:
            check.fail(f"{where}.min_amount", f"must not be above max_amount ({high}), got {low}")
        rules.append(
            Rule(
                name=name,
                strategy=strategy,
                regions=check.texts(item, f"{where}.region"),
                industries=check.texts(item, f"{where}.industry"),
                sources=check.texts(item, f"{where}.source"),
                tags=check.texts(item, f"{where}.tag"),
                min_amount=low,
                max_amount=high,
                people=tuple(people),
                role=role,
            )
        )
    return AssignmentSettings(
        offer_hours=check.number(a, "assignment.offer_hours", 24, low=1, high=24 * 30),
        pool_return_days=check.number(a, "assignment.pool_return_days", 14, low=1, high=365),
        pool_manager=check.user_id(a, "assignment.pool_manager", required=False),
        default_strategy=check.choice(a, "assignment.default_strategy", STRATEGIES, default="round_robin"),
        rules=tuple(rules),
    )


def _qualification(check: Checker, raw: dict, stage_keys: list[str]) -> Qualification:
    q = check.table(raw, "qualification")
    criteria = _criteria(check, q)
    threshold = check.number(q, "qualification.threshold", 60, high=100)
    gate = check.choice(q, "qualification.gate_stage", tuple(stage_keys), default=stage_keys[min(2, len(stage_keys) - 1)])
    high_intent = check.number(q, "qualification.high_intent", 70, high=100)
    low_intent = check.number(q, "qualification.low_intent", 40, high=100)
    if low_intent > high_intent:
        check.fail("qualification.low_intent", f"must not be above high_intent ({high_intent}), got {low_intent}")
    high_value, medium_value, cadence = _grading(check, raw)
    rules = _tag_rules(check, raw, stage_keys)
    p = check.table(raw, "probability")
    return Qualification(
        criteria=criteria,
        threshold=threshold,
        gate_stage=gate,
        high_intent=high_intent,
        low_intent=low_intent,
        high_value=high_value,
        medium_value=medium_value,
        cadence_days=cadence,
        tag_rules=rules,
        min_closed=check.number(p, "probability.min_closed", 50, low=1),
        min_examples=check.number(p, "probability.min_examples", 5, low=1),
    )


def _criteria(check: Checker, q: dict) -> tuple[Criterion, ...]:
    """[[qualification.criteria]]: at least one, unique keys, weights adding up to 100."""
    criteria: list[Criterion] = []
    items = q.get("criteria")
    if not isinstance(items, list) or not items:
        check.fail("qualification.criteria", "at least one [[qualification.criteria]] table is required")
    for i, item in enumerate(items):
        criteria.append(_criterion(check, item, f"qualification.criteria[{i}]", criteria))
    total = sum(c.weight for c in criteria)
    if total != 100:
        check.fail("qualification.criteria", f"weights must add up to 100, they add up to {total}")
    return tuple(criteria)


def _criterion(check: Checker, item, where: str, earlier: list[Criterion]) -> Criterion:
    if not isinstance(item, dict):
        check.fail(where, "must be a table")
    key = check.string(item, f"{where}.key")
    if key in (c.key for c in earlier):
        check.fail(f"{where}.key", f"duplicate criterion key {key!r}")
    weight = check.number(item, f"{where}.weight", None, low=1, high=100)
    choices = []
    raw_choices = item.get("choices")
    if not isinstance(raw_choices, list) or len(raw_choices) < 2:
        check.fail(f"{where}.choices", "needs at least two { key, name = { zh, en }, points } choices")
    for j, choice in enumerate(raw_choices):
        cw = f"{where}.choices[{j}]"
        if not isinstance(choice, dict):
            check.fail(cw, "must be a table { key, name = { zh, en }, points }")
        points = check.number(choice, f"{cw}.points", None, low=0, high=1, whole=False)
        choices.append(Choice(check.string(choice, f"{cw}.key"), check.names(choice, f"{cw}.name"), float(points)))
    return Criterion(key, check.names(item, f"{where}.name"), weight, tuple(choices))


def _grading(check: Checker, raw: dict) -> tuple[float, float, dict[str, int]]:
    """[grading]: the high and medium deal values and the follow-up days per grade."""
    g = check.table(raw, "grading")
    high_value = check.number(g, "grading.high_value", 1_000_000, whole=False)
    medium_value = check.number(g, "grading.medium_value", 200_000, whole=False)
    if medium_value > high_value:
        check.fail("grading.medium_value", f"must not be above high_value ({high_value}), got {medium_value}")
    cadence = g.get("cadence_days", {"A": 1, "B": 7, "C": 30})
    if not isinstance(cadence, dict) or not set(GRADES) <= set(cadence):
        check.fail("grading.cadence_days", "must give days for each grade, e.g. { A = 1, B = 7, C = 30 }")
    for grade in GRADES:
        check.number(cadence, f"grading.cadence_days.{grade}", None, low=1)
    return float(high_value), float(medium_value), {k: int(cadence[k]) for k in GRADES}


def _tag_rules(check: Checker, raw: dict, stage_keys: list[str]) -> tuple[TagRule, ...]:
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
                min_score=item.get("min_score") and check.number(item, f"{where}.min_score", None, high=100),
                max_score=item.get("max_score") and check.number(item, f"{where}.max_score", None, high=100),
                grades=tuple(grades),
                min_stage=min_stage,
            )
        )
    return tuple(rules)


def _reasons(check: Checker, reasons: dict, kind: str) -> tuple[Reason, ...]:
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
