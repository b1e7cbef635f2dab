"""Slack's Web API rate limits, as data, and the arithmetic of a token bucket: what the worker's
limiter keeps within (bot.worker.limits) and what the Web API stand-in enforces (bot.console).

Slack counts calls per method, per app, per workspace, in tiers (docs: "Rate limits"; each
method's page names its tier): Tier 1 1+ a minute, Tier 2 20+, Tier 3 50+, Tier 4 100+, each
with some bursting. ``chat.postMessage`` is special: about one message a second to a channel
(short bursts allowed), within a workspace-wide limit of "several hundred messages a minute".
An over-limit call is answered HTTP 429 with ``Retry-After`` (seconds) and not carried out.

A bucket is kept as one number, its theoretical arrival time (GCRA): a call at ``now`` may go
when ``tat <= now + tolerance``; it then moves ``tat`` to ``max(tat, now) + interval``. That is a
token bucket refilled one token every ``interval`` seconds holding ``burst`` tokens at most, in
O(1) time and space, and two buckets kept this way agree on every answer.

Only the standard library is used (the Web API stand-in imports this module).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """``per_minute`` calls a minute on average, ``burst`` of them at once from a full bucket."""

    per_minute: float
    burst: int = 1

    @property
    def interval(self) -> float:
        """Seconds between two calls at the steady rate (one token's refill)."""
        return 60.0 / self.per_minute

    @property
    def tolerance(self) -> float:
        """How far ahead of ``now`` the bucket's ``tat`` may be for a call to go."""
        return (self.burst - 1) * self.interval


TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}

# The tier of each method oppbot calls (Slack's method reference). conversations.history and
# .replies are Tier 3 for apps in the Slack Marketplace and for a customer's own app; a
# commercially distributed app outside the Marketplace installed since 2025-05-29 gets Tier 1
# (about one a minute) for those two: the sender needs them only to settle a post with an
# unknown outcome, so that stays rare.
METHOD_TIERS = {
    "auth.test": 4,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "chat.postEphemeral": 4,
    "chat.unfurl": 3,
    "chat.update": 3,
    "conversations.archive": 2,
    "conversations.create": 2,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.invite": 3,
    "conversations.list": 2,
    "conversations.members": 4,
    "conversations.open": 3,
    "conversations.replies": 3,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "users.info": 4,
    "users.list": 2,
    "views.open": 4,
    "views.publish": 4,
    "views.push": 4,
    "views.update": 4,
}
DEFAULT_TIER = 2  # a method not listed: "most methods allow at least 20 requests per minute"

POST_METHOD = "chat.postMessage"
POST_PER_CHANNEL_PER_MINUTE = 60  # one a second to a channel
POST_PER_WORKSPACE_PER_MINUTE = 300  # "several hundred messages per minute" across the workspace


EPSILON = 0.001  # seconds: a wait shorter than this is none (clocks keep microseconds, floats less)


def tier_of(method: str) -> int:
    return METHOD_TIERS.get(method, DEFAULT_TIER)


def take(tat: float, now: float, budget: Budget) -> tuple[float, float]:
    """A call against a bucket at ``tat``: ``(0, new tat)`` when it may go, else ``(seconds to
    wait, tat unchanged)``."""
    tat = max(tat, now)
    wait = tat - budget.tolerance - now
    if wait > EPSILON:
        return wait, tat
    return 0.0, tat + budget.interval


def held(tat: float, now: float, retry_after: float, budget: Budget) -> float:
    """The bucket's tat after Slack said ``Retry-After: retry_after``: no call before
    ``now + retry_after``, and then one at a time at the steady rate (no burst)."""
    return max(tat, now + retry_after + budget.tolerance)
