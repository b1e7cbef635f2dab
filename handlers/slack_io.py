"""Talking back to Slack outside an acknowledgement: a reply shown to one person, a modal (with a
message instead when Slack refuses it), the Home tab, a file after the answer, and the profile
reader that fills in a member's name, language and timezone."""

from __future__ import annotations

import logging

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks.kit import Reply, warning
from bot.core.i18n import t
from bot.reporting.reports import Upload

log = logging.getLogger(__name__)

# Work after the answer (a file, an unfurl, a Home tab) is not bound by Slack's 3 s: its calls get
# the client's default, not the listeners' short one (bot.clients.ANSWER_TIMEOUT).
AFTER_ANSWER_TIMEOUT = 30


def unhurried(client: WebClient) -> WebClient:
    """``client`` for work after the answer: the same token, address and retries, the default timeout."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=AFTER_ANSWER_TIMEOUT, retry_handlers=client.retry_handlers, logger=client.logger)


def post_private(client: WebClient, user: str, channel: str | None, reply: Reply) -> None:
    """Show ``reply`` to one person: ephemeral in the channel they were in, else by DM."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, **reply.payload())
            return
        except SlackApiError as exc:  # e.g. not_in_channel: fall back to a DM
            log.info("chat.postEphemeral to %s failed (%s); sending a DM", channel, exc.response.get("error"))
    client.chat_postMessage(channel=user, **reply.payload())


def retry_after(error: SlackApiError) -> int | None:
    """The seconds a rate-limited call (429) was told to wait, or None for another error."""
    if error.response.get("error") != "ratelimited":
        return None
    return retry_after_header(error.response.headers)


def retry_after_header(headers: dict | None) -> int:
    """A 429's Retry-After in seconds (its value a string, or a list of them as slack_sdk's retry
    handlers see it); 1 without one, as slack_sdk reads it."""
    value = next((v for k, v in (headers or {}).items() if str(k).lower() == "retry-after"), None)
    value = str((value[0] if isinstance(value, list) and value else value) or "1").strip()
    return int(value) if value.isdigit() else 1


def open_modal(client: WebClient, trigger_id: str, view: dict, lang: str, *, respond: Respond | None = None, user: str | None = None) -> None:
    """Open ``view``; if Slack refuses (an expired trigger), say so under the message clicked or by DM."""
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except (SlackApiError, SlackClientError, OSError) as exc:
        refused = isinstance(exc, SlackApiError)
        log.warning("views.open failed: %s", exc.response.get("error") if refused else f"no answer from Slack ({exc!r})")
        wait = retry_after(exc) if refused else None
        if wait is not None:  # a 429: not waited out before the answer (bot.clients)
            reply = warning(t(lang, "modal_rate_limited", seconds=wait))
        else:
            reply = warning(t(lang, "modal_failed" if refused else "modal_no_answer"))
        if respond is not None:
            respond(response_type="ephemeral", replace_original=False, **reply.payload())
        elif user:
            client.chat_postMessage(channel=user, **reply.payload())


def publish_home(client: WebClient, user: str, view: dict) -> None:
    """Draw a Home tab; a refusal from Slack is logged, never shown as an error."""
    try:
        client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", user, exc.response.get("error"))


def upload_later(context, client: WebClient, upload: Upload | None, *, user: str, channel: str | None = None) -> None:
    """After the answer, on the app's ``after_answer`` executor: build ``upload`` and send it."""
    if upload is not None:
        context["after_answer"].submit(upload_file, unhurried(client), upload, user=user, channel=channel)


def upload_file(client: WebClient, upload: Upload, *, user: str, channel: str | None = None) -> None:
    """Build the file and upload it to ``channel``, or to the user's DM with the app. Runs after the
    answer, so a failure is logged: the person already has the figures."""
    try:
        content = upload.make()
        if channel is None:
            channel = client.conversations_open(users=user)["channel"]["id"]
        client.files_upload_v2(channel=channel, content=content, filename=upload.filename, title=upload.title)
    except Exception:
        log.exception("could not upload %s for %s", upload.filename, user)


def saved(client: WebClient, context, reply: Reply, channel: str | None) -> None:
    """After a form is saved: tell the person where they opened it (kept with the request, for a
    second copy of the form: handlers.replays). Their Home tab is redrawn after the answer
    (handlers.home_refresh)."""
    actor = context["actor"]
    context["private_reply"] = {"channel": channel, "reply": reply.payload()}
    post_private(client, actor.slack_user_id, channel, reply)
