"""Calendar spans in the team's timezone: the week, month and quarter a day falls in, the one
before it, and the UTC instants each spans. Reports, digests and list filters all count by these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """Local days ``first``..``last`` (inclusive) and the UTC instants they span."""

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
        span = (self.last - self.first).days + 1
        if self.first.day == 1 and (self.last + timedelta(days=1)).day == 1 and span > 7:  # months and quarters
            months = round(span / 30.4)
            month = self.first.month - months
            year = self.first.year + (month - 1) // 12
            first = date(year, (month - 1) % 12 + 1, 1)
            return Period(self.name, first, self.first - timedelta(days=1), self.tz)
        return Period(self.name, self.first - timedelta(days=span), self.first - timedelta(days=1), self.tz)


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
