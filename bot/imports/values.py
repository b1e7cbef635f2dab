"""Reading one cell of an imported file: dates and times as other systems write them, amounts
(0 included: a lost deal's amount often is), probabilities, yes/no.

Dates: ISO (``2017-03-01``, ``2017-03-01T09:30:00+08:00``), ``2017/3/1``, ``2017.3.1``,
``2017年3月1日``, and ``03/01/2017``, whose order (day first or month first) is decided once for the
whole file: by a day above 12 in the file (``13/01/2017``), or by ``--date-format``; a file where
every such date could be read both ways is refused with the rows, and so is one that has both
``13/01/2017`` and ``01/13/2017``. A time without an offset is on the team's clock; a date alone
is the start of that day there."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from bot.core.dates import HISTORY_START as EARLIEST
from bot.core.money import UnreadableAmount, parse_amount

YEAR_FIRST = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
SLASHED = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
CLOCK = re.compile(r"[ T,]*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(am|pm|AM|PM|上午|下午)?\s*(Z|[+-]\d{2}:?\d{2})?")
ORDERS = {"dmy": "day first (31/12/2017)", "mdy": "month first (12/31/2017)"}
ZERO = re.compile(r"[^\d]*0+(?:\.0+)?[^\d]*")
YES = {"yes", "y", "true", "1", "是", "✓", "x"}
NO = {"no", "n", "false", "0", "否", ""}


class BadValue(ValueError):
    """A cell that can't be used; the message says what is expected."""


def slashed_order(cells: list[str]) -> tuple[str | None, bool]:
    """The order the file's ``a/b/yyyy`` dates are written in, judged from all of them: "dmy" when
    some first number is above 12, "mdy" when some second one is; None when no date says. The flag
    is True when the file has both (it mixes the orders)."""
    day_first = month_first = False
    for cell in cells:
        match = SLASHED.match(cell)
        if match:
            day_first |= int(match.group(1)) > 12
            month_first |= int(match.group(2)) > 12
    if day_first and month_first:
        return None, True
    return ("dmy" if day_first else "mdy" if month_first else None), False


def is_slashed(cell: str) -> bool:
    return SLASHED.match(cell) is not None


def read_moment(cell, tz: ZoneInfo, order: str | None) -> datetime:
    """An instant (UTC) from a date, a date and time, or a spreadsheet's own date value."""
    if isinstance(cell, datetime):
        return (cell if cell.tzinfo else cell.replace(tzinfo=tz)).astimezone(UTC)
    if isinstance(cell, date):
        return datetime.combine(cell, time(0), tz).astimezone(UTC)
    text = str(cell).strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        day, rest = _day_and_rest(text, order)
        clock, offset = _clock(rest, text)
        moment = datetime.combine(day, clock, offset)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    _check_year(moment.date(), text)
    return moment.astimezone(UTC)


def read_day(cell, order: str | None) -> date:
    """A calendar day (expected close, a due date) from the same forms."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = str(cell).strip()
    try:
        day = date.fromisoformat(text) if len(text) <= 10 else datetime.fromisoformat(text).date()
    except ValueError:
        day, rest = _day_and_rest(text, order)
        _clock(rest, text)
    _check_year(day, text)
    return day


def _day_and_rest(text: str, order: str | None) -> tuple[date, str]:
    match = YEAR_FIRST.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = SLASHED.match(text)
        if match is None:
            raise BadValue(f"can't read {text!r} as a date (e.g. 2017-03-01, 2017/3/1, 2017年3月1日)")
        a, b, year = (int(g) for g in match.groups())
        if order is None and a <= 12 and b <= 12 and a != b:
            raise BadValue(f"{text!r} could be day/month or month/day: give --date-format dmy or mdy")
        day, month = (a, b) if order == "dmy" or (order is None and a > 12) else (b, a)
    try:
        return date(year, month, day), text[match.end() :].strip()
    except ValueError:
        raise BadValue(f"{text!r} is not a day on the calendar") from None


def _clock(rest: str, text: str) -> tuple[time, tzinfo | None]:
    """The time of day after a date (midnight when there is none) and its offset, if it has one."""
    if not rest:
        return time(0), None
    match = CLOCK.fullmatch(rest)
    if match is None:
        raise BadValue(f"can't read the time in {text!r} (e.g. 2017-03-01 14:30)")
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    half = (match.group(4) or "").lower()
    if half in ("pm", "下午") and hour < 12:
        hour += 12
    elif half in ("am", "上午") and hour == 12:
        hour = 0
    offset = match.group(5)
    if offset:
        sign, digits = (1 if offset[0] == "+" else -1), offset[1:].replace(":", "")
        offset = UTC if offset == "Z" else timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        return time(hour, minute, second), offset
    except ValueError:
        raise BadValue(f"{text!r} has no such time of day") from None


def _check_year(day: date, text: str) -> None:
    if day < EARLIEST or day.year > 2100:
        raise BadValue(f"{text!r} is outside the years oppbot keeps ({EARLIEST.year}–2100)")


def read_amount(cell, currency: str) -> tuple[Decimal, str]:
    """An amount and its currency (its own sign or code, else ``currency``): ``50万``, ``$20k``,
    ``1,234.50``, a spreadsheet's number, or zero."""
    text = cell_text(cell)
    if ZERO.fullmatch(text) and any(ch.isdigit() for ch in text):
        try:  # zero is no amount to parse_amount: read the same text with a one for its currency
            return Decimal(0), parse_amount(re.sub(r"0+(?:\.0+)?", "1", text, count=1), default_currency=currency)[1]
        except UnreadableAmount:
            raise BadValue(f"can't read {text!r} as an amount (e.g. 500000, 50万, $20k, 0)") from None
    try:
        return parse_amount(text, default_currency=currency)
    except UnreadableAmount:
        raise BadValue(f"can't read {text!r} as an amount (e.g. 500000, 50万, $20k, 0)") from None


def cell_text(cell) -> str:
    """A cell as text: a spreadsheet's whole number without ".0" (an id, a year), a day as ISO."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def read_probability(cell) -> float:
    """0.35, 35, 35% → 0.35."""
    text = cell_text(cell).rstrip("%").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadValue(f"can't read {text!r} as a probability (e.g. 0.35 or 35%)") from None
    if value > 1 or str(cell).strip().endswith("%"):
        value = value / 100
    if not 0 <= value <= 1:
        raise BadValue(f"{text!r} is not between 0 and 100%")
    return float(value)


def read_yes_no(cell) -> bool:
    text = cell_text(cell).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise BadValue(f"can't read {text!r} as yes or no")
