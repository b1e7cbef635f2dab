"""Every sentence oppbot says, in Chinese and English. ``t(lang, key, **params)``.

The texts themselves are the tables of bot.core.messages; this module picks the language and fills
in the parameters, and the glossary's terms (``{g_win_probability}``, bot.core.glossary). Parameters that carry user text are escaped for mrkdwn by the caller
(bot.blocks.kit.esc)."""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.glossary import PARAMS
from bot.core.messages import MESSAGES


def t(lang: str, key: str, **params) -> str:
    if not params:
        return _fixed(lang, key)
    text, terms = _template(lang, key)
    return _finish(lang, text.format_map({**terms, **params} if terms else params))


@functools.lru_cache(maxsize=4096)
def _template(lang: str, key: str) -> tuple[str, dict[str, str]]:
    """The message in ``lang`` and the glossary's terms it names (none: it is filled from its
    parameters alone). The tables are constants: kept for as long as the process."""
    zh, en = MESSAGES[key]
    text = zh if lang == "zh" else en
    terms = PARAMS["zh" if lang == "zh" else "en"]
    return text, {name: term for name, term in terms.items() if "{" + name in text}


@functools.lru_cache(maxsize=4096)
def _fixed(lang: str, key: str) -> str:
    """A message without parameters, filled once (it can only ever read the same)."""
    text, terms = _template(lang, key)
    return _finish(lang, text.format_map(terms))


def _finish(lang: str, text: str) -> str:
    if lang == "zh":
        return _MENTION.sub(lambda m: MENTION_BY_CJK.sub(" ", m.group()), text) if "<@" in text else text
    return ONE_DAYS.sub(r"\1 day", text) if "1 days" in text else text  # "every 1 days" -> "every 1 day"


ONE_DAYS = re.compile(r"(?<![\d.])(1) days\b")
_MENTION = re.compile(r"[\u4e00-\u9fff]?<@[^>]+>[\u4e00-\u9fff]?")
# a mention set off from Chinese text by a space each side, as Chinese typesetting sets off Latin
# words: "由 @alice 负责", not "由@alice负责"
MENTION_BY_CJK = re.compile(r"(?<=[\u4e00-\u9fff])(?=<@)|(?<=>)(?=[\u4e00-\u9fff])")


def field_label(lang: str, name: str) -> str:
    key = f"field_{name}"
    return t(lang, key) if key in MESSAGES else name


BEIJING = timedelta(hours=8)


def zone_name(lang: str, timezone: str, now: datetime) -> str:
    """A time zone as its reader knows it: 北京时间 (or UTC−5, UTC+5:30) for a Chinese reader, the
    zone's name (Asia/Shanghai) for an English one."""
    if lang != "zh":
        return timezone
    offset = now.astimezone(ZoneInfo(timezone)).utcoffset() or timedelta(0)
    if offset == BEIJING:
        return "北京时间"
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("+" if minutes >= 0 else "−"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")
