"""The [rooms] table of config.toml: deal rooms (`/opp room 42`, a Slack channel made for one deal).
``archive_on_close``: a room is archived when its deal is won or lost; ``big_deal``: the amount from
which a deal's moves are told in the team's deals channel, in its thread there."""

from __future__ import annotations

from bot.core.config_checks import Checker
from bot.core.config_model import RoomSettings


def parse_rooms(check: Checker, raw: dict) -> RoomSettings:
    r = check.table(raw, "rooms")
    archive = r.get("archive_on_close", RoomSettings.archive_on_close)
    if not isinstance(archive, bool):
        check.fail("rooms.archive_on_close", f"must be true or false, got {archive!r}")
    big = float(check.number(r, "rooms.big_deal", RoomSettings.big_deal, whole=False))
    return RoomSettings(archive_on_close=archive, big_deal=big)
