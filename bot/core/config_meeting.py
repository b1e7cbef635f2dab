"""The [meeting] table of config.toml: when the weekly review meeting's agenda (商机评审会) is
posted (a weekday and a local time; an empty weekday turns the schedule off) and from what amount,
in the workspace currency, a deal is big enough to be on it."""

from __future__ import annotations

from bot.core.config_checks import Checker
from bot.core.config_model import WEEKDAYS, MeetingSettings


def parse_meeting(check: Checker, raw: dict) -> MeetingSettings:
    m = check.table(raw, "meeting")
    weekday = m.get("weekday", MeetingSettings.weekday)
    if weekday != "" and weekday not in WEEKDAYS:
        check.fail("meeting.weekday", f'must be one of {", ".join(WEEKDAYS)}, or "" for no weekly agenda, got {weekday!r}')
    return MeetingSettings(
        weekday=weekday,
        time=check.clock_time(m, "meeting.time", MeetingSettings.time),
        big_deal=float(check.number(m, "meeting.big_deal", MeetingSettings.big_deal, whole=False)),
    )
