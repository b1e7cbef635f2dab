"""`/opp room 42` (`/opp 群 42`): make the deal's room in Slack (conversations.create, then
conversations.invite), then record it (bot.deals.rooms); or point at the room it has. A refusal
from Slack becomes a sentence in the person's language and nothing is recorded; a channel made
before a later call failed is archived again."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.kit import Reply, message
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.deals import rooms
from handlers.args import Request, parse_number
from handlers.slack_io import retry_after

log = logging.getLogger(__name__)

HINTS = {"restricted_action": "room_hint_restricted", "missing_scope": "room_hint_scope", "not_allowed_token_type": "room_hint_scope"}


def refused(exc: SlackApiError, lang: str) -> BadInput:
    wait = retry_after(exc)
    if wait is not None:  # a 429 before the answer is not waited out (bot.clients): say when to try again
        return BadInput("slack_rate_limited", seconds=wait)
    error = str(exc.response.get("error") or exc.response.status_code)
    return BadInput("room_slack_refused", error=error, hint=t(lang, HINTS.get(error, "room_hint_other")))


def create(client: WebClient, names: tuple[str, ...], lang: str) -> str:
    """Make a public channel by the first name not taken; its id."""
    for name in names:
        try:
            return client.conversations_create(name=name, is_private=False)["channel"]["id"]
        except SlackApiError as exc:
            if exc.response.get("error") != "name_taken":
                raise refused(exc, lang) from None
    raise BadInput("room_names_taken", name=names[0])


def archive_quietly(client: WebClient, channel: str) -> None:
    """Undo a channel made for nothing (a failed invitation, a room recorded meanwhile)."""
    try:
        client.conversations_archive(channel=channel)
    except SlackApiError as exc:
        log.warning("could not archive %s again: %s", channel, exc.response.get("error"))


def cmd_room(req: Request, rest: str) -> Reply:
    number, _ = parse_number(rest, "room")
    rt, lang = req.rt, req.lang
    with rt.reading() as session:
        plan = rooms.plan(session, actor=req.actor, number=number, config=rt.config)
    if plan.existing:
        return message(t(lang, "room_exists", number=number, channel=plan.existing))
    channel = create(req.client, plan.names, lang)
    try:
        # force: the people Slack can invite are, though one of them cannot be (left, a guest)
        req.client.conversations_invite(channel=channel, users=",".join(plan.people), force=True)
    except SlackApiError as exc:
        if exc.response.get("error") != "already_in_channel":
            archive_quietly(req.client, channel)
            raise refused(exc, lang) from None
    try:
        with rt.transaction() as session:
            room = rooms.record(session, actor=req.actor, number=number, channel=channel, config=rt.config, now=rt.clock.now())
    except Exception:
        archive_quietly(req.client, channel)
        raise
    if room != channel:  # someone made one at the same moment: theirs it is
        archive_quietly(req.client, channel)
        return message(t(lang, "room_exists", number=number, channel=room))
    return message(t(lang, "room_made", number=number, channel=channel, people=" ".join(f"<@{u}>" for u in plan.people)))


SUBCOMMANDS = {"room": cmd_room}
