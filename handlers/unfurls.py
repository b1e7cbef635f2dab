"""Deal links pasted in Slack, unfolded (Events API ``link_shared``): the event is answered at once;
reading the deals and calling ``chat.unfurl`` run after the answer, on the app's ``after_answer``
executor. What a preview shows is decided in bot.deals.unfurls; whether the channel is shared with
another organisation (Slack Connect) is asked of ``conversations.info`` and kept a few minutes.
A failure is logged, never shown: nobody asked for the preview."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks.unfurls import unfurl_blocks
from bot.core.runtime import Runtime
from bot.deals import permissions, unfurls
from bot.team.members import Actor, ProfileFetcher
from handlers.slack_io import unhurried

log = logging.getLogger(__name__)

SHARED_TTL = timedelta(minutes=5)  # how long a channel's "shared with another organisation" is kept


class SharedChannels:
    """Whether a channel is shared with another organisation (``conversations.info``'s
    ``is_ext_shared``), kept ``SHARED_TTL`` per process. When Slack cannot say, the link is not
    posted yet (the composer) or is in a DM (the app has no im:read to ask; a DM may be with someone
    of another organisation), it counts as shared: an amount is left out rather than shown to strangers."""

    def __init__(self, ttl: timedelta = SHARED_TTL):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[bool, datetime]] = {}

    def shared(self, client: WebClient, rt: Runtime, workspace_id: str, channel: str | None) -> bool:
        if not channel or channel[:1] not in ("C", "G"):
            return True  # the composer (a link not posted yet) or a DM: not known
        key, now = (workspace_id, channel), rt.clock.now()
        with self._lock:
            kept = self._seen.get(key)
        if kept and kept[1] > now:
            return kept[0]
        try:
            info = client.conversations_info(channel=channel)["channel"]
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("conversations.info failed for %s: %s; amounts left out", channel, exc)
            return True
        shared = bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared"))
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[key] = (shared, now + self.ttl)
        return shared


def unfurl(
    client: WebClient, rt: Runtime, actor: Actor, event: dict, linked: list[tuple[str, int]], channels: SharedChannels, fetch_profile: ProfileFetcher
) -> None:
    """Unfold the deals linked in one message (after the answer): a failure is logged."""
    try:
        if permissions.outsider(fetch_profile(actor.slack_user_id)):
            log.info("deal links of %s not unfolded: a guest or someone of another organisation", actor.slack_user_id)
            return
        channel = None if event.get("source") == "composer" else event.get("channel")  # the composer's id is no channel's
        amounts = rt.config.unfurls.amounts_in_shared_channels or not channels.shared(client, rt, actor.workspace_id, channel)
        views = unfurls.previews(rt, actor, linked, amounts=amounts)
        if not views:
            return
        payload = {url: {"blocks": unfurl_blocks(view, rt.config, actor.lang)} for url, view in views.items()}
        if event.get("unfurl_id") and event.get("source"):
            client.chat_unfurl(unfurl_id=event["unfurl_id"], source=event["source"], unfurls=payload)
        else:
            client.chat_unfurl(channel=event.get("channel"), ts=event.get("message_ts"), unfurls=payload)
    except Exception:
        log.exception("could not unfurl deal links in %s for %s", event.get("channel"), actor.slack_user_id)


def register(app: App) -> None:
    channels = SharedChannels()

    def on_link_shared(event: dict, client: WebClient, context: BoltContext) -> None:
        rt, actor = context["rt"], context.get("actor")
        linked = unfurls.deals_linked(rt.public_url, [link.get("url") for link in event.get("links") or [] if isinstance(link, dict)])
        if not linked or actor is None or event.get("user") in (context.bot_user_id, None):
            return  # no deal of ours, or the app's own message (its posts are not unfolded)
        rt.settle()  # a copy of this event (a retry) is not unfolded again
        context["after_answer"].submit(unfurl, unhurried(client), rt, actor, event, linked, channels, context["fetch_profile"])

    app.event("link_shared")(on_link_shared)
