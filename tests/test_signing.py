"""The one request builder the console, the tests and the benchmarks share: what it signs is what
Slack would send, and a signature Bolt's verifier accepts."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier

from bot.console.signing import FORM, JSON, SlackRequests

SECRET = "signing-test-secret"


def requests() -> SlackRequests:
    return SlackRequests(SECRET, team_id="T0001", team_domain="acme", app_id="A0001", token="legacy")


def valid(request) -> bool:
    headers = request.headers
    return SignatureVerifier(SECRET).is_valid(body=request.body, timestamp=headers["x-slack-request-timestamp"], signature=headers["x-slack-signature"])


def test_a_slash_command_is_a_signed_form():
    request = requests().command(
        user_id="U0ALICE", user_name="alice", channel_id="C0SALES", channel_name="sales", text="new 云迁移 50万", response_url="http://x/r", trigger_id="1.2"
    )
    assert request.headers["content-type"] == FORM
    assert abs(int(request.headers["x-slack-request-timestamp"]) - time.time()) < 5
    assert valid(request)
    form = dict(parse_qsl(request.body))
    assert form["command"] == "/opp"
    assert (form["team_id"], form["team_domain"], form["api_app_id"], form["token"]) == ("T0001", "acme", "A0001", "legacy")
    assert (form["user_id"], form["channel_id"], form["text"], form["response_url"], form["trigger_id"]) == (
        "U0ALICE",
        "C0SALES",
        "new 云迁移 50万",
        "http://x/r",
        "1.2",
    )


def test_interactive_payloads_are_one_json_form_field():
    slack = requests()
    user = slack.user("U0BOB", "bob")
    action = {"type": "button", "action_id": "deal_edit", "block_id": "b", "value": "7"}
    clicked = slack.block_actions(
        user=user, actions=[action], channel={"id": "C0SALES"}, container={"type": "message"}, response_url="http://x/a", trigger_id="3.4"
    )
    payload = json.loads(dict(parse_qsl(clicked.body))["payload"])
    assert valid(clicked)
    assert (payload["type"], payload["actions"], payload["user"], payload["team"]) == ("block_actions", [action], user, {"id": "T0001", "domain": "acme"})
    assert "message" not in payload  # as for an ephemeral message

    view = {"type": "modal", "callback_id": "deal_new", "state": {"values": {}}}
    submitted = slack.view_submission(user=user, view=view, trigger_id="5.6")
    payload = json.loads(dict(parse_qsl(submitted.body))["payload"])
    assert valid(submitted)
    assert (payload["type"], payload["view"], payload["api_app_id"]) == ("view_submission", view, "A0001")


def test_an_event_is_signed_json():
    request = requests().event({"type": "app_home_opened", "user": "U0ALICE"}, event_id="Ev1", event_time=1700000000)
    assert request.headers["content-type"] == JSON
    assert valid(request)
    envelope = json.loads(request.body)
    assert (envelope["type"], envelope["event"]["type"], envelope["team_id"]) == ("event_callback", "app_home_opened", "T0001")


def test_a_forged_or_stale_request_keeps_what_it_was_given():
    slack = requests()
    forged = slack.sign("a=1", signature="v0=" + "0" * 64)
    assert forged.headers["x-slack-signature"] == "v0=" + "0" * 64
    assert not valid(forged)
    stale = slack.sign("a=1", timestamp="1700000000")
    assert stale.headers["x-slack-request-timestamp"] == "1700000000"
    assert SignatureVerifier(SECRET).generate_signature(timestamp="1700000000", body="a=1") == stale.headers["x-slack-signature"]
