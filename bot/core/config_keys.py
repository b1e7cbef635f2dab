"""The keys config.toml may have, table by table, and the check that every key written is one of
them: a misspelt key would otherwise be ignored silently and its default used instead.

``KNOWN`` mirrors the file's shape: a dict is a table (its keys, each with the shape of its value,
None for a plain value), a one-item list is an array of tables of that shape. ``check_keys`` walks
a parsed file along it and notes every unknown key on the Checker, with the nearest known key.
"""

from __future__ import annotations

from bot.core.config_checks import Checker
from bot.core.config_model import GRADES, LANGUAGES


def _plain(*keys: str) -> dict[str, None]:
    return dict.fromkeys(keys)


NAMES = _plain(*LANGUAGES)

KNOWN: dict = {
    "workspace": _plain("language", "timezone", "currency", "admins", "duplicate_check"),
    "currencies": _plain("rates"),
    "channels": _plain("assignments", "alerts", "digest", "delivery", "meeting", "deals"),
    "stages": [
        {
            **_plain("key", "probability", "stall_days", "owner_role", "consulted", "informed", "forecast"),
            "name": NAMES,
            "actions": [{"key": None, "name": NAMES}],
        }
    ],
    "reasons": {kind: [{"key": None, "name": NAMES}] for kind in ("won", "lost")},
    "qualification": {
        **_plain("threshold", "gate_stage", "high_intent", "low_intent"),
        "criteria": [{"key": None, "name": NAMES, "weight": None, "choices": [{"key": None, "name": NAMES, "points": None}]}],
    },
    "grading": {**_plain("high_value", "medium_value"), "cadence_days": _plain(*GRADES)},
    "tag_rules": [_plain("tag", "min_score", "max_score", "grades", "min_stage")],
    "probability": _plain("min_closed", "min_examples"),
    "digest": {
        **_plain("daily_time", "brief_time", "weekly_day", "working_days", "skip_non_working_days", "deliver", "managers", "top", "commit_from"),
        "targets": _plain("month", "quarter"),
    },
    "alerts": _plain("channel_min_amount", "channel_grades", "escalate_after_days", "quiet_start", "quiet_end", "working_days", "bundle_time", "snooze_days"),
    "risks": _plain("silent_days"),
    "pool": {**_plain("exempt_from_stage", "warn_days", "daily_claims", "reclaim_after_days"), "return_days": _plain(*GRADES)},
    "team": [_plain("user", "role", "manager", "regions", "industries", "capacity")],
    "handover": {"stall_days": None, "checklist": [{"key": None, "name": NAMES}]},
    "payments": _plain("tell_roles"),
    "review": _plain("remind_days"),
    "followon": _plain("revisit_days"),
    "assignment": {
        **_plain("offer_hours", "pool_return_days", "pool_manager", "default_strategy"),
        "rules": [_plain("name", "strategy", "region", "industry", "source", "tag", "min_amount", "max_amount", "people", "role")],
    },
    "meeting": _plain("weekday", "time", "big_deal"),
    "rooms": _plain("archive_on_close", "big_deal"),
    "unfurls": _plain("amounts_in_shared_channels"),
}


def check_keys(check: Checker, raw: dict, shape: dict = KNOWN, where: str = "") -> None:
    """Note every key of ``raw`` (and of the tables inside it) that ``shape`` does not know.
    A value of the wrong type is left for the value checks to name."""
    check.keys(raw, where, shape)
    for key, inner in shape.items():
        value = raw.get(key)
        path = f"{where}.{key}" if where else key
        if isinstance(inner, dict) and isinstance(value, dict):
            check_keys(check, value, inner, path)
        elif isinstance(inner, list) and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    check_keys(check, item, inner[0], f"{path}[{i}]")
