"""FakeSlack with failures on demand, for testing how the app copes when Slack doesn't answer well:
rate limits (429 with Retry-After), server errors, ``"ok": false`` error answers and outages.

    fake.fail("chat.postMessage", status=429, retry_after=1)  # the next post is rate limited
    fake.fail("views.open", error="expired_trigger_id")       # the next modal is refused
    fake.outage(503)                                           # everything fails ...
    fake.recover()                                             # ... until now
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from bot.console.slack_api import Call, FakeSlack, Refusal


@dataclass
class _FailRule:
    method: str | None
    status: int
    remaining: int
    retry_after: int | None
    error: str | None


class FaultySlack(FakeSlack):
    """The Web API stand-in, with :meth:`fail`, :meth:`outage` and :meth:`recover`."""

    def __init__(self, listener: Callable[[Call], None] | None = None):
        super().__init__(listener)
        self._faults = threading.Lock()
        self._rules: list[_FailRule] = []
        self._outage_status: int | None = None

    def fail(
        self,
        method: str | None,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (None: any method) fail.

        They answer HTTP ``status`` (with a ``Retry-After`` header when
        ``retry_after`` is given), or, when ``error`` is given, HTTP 200 with
        ``{"ok": false, "error": error}``. Rules are used in the order added.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._faults:
            self._rules.append(_FailRule(method, status, times, retry_after, error))

    def outage(self, status: int = 503) -> None:
        """Make every request fail with HTTP ``status`` until :meth:`recover`."""
        with self._faults:
            self._outage_status = status

    def recover(self) -> None:
        """End an :meth:`outage` and drop pending :meth:`fail` rules."""
        with self._faults:
            self._outage_status = None
            self._rules.clear()

    def refuse(self, method: str) -> Refusal | None:
        with self._faults:
            if self._outage_status is not None:
                return Refusal(self._outage_status, f"http_{self._outage_status}")
            for rule in self._rules:
                if rule.remaining > 0 and (rule.method is None or rule.method == method):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    if rule.error is not None:
                        return Refusal(200, rule.error)
                    error = "ratelimited" if rule.status == 429 else f"http_{rule.status}"
                    return Refusal(rule.status, error, rule.retry_after)
        return None
