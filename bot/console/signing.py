"""The requests Slack sends to the app, built and signed the way Slack builds and signs them.

The console, the tests and the benchmarks all play Slack with this one module: slash commands (a
form), interactive payloads (block_actions, view_submission, shortcuts on a message and global
ones, block_suggestion for an external select's options: a form with one ``payload`` field)
and Events API callbacks (JSON). Each is signed with the app's signing secret as Slack does it
(``X-Slack-Signature: v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``, made by slack_sdk's
``SignatureVerifier``). How a request travels to the app (Bolt's dispatch, WSGI, HTTP) is up to
the caller.

    slack = SlackRequests("secret", team_id="T0001", team_domain="acme", app_id="A0001")
    request = slack.command(user_id="U0ALICE", user_name="alice", channel_id="C0SALES",
                            channel_name="sales", text="list", response_url=url, trigger_id="1.2")
    urllib.request.Request(base + "/slack/events", data=request.body.encode(), headers=request.headers)
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class SignedRequest:
    """A request body and the headers Slack sends with it (names in lower case)."""

    body: str
    headers: dict[str, str]


class SlackRequests:
    """Builds the requests Slack would send from one workspace and signs them with ``secret``.

    Wall-clock time is used for the signature's timestamp, as the app checks it against its own
    (Slack refuses nothing older than five minutes; neither does Bolt).
    """

    def __init__(self, secret: str, *, team_id: str, team_domain: str, app_id: str, token: str = "verification-token"):
        self.team_id, self.team_domain, self.app_id = team_id, team_domain, app_id
        self.token = token  # the legacy verification token Slack still sends; the app doesn't check it
        self._verifier = SignatureVerifier(secret)

    def sign(self, body: str, content_type: str = FORM, *, timestamp: str | None = None, signature: str | None = None) -> SignedRequest:
        """``body`` with Slack's headers. ``timestamp`` defaults to now and ``signature`` to the right
        one for it: pass either to make a request the app must refuse."""
        timestamp = timestamp or str(int(time.time()))
        signature = signature or self._verifier.generate_signature(timestamp=timestamp, body=body)
        return SignedRequest(body, {"content-type": content_type, "x-slack-request-timestamp": timestamp, "x-slack-signature": signature})

    def user(self, user_id: str, name: str) -> dict:
        """The ``user`` object of an interactive payload."""
        return {"id": user_id, "username": name, "name": name, "team_id": self.team_id}

    def command(
        self,
        *,
        user_id: str,
        user_name: str,
        channel_id: str,
        channel_name: str,
        text: str,
        response_url: str,
        trigger_id: str,
        command: str = "/opp",
        timestamp: str | None = None,
        signature: str | None = None,
    ) -> SignedRequest:
        """A slash command as typed by ``user_id`` in ``channel_id`` (``text`` as Slack sends it:
        mentions as <@U…|name>, &, < and > escaped)."""
        form = {
            "token": self.token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        return self.sign(urlencode(form), FORM, timestamp=timestamp, signature=signature)

    def interactive(self, payload: dict, *, timestamp: str | None = None, signature: str | None = None) -> SignedRequest:
        """Any interactive payload, posted as Slack posts them: a form with one ``payload`` field."""
        body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
        return self.sign(body, FORM, timestamp=timestamp, signature=signature)

    def block_actions(
        self, *, user: dict, actions: list[dict], channel: dict, container: dict, response_url: str, trigger_id: str, message: dict | None = None
    ) -> SignedRequest:
        """A button pressed or a menu option picked (``actions``) on a message in ``channel``;
        ``message`` is the message itself (Slack leaves it out for ephemeral ones)."""
        payload = {
            "type": "block_actions",
            "user": user,
            "api_app_id": self.app_id,
            "token": self.token,
            "container": container,
            "trigger_id": trigger_id,
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": channel,
            "state": {"values": {}},
            "response_url": response_url,
            "actions": actions,
        }
        if message is not None:
            payload["message"] = message
        return self.interactive(payload)

    def view_submission(self, *, user: dict, view: dict, trigger_id: str) -> SignedRequest:
        """A modal submitted; ``view`` carries what was typed in ``view["state"]["values"]``."""
        payload = {
            "type": "view_submission",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": user,
            "api_app_id": self.app_id,
            "token": self.token,
            "trigger_id": trigger_id,
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.interactive(payload)

    def message_action(self, *, user: dict, callback_id: str, channel: dict, message: dict, response_url: str, trigger_id: str) -> SignedRequest:
        """A message shortcut (``callback_id``) used on ``message`` in ``channel``."""
        payload = {
            "type": "message_action",
            "token": self.token,
            "action_ts": "1.2",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": user,
            "channel": channel,
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id,
            "response_url": response_url,
            "message_ts": message.get("ts"),
            "message": message,
        }
        return self.interactive(payload)

    def shortcut(self, *, user: dict, callback_id: str, trigger_id: str) -> SignedRequest:
        """A global shortcut (``callback_id``), from the composer or search: no channel, no message."""
        payload = {
            "type": "shortcut",
            "token": self.token,
            "action_ts": "1.2",
            "team": {"id": self.team_id, "domain": self.team_domain},
            "user": user,
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": trigger_id,
        }
        return self.interactive(payload)

    def block_suggestion(self, *, user: dict, action_id: str, block_id: str, value: str, view: dict | None = None) -> SignedRequest:
        """What a person typed in an external select (``action_id``), asking for its options; in a
        modal, ``view`` is the modal."""
        payload = {
            "type": "block_suggestion",
            "user": user,
            "container": {"type": "view", "view_id": (view or {}).get("id")} if view else {"type": "message"},
            "api_app_id": self.app_id,
            "token": self.token,
            "action_id": action_id,
            "block_id": block_id,
            "value": value,
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if view is not None:
            payload["view"] = view
        return self.interactive(payload)

    def event(self, event: dict, *, event_id: str, event_time: int) -> SignedRequest:
        """An Events API callback (JSON) carrying ``event``, e.g. app_home_opened."""
        envelope = {
            "token": self.token,
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": event_time,
            "event": event,
        }
        return self.sign(json.dumps(envelope, ensure_ascii=False), JSON)
