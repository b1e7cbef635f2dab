"""Every sentence oppbot says, in Chinese and English. ``t(lang, key, **params)``.

The texts themselves are the tables of bot.core.messages; this module picks the language and fills
in the parameters. Parameters that carry user text are escaped for mrkdwn by the caller
(bot.blocks.kit.esc)."""

from __future__ import annotations

import re

from bot.core.messages import MESSAGES


def t(lang: str, key: str, **params) -> str:
    zh, en = MESSAGES[key]
    if lang == "zh":
        return zh.format(**params)
    text = en.format(**params)
    return ONE_DAYS.sub(r"\1 day", text) if "1 days" in text else text  # "every 1 days" -> "every 1 day"


ONE_DAYS = re.compile(r"(?<![\d.])(1) days\b")


def field_label(lang: str, name: str) -> str:
    key = f"field_{name}"
    return t(lang, key) if key in MESSAGES else name
