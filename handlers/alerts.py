"""The buttons on an alert (bot.alerts.actions does the work): the clicked copy is replaced at once
with the updated alert; a refusal is said to the clicker alone. And ``/opp alerts`` (提醒设置): how
a person hears about their own deals (bot.alerts.preferences)."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.alerts import actions, preferences
from bot.blocks import forms
from bot.blocks.alerts import when_text
from bot.blocks.ids import ALERT_SNOOZE, Action
from bot.blocks.kit import Reply, message
from bot.core.errors import BadInput
from bot.core.i18n import t
from handlers.args import Request, channel_of, chosen, chosen_user, value_number
from handlers.slack_io import open_modal

# --- /opp alerts ----------------------------------------------------------------------------------

MODE_OF = {
    "default": "each",
    "默认": "each",
    "dm": "dm",
    "each": "dm",
    "私信": "dm",
    "bundle": "bundle",
    "daily": "bundle",
    "汇总": "bundle",
    "每日汇总": "bundle",
    "channel": "channel",
    "频道": "channel",
    "dm-only": "dm_only",
    "dm_only": "dm_only",
    "仅私信": "dm_only",
}
MUTE_WORDS = ("mute", "静音")
UNMUTE_WORDS = ("unmute", "取消静音")
DAYS = re.compile(r"^(\d{1,3})\s*(d|days?|天)?$", re.IGNORECASE)


def cmd_alerts(req: Request, rest: str) -> Reply:
    """``/opp alerts default|dm|bundle|channel|dm-only|mute 3d|unmute`` — the person's own alert preference."""
    word, _, arg = rest.partition(" ")
    word = word.lower()
    if word in MODE_OF and not arg.strip():
        mode = MODE_OF[word]
        preferences.set_mode(req.rt, req.actor, mode)
        return message(t(req.lang, f"alert_pref_{mode}", time=req.rt.config.alerts.bundle_time))
    if word in UNMUTE_WORDS and not arg.strip():
        preferences.mute(req.rt, req.actor, 0)
        return message(t(req.lang, "alert_pref_unmuted"))
    days = DAYS.match(arg.strip())
    if word in MUTE_WORDS and days and 1 <= int(days.group(1)) <= preferences.MAX_MUTE_DAYS:
        until = preferences.mute(req.rt, req.actor, int(days.group(1)))
        return message(t(req.lang, "alert_pref_muted", until=when_text(until.astimezone(req.rt.config.tz), req.lang)))
    raise BadInput("need_alert_pref", limit=preferences.MAX_MUTE_DAYS)


SUBCOMMANDS = {"alerts": cmd_alerts}


# --- listeners ------------------------------------------------------------------------------------


def _pair(value: str) -> tuple[int, str]:
    """ "<alert id>:<rest>" as a button carries it."""
    alert_id, _, rest = (value or "").partition(":")
    return value_number(alert_id), rest


def on_log(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    ack()
    rt, actor = context["rt"], context["actor"]
    number = actions.start_log(rt, actor, value_number(action.get("value")))
    view = forms.log_modal(actor.lang, number=number, meta=forms.FormMeta(channel=channel_of(body), number=number))
    open_modal(client, body["trigger_id"], view, actor.lang, respond=respond)


def on_snooze(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    alert_id, days = _pair(action.get("value"))
    respond(replace_original=True, **actions.snooze(context["rt"], context["actor"], alert_id, value_number(days)).payload())


def on_reassign(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    alert_id = value_number((action.get("block_id") or "").removeprefix("alert_"))
    reply = actions.reassign(context["rt"], context["actor"], alert_id, chosen_user(action), context["fetch_profile"])
    respond(replace_original=True, **reply.payload())


def on_lost(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    alert_id, reason = _pair(chosen(action))
    respond(replace_original=True, **actions.mark_lost(context["rt"], context["actor"], alert_id, reason).payload())


def register(app: App) -> None:
    app.action(Action.ALERT_LOG)(on_log)
    app.action(ALERT_SNOOZE)(on_snooze)
    app.action(Action.ALERT_REASSIGN)(on_reassign)
    app.action(Action.ALERT_LOST)(on_lost)
