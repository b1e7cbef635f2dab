"""Opening a modal, with a message instead when Slack refuses (e.g. an expired trigger)."""

import logging

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.i18n import t

log = logging.getLogger(__name__)


def open_modal(client: WebClient, trigger_id: str, view: dict, respond: Respond, lang: str) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed: %s", exc.response.get("error"))
        respond(response_type="ephemeral", replace_original=False, text="⚠️ " + t(lang, "modal_failed"))
