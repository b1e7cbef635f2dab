"""Block Kit for a deal's thread and room: the note a deal's thread gets when the deal changes
(stage, won or lost, owner), and the answers to `/opp room`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.kit import Reply, context, section, stage_name
from bot.core.config import Config
from bot.core.i18n import t


@dataclass(frozen=True)
class Change:
    """One change of a deal its threads are told about: ``kind`` stage, won, lost, reopened or owner."""

    kind: str
    who: str  # the Slack id of who made it
    old: str | None = None
    new: str | None = None


def change_line(number: int, change: Change, config: Config, lang: str) -> str:
    if change.kind == "stage":
        old, new = (stage_name(config, s or "", lang) for s in (change.old, change.new))
        return t(lang, "thread_stage", who=change.who, number=number, old=old, new=new)
    if change.kind == "owner":  # from the pool, or from nobody: no one to name as before
        return t(lang, "thread_owner" if change.old else "thread_owner_new", number=number, old=change.old, new=change.new)
    return t(lang, f"thread_{change.kind}", who=change.who, number=number)


def thread_note(number: int, changes: list[Change], config: Config, lang: str, *, closing: bool = False) -> Reply:
    """What the deal's thread is told: one line a change, and that its room is about to be archived."""
    text = "\n".join(change_line(number, c, config, lang) for c in changes)
    blocks = [section(text)]
    if closing:
        blocks.append(context(t(lang, "thread_room_closing")))
    return Reply(text, blocks)
