"""Slack's rate limits, as the Web API stand-in enforces them when asked
(``FakeSlack.enforce_limits``): per token (one workspace's bot) and method, its tier's calls a
minute (bot.core.slack_limits) with up to a minute's worth at once; ``chat.postMessage`` one a
second per channel (``channel_burst`` at once) within the workspace's few hundred a minute. A call
over a limit is answered HTTP 429 ``ratelimited`` with ``Retry-After`` (whole seconds, rounded
up), as Slack does, and is not carried out. Each call costs O(1): one bucket value per key.

Only the standard library is used.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

from bot.console.slack_workspace import FakeWorkspace, dm_channel
from bot.core.slack_limits import POST_METHOD, POST_PER_CHANNEL_PER_MINUTE, POST_PER_WORKSPACE_PER_MINUTE, TIER_PER_MINUTE, Budget, take, tier_of

# The stand-in is as lenient as Slack promises and no more: bursts up to a minute's worth
TIER_BUDGETS = {tier: Budget(per_minute, per_minute) for tier, per_minute in TIER_PER_MINUTE.items()}
WORKSPACE_POSTS = Budget(POST_PER_WORKSPACE_PER_MINUTE, POST_PER_WORKSPACE_PER_MINUTE)
EXEMPT = frozenset({"api.test", "auth.test", "apps.connections.open", "oauth.v2.access", "openid.connect.token", "openid.connect.userInfo"})


def conversation_of(channel: Any) -> Any:
    """The conversation a post goes to, as one key: "#name" and its id are one channel, a user
    id is the DM with that user."""
    if isinstance(channel, str) and channel.startswith("#"):
        return FakeWorkspace._name_id(channel[1:])
    return dm_channel(channel)


class RateLimits:
    """The buckets of every (token, method) and (token, channel); see the module docstring."""

    def __init__(self, clock: Callable[[], float], *, channel_burst: int = 3):
        self.clock = clock
        self.channel_posts = Budget(POST_PER_CHANNEL_PER_MINUTE, channel_burst)
        self._tats: dict[tuple, float] = {}
        self._lock = threading.Lock()
        self.refused = 0  # calls answered 429 so far

    def retry_after(self, token: str | None, method: str, args: dict) -> int | None:
        """None when the call may go (and it is counted), else the seconds Slack would ask for."""
        if method in EXEMPT:
            return None
        if method == POST_METHOD:
            keys = [((token, method), WORKSPACE_POSTS), ((token, "channel", conversation_of(args.get("channel"))), self.channel_posts)]
        else:
            keys = [((token, method), TIER_BUDGETS[tier_of(method)])]
        now = self.clock()
        with self._lock:
            answers = [(key, *take(self._tats.get(key, now), now, budget)) for key, budget in keys]
            wait = max(answer[1] for answer in answers)
            if wait > 0:
                self.refused += 1
                return max(1, math.ceil(wait))
            for key, _, tat in answers:
                self._tats[key] = tat
        return None
