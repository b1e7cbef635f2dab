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


@dataclass(frozen=True)
class Stage:
    key: str
    names: dict[str, str]
    probability: float
    stall_days: int
    owner_role: str

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]


@dataclass(frozen=True)
class Reason:
    key: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]


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
    channels: dict[str, str] = field(default_factory=dict)

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
                if lowered.startswith(label.lower()):
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
            config_path=env.get("OPPBOT_CONFIG", "config.toml"),
        )


def load_config(path: str | os.PathLike) -> Config:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (set OPPBOT_CONFIG or copy config.toml here)") from None
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
        check.fail("workspace.admins", "must be a list of Slack user ids such as [\"U012ABCDEF\"]")

    channels = check.table(raw, "channels")
    for key, value in channels.items():
        if not isinstance(value, str) or not value:
            check.fail(f"channels.{key}", "must be a channel name such as \"#deal-alerts\" or an id")

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
        stages.append(Stage(key, names, float(probability), stall_days, owner_role))

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
        channels=dict(channels),
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
