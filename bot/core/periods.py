"""Calendar spans in the team's timezone: the week, month, quarter and year a day falls in, any run
of days, the span before each, the UTC instants each spans and its name as a reader sees it.
Reports, digests and list filters all count by these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.i18n import t


@dataclass(frozen=True)
class Period:
    """Local days ``first``..``last`` (inclusive) and the UTC instants they span. ``name`` is the
    kind of span: week, month, quarter, year, or range (any run of days)."""

    name: str
    first: date
    last: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), self.tz)

    def previous(self) -> Period:
        """The span just before, to compare with: the calendar week, month, quarter or year
        before; for a range, as many days ending the day before it starts."""
        day_before = self.first - timedelta(days=1)
        make = CALENDAR.get(self.name)
        if make is not None:
            return make(day_before, self.tz)
        return days(day_before - (self.last - self.first), day_before, self.tz)


def week_of(day: date, tz: ZoneInfo) -> Period:
    first = day - timedelta(days=day.weekday())
    return Period("week", first, first + timedelta(days=6), tz)


def month_of(day: date, tz: ZoneInfo) -> Period:
    first = day.replace(day=1)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return Period("month", first, nxt - timedelta(days=1), tz)


def quarter_of(day: date, tz: ZoneInfo) -> Period:
    first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end_month = first.month + 3
    nxt = date(first.year + (end_month > 12), (end_month - 1) % 12 + 1, 1)
    return Period("quarter", first, nxt - timedelta(days=1), tz)


def year_of(day: date, tz: ZoneInfo) -> Period:
    return Period("year", date(day.year, 1, 1), date(day.year, 12, 31), tz)


def days(first: date, last: date, tz: ZoneInfo) -> Period:
    """The days ``first``..``last``, inclusive: a range, not a calendar unit."""
    return Period("range", first, last, tz)


# the calendar units, by name: the one a day falls in
CALENDAR = {"week": week_of, "month": month_of, "quarter": quarter_of, "year": year_of}


def quarter_number(day: date) -> int:
    """1 to 4: the quarter of the year ``day`` is in."""
    return (day.month - 1) // 3 + 1


def whole_months(period: Period) -> int:
    """How many calendar months the period is made of: 1 for a month, 12 for a year, n for a range
    from a month's first day to a month's last; 0 when it starts or ends within a month."""
    if period.first.day != 1 or (period.last + timedelta(days=1)).day != 1:
        return 0
    return (period.last.year - period.first.year) * 12 + period.last.month - period.first.month + 1


def period_label(period: Period, lang: str) -> str:
    """The period as titles and digests name it: 2017-06, 2017 Q2 (2017年第2季度), 2017 (2017年),
    else its first and last day (a week, a range)."""
    if period.name == "month":
        return f"{period.first:%Y-%m}"
    if period.name == "quarter":
        return t(lang, "pd_quarter", year=period.first.year, quarter=quarter_number(period.first))
    if period.name == "year":
        return t(lang, "pd_year", year=period.first.year)
    return f"{period.first.isoformat()} – {period.last.isoformat()}"


def period_key(period: Period) -> str | None:
    """The key targets and forecast snapshots are kept under: 2027-03 for a month, 2027-Q1 for a
    quarter; none for any other span."""
    if period.name == "month":
        return f"{period.first:%Y-%m}"
    if period.name == "quarter":
        return f"{period.first.year}-Q{quarter_number(period.first)}"
    return None
