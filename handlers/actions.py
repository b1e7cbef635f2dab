"""Buttons and menus on deal cards, lists and alerts."""

import re

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers import alerts as alert_actions
from handlers import home
from handlers import deal_buttons as interactions
from bot.reporting import reports
from handlers import team
from bot.blocks import team as team_render
from handlers.args import Modal
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


# --- alert buttons (handlers.alerts) ---


def alert_log(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    ack()
    _modal_or_reply(alert_actions.open_log(context["rt"], context["actor"], int(action["value"]), _channel(body)), body, client, context, respond)


def alert_snooze(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    _alert_answer(alert_actions.snooze(context["rt"], context["actor"], action["value"]), respond)


def alert_reassign(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    alert_id = int(action["block_id"].removeprefix("alert_"))
    reply = alert_actions.reassign(context["rt"], context["actor"], alert_id, action["selected_user"], context["fetch_profile"])
    _alert_answer(reply, respond)


def alert_lost(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    _alert_answer(alert_actions.mark_lost(context["rt"], context["actor"], action["selected_option"]["value"]), respond)


def _alert_answer(outcome: alert_actions.Outcome, respond: Respond) -> None:
    if outcome.done:  # the alert, updated in place
        respond(replace_original=True, **outcome.reply.payload())
    else:
        respond(response_type="ephemeral", replace_original=False, **outcome.reply.payload())


def share_report(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = interactions.guarded(context["rt"], context["actor"], lambda: reports.share(context["rt"], context["actor"], action["value"]))
    if not isinstance(reply, reports.FileReply):  # a mistake: tell the clicker only
        respond(response_type="ephemeral", replace_original=False, **reply.payload())
        return
    respond(response_type="in_channel", replace_original=False, **reply.payload())
    if reply.upload:
        reports.send_file_later(client, reply.upload, user=context["actor"].slack_user_id, channel=_channel(body))


def home_new(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    _from_home(client, body, context, home.new_deal_modal(context["rt"], context["actor"]))


def home_deal(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    _from_home(client, body, context, home.deal_action(context["rt"], context["actor"], action["selected_option"]["value"]))


def home_brief(ack: Ack, action: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    view = home.toggle_brief(context["rt"], context["actor"], action["value"])
    client.views_publish(user_id=context["actor"].slack_user_id, view=view)


def _from_home(client: WebClient, body: dict, context: BoltContext, outcome) -> None:
    """The Home tab has no response_url: a modal opens, a message (a card, or why not) goes by DM."""
    if isinstance(outcome, Modal):
        try:
            client.views_open(trigger_id=body["trigger_id"], view=outcome.view)
        except SlackApiError:
            interactions.post_private(client, context["actor"].slack_user_id, None, home.modal_failed(context["actor"]))
        return
    interactions.post_private(client, context["actor"].slack_user_id, None, outcome)


# --- assignment offers and the public pool (handlers.team) ---


def offer_accept(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = team.click_accept(context["rt"], context["actor"], action["value"])
    respond(replace_original=False, **reply.payload())


def offer_decline(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    ack()
    _modal_or_reply(team.click_decline(context["rt"], context["actor"], action["value"]), body, client, context, respond)


def pool_claim(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = team.click_claim(context["rt"], context["actor"], action["value"])
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def risk(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = interactions.flag_risk(context["rt"], context["actor"], action["selected_option"]["value"])
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def register(app: App) -> None:
    app.action(team_render.OFFER_ACCEPT)(offer_accept)
    app.action(team_render.OFFER_DECLINE)(offer_decline)
    app.action(team_render.POOL_CLAIM)(pool_claim)
    app.action("alert_log")(alert_log)
    app.action(re.compile(r"^alert_snooze_\d+$"))(alert_snooze)
    app.action("alert_reassign")(alert_reassign)
    app.action("alert_lost")(alert_lost)
    app.action("deal_move")(move)
    app.action("deal_open")(open_deal)
    app.action("deal_history")(history)
    app.action("deal_risk")(risk)
    app.action("deal_edit")(edit)
    app.action("deal_log")(log_activity)
    app.action(reports.SHARE_ACTION)(share_report)
    app.action("home_new")(home_new)
    app.action("home_deal")(home_deal)
    app.action("home_brief")(home_brief)
