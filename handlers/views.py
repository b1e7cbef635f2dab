"""Modal submissions: new deal, edit deal, log activity."""

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks import forms
from handlers import home
from handlers import deal_buttons as interactions
from handlers import team
from bot.blocks import team as team_render


def deal_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    rt, actor = context["rt"], context["actor"]
    _finish(ack, client, context, interactions.guarded_form(rt, actor, lambda: interactions.submit_deal_form(rt, actor, view, context["fetch_profile"])))


def log_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    rt, actor = context["rt"], context["actor"]
    _finish(ack, client, context, interactions.guarded_form(rt, actor, lambda: interactions.submit_log_form(rt, actor, view)))


def _finish(ack: Ack, client: WebClient, context: BoltContext, outcome) -> None:
    if isinstance(outcome, interactions.FormErrors):
        ack(response_action="errors", errors=outcome.errors)
        return
    ack()
    interactions.post_private(client, context["actor"].slack_user_id, outcome.channel, outcome.reply)
    home.publish(client, context["rt"], context["actor"])  # the Home tab shows the change


def decline_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    _finish(ack, client, context, team.submit_decline(context["rt"], context["actor"], view))


def register(app: App) -> None:
    app.view(team_render.OFFER_DECLINE_FORM)(decline_form)
    app.view(forms.NEW_DEAL)(deal_form)
    app.view(forms.EDIT_DEAL)(deal_form)
    app.view(forms.LOG_ACTIVITY)(log_form)
