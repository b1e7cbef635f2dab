"""Slack's Socket Mode end, for testing `oppbot socket`: a local WebSocket server (the ``websockets``
package) that greets each connection with ``hello``, sends the envelopes a test gives it and keeps
what the app sends back (the acknowledgements).

    with SocketSlack() as socket:
        fake.workspace.socket_url = socket.url        # apps.connections.open hands out ws://127.0.0.1:…
        handler = socket_handler(rt, settings); handler.connect()
        socket.wait_connections(1)
        sent = socket.send(socket.envelope(slack.command_request("alice", "new Acme")))
        ack = socket.wait_ack(sent["envelope_id"])  # {"envelope_id": …, "payload": {…the reply…}}
        socket.drop()                                  # the socket closes, as Slack closes them
        socket.wait_connections(2)                     # the client came back on a new URL

Envelopes are built from the signed requests the HTTP tests send (bot/console/signing.py), so a
command or a click carries the same fields in both modes. Waits are bounded (``timeout``)."""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from bot.console.signing import SignedRequest
from bot.console.slack_api import APP_ID

WAIT = 5.0  # seconds a wait gives the app at most


@dataclass
class Connection:
    """One WebSocket the app opened: the ticket of the URL it used, and every message it sent."""

    ticket: str
    ws: ServerConnection = field(repr=False)
    received: list[dict] = field(default_factory=list)
    greeted: bool = False


class SocketSlack:
    """The WebSocket stand-in. See the module docstring."""

    def __init__(self):
        self._changed = threading.Condition()
        self._tickets = itertools.count(1)
        self._envelopes = itertools.count(1)
        self.connections: list[Connection] = []
        self._server = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SocketSlack:
        self._server = serve(self._serve, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, name="SocketSlack", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and close every socket still open."""
        if self._server is not None:
            self._server.shutdown()
            self._thread.join(timeout=WAIT)
            for connection in self.connections:
                connection.ws.close()
            self._server = None

    def __enter__(self) -> SocketSlack:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def url(self) -> str:
        """A new WebSocket URL, as apps.connections.open answers (one ticket per call)."""
        port = self._server.socket.getsockname()[1]
        return f"ws://127.0.0.1:{port}/link/?ticket=t{next(self._tickets)}&app_id={APP_ID}"

    # ------------------------------------------------------------------ the server's side

    def _serve(self, ws: ServerConnection) -> None:
        ticket = dict(parse_qsl(ws.request.path.partition("?")[2])).get("ticket", "")
        connection = Connection(ticket, ws)
        hello = {"type": "hello", "num_connections": 1, "debug_info": {"host": "local"}, "connection_info": {"app_id": APP_ID}}
        ws.send(json.dumps(hello))
        with self._changed:
            connection.greeted = True
            self.connections.append(connection)
            self._changed.notify_all()
        try:
            for message in ws:
                with self._changed:
                    connection.received.append(json.loads(message))
                    self._changed.notify_all()
        except ConnectionClosed:
            pass

    # ------------------------------------------------------------------ what tests do

    def envelope(self, request: SignedRequest) -> dict:
        """The Socket Mode envelope of a request the HTTP tests would post: a slash command
        (``slash_commands``, its form fields as the payload) or an interactive payload (``interactive``)."""
        form = dict(parse_qsl(request.body, keep_blank_values=True))
        envelope_id = f"env-{next(self._envelopes)}"
        if set(form) == {"payload"}:
            payload = json.loads(form["payload"])
            accepts = payload["type"] not in ("block_actions", "block_suggestion")  # Slack takes no reply to these on the ack
            return {"envelope_id": envelope_id, "type": "interactive", "payload": payload, "accepts_response_payload": accepts}
        return {"envelope_id": envelope_id, "type": "slash_commands", "payload": form, "accepts_response_payload": True}

    def send(self, envelope: dict) -> dict:
        """Send ``envelope`` on the newest socket; returns it."""
        with self._changed:
            connection = self.connections[-1]
        connection.ws.send(json.dumps(envelope, ensure_ascii=False))
        return envelope

    def drop(self) -> None:
        """Close the newest socket (a close frame, "going away"), as Slack does when it moves a connection."""
        with self._changed:
            connection = self.connections[-1]
        connection.ws.close(1001, "going away")

    def refresh(self) -> None:
        """Ask the app to move to a new socket, as Slack does every few hours before it closes one
        (a ``disconnect`` message, reason ``refresh_requested``)."""
        self.send({"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "local"}})

    def wait_connections(self, count: int, timeout: float = WAIT) -> list[Connection]:
        """Block until ``count`` sockets were opened (each greeted); AssertionError on timeout."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.connections) >= count, timeout):
                raise AssertionError(f"{len(self.connections)} WebSocket connection(s) within {timeout}s, expected {count}")
            return list(self.connections)

    def wait_ack(self, envelope_id: str, timeout: float = WAIT) -> dict:
        """The app's acknowledgement of ``envelope_id``; AssertionError when none came in time."""

        def ack() -> dict | None:
            return next((m for c in self.connections for m in c.received if m.get("envelope_id") == envelope_id), None)

        with self._changed:
            if not self._changed.wait_for(lambda: ack() is not None, timeout):
                seen = [m for c in self.connections for m in c.received]
                raise AssertionError(f"no acknowledgement of {envelope_id} within {timeout}s; received: {seen or 'nothing'}")
            return ack()
