"""Risks and reminders in Slack: `/opp risk 42 competitor they quoted 20% lower`, `/opp risk 42
clear competitor`, the card's Flag-risk menu, and `/opp remind 42 明天上午10点 call the CFO` (also
`tomorrow 10am`, `in 2 hours`, `3小时后`; read in the person's own timezone)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from bot.blocks.alerts import when_text
from bot.blocks.kit import Reply, clip, esc, message
from bot.core.dates import UnreadableDate
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.deals import risks
from bot.deals.risks import CLEAR_WORDS, NOTE_LIMIT, REMINDER_LIMIT, RISK_KINDS, RISK_OF
from bot.team.members import local_now
from handlers.args import QUOTE_LIMIT, Request, parse_number

DEFAULT_HOUR = 9  # a reminder given a day but no time goes off at 09:00


def cmd_risk(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "risk")
    word, _, note = text.partition(" ")
    clearing = word.lower() in CLEAR_WORDS
    if clearing:
        word, _, note = note.strip().partition(" ")
    kind = RISK_OF.get(word.lower())
    if kind is None:
        raise BadInput("need_risk", kinds=_kinds(req.lang))
    note = note.strip() or None
    if note and len(note) > NOTE_LIMIT:
        raise BadInput("too_long", name="reason", length=len(note), limit=NOTE_LIMIT)
    return flag_risk(req, number, kind, note=note, clearing=clearing)


def flag_risk(req: Request, number: int, kind: str, *, note: str | None, clearing: bool) -> Reply:
    """Raise (or clear) a flag and say so."""
    if kind not in RISK_KINDS:
        raise BadInput("need_risk", kinds=_kinds(req.lang))
    with req.rt.transaction() as session:
        risks.flag(session, actor=req.actor, number=number, kind=kind, note=note, clearing=clearing, config=req.rt.config, now=req.rt.clock.now())
    label = t(req.lang, "risk_" + kind.replace("-", "_")) + (f" — {esc(clip(note, 200))}" if note and not clearing else "")
    return message(t(req.lang, "risk_cleared" if clearing else "risk_raised", number=number, risk=label))


def _kinds(lang: str) -> str:
    return ", ".join(f"`{k}` {t(lang, 'risk_' + k.replace('-', '_'))}" for k in RISK_KINDS)


def cmd_remind(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "remind")
    words = text.split()
    if len(words) < 2:
        raise BadInput("need_reminder")
    now = local_now(req.rt.clock, req.actor)
    due = None
    for size in range(min(4, len(words) - 1), 0, -1):  # the longest leading words that read as a time
        try:
            due = read_when(req, " ".join(words[:size]), now)
            words = words[size:]
            break
        except UnreadableDate:
            continue
    if due is None:
        raise BadInput("unreadable_when", value=clip(words[0], QUOTE_LIMIT))
    if due <= now:
        raise BadInput("reminder_past", value=clip(text, QUOTE_LIMIT))
    body = " ".join(words)
    if len(body) > REMINDER_LIMIT:
        raise BadInput("too_long", name="text", length=len(body), limit=REMINDER_LIMIT)
    with req.rt.transaction() as session:
        risks.remind(session, actor=req.actor, number=number, due=due, text=body, now=req.rt.clock.now())
    return message(t(req.lang, "reminder_set", when=when_text(due, req.lang), text=esc(body)))


# --- reading a time ---------------------------------------------------------------------------

_ZH_NUM = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ZH_TIME = re.compile(
    r"^(?P<day>.*?)(?P<part>凌晨|早上|上午|中午|下午|傍晚|晚上)?(?P<h>\d{1,2}|[零一二两三四五六七八九十]{1,3})(?:[点时:：])(?P<m>\d{1,2}|半|一刻)?分?$"
)
_EN_TIME = re.compile(r"^(?P<day>.*?)\s*(?:at\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>am|pm)?$")
_IN = re.compile(r"^(?:in\s+(?P<n>\d{1,3})\s*(?P<unit>minutes?|mins?|hours?|hrs?|h|m)|(?P<zn>\d{1,3})\s*(?P<zunit>分钟|小时|个小时)后)$")


def _zh_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text.startswith("十"):
        return 10 + _ZH_NUM.get(text[1:], 0) if len(text) > 1 else 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _ZH_NUM[tens] * 10 + (_ZH_NUM[ones] if ones else 0)
    return _ZH_NUM[text]


def read_when(req: Request, text: str, now: datetime) -> datetime:
    """A time to come, read in ``now``'s timezone (the user's): `明天上午10点`, `周五 15:00`,
    `tomorrow 10am`, `in 2 hours`, `3小时后`, or a day alone (09:00). UnreadableDate otherwise."""
    phrase = " ".join(text.strip().lower().split())
    match = _IN.match(phrase)
    if match:
        n = int(match.group("n") or match.group("zn"))
        unit = match.group("unit") or match.group("zunit")
        return now + (timedelta(minutes=n) if unit.startswith(("m", "分")) else timedelta(hours=n))
    hour = minute = None
    day_text = phrase
    match = _ZH_TIME.match(phrase.replace(" ", ""))
    if match and not phrase.isdigit():
        hour, minute_text = _zh_number(match.group("h")), match.group("m")
        minute = 30 if minute_text == "半" else 15 if minute_text == "一刻" else int(minute_text or 0)
        if match.group("part") in ("下午", "傍晚", "晚上") and hour < 12:
            hour += 12
        day_text = match.group("day")
    else:
        match = _EN_TIME.match(phrase)
        if match and (match.group("ampm") or match.group("m")):
            hour, minute = int(match.group("h")), int(match.group("m") or 0)
            if match.group("ampm") == "pm" and hour < 12:
                hour += 12
            elif match.group("ampm") == "am" and hour == 12:
                hour = 0
            day_text = match.group("day").strip()
    if hour is not None and not (0 <= hour < 24 and 0 <= minute < 60):
        raise UnreadableDate(text)
    if day_text.strip() in ("", "today", "今天"):
        day = now.date()
        if hour is None:
            raise UnreadableDate(text)
        if time(hour, minute) <= now.time().replace(tzinfo=None):  # "3pm" said at 4pm: tomorrow
            day += timedelta(days=1)
    else:
        day = req.rt.dates.read(day_text, now=now)
    if hour is None:
        hour, minute = DEFAULT_HOUR, 0
    return datetime.combine(day, time(hour, minute), tzinfo=now.tzinfo)


SUBCOMMANDS = {"risk": cmd_risk, "remind": cmd_remind}
