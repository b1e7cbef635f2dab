"""`oppbot socket` end to end: the app as cmd_socket builds it (bot.cli.socket_handler, Bolt's
Socket Mode handler on slack_sdk's built-in client) asks the Web API stand-in for a WebSocket URL,
connects to the WebSocket stand-in (tests/socketslack.py), answers a slash command and a click over
the socket, and comes back after the socket is closed or Slack asks it to move."""

from __future__ import annotations

import pytest

from bot.cli import socket_handler
from tests.conftest import app_settings, payload_text
from tests.slackcheck import assert_valid_message
from tests.socketslack import SocketSlack

APP_TOKEN = "xapp-1-test"


@pytest.fixture
def socket(fake):
    with SocketSlack() as server:
        fake.workspace.socket_url = server.url
        yield server


@pytest.fixture
def handler(rt, fake, socket):
    """The app on the Socket Mode handler, connected; closed (its threads ended) at the end. Dead
    sockets are looked for every 0.5 s rather than Bolt's 10, to keep the test short."""
    handler = socket_handler(rt, app_settings(fake, signing_secret=None, app_token=APP_TOKEN), ping_interval=0.5)
    handler.connect()
    try:
        yield handler
    finally:
        handler.close()
        handler.app.after_answer.shutdown(wait=True)


def test_a_command_and_a_click_over_the_socket_and_again_after_it_closes_or_moves(handler, socket, slack, fake, db):
    first = socket.wait_connections(1)[0]
    opened = fake.calls("apps.connections.open")
    assert [c.token for c in opened] == [APP_TOKEN]  # asked with the app-level token, not the bot's
    assert first.greeted and first.ticket == "t1"

    command = socket.send(socket.envelope(slack.command_request("alice", "new Acme ERP 50万")))
    ack = socket.wait_ack(command["envelope_id"])
    assert set(ack) == {"envelope_id", "payload"}
    reply = ack["payload"]  # the reply rides on the acknowledgement
    assert_valid_message(reply)
    assert "Created #1" in payload_text(reply)
    assert db.deal(1).amount == 500000 and db.deal(1).title == "Acme ERP"
    assert not fake.calls("response_url")  # nothing went by the command's response_url instead

    edit = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"] if e.get("action_id") == "deal_edit")
    click = socket.send(socket.envelope(slack.click_request("alice", "deal_edit", edit["value"])))
    assert socket.wait_ack(click["envelope_id"]) == {"envelope_id": click["envelope_id"]}
    modal = fake.wait_for("views.open")[0].args
    assert modal["trigger_id"] == click["payload"]["trigger_id"]
    assert modal["view"]["title"]["text"] == "Edit #1"

    socket.drop()
    second = socket.wait_connections(2)[1]
    assert second.greeted and second.ticket == "t2"  # a new URL from a new apps.connections.open
    assert [c.token for c in fake.calls("apps.connections.open")] == [APP_TOKEN, APP_TOKEN]

    later = socket.send(socket.envelope(slack.command_request("alice", "new Globex CRM 8万")))
    assert "Created #2" in payload_text(socket.wait_ack(later["envelope_id"])["payload"])
    assert [d.title for d in db.deals()] == ["Acme ERP", "Globex CRM"]

    socket.refresh()  # Slack's "please move" before it closes a socket: the client moves at once
    third = socket.wait_connections(3)[2]
    assert third.greeted and third.ticket == "t3"
    last = socket.send(socket.envelope(slack.command_request("alice", "new Initech 3万")))
    assert "Created #3" in payload_text(socket.wait_ack(last["envelope_id"])["payload"])
    assert all(m.get("envelope_id") != last["envelope_id"] for m in second.received)  # acknowledged on the new socket
