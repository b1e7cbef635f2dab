"""The buttons on an alert (bot.alerts.actions does the work): the clicked copy is replaced at once
with the updated alert; a refusal is said to the clicker alone."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.alerts import actions
from bot.blocks import forms
from bot.blocks.ids import ALERT_SNOOZE, Action
from handlers.args import channel_of, chosen, chosen_user, value_number
from handlers.slack_io import open_modal

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
