"""What every `/opp` subcommand and button shares: the request, reading numbers, stages, amounts,
dates and people from what a person typed, and answering with a deal card in their language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from slack_sdk import WebClient

from bot.blocks.deals import deal_card
from bot.blocks.kit import Reply, clip
from bot.blocks.views import DealView
from bot.core.dates import UnreadableDate
from bot.core.errors import BadInput
from bot.core.money import UnreadableAmount, parse_amount
from bot.core.payloads import USER_ID
from bot.core.runtime import Runtime
from bot.team.members import Actor, ProfileFetcher, ensure_member, local_now

QUOTE_LIMIT = 80  # how much of a bad value an error message quotes back
MENTION = re.compile(r"^<@([UW][A-Z0-9]{1,31})(?:\|[^>]*)?>$")  # a Slack id fits its String(32) column
NUMBER = re.compile(r"^[#＃]?(\d{1,9})$")


@dataclass(frozen=True)
class Modal:
    """Open this view (needs the request's trigger_id); ``reply``, when given, is shown too (the
    win that opened the handover form)."""

    view: dict
    reply: Reply | None = None


@dataclass(frozen=True)
class ReplyAndModal(Reply):
    """A reply, and a view to open with the same request's trigger_id."""

    modal: dict | None = None


@dataclass
class Request:
    rt: Runtime
    actor: Actor
    channel: str | None
    fetch_profile: ProfileFetcher
    client: WebClient | None = None  # the Web API client, for a subcommand that calls Slack itself (`/opp room`)

    @property
    def lang(self) -> str:
        return self.actor.lang


def unescape(text: str) -> str:
    """Slack sends &, < and > escaped in command text; mentions stay as <@U..>."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def card_for(rt: Runtime, actor: Actor, view: DealView, headline: str | None = None) -> Reply:
    return deal_card(view, rt.config, actor.lang, local_now(rt.clock, actor), headline=headline)


def card(req: Request, view: DealView, headline: str | None = None) -> Reply:
    return card_for(req.rt, req.actor, view, headline)


def parse_number(text: str, sub: str) -> tuple[int, str]:
    """The deal number at the start of ``text`` and the rest."""
    first, _, rest = text.strip().partition(" ")
    if not first:
        raise BadInput("need_number", sub=sub)
    match = NUMBER.match(first)
    if not match:
        raise BadInput("bad_number", value=clip(first, QUOTE_LIMIT), sub=sub)
    return int(match.group(1)), rest.strip()


def find_stage(req: Request, text: str) -> str:
    if not text:
        raise BadInput("need_stage")
    stage = req.rt.config.find_stage(text)
    if stage is None:
        raise BadInput("unknown_stage", value=clip(text, QUOTE_LIMIT))
    return stage.key


def read_amount(req: Request, text: str):
    try:
        return parse_amount(text, default_currency=req.rt.config.currency)
    except UnreadableAmount:
        raise BadInput("unreadable_amount", value=clip(text, QUOTE_LIMIT)) from None


def read_date(req: Request, text: str) -> date:
    try:
        return req.rt.dates.read(text[:100], now=local_now(req.rt.clock, req.actor))
    except UnreadableDate:
        raise BadInput("unreadable_date", value=clip(text, QUOTE_LIMIT)) from None


def is_date(req: Request, text: str) -> bool:
    """Whether ``text`` reads as a date (``read_date`` would take it)."""
    try:
        read_date(req, text)
    except BadInput:
        return False
    return True


def read_member(req: Request, text: str, session) -> int:
    return member_id(req, mentioned(text), session)


def mentioned(text: str) -> str:
    """The Slack id of the person ``text`` mentions (`<@U…>`); anything else is refused."""
    match = MENTION.match(text.strip())
    if not match:
        raise BadInput("bad_user", value=clip(text, QUOTE_LIMIT))
    return match.group(1)


def member_id(req: Request, slack_user_id: str, session) -> int:
    """The member id of a person, made a member if they are new (a write: in a write transaction)."""
    return ensure_member(session, workspace_id=req.actor.workspace_id, slack_user_id=slack_user_id, clock=req.rt.clock, fetch_profile=req.fetch_profile).id


def channel_of(body: dict) -> str | None:
    """The conversation a click or a command came from (none from the Home tab or a modal)."""
    return body.get("channel_id") or (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def request_of(context, body: dict) -> Request:
    """The Request for a listener: the runtime and actor the middleware attached, and where from."""
    return Request(context["rt"], context["actor"], channel_of(body), context["fetch_profile"])


def value_number(value: str | None) -> int:
    """A deal (or alert, offer) number carried in a button's value; anything else is refused."""
    match = NUMBER.match((value or "").strip())
    if not match:
        raise BadInput("bad_number", value=clip(value or "", QUOTE_LIMIT), sub="show")
    return int(match.group(1))


def chosen(action: dict) -> str:
    """The value of the option picked in a menu ("" when the action carries none)."""
    option = action.get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else ""


def chosen_user(action: dict) -> str:
    """The Slack user id picked in a users menu; anything else is refused."""
    user = action.get("selected_user")
    if not (isinstance(user, str) and USER_ID.fullmatch(user)):
        raise BadInput("bad_user", value=clip(str(user or ""), QUOTE_LIMIT))
    return user
