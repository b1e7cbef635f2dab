"""Checking config.toml's values one by one: ``Checker`` reads a string, a choice, a number, a
list of roles, a Slack user id or a local time out of a table, and checks a table's keys against the
known ones. Faults that leave the rest readable (an unknown key, a person not in the team) are
noted and reading goes on; a value that cannot be read stops it. Either way the ConfigError names
every fault found, one line each: the file, the key and what is wrong.
"""

from __future__ import annotations

from difflib import get_close_matches

from bot.core.config_model import LANGUAGES, ROLES


class ConfigError(Exception):
    """Raised with human-readable lines, one per fault: file: key: what is wrong."""


class Checker:
    """Reads typed values out of one file's tables, collecting its faults; ``fail`` stops at once
    (with the faults noted so far), ``note`` goes on, ``done`` stops if anything was noted."""

    def __init__(self, path: str):
        self.path = path
        self.faults: list[str] = []

    def note(self, key: str, problem: str) -> None:
        self.faults.append(f"{self.path}: {key}: {problem}")

    def fail(self, key: str, problem: str):
        self.note(key, problem)
        raise ConfigError("\n".join(self.faults))

    def done(self) -> None:
        if self.faults:
            raise ConfigError("\n".join(self.faults))

    def keys(self, raw: dict, where: str, known) -> None:
        """Note each key of the table ``raw`` (at ``where``; "" for the top) that is not ``known``,
        with the nearest known key (ignoring case), or else all of them."""
        by_lower = {name.lower(): name for name in known}
        for key in raw:
            if key in known:
                continue
            nearest = [by_lower[name] for name in get_close_matches(key.lower(), list(by_lower), n=1)]
            hint = f"; did you mean `{nearest[0]}`?" if nearest else f" (known: {', '.join(sorted(known))})"
            self.note(f"{where}.{key}" if where else key, f"unknown key{hint}")

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

    def clock_time(self, raw: dict, key: str, default: str) -> str:
        value = self.string(raw, key, default)
        hour, sep, minute = value.partition(":")
        if not (sep and hour.isdigit() and minute.isdigit() and len(minute) == 2 and 0 <= int(hour) < 24 and 0 <= int(minute) < 60):
            self.fail(key, f'must be a local time such as "09:00", got {value!r}')
        return f"{int(hour):02d}:{minute}"

    def roles(self, raw: dict, key: str) -> tuple[str, ...]:
        value = raw.get(key.rsplit(".", 1)[-1], [])
        if not isinstance(value, list) or not all(v in ROLES for v in value):
            self.fail(key, f"must be a list of roles from {', '.join(ROLES)}, got {value!r}")
        return tuple(value)

    def texts(self, raw: dict, key: str) -> tuple[str, ...]:
        value = raw.get(key.rsplit(".", 1)[-1], [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(key, f'must be a list of names such as ["华东"], got {value!r}')
        return tuple(value)

    def user_id(self, raw: dict, key: str, required: bool = True) -> str | None:
        value = raw.get(key.rsplit(".", 1)[-1])
        if value is None and not required:
            return None
        if not (isinstance(value, str) and value[:1] in ("U", "W") and value[1:].isalnum()):
            self.fail(key, f'must be a Slack user id such as "U012ABCDEF", got {value!r}')
        return value

    def number(self, raw: dict, key: str, default, *, low: float = 0, high: float | None = None, whole: bool = True):
        value = raw.get(key.rsplit(".", 1)[-1], default)
        kinds = int if whole else int | float
        if not isinstance(value, kinds) or isinstance(value, bool) or value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f">= {low}"
            self.fail(key, f"must be a {'whole ' if whole else ''}number {span}, got {value!r}")
        return value
