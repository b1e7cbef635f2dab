"""The [rooms] table of config.toml: deal rooms (`/opp room 42`, a Slack channel made for one deal).
``archive_on_close``: a room is archived when its deal is won or lost."""

from __future__ import annotations

from bot.core.config_checks import Checker
from bot.core.config_model import RoomSettings


def parse_rooms(check: Checker, raw: dict) -> RoomSettings:
    r = check.table(raw, "rooms")
    archive = r.get("archive_on_close", RoomSettings.archive_on_close)
    if not isinstance(archive, bool):
        check.fail("rooms.archive_on_close", f"must be true or false, got {archive!r}")
    return RoomSettings(archive_on_close=archive)
