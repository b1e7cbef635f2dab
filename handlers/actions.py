"""Buttons and menus on deal cards and lists."""

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import interactions
from bot.requests import Modal
from handlers.modals import open_modal


def _channel(body: dict) -> str | None:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")


def move(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply, moved = interactions.move_from_card(context["rt"], context["actor"], action["selected_option"]["value"])
    if moved:
        respond(replace_original=True, **reply.payload())
    else:  # a refusal or a mistake: say so to the clicker and keep the card
        respond(response_type="ephemeral", replace_original=False, **reply.payload())


def open_deal(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = interactions.show_card(context["rt"], context["actor"], int(action["value"]))
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def history(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = interactions.show_history(context["rt"], context["actor"], int(action["value"]))
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def edit(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    ack()
    _modal_or_reply(interactions.open_edit(context["rt"], context["actor"], int(action["value"]), _channel(body)), body, client, context, respond)


def log_activity(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    ack()
    _modal_or_reply(interactions.open_log(context["rt"], context["actor"], int(action["value"]), _channel(body)), body, client, context, respond)


def _modal_or_reply(outcome, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    if isinstance(outcome, Modal):
        open_modal(client, body["trigger_id"], outcome.view, respond, context["actor"].lang)
    else:
        respond(response_type="ephemeral", replace_original=False, **outcome.payload())


def register(app: App) -> None:
    app.action("deal_move")(move)
    app.action("deal_open")(open_deal)
    app.action("deal_history")(history)
    app.action("deal_edit")(edit)
    app.action("deal_log")(log_activity)
