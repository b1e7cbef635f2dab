"""The one error path. A listener lets a ``UserError`` (or anything unexpected) propagate; Bolt
hands it to ``on_error`` (registered with ``@app.error``), which answers on the surface the person
used, in their language: the slash command's reply, inline modal errors (never an empty 200 that
would close the form as if saved), an ephemeral note under a button, or a DM from the Home tab.
Unexpected errors are logged with a reference the person is shown: the id of the request, which
every log line of that request carries too (bot.core.request_context)."""

from __future__ import annotations

import json
import logging

from slack_bolt import BoltContext, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks.errors import error_text
from bot.blocks.ids import Form
from bot.blocks.kit import Reply, warning
from bot.core.config import Config
from bot.core.errors import Replayed, UserError
from bot.core.i18n import t
from bot.core.request_context import reference
from handlers import replays
from handlers.slack_io import retry_after

log = logging.getLogger(__name__)


def error_reply(err: UserError, config: Config, lang: str) -> Reply:
    return warning(error_text(err, config, lang))


def internal_error_text(lang: str, what: str) -> str:
    """Log the exception being handled under the request's id; the apology that quotes it."""
    ref = reference()
    log.exception("%s failed (ref %s)", what, ref)
    return t(lang, "internal_error", ref=ref)


def explain(error: Exception, config: Config, lang: str, what: str) -> str:
    if isinstance(error, UserError):
        return error_text(error, config, lang)
    wait = retry_after(error) if isinstance(error, SlackApiError) else None
    if wait is not None:  # a 429 too long to wait for before the answer (bot.clients): say when to try again
        log.warning("%s: Slack answered 429 (retry after %s s)", what, wait)
        return t(lang, "slack_rate_limited", seconds=wait)
    return internal_error_text(lang, what)


def _lang(context: BoltContext, config: Config) -> str:
    actor = context.get("actor")
    return actor.lang if actor else config.language


def _json(payload: dict) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(payload, ensure_ascii=False), headers={"content-type": "application/json"})


# Where a form shows an error that is not about one of its fields.
MAIN_FIELD = {
    Form.NEW_DEAL: "title",
    Form.EDIT_DEAL: "title",
    Form.LOG_ACTIVITY: "text",
    Form.OFFER_DECLINE: "reason",
    Form.HANDOVER: "scope",
    Form.REVIEW: "lesson",
}


def form_errors(view: dict, error: Exception, text: str) -> dict:
    """``response_action: errors`` on the field at fault, else on the form's main field."""
    inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input" and b.get("block_id")]
    field = getattr(error, "field", None)
    if field not in inputs:
        field = MAIN_FIELD.get(view.get("callback_id"), inputs[0] if inputs else "title")
    return {"response_action": "errors", "errors": {field: text}}


def on_error(error: Exception, body: dict, context: BoltContext, client: WebClient, respond: Respond | None) -> BoltResponse:
    """Bolt's global error handler: say what went wrong where the person is looking."""
    rt = context.get("rt")
    if isinstance(error, Replayed) and rt is not None:  # a copy of a request done at the same moment
        return replays.repeat(body, context, client)
    context["failed"] = True  # an answer not to give a copy of this request again (handlers.replays)
    kind = body.get("type") or ("command" if body.get("command") else "event")
    if rt is None:
        text = internal_error_text("en", kind)
    else:
        text = explain(error, rt.config, _lang(context, rt.config), kind)
    if body.get("command"):
        return _json({"response_type": "ephemeral", **warning(text).payload()})
    if kind == "view_submission":
        return _json(form_errors(body.get("view") or {}, error, text))
    if kind == "block_actions":
        _tell_clicker(body, client, respond, warning(text))
    return BoltResponse(status=200, body="")


def _tell_clicker(body: dict, client: WebClient, respond: Respond | None, reply: Reply) -> None:
    """Under the message clicked (its response_url), else by DM (the Home tab has none)."""
    user = (body.get("user") or {}).get("id")
    try:
        if respond is not None and body.get("response_url"):
            respond(response_type="ephemeral", replace_original=False, **reply.payload())
        elif user:
            client.chat_postMessage(channel=user, **reply.payload())
    except (SlackApiError, SlackClientError, OSError):
        log.warning("could not tell %s what went wrong", user)
