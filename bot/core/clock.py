"""Time comes from a clock object so tests can fix it; nothing reads the wall clock directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stands still until moved: ``clock.advance(days=1)``."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)
