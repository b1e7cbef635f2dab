"""Reading due dates typed by users, in English or Chinese.

Common deadline phrases ("下周五", "end of quarter", "月底", "3天后", "Dec 31")
are handled by a small table of rules; anything else goes to dateparser,
restricted to the configured languages.  Weeks start on Monday.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta

import dateparser

__all__ = ["UnreadableDate", "DateReader", "REACH_YEARS", "HISTORY_START", "within_reach", "reach"]

REACH_YEARS = 10  # a date typed, picked or asked a report of is at most this far from today
HISTORY_START = date(1980, 1, 1)  # the earliest day an imported deal's history, and so a report, may name
_MAX_DISTANCE = timedelta(days=3653)  # ten years


def within_reach(day: date, today: date) -> bool:
    """Whether ``day`` is within ten years of ``today``, either way: the one bound on every date a
    person gives (typed, picked in a form) and on the months reports cover."""
    return abs(day - today) <= _MAX_DISTANCE


def reach(today: date) -> tuple[date, date]:
    """The first and last day :func:`within_reach` of ``today``."""
    return today - _MAX_DISTANCE, today + _MAX_DISTANCE


class UnreadableDate(ValueError):
    """The text could not be read as a date."""

    def __init__(self, text: str) -> None:
        super().__init__(f"cannot read a date from {text!r}")
        self.text = text


# --- calendar helpers -------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _upcoming(day: date, weekday: int) -> date:
    """The first ``weekday`` on or after ``day``."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _next_week(day: date, weekday: int) -> date:
    return _monday(day) + timedelta(days=7 + weekday)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _quarter_end(day: date, quarters_ahead: int) -> date:
    last_month = _add_months(day.replace(day=1), 3 * quarters_ahead)
    month = (last_month.month - 1) // 3 * 3 + 3
    return _month_end(last_month.year, month)


def _yearless(today: date, month: int, day: int) -> date:
    """The first ``month``/``day`` on or after ``today`` (Feb 29 may be years off)."""
    for year in range(today.year, today.year + 9):
        with suppress(ValueError):
            if (candidate := date(year, month, day)) >= today:
                return candidate
    raise ValueError(f"no such date: {month}/{day}")


# --- numbers and names ------------------------------------------------------

_ZH_DIGITS = {
    "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip


def _number(text: str) -> int:
    """Arabic digits, English words up to ten, or Chinese numerals up to 99."""
    if text.isdigit():
        return int(text)
    if text in _EN_NUMBERS:
        return _EN_NUMBERS[text]
    if text in _ZH_DIGITS:
        return _ZH_DIGITS[text]
    tens, sep, ones = text.partition("十")
    if sep and tens in ("", *_ZH_DIGITS) and ones in ("", *_ZH_DIGITS):
        return _ZH_DIGITS.get(tens, 1) * 10 + _ZH_DIGITS.get(ones, 0)
    raise ValueError(f"not a number: {text!r}")


_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1,
    "wednesday": 2, "wed": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3,
    "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
    "一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
    "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6,
}  # fmt: skip

_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}  # "Jan" -> 1


def _month_of(name: str) -> int:
    return _MONTHS[name[:3].title()]


# --- phrase rules -----------------------------------------------------------
# Patterns match the whole (normalized, lower-cased) text.  A handler gets the
# match and the user's local date and returns a date; it raises ValueError
# when the text has a known shape but names no real date ("2月30日").

_EN_WD = (
    r"(?P<wd>monday|mon|tuesday|tues|tue|wednesday|wed|thursday|thurs|thur|thu"
    r"|friday|fri|saturday|sat|sunday|sun)"
)
_ZH_WD = r"(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"
_ZH_WEEK = r"(?:周|星期|礼拜)"
_EN_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_COUNT_EN = r"(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten)"
_COUNT_ZH = r"(?P<n>\d+|[零一二两三四五六七八九十]+)"
_ZH_DAY = r"(?P<d>\d{1,2}|[一二三四五六七八九十]+)"
_ZH_MON = r"(?P<m>\d{1,2}|[一二三四五六七八九十]+)"


def _after(match: re.Match[str], today: date) -> date:
    n = _number(match["n"])
    unit = match["unit"]
    if unit.startswith("month") or unit == "月":
        return _add_months(today, n)
    if unit.startswith("week") or unit in ("周", "星期", "礼拜"):
        return today + timedelta(weeks=n)
    return today + timedelta(days=n)


def _this_week(today: date) -> date:
    """Friday of this week, or Sunday once the working week is over."""
    return _upcoming(today, 4 if today.weekday() <= 4 else 6)


def _next_month_end(today: date) -> date:
    following = _add_months(today.replace(day=1), 1)
    return _month_end(following.year, following.month)


def _month_start(today: date) -> date:
    return today if today.day == 1 else _add_months(today.replace(day=1), 1)


def _zh_date(match: re.Match[str], today: date) -> date:
    month, day = _number(match["m"]), _number(match["d"])
    return date(int(match["y"]), month, day) if match["y"] else _yearless(today, month, day)


def _numeric_date(match: re.Match[str], today: date) -> date:
    month, day = int(match["m"]), int(match["d"])
    if month > 12 >= day:  # "31/12" is day/month
        month, day = day, month
    return _yearless(today, month, day)


def _en_date(match: re.Match[str], today: date) -> date:
    return _yearless(today, _month_of(match["mon"]), int(match["d"]))


Handler = Callable[[re.Match[str], date], date]

_RULES: list[tuple[str, Handler]] = [
    # days
    (r"today|今天|今日", lambda m, d: d),
    (r"tomorrow|tmrw?|明天|明日", lambda m, d: d + timedelta(days=1)),
    (r"(?:the )?day after tomorrow|后天", lambda m, d: d + timedelta(days=2)),
    (r"大后天", lambda m, d: d + timedelta(days=3)),
    (rf"in {_COUNT_EN} (?P<unit>day|week|month)s?", _after),
    (rf"{_COUNT_ZH}个?(?P<unit>天|日|周|星期|礼拜|月)[以之]?后", _after),
    # weekdays
    (rf"next {_EN_WD}", lambda m, d: _next_week(d, _WEEKDAYS[m["wd"]])),
    (rf"下个?{_ZH_WD}", lambda m, d: _next_week(d, _WEEKDAYS[m["wd"]])),
    (rf"(?:this )?{_EN_WD}", lambda m, d: _upcoming(d, _WEEKDAYS[m["wd"]])),
    (rf"(?:本|这个?)?{_ZH_WD}", lambda m, d: _upcoming(d, _WEEKDAYS[m["wd"]])),
    # weeks
    (rf"next week|下个?{_ZH_WEEK}", lambda m, d: _next_week(d, 0)),
    (rf"this week|(?:本|这个?){_ZH_WEEK}", lambda m, d: _this_week(d)),
    (
        r"(?:this )?weekend|end of (?:the |this )?week|eow|(?:本|这个?)?(?:周末|星期末)",
        lambda m, d: _upcoming(d, 6),
    ),
    (r"next weekend|end of next week|下个?(?:周末|星期末)", lambda m, d: _next_week(d, 6)),
    # months
    (r"end of (?:the |this )?month|eom|(?:本|这个?)?月[底末]", lambda m, d: _month_end(d.year, d.month)),
    (r"end of (?:the )?next month|下个?月[底末]", lambda m, d: _next_month_end(d)),
    (
        r"(?:start|beginning) of (?:the )?next month|下个?月初",
        lambda m, d: _add_months(d.replace(day=1), 1),
    ),
    (r"(?:start|beginning) of (?:the )?month|月初", lambda m, d: _month_start(d)),
    # quarters and years
    (r"end of (?:the |this )?quarter|eoq|(?:本|这个?)?季度?[末底]", lambda m, d: _quarter_end(d, 0)),
    (r"end of (?:the )?next quarter|下个?季度?[末底]", lambda m, d: _quarter_end(d, 1)),
    (r"end of (?:the |this )?year|eoy|(?:今年|今)?年[底末]", lambda m, d: date(d.year, 12, 31)),
    (r"end of (?:the )?next year|(?:明年|明)年[底末]", lambda m, d: date(d.year + 1, 12, 31)),
    # month and day; without a year, the next such date, today included
    (rf"(?:(?P<y>\d{{4}})年)?{_ZH_MON}月{_ZH_DAY}[日号]?", _zh_date),
    (r"(?P<m>\d{1,2})[./](?P<d>\d{1,2})", _numeric_date),
    (rf"{_EN_MONTH},? (?P<d>\d{{1,2}}){_ORDINAL}", _en_date),
    (rf"(?:the )?(?P<d>\d{{1,2}}){_ORDINAL} (?:of )?{_EN_MONTH}", _en_date),
]

_COMPILED = [(re.compile(pattern), handler) for pattern, handler in _RULES]

# Leading words that only say "this is a deadline".
_FILLER = re.compile(r"^(?:due by|by|before|due)\s+")
# Bare numbers ("2", "2027") are not dates, whatever dateparser makes of them.
_BARE_NUMBER = re.compile(r"\d{1,4}")


class DateReader:
    """Reads dates relative to the user's current local time.

    Create one and reuse it; call :meth:`warm` at start-up so the first
    request does not pay for loading dateparser's language data.
    """

    def __init__(self, languages: tuple[str, ...] = ("en", "zh")) -> None:
        self.languages = tuple(languages)

    def warm(self) -> None:
        """Do one throwaway parse per language to load its data."""
        now = datetime(2000, 1, 1, tzinfo=UTC)
        for sample in ("31 Dec 2026", "2026年12月10日"):
            self._dateparser(sample, now)

    def read(self, text: str, *, now: datetime) -> date:
        """The date ``text`` means, as a calendar date in ``now``'s timezone.

        ``now`` must be timezone-aware, in the user's timezone.  Raises
        :class:`UnreadableDate` for empty, unreadable, or far-off (more than
        ten years away) input.
        """
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        today = now.date()
        phrase = _FILLER.sub("", " ".join(unicodedata.normalize("NFKC", text).lower().split()))
        if not phrase or _BARE_NUMBER.fullmatch(phrase):
            raise UnreadableDate(text)

        try:
            result = self._by_rules(phrase, today) or self._dateparser(phrase, now)
        except (ValueError, OverflowError):  # "2月30日", "in 99999999999 days"
            result = None
        if result is None or not within_reach(result, today):
            raise UnreadableDate(text)
        return result

    @staticmethod
    def _by_rules(phrase: str, today: date) -> date | None:
        for pattern, handler in _COMPILED:
            match = pattern.fullmatch(phrase)
            if match:
                return handler(match, today)
        return None

    def _dateparser(self, phrase: str, now: datetime) -> date | None:
        parsed = dateparser.parse(
            phrase,
            languages=list(self.languages),
            settings={
                "RELATIVE_BASE": now.replace(tzinfo=None),
                "PREFER_DATES_FROM": "future",
                "PREFER_DAY_OF_MONTH": "first",
            },
        )
        if parsed is None:
            return None
        if parsed.tzinfo is not None:  # the text named its own timezone
            parsed = parsed.astimezone(now.tzinfo)
        return parsed.date()
