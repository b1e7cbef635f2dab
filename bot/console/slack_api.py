"""A local stand-in for Slack's Web API.

``FakeSlack`` runs a small HTTP server on 127.0.0.1 (random port) that answers
Web API methods with plausible, Slack-shaped responses and records every request
it receives.  Point a ``slack_sdk.WebClient`` at it with ``base_url=fake.api_url``
and hand ``fake.response_url()`` to code that posts to a slash command's or an
action's ``response_url``.

    with FakeSlack() as fake:
        fake.add_user("U123", name="alice")
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        client.chat_postMessage(channel="C1", text="hi")
        assert fake.last("chat.postMessage").args["text"] == "hi"

Only the standard library is used, so the module can ship with the app (the
terminal console uses it too).
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import itertools
import json
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["Call", "FakeSlack"]

TEAM_ID = "T0001"
TEAM_NAME = "Fake Workspace"
TEAM_URL = "https://fake-workspace.slack.com/"
BOT_USER_ID = "UBOT"
BOT_ID = "B0001"
APP_ID = "A0001"

# Form fields that slack_sdk sends as JSON-encoded strings.
JSON_FIELDS = frozenset({"blocks", "view", "attachments", "metadata", "files"})

_FIRST_TS_MICROS = 1_700_000_000_000_100
_TS_STEP_MICROS = 100


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
    error: Optional[str] = None
    response: Optional[dict] = field(default=None, repr=False)
    token: Optional[str] = field(default=None, repr=False)


@dataclass
class _User:
    id: str
    name: str
    real_name: str
    tz: str
    locale: str
    is_admin: bool


@dataclass
class _FailRule:
    method: Optional[str]
    status: int
    remaining: int
    retry_after: Optional[int]
    error: Optional[str]


class _Failure(Exception):
    """Raised inside the request handler to answer with an injected failure."""

    def __init__(self, status: int, error: str, retry_after: Optional[int] = None):
        super().__init__(error)
        self.status = status
        self.error = error
        self.retry_after = retry_after


def _tz_offset(tz_name: str) -> int:
    try:
        from zoneinfo import ZoneInfo

        offset = datetime.now(ZoneInfo(tz_name)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0
    except Exception:  # unknown zone or no tz database
        return 0


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _decode_json_fields(args: dict) -> dict:
    for key in JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                args[key] = json.loads(value)
            except ValueError:
                pass
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


class FakeSlack:
    """A fake Slack Web API server. See the module docstring."""

    def __init__(self, listener: Optional[Callable[[Call], None]] = None):
        self.listener: Optional[Callable[[Call], None]] = listener
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._users: dict[str, _User] = {}
        self._views: dict[str, dict] = {}
        self._home_views: dict[str, str] = {}
        self._files: dict[str, dict] = {}
        self._history: dict[str, list[dict]] = {}
        self._channel_names: dict[str, str] = {}
        self._rules: list[_FailRule] = []
        self._outage_status: Optional[int] = None
        self._ts_counter = itertools.count()
        self._id_counter = itertools.count(1)
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "FakeSlack":
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

    def __enter__(self) -> "FakeSlack":
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

    # ------------------------------------------------------------------ users

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: Optional[str] = None,
        tz: str = "Asia/Shanghai",
        locale: str = "zh-CN",
        is_admin: bool = False,
    ) -> None:
        """Register a user for ``users.info`` / ``users.list``."""
        with self._lock:
            self._users[user_id] = _User(
                id=user_id,
                name=name,
                real_name=real_name if real_name is not None else name,
                tz=tz,
                locale=locale,
                is_admin=is_admin,
            )

    # ------------------------------------------------------------------ recorded calls

    def calls(self, method: Optional[str] = None) -> list[Call]:
        """Recorded calls, oldest first; only those to ``method`` if given."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def last(self, method: Optional[str] = None) -> Call:
        """The most recent call to ``method`` (any method if None); AssertionError if there is none."""
        with self._lock:
            for call in reversed(self._calls):
                if method is None or call.method == method:
                    return call
            seen = [c.method for c in self._calls]
        raise AssertionError(f"no {method or 'API'!r} call recorded; calls seen: {seen or 'none'}")

    def wait_for(self, method: Optional[str] = None, *, count: int = 1, timeout: float = 2.0) -> list[Call]:
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
        """Forget recorded calls (users, views and failure rules are kept)."""
        with self._lock:
            self._calls.clear()

    # ------------------------------------------------------------------ failure injection

    def fail(
        self,
        method: Optional[str],
        *,
        status: int = 500,
        times: int = 1,
        retry_after: Optional[int] = None,
        error: Optional[str] = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (None: any method) fail.

        They answer HTTP ``status`` (with a ``Retry-After`` header when
        ``retry_after`` is given), or, when ``error`` is given, HTTP 200 with
        ``{"ok": false, "error": error}``. Rules are used in the order added.
        """
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._rules.append(_FailRule(method, status, times, retry_after, error))

    def outage(self, status: int = 503) -> None:
        """Make every request fail with HTTP ``status`` until :meth:`recover`."""
        with self._lock:
            self._outage_status = status

    def recover(self) -> None:
        """End an :meth:`outage` and drop pending :meth:`fail` rules."""
        with self._lock:
            self._outage_status = None
            self._rules.clear()

    # ------------------------------------------------------------------ internals

    def _check_failure(self, method: str) -> None:
        with self._lock:
            if self._outage_status is not None:
                raise _Failure(self._outage_status, f"http_{self._outage_status}")
            for rule in self._rules:
                if rule.remaining > 0 and (rule.method is None or rule.method == method):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    if rule.error is not None:
                        raise _Failure(200, rule.error)
                    error = "ratelimited" if rule.status == 429 else f"http_{rule.status}"
                    raise _Failure(rule.status, error, rule.retry_after)

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

    def _next_ts(self) -> str:
        micros = _FIRST_TS_MICROS + next(self._ts_counter) * _TS_STEP_MICROS
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._id_counter):08d}"

    def _channel_id(self, channel: Any) -> Any:
        """A "#name" channel gets a stable id (as Slack answers with ids); ids pass through."""
        if isinstance(channel, str) and channel.startswith("#"):
            channel_id = "C" + hashlib.sha1(channel.encode()).hexdigest()[:10].upper()
            with self._lock:
                self._channel_names[channel_id] = channel[1:]
            return channel_id
        return channel

    def messages(self, channel: str) -> list[dict]:
        """Messages posted to a conversation (a "#name", a user id for a DM, or an id), oldest first."""
        with self._lock:
            return list(self._history.get(self._channel_id(self._dm_channel(channel)), []))

    @staticmethod
    def _dm_channel(channel: Any) -> Any:
        if isinstance(channel, str) and channel[:1] in ("U", "W"):
            return "D" + channel
        return channel

    def _user_json(self, user: _User, include_locale: bool) -> dict:
        data = {
            "id": user.id,
            "team_id": TEAM_ID,
            "name": user.name,
            "deleted": False,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": user.tz,
            "tz_offset": _tz_offset(user.tz),
            "is_admin": user.is_admin,
            "is_owner": False,
            "is_bot": False,
            "is_app_user": False,
            "profile": {
                "display_name": user.name,
                "real_name": user.real_name,
                "display_name_normalized": user.name,
                "real_name_normalized": user.real_name,
                "team": TEAM_ID,
            },
        }
        if include_locale:
            data["locale"] = user.locale
        return data

    def _message_json(self, args: dict, ts: str) -> dict:
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": args.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if args.get(key) is not None:
                message[key] = args[key]
        return message

    def _view_json(self, args: dict, method: str) -> dict:
        submitted = args.get("view") or {}
        if not isinstance(submitted, dict):
            submitted = {}
        with self._lock:
            if method == "views.update":
                view_id = args.get("view_id")
                if not view_id and args.get("external_id"):
                    view_id = next(
                        (vid for vid, v in self._views.items() if v.get("external_id") == args["external_id"]),
                        None,
                    )
                view_id = view_id or self._next_id("V")
            elif method == "views.publish":
                user_id = args.get("user_id") or ""
                view_id = self._home_views.get(user_id) or self._next_id("V")
                self._home_views[user_id] = view_id
            else:
                view_id = self._next_id("V")
            previous = self._views.get(view_id, {})
        view = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": submitted.get("type", "modal"),
            "blocks": submitted.get("blocks", []),
            "private_metadata": submitted.get("private_metadata", ""),
            "callback_id": submitted.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._id_counter):08x}",
            "title": submitted.get("title"),
            "close": submitted.get("close"),
            "submit": submitted.get("submit"),
            "clear_on_close": submitted.get("clear_on_close", False),
            "notify_on_close": submitted.get("notify_on_close", False),
            "previous_view_id": previous.get("previous_view_id"),
            "root_view_id": previous.get("root_view_id", view_id),
            "app_id": APP_ID,
            "external_id": submitted.get("external_id", ""),
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        for key, value in submitted.items():
            view.setdefault(key, value)
        if view["type"] == "home":
            for key in ("title", "close", "submit", "clear_on_close", "notify_on_close"):
                if submitted.get(key) is None:
                    view.pop(key, None)
        with self._lock:
            self._views[view_id] = view
        return view

    def _answer(self, method: str, args: dict) -> dict:
        """The JSON answer for a successful Web API call."""
        if method in ("auth.test", "apps.auth.test"):
            return {
                "ok": True,
                "url": TEAM_URL,
                "team": TEAM_NAME,
                "user": "oppbot",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "api.test":
            return {"ok": True, "args": {k: v for k, v in args.items() if k != "token"}}
        if method == "users.info":
            with self._lock:
                user = self._users.get(str(args.get("user", "")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": self._user_json(user, _truthy(args.get("include_locale", False)))}
        if method == "users.list":
            include_locale = _truthy(args.get("include_locale", False))
            with self._lock:
                users = list(self._users.values())
            return {
                "ok": True,
                "members": [self._user_json(u, include_locale) for u in users],
                "cache_ts": int(time.time()),
                "response_metadata": {"next_cursor": ""},
            }
        if method in ("chat.postMessage", "chat.meMessage"):
            ts = self._next_ts()
            channel = self._channel_id(self._dm_channel(args.get("channel")))
            message = self._message_json(args, ts)
            with self._lock:  # kept for conversations.history
                self._history.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "conversations.history":
            with self._lock:
                messages = list(reversed(self._history.get(str(args.get("channel", "")), [])))
            limit = int(args.get("limit") or 100)
            if not _truthy(args.get("include_all_metadata", False)):
                messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
            return {"ok": True, "messages": messages[:limit], "has_more": len(messages) > limit, "response_metadata": {"next_cursor": ""}}
        if method == "conversations.list":
            with self._lock:
                channels = [{"id": cid, "name": name, "is_channel": True} for cid, name in self._channel_names.items()]
            return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.scheduleMessage":
            return {
                "ok": True,
                "channel": self._dm_channel(args.get("channel")),
                "scheduled_message_id": self._next_id("Q"),
                "post_at": args.get("post_at"),
                "message": self._message_json(args, ""),
            }
        if method == "chat.update":
            ts = args.get("ts")
            return {
                "ok": True,
                "channel": args.get("channel"),
                "ts": ts,
                "text": args.get("text", ""),
                "message": self._message_json(args, ts),
            }
        if method == "chat.delete":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("message_ts") or args.get("ts")}
        if method == "chat.getPermalink":
            channel = args.get("channel", "")
            ts = str(args.get("message_ts", "")).replace(".", "")
            return {"ok": True, "channel": channel, "permalink": f"{TEAM_URL}archives/{channel}/p{ts}"}
        if method == "conversations.open":
            if args.get("channel"):
                return {"ok": True, "channel": {"id": args["channel"]}}
            users = [u for u in str(args.get("users", "")).split(",") if u]
            if not users:
                return {"ok": False, "error": "users_list_not_supplied"}
            if len(users) == 1:
                channel_id = "D" + users[0]
            else:
                channel_id = "G" + hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
            return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": channel_id}}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            return {"ok": True, "view": self._view_json(args, method)}
        if method == "files.getUploadURLExternal":
            file_id = self._next_id("F")
            with self._lock:
                self._files[file_id] = {"name": args.get("filename"), "length": args.get("length")}
            return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files") or []
            result = []
            for item in files if isinstance(files, list) else []:
                file_id = item.get("id") if isinstance(item, dict) else None
                with self._lock:
                    info = self._files.get(file_id, {})
                name = info.get("name") or ""
                result.append(
                    {
                        "id": file_id,
                        "created": int(time.time()),
                        "name": name,
                        "title": item.get("title") or name,
                        "size": info.get("size", 0),
                        "user": BOT_USER_ID,
                        "permalink": f"{TEAM_URL}files/{BOT_USER_ID}/{file_id}/{name}",
                        "url_private": f"{self.base_url}/files/{file_id}/{name}",
                    }
                )
            return {"ok": True, "files": result}
        return {"ok": True}

    def _handle(self, handler: "_Handler") -> None:
        url = urlsplit(handler.path)
        path = unquote(url.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        content_type = handler.headers.get("Content-Type") or ""
        auth = handler.headers.get("Authorization") or ""
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None

        if path.startswith("/api/"):
            kind, method = "api", path[len("/api/") :]
        elif path.startswith("/response/"):
            kind, method = "response", "response_url"
        elif path.startswith("/upload/"):
            kind, method = "upload", "file_upload"
        else:
            handler._send(404, {"ok": False, "error": "unknown_url"})
            return

        if kind == "upload":
            file_id = path[len("/upload/") :]
            args: dict = {"_file_id": file_id, "_content": body}
            with self._lock:
                info = self._files.get(file_id)
                if info is not None:
                    info["size"] = len(body)
                    args["filename"] = info.get("name")
        else:
            args = dict(query)
            try:
                args.update(self._parse_body(content_type, body))
            except ValueError as exc:
                error = "invalid_json" if "json" in content_type else "invalid_form_data"
                call = Call(method, args, time.time(), token=token)
                self._respond(handler, call, 200, {"ok": False, "error": error, "detail": str(exc)})
                return
            _decode_json_fields(args)
            if kind == "response":
                args["_key"] = path[len("/response/") :]
            elif token is None and isinstance(args.get("token"), str):
                token = args["token"]

        call = Call(method=method, args=args, at=time.time(), token=token)
        try:
            self._check_failure(method)
        except _Failure as failure:
            payload = {"ok": False, "error": failure.error}
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            self._respond(handler, call, failure.status, payload, headers)
            return

        if kind == "upload":
            self._respond(handler, call, 200, None, text=f"OK - {len(body)}")
            return
        if kind == "response":
            self._respond(handler, call, 200, {"ok": True})
            return
        if not token and method not in ("api.test",):
            self._respond(handler, call, 200, {"ok": False, "error": "not_authed"})
            return
        try:
            answer = self._answer(method, args)
        except Exception as exc:  # a bug here should surface as an answer, not a hung client
            traceback.print_exc(file=sys.stderr)
            answer = {"ok": False, "error": "fatal_error", "detail": repr(exc)}
        self._respond(handler, call, 200, answer)

    @staticmethod
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

    def _respond(
        self,
        handler: "_Handler",
        call: Call,
        status: int,
        payload: Optional[dict],
        headers: Optional[dict] = None,
        text: Optional[str] = None,
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

    def _send(self, status: int, payload: Optional[dict], *, headers: Optional[dict] = None, text: Optional[str] = None) -> None:
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
