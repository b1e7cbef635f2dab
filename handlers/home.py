"""The App Home tab: drawn when someone opens it, with New deal, a menu on each deal (open its card,
log an activity), the morning-brief switch and each section's Previous / More buttons. The Home
tab has no response_url: a card goes to the person by DM, a modal opens over the tab. After any
request that changed something the tab is redrawn by handlers.home_refresh, not here."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks import forms
from bot.blocks.ids import Action
from bot.blocks.kit import clip
from bot.core.errors import BadInput
from bot.reporting.digests import set_brief
from bot.reporting.home import home_view, paging_from, seen_home
from handlers.args import QUOTE_LIMIT, chosen, request_of, value_number
from handlers.deals import log_modal, show
from handlers.slack_io import open_modal, post_private, publish_home


def on_home_opened(event: dict, client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home" or "actor" not in context:
        return
    actor = context["actor"]
    seen_home(context["rt"], actor)  # from now on a change redraws it (handlers.home_refresh)
    publish_home(client, actor.slack_user_id, home_view(context["rt"], actor))


def on_new(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    rt, actor = context["rt"], context["actor"]
    view = forms.deal_modal(rt.config, actor.lang, owner=actor.slack_user_id, meta=forms.FormMeta(channel=None))
    open_modal(client, body["trigger_id"], view, actor.lang, user=actor.slack_user_id)


def on_deal(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext) -> None:
    """A deal's menu on the Home tab: "open:12" sends its card by DM, "log:12" opens the log form."""
    ack()
    req = request_of(context, body)
    what, _, number = chosen(action).partition(":")
    if what == "log":
        open_modal(client, body["trigger_id"], log_modal(req, value_number(number)).view, req.lang, user=req.actor.slack_user_id)
    else:
        post_private(client, req.actor.slack_user_id, None, show(req, value_number(number)))


def on_brief(ack: Ack, action: dict, context: BoltContext) -> None:
    """The morning-brief button: turn it on or off (the tab is redrawn after the answer); a value
    that is neither is refused, not read as off."""
    ack()
    value = action.get("value")
    if value not in ("on", "off"):
        raise BadInput("bad_brief", value=clip(str(value or ""), QUOTE_LIMIT))
    set_brief(context["rt"], context["actor"], value == "on")


def on_page(ack: Ack, action: dict, client: WebClient, context: BoltContext) -> None:
    """Previous / More: redraw the tab with the section on the page the button names."""
    ack()
    actor = context["actor"]
    publish_home(client, actor.slack_user_id, home_view(context["rt"], actor, paging_from(action.get("value"))))


def register(app: App) -> None:
    app.event("app_home_opened")(on_home_opened)
    app.action(Action.HOME_NEW)(on_new)
    app.action(Action.HOME_DEAL)(on_deal)
    app.action(Action.HOME_BRIEF)(on_brief)
    app.action(Action.HOME_PAGE_NEXT)(on_page)
    app.action(Action.HOME_PAGE_PREV)(on_page)
