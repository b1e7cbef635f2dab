"""The shortcuts: "Log to deal" and "Deal from message" on a message's ⋯ menu, "New deal" from
the composer's shortcuts. Log to deal opens a form with the message, a deal picker (answered as
the person types by ``on_deal_pick``) and a note; its submission logs the message on the deal as
`/opp log` would (the same permission). Deal from message opens the new-deal form filled in from
what the message says, read as `/opp new` reads it; the message's address becomes the new deal's
first note. The message travels in the form's private_metadata, cut to fit Slack's 3000
characters (the form says so)."""

from __future__ import annotations

import json
import logging
import re

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks import forms
from bot.blocks.ids import DEAL_PICK, Form, Shortcut
from bot.blocks.shortcuts import deal_option, log_message_modal, prefilled
from bot.core import needs
from bot.core.deal_fields import LIMITS
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.core.money import exact_amount
from bot.core.text import clean
from bot.deals import from_messages
from bot.deals.views import deal_view
from bot.team.members import ProfileFetcher
from handlers.args import MENTION, NUMBER, Request, card_for, member_id, unescape
from handlers.deal_text import read_inline_deal, split_fields, take_answers
from handlers.forms import metadata_object, text_of, values_of
from handlers.slack_io import open_modal, saved

log = logging.getLogger(__name__)

METADATA_LIMIT = 3000  # Slack's limit on a view's private_metadata, in characters
TEXT_FIELDS = ("title", "account", "contact", "stage", "expected_close", "next_step", "next_step_due", "source", "industry", "region")


# --- what a shortcut on a message carries -------------------------------------------------------


def message_of(shortcut: dict) -> tuple[str | None, dict]:
    """The channel a message shortcut was used in, and the message."""
    message = shortcut.get("message")
    return (shortcut.get("channel") or {}).get("id"), (message if isinstance(message, dict) else {})


def message_text(message: dict) -> str:
    """The message's text as Slack sends it (&, < and > escaped back), cleaned: mentions and links
    in Slack's markup, as `/opp new` reads them."""
    text = message.get("text")
    return clean(unescape(text)).strip() if isinstance(text, str) else ""


MARKUP = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>|<([^>|]+)(?:\|([^>]*))?>")
NAMED_MENTIONS = 5  # people a logged message names by their profile name at most (a users.info each)


def readable(text: str, fetch_profile: ProfileFetcher) -> str:
    """``text`` (Slack's markup) as a person reads it, to keep on a deal: `<@U1>` is @their name
    (the first few people; the rest by id), `<#C1|sales>` #sales, `<!here>` @here, a link its
    label and address."""
    names: dict[str, str] = {}

    def name_of(user: str) -> str:
        if user not in names and len(names) < NAMED_MENTIONS:
            names[user] = author_of({"user": user}, fetch_profile)
        return names.get(user, user)

    def swap(match: re.Match) -> str:
        sign, target, label, url, url_label = match.groups()
        if sign == "@":
            return "@" + (label or name_of(target))
        if sign == "#":
            return "#" + (label or target)
        if sign == "!":
            return label or "@" + target.split("^")[0]  # @here, @channel; a group or a date by its label
        return f"{url_label} ({url})" if url_label and url_label != url else url

    return unescape(MARKUP.sub(swap, text))


def permalink(client: WebClient, channel: str | None, message: dict) -> str | None:
    """The message's address, or None when Slack won't give it (the message is logged without)."""
    ts = message.get("ts")
    if not channel or not isinstance(ts, str):
        return None
    try:
        link = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.info("chat.getPermalink for %s %s failed (%s): logged without a link", channel, ts, exc)
        return None
    return link if isinstance(link, str) and link.startswith("https://") else None


def author_of(message: dict, fetch_profile: ProfileFetcher) -> str:
    """The name of whoever wrote the message: a person's from their profile, an app's its own."""
    user = message.get("user")
    if isinstance(user, str) and user:
        profile = fetch_profile(user) or {}
        details = profile.get("profile") or {}
        for name in (details.get("display_name"), profile.get("real_name"), details.get("real_name"), profile.get("name")):
            if isinstance(name, str) and name.strip():
                return clean(name).strip()[:80]
        return user
    for name in (message.get("username"), (message.get("bot_profile") or {}).get("name")):
        if isinstance(name, str) and name.strip():
            return clean(name).strip()[:80]
    return "?"


def pack(channel: str | None, author: str, link: str | None, text: str) -> tuple[str, tuple[int, int] | None]:
    """The form's private_metadata: where the form was opened and the message, its text cut until
    the whole fits Slack's limit; with (kept, total) characters when it was cut."""
    data = {"channel": channel, "author": author, "link": link, "text": text}

    def dump(kept: str, cut: bool) -> str:
        return json.dumps({**data, "text": kept, **({"clipped": True} if cut else {})}, ensure_ascii=False)

    kept, packed = text, dump(text, False)
    while len(packed) > METADATA_LIMIT:
        kept = kept[: max(len(kept) - (len(packed) - METADATA_LIMIT), 0)]
        packed = dump(kept, True)
    return packed, ((len(kept), len(text)) if len(kept) < len(text) else None)


def unpack(view: dict) -> tuple[str | None, from_messages.SourceMessage]:
    """The channel and the message a log-a-message form carries; anything else is refused."""
    data = metadata_object(view)
    channel, author, link, text = (data.get(name) for name in ("channel", "author", "link", "text"))
    if not (isinstance(author, str) and isinstance(text, str)) or any(v is not None and not isinstance(v, str) for v in (channel, link)):
        raise BadInput("form_unreadable")
    return channel, from_messages.SourceMessage(text=text, author=author, link=link, clipped=data.get("clipped") is True)


def picked_deal(view: dict) -> int:
    """The number of the deal picked in the form; none, or anything but a number, is refused."""
    option = (values_of(view).get("deal") or {}).get(DEAL_PICK, {}).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    match = NUMBER.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise BadInput("sc_pick_deal", field="deal")
    return int(match.group(1))


def deal_fields(req: Request, text: str) -> dict[str, object]:
    """The new-deal form's fields from a message, read as `/opp new` reads its text (`五十万`,
    `成交日 下周五`, `下一步：发方案`, `预算:已批准`); a message that doesn't read that way gives
    its first line as the title."""
    try:
        answers, rest = take_answers(req, text)
        deal, owner = read_inline_deal(req, rest)
        if owner:
            with req.rt.transaction() as session:  # a mentioned owner becomes a member, as with /opp new
                member_id(req, owner, session)
    except BadInput:
        return {"title": clip_title(text.splitlines()[0] if text else "")}
    values: dict[str, object] = {name: getattr(deal, name) for name in TEXT_FIELDS}
    values["title"] = clip_title(deal.title or "")
    if deal.amount is not None:
        values["amount"] = exact_amount(deal.amount, deal.currency)
    tags, wants = needs.split(
        [tag for tag in map(needs.normalise, deal.tags or []) if tag]
    )  # `need:` tags go to the form's Customer needs, as the edit form shows them
    values["tags"], values["needs"] = ", ".join(tags), ", ".join(wants)
    values.update({f"q_{key}": choice for key, choice in answers.items()})
    owner = MENTION.match(" ".join(split_fields(rest).get("owner", [])))
    if owner:  # `负责人 @li`: read (and known as a member) above; the form's menu takes the Slack id
        values["owner"] = owner.group(1)
    return values


def clip_title(text: str) -> str:
    return text.strip()[: LIMITS["title"]]


# --- the listeners ----------------------------------------------------------------------------------


def on_log_to_deal(ack: Ack, shortcut: dict, client: WebClient, context: BoltContext) -> None:
    """Log to deal (记到商机) on a message: the form, with the message in its metadata."""
    ack()
    actor = context["actor"]
    channel, message = message_of(shortcut)
    link = permalink(client, channel, message)
    author = author_of(message, context["fetch_profile"])
    raw = message.get("text")
    text = clean(readable(raw, context["fetch_profile"])).strip() if isinstance(raw, str) else ""
    metadata, clipped = pack(channel, author, link, text)
    view = log_message_modal(actor.lang, author=author, text=text, metadata=metadata, clipped=clipped, linked=link is not None)
    open_modal(client, shortcut["trigger_id"], view, actor.lang, user=actor.slack_user_id)


def on_deal_pick(ack: Ack, body: dict, context: BoltContext) -> None:
    """The deal picker's options for what the person typed: deals of their workspace by number or name."""
    rt, actor = context["rt"], context["actor"]
    typed = body.get("value")
    with rt.reading() as session:
        found = from_messages.find_deals(session, actor, typed if isinstance(typed, str) else "")
    ack(options=[deal_option(d.number, d.title, d.account, d.status, actor.lang) for d in found])


def on_log_message_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    """The message logged on the deal picked, as `/opp log` would: a refusal (no deal picked, one
    that doesn't exist, one the person may not log to) is shown on the picker, and nothing is saved."""
    rt, actor = context["rt"], context["actor"]
    channel, message = unpack(view)
    number = picked_deal(view)
    with rt.transaction() as session:
        opp = from_messages.log_message(session, actor=actor, number=number, message=message, note=text_of(view, "note"), config=rt.config, clock=rt.clock)
        shown = deal_view(opp)
    ack()
    saved(client, context, card_for(rt, actor, shown, t(actor.lang, "sc_logged", number=number)), channel)


def on_deal_from_message(ack: Ack, shortcut: dict, client: WebClient, context: BoltContext) -> None:
    """Deal from message (从消息建商机): the new-deal form, filled in from the message."""
    ack()
    rt, actor = context["rt"], context["actor"]
    channel, message = message_of(shortcut)
    link = permalink(client, channel, message)
    values = deal_fields(Request(rt, actor, channel, context["fetch_profile"]), message_text(message))
    meta = forms.FormMeta(channel=channel, source=link)
    view = prefilled(forms.deal_modal(rt.config, actor.lang, owner=actor.slack_user_id, meta=meta), values)
    open_modal(client, shortcut["trigger_id"], view, actor.lang, user=actor.slack_user_id)


def on_new_deal(ack: Ack, shortcut: dict, client: WebClient, context: BoltContext) -> None:
    """New deal (新建商机) from the composer's shortcuts: the empty new-deal form."""
    ack()
    rt, actor = context["rt"], context["actor"]
    view = forms.deal_modal(rt.config, actor.lang, owner=actor.slack_user_id, meta=forms.FormMeta())
    open_modal(client, shortcut["trigger_id"], view, actor.lang, user=actor.slack_user_id)


def register(app: App) -> None:
    app.shortcut(Shortcut.LOG_TO_DEAL)(on_log_to_deal)
    app.shortcut(Shortcut.DEAL_FROM_MESSAGE)(on_deal_from_message)
    app.shortcut(Shortcut.NEW_DEAL)(on_new_deal)
    app.options(DEAL_PICK)(on_deal_pick)
    app.view(Form.LOG_MESSAGE)(on_log_message_form)
