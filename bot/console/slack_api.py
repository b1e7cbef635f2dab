"""A local stand-in for Slack's Web API: the HTTP server and the record of every call.

``FakeSlack`` runs a small HTTP server on 127.0.0.1 (random port) that answers Web API methods
with plausible, Slack-shaped responses (see slack_workspace.py) and records every request it
receives. Point a ``slack_sdk.WebClient`` at it with ``base_url=fake.api_url`` and hand
``fake.response_url()`` to code that posts to a slash command's or an action's ``response_url``.

    with FakeSlack() as fake:
        fake.add_user("U123", name="alice")
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.last("chat.postMessage").args["text"] == "hi"

A subclass can make requests fail (rate limits, outages) by overriding :meth:`FakeSlack.refuse`.
``fake.enforce_limits()`` makes it answer like Slack over Slack's rate limits (HTTP 429 with
``Retry-After``; slack_rates.py), on the clock given to :meth:`FakeSlack.use_clock`; off by default.
Only the standard library is used, so the module can ship with the app (the terminal console
uses it too).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email.parser
import email.policy
import json
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.console.slack_install import AUTHORIZE_PATH as INSTALL_PATH
from bot.console.slack_install import METHODS as INSTALL_METHODS
from bot.console.slack_install import FakeInstall
from bot.console.slack_openid import AUTHORIZE_PATH, FakeOpenID
from bot.console.slack_openid import METHODS as OPENID_METHODS
from bot.console.slack_rates import RateLimits
from bot.console.slack_workspace import APP_ID, BOT_ID, BOT_USER_ID, TEAM_ID, TEAM_NAME, TEAM_URL, FakeWorkspace

__all__ = ["APP_ID", "BOT_ID", "BOT_USER_ID", "TEAM_ID", "TEAM_NAME", "TEAM_URL", "Call", "FakeSlack", "Refusal"]

# Form fields that slack_sdk sends as JSON-encoded strings.
JSON_FIELDS = frozenset({"blocks", "view", "attachments", "metadata", "files", "unfurls"})

# path prefix -> (kind of request, the method recorded for it; None: the rest of the path)
_ROUTES = {"/api/": ("api", None), "/response/": ("response", "response_url"), "/upload/": ("upload", "file_upload")}


@dataclass
class Call:
    """One request received by :class:`FakeSlack`.

    ``method`` is the Web API method name (``"chat.postMessage"``), or
    ``"response_url"`` for posts to a response URL, or ``"file_upload"`` for the
    bytes posted to an upload URL from ``files.getUploadURLExternal``.
    ``failed`` is true when the answer was an HTTP error or ``"ok": false``;
    ``error`` then holds Slack's error string (or ``"http_<status>"``).
    ``response`` is the JSON answer that was sent back.
    """

    method: str
    args: dict
    at: float
    failed: bool = False
    error: str | None = None
    response: dict | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Refusal:
    """An answer given instead of the method's own: HTTP ``status`` with
    ``{"ok": false, "error": error}``, and a ``Retry-After`` header when ``retry_after`` is set."""

    status: int
    error: str
    retry_after: int | None = None


@dataclass
class _Request:
    """What arrived, before it is understood."""

    kind: str  # api | response | upload
    method: str
    key: str  # the rest of the path: the method, the response URL's key or the file id
    query: dict
    body: bytes
    content_type: str
    token: str | None


def _read_request(handler: _Handler) -> _Request | None:
    """The request ``handler`` holds, or None for a URL the fake does not serve."""
    url = urlsplit(handler.path)
    path = unquote(url.path)
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length > 0 else b""
    auth = handler.headers.get("Authorization") or ""
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    for prefix, (kind, method) in _ROUTES.items():
        if path.startswith(prefix):
            key = path[len(prefix) :]
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            if auth.lower().startswith("basic "):  # an app's own credentials (openid.connect.token)
                query["client_id"] = _basic_user(auth[6:])
            return _Request(kind, method or key, key, query, body, handler.headers.get("Content-Type") or "", token)
    return None


def _basic_user(credentials: str) -> str:
    """The user part (an app's client id) of HTTP Basic credentials; "" when unreadable."""
    try:
        return base64.b64decode(credentials.strip(), validate=True).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _decode_json_fields(args: dict) -> dict:
    for key in JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)
    return args


def _parse_multipart(content_type: str, body: bytes) -> dict:
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    args: dict = {}
    if not message.is_multipart():
        return args
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_param("filename", header="content-disposition") is not None:
            args[name] = payload
        else:
            args[name] = payload.decode("utf-8", errors="replace")
    return args


def _parse_body(content_type: str, body: bytes) -> dict:
    if not body:
        return {}
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "application/json":
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("JSON body is not an object")
        return data
    if ctype == "multipart/form-data":
        return _parse_multipart(content_type, body)
    # form-encoded (also the default when no content type is sent)
    args = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    if set(args) == {"payload"}:  # incoming-webhook style form post
        try:
            payload = json.loads(args["payload"])
            if isinstance(payload, dict):
                return payload
        except ValueError:
            pass
    return args


class FakeSlack:
    """A fake Slack Web API server. See the module docstring."""

    def __init__(self, listener: Callable[[Call], None] | None = None):
        self.listener: Callable[[Call], None] | None = listener
        self.workspace = FakeWorkspace(base_url=lambda: self.base_url)
        self.openid = FakeOpenID(self.workspace.user)  # Sign in with Slack (bot/console/slack_openid.py)
        self.install = FakeInstall()  # installing the app by OAuth (bot/console/slack_install.py)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.limits: RateLimits | None = None  # Slack's rate limits, once enforce_limits() is called

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeSlack:
        """Start serving (idempotent). Returns ``self``."""
        with self._lock:
            if self._server is not None:
                return self
            handler = type("_BoundHandler", (_Handler,), {"fake": self})
            server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
            server.daemon_threads = True
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"FakeSlack:{server.server_address[1]}",
                daemon=True,
            )
            self._server, self._thread = server, thread
        thread.start()
        return self

    def close(self) -> None:
        """Stop serving (idempotent)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ URLs

    @property
    def port(self) -> int:
        server = self._server
        if server is None:
            raise RuntimeError("FakeSlack is not started; call start() or use it as a context manager")
        return server.server_address[1]

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """Pass as ``base_url`` to ``slack_sdk.WebClient``."""
        return f"{self.base_url}/api/"

    def response_url(self, key: str = "r") -> str:
        """A URL that records what is posted to it as a ``"response_url"`` call with ``args["_key"] == key``."""
        return f"{self.base_url}/response/{key}"

    # ------------------------------------------------------------------ the workspace

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        tz: str = "Asia/Shanghai",
        locale: str = "zh-CN",
        is_admin: bool = False,
        kind: str = "member",
    ) -> None:
        """Register a user for ``users.info`` / ``users.list``; ``kind``: "member", "guest" or
        "external" (someone of another organisation in a shared channel)."""
        self.workspace.add_user(user_id, name=name, real_name=real_name, tz=tz, locale=locale, is_admin=is_admin, kind=kind)

    def add_channel(self, name: str, *, private: bool = False, archived: bool = False, ext_shared: bool = False) -> str:
        """Make a channel for ``conversations.list`` and ``conversations.info`` (public, live and not
        shared with another organisation unless told); returns its id. Posting to "#name" makes a
        public one the first time."""
        return self.workspace.add_channel(name, private=private, archived=archived, ext_shared=ext_shared)

    def use_clock(self, now: Callable[[], float]) -> None:
        """Stamp new messages with ``now()`` (seconds since the epoch) instead of a counter from 2023,
        so ``oldest``/``latest`` in conversations.history compare with the app's clock."""
        self.workspace.clock = now

    def enforce_limits(self, *, channel_burst: int = 3) -> RateLimits:
        """From now on, answer a call over Slack's rate limits (per token and method; posts per
        channel, ``channel_burst`` at once) with HTTP 429 and ``Retry-After``, as Slack does. Time
        is the clock given to :meth:`use_clock` (the wall clock without one). Returns the limits
        (``.refused``: how many calls were refused)."""
        self.limits = RateLimits(lambda: (self.workspace.clock or time.time)(), channel_burst=channel_burst)
        return self.limits

    def messages(self, channel: str) -> list[dict]:
        """Messages posted to a conversation (a "#name", a user id for a DM, or an id), oldest first."""
        return self.workspace.messages(channel)

    # ------------------------------------------------------------------ recorded calls

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls, oldest first; only those to ``method`` if given."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: str | None = None) -> Call:
        """The most recent call to ``method`` (any method if None); AssertionError if there is none."""
        with self._lock:
            for call in reversed(self._calls):
                if method is None or call.method == method:
                    return call
            seen = [c.method for c in self._calls]
        raise AssertionError(f"no {method or 'API'!r} call recorded; calls seen: {seen or 'none'}")

    def wait_for(self, method: str | None = None, *, count: int = 1, timeout: float = 2.0) -> list[Call]:
        """Block until at least ``count`` calls to ``method`` were recorded; return them.

        For code that calls Slack from another thread. AssertionError on timeout.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self._calls if method is None or c.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {count} {method or 'API'!r} call(s), got {len(found)}; calls seen: {seen or 'none'}"
                    )
                self._changed.wait(remaining)

    def clear(self) -> None:
        """Forget recorded calls (users and views are kept)."""
        with self._lock:
            self._calls.clear()

    def refuse(self, method: str) -> Refusal | None:
        """An error to answer a request to ``method`` with instead of its answer; asked for every
        request, before it is answered. None here: the stand-in never fails on its own."""
        return None

    # ------------------------------------------------------------------ internals

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()
        listener = self.listener
        if listener is not None:
            try:
                listener(call)
            except Exception:
                traceback.print_exc(file=sys.stderr)

    def _handle(self, handler: _Handler) -> None:
        if urlsplit(handler.path).path == AUTHORIZE_PATH:
            self._authorize(handler)
            return
        if urlsplit(handler.path).path == INSTALL_PATH:
            self._authorize(handler, "oauth.v2.authorize", self.install.authorize)
            return
        request = _read_request(handler)
        if request is None:
            handler._send(404, {"ok": False, "error": "unknown_url"})
            return
        if request.kind == "upload":
            args = self.workspace.upload(request.key, request.body)
            token = request.token
        else:
            args = dict(request.query)
            try:
                args.update(_parse_body(request.content_type, request.body))
            except ValueError as exc:
                error = "invalid_json" if "json" in request.content_type else "invalid_form_data"
                call = Call(request.method, args, time.time(), token=request.token)
                self._respond(handler, call, 200, {"ok": False, "error": error, "detail": str(exc)})
                return
            _decode_json_fields(args)
            token = request.token
            if request.kind == "response":
                args["_key"] = request.key
            elif token is None and isinstance(args.get("token"), str):
                token = args["token"]
        call = Call(method=request.method, args=args, at=time.time(), token=token)
        refusal = self.refuse(request.method)
        if refusal is not None:
            headers = {"Retry-After": str(refusal.retry_after)} if refusal.retry_after is not None else {}
            self._respond(handler, call, refusal.status, {"ok": False, "error": refusal.error}, headers)
            return
        limits = self.limits
        wait = limits.retry_after(token, request.method, args) if limits is not None and request.kind == "api" else None
        if wait is not None:
            self._respond(handler, call, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)})
            return
        if request.kind == "upload":
            self._respond(handler, call, 200, None, text=f"OK - {len(request.body)}")
        else:
            self._respond(handler, call, 200, self._answer(request.kind, call))

    def _answer(self, kind: str, call: Call) -> dict:
        if kind == "response":
            return {"ok": True}
        if call.method in OPENID_METHODS:
            return self.openid.answer(call.method, call.args, call.token)
        if call.method in INSTALL_METHODS:
            return self.install.answer(call.method, call.args)
        if not call.token and call.method not in ("api.test",):
            return {"ok": False, "error": "not_authed"}
        try:
            return self.workspace.answer(call.method, call.args)
        except Exception as exc:  # a bug here should surface as an answer, not a hung client
            traceback.print_exc(file=sys.stderr)
            return {"ok": False, "error": "fatal_error", "detail": repr(exc)}

    def _authorize(self, handler: _Handler, method: str = "openid.connect.authorize", authorize: Callable[[dict], str] | None = None) -> None:
        """An authorize page (Sign in with Slack's, or an install's): the browser is sent straight back to the app."""
        query = dict(parse_qsl(urlsplit(handler.path).query, keep_blank_values=True))
        call = Call(method, query, time.time())
        try:
            location = (authorize or self.openid.authorize)(query)
        except ValueError as exc:
            self._respond(handler, call, 400, {"ok": False, "error": "bad_redirect_uri", "detail": str(exc)})
            return
        call.response = {"location": location}
        self._record(call)
        handler._send(302, None, headers={"Location": location}, text="")

    def _respond(
        self,
        handler: _Handler,
        call: Call,
        status: int,
        payload: dict | None,
        headers: dict | None = None,
        text: str | None = None,
    ) -> None:
        call.response = payload
        if status != 200:
            call.failed, call.error = True, (payload or {}).get("error") or f"http_{status}"
        elif payload is not None and payload.get("ok") is False:
            call.failed, call.error = True, payload.get("error")
        self._record(call)
        handler._send(status, payload, headers=headers, text=text)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack  # set on the per-server subclass
    server_version = "FakeSlack/1.0"

    def do_POST(self) -> None:  # noqa: N802
        self.fake._handle(self)

    def do_GET(self) -> None:  # noqa: N802
        self.fake._handle(self)

    def _send(self, status: int, payload: dict | None, *, headers: dict | None = None, text: str | None = None) -> None:
        if payload is not None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        else:
            data = (text or "").encode("utf-8")
            content_type = "text/plain; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # silence per-request logging
        pass
