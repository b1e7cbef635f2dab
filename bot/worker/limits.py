"""The sender's rate limiter: token buckets that keep oppbot within Slack's limits
(bot.core.slack_limits), per workspace and method, and for ``chat.postMessage`` per channel too.

``limiter.acquire(workspace, method, now, channel=None)`` answers 0.0 ("go": a token was taken
from every bucket the call counts against) or the seconds to wait before asking again (nothing
taken). ``limiter.hold(workspace, method, retry_after, now)`` records a 429's ``Retry-After``
so that no process calls that method in that workspace before it has passed. ``now`` is seconds
since the epoch from the app's clock (the caller passes it: tests never sleep).

Two backends, one interface: ``MemoryBuckets`` (one process) and ``RedisBuckets`` (every process
on every machine that points at the same Redis shares one budget: each acquire is one atomic Lua
script over all the buckets it touches). ``limiter_from_env()`` picks one: ``OPPBOT_LIMITS_URL``
(``redis://…``, or ``memory``), else the task queue's broker URL when it is ``redis://…``
(``OPPBOT_BROKER_URL``, ``CELERY_BROKER_URL``), else memory.

``Pacer`` is one sender pass's way through the limiter: a short wait is slept (through an
injectable sleeper), a longer one, or Slack's own 429, raises ``RateLimited`` and the sender
puts the row back for later without counting an attempt.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import redis
from slack_sdk.errors import SlackApiError

from bot.core.slack_limits import EPSILON, POST_METHOD, POST_PER_CHANNEL_PER_MINUTE, POST_PER_WORKSPACE_PER_MINUTE, TIER_PER_MINUTE, Budget, held, take, tier_of

log = logging.getLogger(__name__)

# What oppbot allows itself: Slack's steady rates, with smaller bursts than Slack tolerates
TIER_BURST = {1: 1, 2: 3, 3: 5, 4: 10}
BUDGETS = {tier: Budget(per_minute, TIER_BURST[tier]) for tier, per_minute in TIER_PER_MINUTE.items()}
POST_PER_WORKSPACE = Budget(POST_PER_WORKSPACE_PER_MINUTE, 20)
POST_PER_CHANNEL = Budget(POST_PER_CHANNEL_PER_MINUTE, 1)

SHORT_WAIT = 1.5  # seconds: a wait this short is slept; a longer one defers the row
PASS_SLEEP = 10.0  # seconds a pass sleeps at most in all, so one busy channel cannot hold up the rest
DEFAULT_RETRY_AFTER = 1.0  # a 429 without a Retry-After header
KEY_PREFIX = "oppbot:limits:"


def buckets_of(workspace: str, method: str, channel: str | None) -> list[tuple[str, Budget]]:
    """The buckets a call counts against, each ``(key, budget)``."""
    if method == POST_METHOD:
        found = [(f"{workspace}:{method}", POST_PER_WORKSPACE)]
        if channel:
            found.append((f"{workspace}:channel:{channel}", POST_PER_CHANNEL))
        return found
    return [(f"{workspace}:{method}", BUDGETS[tier_of(method)])]


def method_budget(method: str) -> Budget:
    return POST_PER_WORKSPACE if method == POST_METHOD else BUDGETS[tier_of(method)]


class Buckets(Protocol):
    def take(self, buckets: list[tuple[str, Budget]], now: float) -> float: ...

    def hold(self, key: str, budget: Budget, retry_after: float, now: float) -> None: ...


class MemoryBuckets:
    """The buckets of one process, under a lock; stale ones are dropped now and then."""

    def __init__(self):
        self._tats: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, buckets: list[tuple[str, Budget]], now: float) -> float:
        with self._lock:
            answers = [(key, *take(self._tats.get(key, now), now, budget)) for key, budget in buckets]
            wait = max(answer[1] for answer in answers)
            if wait > 0:  # take() answers 0 for a wait under EPSILON
                return wait
            for key, _, tat in answers:
                self._tats[key] = tat
            if len(self._tats) > 10_000:
                self._tats = {key: tat for key, tat in self._tats.items() if tat > now}
            return 0.0

    def hold(self, key: str, budget: Budget, retry_after: float, now: float) -> None:
        with self._lock:
            self._tats[key] = held(self._tats.get(key, now), now, retry_after, budget)


# KEYS: the buckets; ARGV: now, EPSILON, then for each bucket its interval and tolerance. All or none:
# the call goes (every bucket's tat moves on) only when every bucket lets it. Each key expires
# once its bucket is full again. Answers the wait as a string (Lua numbers come back as integers).
TAKE = """
local now, epsilon = tonumber(ARGV[1]), tonumber(ARGV[2])
local wait, tats = 0, {}
for i, key in ipairs(KEYS) do
  local interval, tolerance = tonumber(ARGV[2 * i + 1]), tonumber(ARGV[2 * i + 2])
  local tat = math.max(tonumber(redis.call('GET', key) or '0'), now)
  wait = math.max(wait, tat - tolerance - now)
  tats[i] = tat + interval
end
if wait > epsilon then return string.format('%.6f', wait) end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, string.format('%.6f', tats[i]), 'PX', math.ceil((tats[i] - now) * 1000) + 1000)
end
return '0'
"""
# KEYS[1]: the bucket; ARGV: now, the tat it must be at least (now + Retry-After + tolerance)
HOLD = """
local now, until_tat = tonumber(ARGV[1]), tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < until_tat then
  redis.call('SET', KEYS[1], string.format('%.6f', until_tat), 'PX', math.ceil((until_tat - now) * 1000) + 1000)
end
return 1
"""


class RedisBuckets:
    """The buckets in Redis, shared by every process that uses the same server and prefix."""

    def __init__(self, client: redis.Redis, prefix: str = KEY_PREFIX):
        self.client, self.prefix = client, prefix
        self._take = client.register_script(TAKE)
        self._hold = client.register_script(HOLD)

    def take(self, buckets: list[tuple[str, Budget]], now: float) -> float:
        args: list[float] = [now, EPSILON]
        for _, budget in buckets:
            args += [budget.interval, budget.tolerance]
        return float(self._take(keys=[self.prefix + key for key, _ in buckets], args=args))

    def hold(self, key: str, budget: Budget, retry_after: float, now: float) -> None:
        self._hold(keys=[self.prefix + key], args=[now, held(now, now, retry_after, budget)])


class Limiter:
    """Slack's budgets (``buckets_of``) kept in ``buckets``; see the module docstring."""

    def __init__(self, buckets: Buckets):
        self.buckets = buckets

    def acquire(self, workspace: str, method: str, now: float, *, channel: str | None = None) -> float:
        return self.buckets.take(buckets_of(workspace, method, channel), now)

    def hold(self, workspace: str, method: str, retry_after: float, now: float) -> None:
        self.buckets.hold(f"{workspace}:{method}", method_budget(method), retry_after, now)


def limiter_from_env(env: Mapping[str, str] | None = None) -> Limiter:
    """The limiter ``OPPBOT_LIMITS_URL`` names (see the module docstring)."""
    env = os.environ if env is None else env
    url = env.get("OPPBOT_LIMITS_URL") or ""
    if not url:
        broker = env.get("OPPBOT_BROKER_URL") or env.get("CELERY_BROKER_URL") or ""
        url = broker if broker.startswith(("redis://", "rediss://")) else "memory"
    if url == "memory":
        log.info("rate limits kept in this process (set OPPBOT_LIMITS_URL=redis://… to share them between workers)")
        return Limiter(MemoryBuckets())
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"OPPBOT_LIMITS_URL must be redis://host:port/db or memory, got {url!r}")
    return Limiter(RedisBuckets(redis.Redis.from_url(url, socket_timeout=5)))


class RateLimited(Exception):
    """A call that must wait ``wait`` seconds: the limiter's answer, or Slack's 429 (``by_slack``)."""

    def __init__(self, method: str, wait: float, *, by_slack: bool = False):
        super().__init__(f"{method}: rate limited, {wait:.1f}s")
        self.method, self.wait, self.by_slack = method, wait, by_slack


def retry_after(exc: SlackApiError) -> float:
    headers = {key.lower(): value for key, value in (exc.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(value)) if value is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER


@dataclass
class Pacer:
    """One sender pass through ``limiter`` (None: no pacing, only Slack's 429s deferred). Its time
    is the pass's ``start`` plus what it slept."""

    limiter: Limiter | None
    start: float
    sleep: Callable[[float], None] = time.sleep
    slept: float = field(default=0.0)

    @property
    def now(self) -> float:
        return self.start + self.slept

    def before(self, workspace: str, method: str, channel: str | None = None) -> None:
        """Return when the call may go; RateLimited when it must wait longer than a short while."""
        if self.limiter is None:
            return
        for _ in range(3):
            wait = self.limiter.acquire(workspace, method, self.now, channel=channel)
            if wait <= 0:
                return
            if wait > SHORT_WAIT or self.slept + wait > PASS_SLEEP:
                raise RateLimited(method, wait)
            self.sleep(wait)
            self.slept += wait
        raise RateLimited(method, wait)

    def call(self, workspace: str, method: str, channel: str | None, fn: Callable, /, **kwargs):
        """``fn(**kwargs)`` (a WebClient method for ``method``) once the limiter lets it; a 429 is
        recorded for every process (``hold``) and raised as RateLimited, never repeated here."""
        self.before(workspace, method, channel)
        try:
            return fn(**kwargs)
        except SlackApiError as exc:
            if exc.response.status_code != 429:
                raise
            wait = retry_after(exc)
            if self.limiter is not None:
                self.limiter.hold(workspace, method, wait, self.now)
            raise RateLimited(method, wait, by_slack=True) from exc
