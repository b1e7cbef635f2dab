"""FakeSlack with failures on demand, for testing how the app copes when Slack doesn't answer well:
rate limits (429 with Retry-After), server errors, ``"ok": false`` error answers and outages, and
calls Slack carried out whose answer never arrives.

    fake.fail("chat.postMessage", status=429, retry_after=1)  # the next post is rate limited
    fake.fail("views.open", error="expired_trigger_id")       # the next modal is refused
    fake.outage(503)                                           # everything fails ...
    fake.recover()                                             # ... until now

    fake.fail("chat.postMessage", status=500, accepted=True)  # the next post is made, then answered 500
    fake.drop("chat.postMessage")                             # ... made, then the connection closes unanswered
    held = fake.hold("chat.postMessage")                      # ... made; its answer waits
    held.wait_arrived(); ...; held.release()                  # (a client with a short timeout gives up first)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.console.slack_api import Call, FakeSlack, Refusal

HOLD_LIMIT = 10.0  # seconds a held answer waits at most, so a forgotten release cannot hang the server


@dataclass
class _FailRule:
    method: str | None
    status: int
    remaining: int
    retry_after: int | None
    error: str | None


@dataclass
class Hold:
    """An answer held back: :attr:`arrived` is set once Slack carried out the call and the answer
    waits; :meth:`release` sends it (to a client that may have given up on it)."""

    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def wait_arrived(self, timeout: float = 5.0) -> None:
        if not self.arrived.wait(timeout):
            raise AssertionError(f"no held call arrived within {timeout}s")

    def release(self) -> None:
        self.released.set()


@dataclass
class _AfterRule:
    """What happens to the answer of a call that was carried out: ``drop`` (close the connection
    unanswered), ``hold`` (answer when released) or ``status`` (answer HTTP ``status`` instead)."""

    method: str | None
    kind: str
    status: int = 500
    hold: Hold | None = None


class FaultySlack(FakeSlack):
    """The Web API stand-in, with :meth:`fail`, :meth:`outage`, :meth:`recover`, :meth:`drop` and :meth:`hold`."""

    def __init__(self, listener: Callable[[Call], None] | None = None):
        super().__init__(listener)
        self._faults = threading.Lock()
        self._rules: list[_FailRule] = []
        self._after: list[_AfterRule] = []
        self._holds: list[Hold] = []
        self._outage_status: int | None = None

    def fail(
        self,
        method: str | None,
        *,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        error: str | None = None,
        accepted: bool = False,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (None: any method) fail.

        They answer HTTP ``status`` (with a ``Retry-After`` header when
        ``retry_after`` is given), or, when ``error`` is given, HTTP 200 with
        ``{"ok": false, "error": error}``. Rules are used in the order added.
        With ``accepted``, the call is carried out first (a post is in the
        conversation) and only its answer is the HTTP ``status``.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._faults:
            if accepted:
                self._after.extend(_AfterRule(method, "status", status) for _ in range(times))
            else:
                self._rules.append(_FailRule(method, status, times, retry_after, error))

    def drop(self, method: str | None, *, times: int = 1) -> None:
        """Carry out the next ``times`` calls to ``method``, then close each connection without an answer."""
        with self._faults:
            self._after.extend(_AfterRule(method, "drop") for _ in range(times))

    def hold(self, method: str | None) -> Hold:
        """Carry out the next call to ``method`` and hold its answer until the returned
        :class:`Hold` is released (a client whose timeout is shorter sees a timeout)."""
        held = Hold()
        with self._faults:
            self._after.append(_AfterRule(method, "hold", hold=held))
            self._holds.append(held)
        return held

    def outage(self, status: int = 503) -> None:
        """Make every request fail with HTTP ``status`` until :meth:`recover`."""
        with self._faults:
            self._outage_status = status

    def recover(self) -> None:
        """End an :meth:`outage` and drop pending :meth:`fail`, :meth:`drop` and :meth:`hold` rules."""
        with self._faults:
            self._outage_status = None
            self._rules.clear()
            self._after.clear()

    def close(self) -> None:
        with self._faults:
            for held in self._holds:
                held.release()
        super().close()

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

    def _after_rule(self, method: str) -> _AfterRule | None:
        with self._faults:
            for rule in self._after:
                if rule.method is None or rule.method == method:
                    self._after.remove(rule)
                    return rule
        return None

    def _respond(self, handler, call: Call, status: int, payload: dict | None, headers: dict | None = None, text: str | None = None) -> None:
        """The answer of a call Slack carried out goes through the ``drop``/``hold``/``accepted`` rules."""
        carried_out = status == 200 and payload is not None and payload.get("ok") is True
        rule = self._after_rule(call.method) if carried_out else None
        if rule is None:
            super()._respond(handler, call, status, payload, headers, text)
        elif rule.kind == "status":
            super()._respond(handler, call, rule.status, {"ok": False, "error": f"http_{rule.status}"})
        elif rule.kind == "drop":
            call.response = payload
            self._record(call)
            handler.close_connection = True  # nothing is written: the client sees the connection close
        else:
            call.response = payload
            self._record(call)
            rule.hold.arrived.set()
            rule.hold.released.wait(HOLD_LIMIT)
            with contextlib.suppress(OSError):  # the client gave up and closed its end
                handler._send(status, payload, headers=headers, text=text)
