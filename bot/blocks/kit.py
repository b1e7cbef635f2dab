"""The small kit every Block Kit payload is built with: escaping and clipping user text, the
section / context / button / option elements, dates, stages and money as people read them, and
``Page``, which keeps a message within Slack's limits. No other module writes these by hand."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.core.config import Config
from bot.core.i18n import t
from bot.core.money import format_amount

SECTION_LIMIT = 3000  # characters of a section's text
FIELD_LIMIT = 2000  # characters of one of a section's fields
TEXT_LIMIT = 3000  # a message's fallback text, as we send it
PLAIN_LIMIT = 75  # an option's or a button's label
MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100
WEEKDAYS = {"zh": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def esc(text: str | None) -> str:
    """Escape user text for mrkdwn so it can never mention, link or ping anyone."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def risk_name(kind: str, lang: str) -> str:
    """A risk flag's name (客户沉默, Champion left ...), never its key."""
    return t(lang, "risk_" + kind.replace("-", "_"))


def risks_text(risks: tuple[tuple[str, str | None], ...], lang: str, note_limit: int = 300) -> str:
    """Open flags as one line: "客户沉默; 竞争对手介入 — 对方报价更低"."""
    return "; ".join(risk_name(kind, lang) + (f" — {esc(clip(note, note_limit))}" if note else "") for kind, note in risks)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Reply:
    """A message: fallback text plus blocks."""

    text: str
    blocks: list[dict]

    def payload(self) -> dict:
        return {"text": self.text, "blocks": self.blocks}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def plain(text: str, limit: int | None = None) -> dict:
    return {"type": "plain_text", "text": clip(text, limit) if limit else text, "emoji": True}


def section(text: str, accessory: dict | None = None) -> dict:
    block = {"type": "section", "text": mrkdwn(clip(text, SECTION_LIMIT))}
    if accessory:
        block["accessory"] = accessory
    return block


def context(text: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(clip(text, SECTION_LIMIT))]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    element = {"type": "button", "text": plain(text, PLAIN_LIMIT), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def option(text: str, value: str) -> dict:
    return {"text": plain(text, PLAIN_LIMIT), "value": value}


TICK_BUTTONS = 20  # a checklist's buttons in one actions block (Slack allows 25 elements)


def checklist(items: list[tuple[str, bool, str | None]]) -> str:
    """A checklist, one line per step (name, done, note): "✅ Solution demo — note" or "⬜ Proposal sent"."""
    return "\n".join(("✅ " if done else "⬜ ") + esc(name) + (f" — {note}" if note else "") for name, done, note in items)


def tick_buttons(prefix: str, steps: list[tuple[str, str]], lang: str) -> list[dict]:
    """A "✓ <name>" button per step (name, value) not yet ticked, numbered after ``prefix`` (an
    action_id is unique within its block), at most ``TICK_BUTTONS`` of them."""
    return [button(t(lang, "btn_tick", step=name), f"{prefix}{i}", value) for i, (name, value) in enumerate(steps[:TICK_BUTTONS])]


def message(text: str) -> Reply:
    """A one-paragraph reply (confirmations, errors); ``text`` is already mrkdwn-safe."""
    return Reply(clip(text, TEXT_LIMIT), [section(text)])


def warning(text: str) -> Reply:
    """A message that says something went wrong or was refused."""
    return message("⚠️ " + text)


@functools.lru_cache(maxsize=2048)
def fmt_date(value: date | None, lang: str) -> str:
    """A day as people read it: "2026-11-30 (周一)", "Mon 2026-11-30" (kept for the days shown lately)."""
    if value is None:
        return t(lang, "none")
    day = WEEKDAYS[lang][value.weekday()]
    return f"{value.isoformat()} (周{day})" if lang == "zh" else f"{day} {value.isoformat()}"


def fmt_day(day: date | None) -> str:
    return day.isoformat() if day else "—"


def fmt_money(amount: Decimal | float | int | None, currency: str, lang: str) -> str:
    """An amount as people read it (``¥50万``, ``$20,000``); none given: the word for none."""
    if amount is None:
        return t(lang, "none")
    return format_amount(Decimal(amount), currency, lang)


def stage_name(config: Config, key: str, lang: str) -> str:
    try:
        return config.stage(key).name(lang)
    except KeyError:
        return key


def step_name(steps, key: str, lang: str) -> str:
    """A checklist step's name (a handover step, a stage's key action) by its key; the key itself
    for one the config no longer has."""
    return next((step.name(lang) for step in steps if step.key == key), key)


class Page:
    """Blocks being built, kept within Slack's limits."""

    def __init__(self, lang: str, limit: int = MESSAGE_BLOCKS):
        self.lang = lang
        self.limit = limit
        self.blocks: list[dict] = []

    def header(self, text: str) -> None:
        self.blocks.append({"type": "header", "text": plain(text, 150)})

    def section(self, text: str, accessory: dict | None = None) -> None:
        """``text`` as one section, or several if it is longer than a section may be (split at lines)."""
        for i, part in enumerate(split_lines(text)):
            self.blocks.append(section(part, accessory if i == 0 else None))

    def context(self, text: str) -> None:
        self.blocks.append(context(text))

    def divider(self) -> None:
        self.blocks.append({"type": "divider"})

    def actions(self, elements: list[dict], block_id: str | None = None) -> None:
        block = {"type": "actions", "elements": elements[:25]}
        if block_id:
            block["block_id"] = block_id
        self.blocks.append(block)

    def done(self, tail: list[dict] | None = None) -> list[dict]:
        """The blocks, with ``tail`` (e.g. buttons) kept at the end; cut with a note if too many."""
        tail = tail or []
        room = self.limit - len(tail)
        blocks = self.blocks
        if len(blocks) > room:
            blocks = blocks[: room - 1] + [context(t(self.lang, "dg_truncated"))]
        return blocks + tail


def split_lines(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut between lines."""
    chunks, chunk = [], ""
    for line in text.split("\n"):
        line = clip(line, limit)
        if chunk and len(chunk) + 1 + len(line) > limit:
            chunks.append(chunk)
            chunk = line
        else:
            chunk = f"{chunk}\n{line}" if chunk else line
    chunks.append(chunk or " ")
    return chunks
