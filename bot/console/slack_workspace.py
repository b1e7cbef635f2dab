"""What the Web API stand-in knows and answers: the workspace's users, conversations and the
messages posted to them, views, uploaded files; one handler per Web API method, each answering
with a plausible, Slack-shaped response (methods it doesn't know answer ``{"ok": true}``).

Only the standard library is used, so it ships with the app (the terminal console uses it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

TEAM_ID = "T0001"
TEAM_NAME = "Fake Workspace"
TEAM_URL = "https://fake-workspace.slack.com/"
BOT_USER_ID = "UBOT"
BOT_ID = "B0001"
APP_ID = "A0001"

_FIRST_TS_MICROS = 1_700_000_000_000_100
_TS_STEP_MICROS = 100

Handler = Callable[[dict], dict]

CONVERSATION_TYPES = frozenset({"public_channel", "private_channel", "mpim", "im"})
HISTORY_LIMITS = (100, 999)  # conversations.history: default and largest page
LIST_LIMITS = (100, 1000)  # conversations.list
CHANNEL_NAME_LIMIT = 80  # conversations.create: a name's longest, in lowercase letters, digits, - and _
CHANNEL_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass
class _Channel:
    id: str
    name: str
    is_private: bool = False
    is_archived: bool = False
    members: list[str] = field(default_factory=list)
    is_ext_shared: bool = False  # shared with another organisation (Slack Connect)

    def json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_ext_shared": self.is_ext_shared,
        }


class _BadCursor(ValueError):
    pass


def _cursor(position: str) -> str:
    """An opaque cursor, shaped like Slack's (base64)."""
    return base64.b64encode(f"next:{position}".encode()).decode()


def _position(cursor: Any) -> str | None:
    """What a cursor points at; None for no cursor (the first page)."""
    if not cursor:
        return None
    try:
        text = base64.b64decode(str(cursor), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise _BadCursor(str(cursor)) from exc
    if not text.startswith("next:"):
        raise _BadCursor(str(cursor))
    return text[5:]


def _limit(args: dict, limits: tuple[int, int]) -> int:
    """The page size asked for: the method's default when absent or not positive, capped at its largest."""
    try:
        asked = int(args.get("limit") or 0)
    except ValueError:
        asked = 0
    return min(asked, limits[1]) if asked > 0 else limits[0]


def _ts_bound(value: Any, default: float) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default


@dataclass
class _User:
    id: str
    name: str
    real_name: str
    tz: str
    locale: str
    is_admin: bool
    kind: str = "member"  # or "guest" (a multi- or single-channel guest), "external" (another organisation's)


def _tz_offset(tz_name: str) -> int:
    try:
        offset = datetime.now(ZoneInfo(tz_name)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0
    except Exception:  # unknown zone or no tz database
        return 0


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def dm_channel(channel: Any) -> Any:
    """The DM conversation id for a user id ("U1" -> "DU1"); other ids pass through."""
    if isinstance(channel, str) and channel[:1] in ("U", "W"):
        return "D" + channel
    return channel


def _user_json(user: _User, include_locale: bool) -> dict:
    data = {
        "id": user.id,
        "team_id": "T0OTHERORG" if user.kind == "external" else TEAM_ID,
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
        "is_restricted": user.kind == "guest",
        "is_ultra_restricted": False,
        "is_stranger": user.kind == "external",
        "profile": {
            "display_name": user.name,
            "real_name": user.real_name,
            "display_name_normalized": user.name,
            "real_name_normalized": user.real_name,
            "email": f"{user.name}@example.com",  # given with the users:read.email scope
            "team": TEAM_ID,
        },
    }
    if include_locale:
        data["locale"] = user.locale
    return data


def _in_channel(message: dict) -> bool:
    """Whether a message shows in its channel's history: not a thread reply, unless broadcast."""
    return not message.get("thread_ts") or _truthy(message.get("reply_broadcast", False))


def _message_json(args: dict, ts: str) -> dict:
    message = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": args.get("text", ""),
        "ts": ts,
    }
    for key in ("blocks", "attachments", "metadata", "thread_ts", "reply_broadcast"):
        if args.get(key) is not None:
            message[key] = args[key]
    return message


def _view_json(submitted: dict, view_id: str, previous: dict, view_hash: str) -> dict:
    """The view Slack answers with for ``submitted`` (what the app sent), stored as ``view_id``."""
    view = {
        "id": view_id,
        "team_id": TEAM_ID,
        "type": submitted.get("type", "modal"),
        "blocks": submitted.get("blocks", []),
        "private_metadata": submitted.get("private_metadata", ""),
        "callback_id": submitted.get("callback_id", ""),
        "state": {"values": {}},
        "hash": view_hash,
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
    return view


class FakeWorkspace:
    """The state behind the Web API stand-in, and its answers. ``base_url`` gives the server's
    address for the URLs it hands out (file uploads)."""

    def __init__(self, base_url: Callable[[], str]):
        self.base_url = base_url
        self._lock = threading.RLock()
        self._users: dict[str, _User] = {}
        self._views: dict[str, dict] = {}
        self._home_views: dict[str, str] = {}
        self._files: dict[str, dict] = {}
        self._history: dict[str, list[dict]] = {}
        self._channels: dict[str, _Channel] = {}  # in the order they were made
        self._last_ts_micros = _FIRST_TS_MICROS - _TS_STEP_MICROS
        self.clock: Callable[[], float] | None = None  # seconds since the epoch for new messages' ts
        self.socket_url: Callable[[], str] | None = None  # a Socket Mode WebSocket URL for apps.connections.open
        self._id_counter = itertools.count(1)
        views = {m: self._views_method(m) for m in ("views.open", "views.update", "views.push", "views.publish")}
        self._methods: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "apps.auth.test": self._auth_test,
            "api.test": lambda args: {"ok": True, "args": {k: v for k, v in args.items() if k != "token"}},
            "users.info": self._users_info,
            "users.list": self._users_list,
            "chat.postMessage": self._post_message,
            "chat.meMessage": self._post_message,
            "chat.postEphemeral": lambda args: {"ok": True, "message_ts": self._next_ts()},
            "chat.scheduleMessage": self._schedule_message,
            "chat.update": self._update_message,
            "chat.delete": lambda args: {"ok": True, "channel": args.get("channel"), "ts": args.get("message_ts") or args.get("ts")},
            "chat.getPermalink": self._permalink,
            "conversations.history": self._history_of,
            "conversations.replies": self._replies_of,
            "conversations.list": self._conversations_list,
            "conversations.open": self._open_conversation,
            "conversations.create": self._create_conversation,
            "conversations.invite": self._invite,
            "conversations.archive": self._archive,
            "conversations.info": self._conversation_info,
            "chat.unfurl": self._unfurl,
            **views,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": self._connections_open,
        }

    # ------------------------------------------------------------------ what tests and the console set and read

    def add_user(self, user_id: str, *, name: str, real_name: str | None, tz: str, locale: str, is_admin: bool, kind: str = "member") -> None:
        """``kind``: "member", "guest" (is_restricted) or "external" (another organisation's, in a Slack Connect channel)."""
        with self._lock:
            self._users[user_id] = _User(user_id, name, real_name if real_name is not None else name, tz, locale, is_admin, kind)

    def add_channel(self, name: str, *, private: bool = False, archived: bool = False, ext_shared: bool = False) -> str:
        """Make a channel called ``name`` (no "#") and return its id. A live one is what "#name"
        means when posting; an archived one keeps its name but gets an id of its own.
        ``ext_shared``: shared with another organisation (conversations.info's is_ext_shared)."""
        with self._lock:
            channel_id = self._next_id("C") if archived else self._name_id(name)
            self._channels[channel_id] = _Channel(channel_id, name, is_private=private, is_archived=archived, is_ext_shared=ext_shared)
            return channel_id

    def messages(self, channel: str) -> list[dict]:
        """Messages posted to a conversation (a "#name", a user id for a DM, or an id), oldest first."""
        with self._lock:
            return list(self._history.get(self._channel_id(dm_channel(channel)), []))

    def answer(self, method: str, args: dict) -> dict:
        """The JSON answer for a successful Web API call."""
        handler = self._methods.get(method)
        return handler(args) if handler is not None else {"ok": True}

    def upload(self, file_id: str, content: bytes) -> dict:
        """Bytes posted to an upload URL: noted for the file, and the args recorded for the call."""
        args: dict = {"_file_id": file_id, "_content": content}
        with self._lock:
            info = self._files.get(file_id)
            if info is not None:
                info["size"] = len(content)
                args["filename"] = info.get("name")
        return args

    # ------------------------------------------------------------------ ids

    def _next_ts(self) -> str:
        """A new message's ts: the clock's time when one is set, always after the previous one."""
        with self._lock:
            micros = self._last_ts_micros + _TS_STEP_MICROS
            if self.clock is not None:
                micros = max(micros, round(self.clock() * 1_000_000))
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._id_counter):08d}"

    @staticmethod
    def _name_id(name: str) -> str:
        return "C" + hashlib.sha1(f"#{name}".encode()).hexdigest()[:10].upper()

    def _channel_id(self, channel: Any) -> Any:
        """A "#name" is the live channel of that name, made (public) the first time; ids pass through."""
        if isinstance(channel, str) and channel.startswith("#"):
            name = channel[1:]
            with self._lock:
                for item in self._channels.values():
                    if item.name == name and not item.is_archived:
                        return item.id
                return self.add_channel(name)
        return channel

    # ------------------------------------------------------------------ auth and users

    @staticmethod
    def _auth_test(args: dict) -> dict:
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

    def _connections_open(self, args: dict) -> dict:
        """Socket Mode's WebSocket URL, a new one each time, from the stand-in for it (tests/socketslack.py)."""
        if self.socket_url is None:  # no WebSocket stand-in here (the console has none)
            return {"ok": False, "error": "socket_mode_unavailable"}
        return {"ok": True, "url": self.socket_url()}

    def _users_info(self, args: dict) -> dict:
        with self._lock:
            user = self._users.get(str(args.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": _user_json(user, _truthy(args.get("include_locale", False)))}

    def user(self, user_id: str) -> dict | None:
        """A user as users.info shows it (with the locale), or None for one it does not know."""
        with self._lock:
            user = self._users.get(user_id)
        return _user_json(user, True) if user is not None else None

    def _users_list(self, args: dict) -> dict:
        include_locale = _truthy(args.get("include_locale", False))
        with self._lock:
            users = list(self._users.values())
        return {
            "ok": True,
            "members": [_user_json(u, include_locale) for u in users],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": ""},
        }

    # ------------------------------------------------------------------ messages

    def _archived(self, channel: Any) -> bool:
        with self._lock:
            known = self._channels.get(channel) if isinstance(channel, str) else None
            return known is not None and known.is_archived

    def _post_message(self, args: dict) -> dict:
        channel = self._channel_id(dm_channel(args.get("channel")))
        if self._archived(channel):
            return {"ok": False, "error": "is_archived"}
        ts = self._next_ts()
        message = _message_json(args, ts)
        with self._lock:  # kept for conversations.history
            self._history.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _schedule_message(self, args: dict) -> dict:
        return {
            "ok": True,
            "channel": dm_channel(args.get("channel")),
            "scheduled_message_id": self._next_id("Q"),
            "post_at": args.get("post_at"),
            "message": _message_json(args, ""),
        }

    def _update_message(self, args: dict) -> dict:
        if self._archived(args.get("channel")):
            return {"ok": False, "error": "is_archived"}
        ts = args.get("ts")
        return {"ok": True, "channel": args.get("channel"), "ts": ts, "text": args.get("text", ""), "message": _message_json(args, ts)}

    @staticmethod
    def _permalink(args: dict) -> dict:
        channel = args.get("channel", "")
        ts = str(args.get("message_ts", "")).replace(".", "")
        return {"ok": True, "channel": channel, "permalink": f"{TEAM_URL}archives/{channel}/p{ts}"}

    # ------------------------------------------------------------------ conversations

    def _history_of(self, args: dict) -> dict:
        """Newest first, after ``oldest`` and up to ``latest`` (both exclusive unless ``inclusive``),
        ``limit`` a page; ``has_more`` and ``next_cursor`` while older messages remain."""
        with self._lock:  # a thread's replies are not in the channel's history unless also sent there
            messages = [m for m in reversed(self._history.get(str(args.get("channel", "")), [])) if _in_channel(m)]
        return self._page_of(messages, args)

    def _replies_of(self, args: dict) -> dict:
        """A thread: its parent (``ts``) and its replies, paged as history is (newest first)."""
        parent = str(args.get("ts", ""))
        with self._lock:
            messages = [m for m in reversed(self._history.get(str(args.get("channel", "")), [])) if parent in (m["ts"], m.get("thread_ts"))]
        if not messages:
            return {"ok": False, "error": "thread_not_found"}
        return self._page_of(messages, args)

    @staticmethod
    def _page_of(messages: list[dict], args: dict) -> dict:
        """One page of ``messages`` (newest first): after ``oldest`` and up to ``latest`` (both
        exclusive unless ``inclusive``), before the ``cursor``, ``limit`` of them."""
        oldest, latest = _ts_bound(args.get("oldest"), 0.0), _ts_bound(args.get("latest"), float("inf"))
        inclusive = _truthy(args.get("inclusive", False))
        try:
            before = _position(args.get("cursor"))
        except _BadCursor:
            return {"ok": False, "error": "invalid_cursor"}
        if before is not None:
            messages = [m for m in messages if float(m["ts"]) < float(before)]
        messages = [m for m in messages if oldest < float(m["ts"]) < latest or (inclusive and float(m["ts"]) in (oldest, latest))]
        if not _truthy(args.get("include_all_metadata", False)):
            messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
        page = messages[: _limit(args, HISTORY_LIMITS)]
        more = len(messages) > len(page)
        return {"ok": True, "messages": page, "has_more": more, "pin_count": 0, "response_metadata": {"next_cursor": _cursor(page[-1]["ts"]) if more else ""}}

    def _conversations_list(self, args: dict) -> dict:
        """The channels of ``types`` (public ones by default), without archived ones if
        ``exclude_archived``; ``limit`` a page, ``next_cursor`` while more remain."""
        types = {t.strip() for t in str(args.get("types") or "public_channel").split(",") if t.strip()}
        if not types or types - CONVERSATION_TYPES:
            return {"ok": False, "error": "invalid_types"}
        try:
            start = int(_position(args.get("cursor")) or 0)
        except (_BadCursor, ValueError):
            return {"ok": False, "error": "invalid_cursor"}
        exclude_archived = _truthy(args.get("exclude_archived", False))
        with self._lock:
            channels = [
                c.json()
                for c in self._channels.values()
                if ("private_channel" if c.is_private else "public_channel") in types and not (exclude_archived and c.is_archived)
            ]
        end = start + _limit(args, LIST_LIMITS)
        return {"ok": True, "channels": channels[start:end], "response_metadata": {"next_cursor": _cursor(str(end)) if end < len(channels) else ""}}

    def _create_conversation(self, args: dict) -> dict:
        """A new channel made by the app (which is its first member); ``name_taken`` when a
        channel, archived or not, has the name; Slack's rules for a name checked."""
        name = str(args.get("name") or "")
        if not name:
            return {"ok": False, "error": "invalid_name_required"}
        if len(name) > CHANNEL_NAME_LIMIT:
            return {"ok": False, "error": "invalid_name_maxlength"}
        if not set(name) <= CHANNEL_NAME_CHARS:
            return {"ok": False, "error": "invalid_name_specials"}
        with self._lock:
            if any(c.name == name for c in self._channels.values()):
                return {"ok": False, "error": "name_taken"}
            channel_id = self._next_id("C")
            made = _Channel(channel_id, name, is_private=_truthy(args.get("is_private", False)), members=[BOT_USER_ID])
            self._channels[channel_id] = made
        return {"ok": True, "channel": {**made.json(), "creator": BOT_USER_ID, "created": int(time.time()), "name_normalized": name}}

    def _member_channel(self, args: dict) -> tuple[_Channel | None, dict | None]:
        """The channel a membership call names, or the error Slack answers with."""
        with self._lock:
            channel = self._channels.get(str(args.get("channel") or ""))
        if channel is None:
            return None, {"ok": False, "error": "channel_not_found"}
        if channel.is_archived:
            return None, {"ok": False, "error": "is_archived"}
        return channel, None

    def _invite(self, args: dict) -> dict:
        channel, error = self._member_channel(args)
        if error:
            return error
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            return {"ok": False, "error": "no_user"}
        with self._lock:
            unknown = [u for u in users if u not in self._users]
            if unknown and not (_truthy(args.get("force", False)) and len(unknown) < len(users)):
                return {"ok": False, "error": "user_not_found"}
            new = [u for u in users if u not in channel.members and u not in unknown]
            if not new:
                return {"ok": False, "error": "already_in_channel"}
            channel.members.extend(new)
            answer = {"ok": True, "channel": channel.json()}
            if unknown:  # force: the others are invited, these are told of
                answer["errors"] = [{"user": u, "ok": False, "error": "user_not_found"} for u in unknown]
            return answer

    def _archive(self, args: dict) -> dict:
        with self._lock:
            channel = self._channels.get(str(args.get("channel") or ""))
            if channel is None:
                return {"ok": False, "error": "channel_not_found"}
            if channel.is_archived:
                return {"ok": False, "error": "already_archived"}
            channel.is_archived = True
        return {"ok": True}

    def members_of(self, channel_id: str) -> list[str]:
        """Who is in a channel the app made, the app first."""
        with self._lock:
            return list(self._channels[channel_id].members)

    def is_archived(self, channel_id: str) -> bool:
        with self._lock:
            return self._channels[channel_id].is_archived

    def _conversation_info(self, args: dict) -> dict:
        """A channel made by add_channel (or by posting to "#name"); a DM's id answers as a DM."""
        channel = str(args.get("channel") or "")
        with self._lock:
            found = self._channels.get(self._channel_id(channel) if channel.startswith("#") else channel)
        if found is not None:
            return {"ok": True, "channel": found.json()}
        if channel[:1] == "D":
            return {"ok": True, "channel": {"id": channel, "is_im": True, "is_channel": False, "is_ext_shared": False}}
        return {"ok": False, "error": "channel_not_found"}

    @staticmethod
    def _unfurl(args: dict) -> dict:
        """A preview for links of a posted message (channel + ts) or of the composer (unfurl_id + source)."""
        if not args.get("unfurls"):
            return {"ok": False, "error": "missing_unfurls"}
        if not (args.get("channel") and args.get("ts")) and not (args.get("unfurl_id") and args.get("source")):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    @staticmethod
    def _open_conversation(args: dict) -> dict:
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

    # ------------------------------------------------------------------ views

    def _views_method(self, method: str) -> Handler:
        return lambda args: {"ok": True, "view": self._store_view(args, method)}

    def _view_id(self, args: dict, method: str) -> str:
        """The id a view gets: an update keeps its view's, a user's Home tab keeps the same one."""
        if method == "views.update":
            view_id = args.get("view_id")
            if not view_id and args.get("external_id"):
                view_id = next((vid for vid, v in self._views.items() if v.get("external_id") == args["external_id"]), None)
            return view_id or self._next_id("V")
        if method == "views.publish":
            user_id = args.get("user_id") or ""
            view_id = self._home_views.get(user_id) or self._next_id("V")
            self._home_views[user_id] = view_id
            return view_id
        return self._next_id("V")

    def _store_view(self, args: dict, method: str) -> dict:
        submitted = args.get("view") or {}
        if not isinstance(submitted, dict):
            submitted = {}
        with self._lock:
            view_id = self._view_id(args, method)
            previous = self._views.get(view_id, {})
        view = _view_json(submitted, view_id, previous, f"{int(time.time())}.{next(self._id_counter):08x}")
        with self._lock:
            self._views[view_id] = view
        return view

    # ------------------------------------------------------------------ files

    def _upload_url(self, args: dict) -> dict:
        file_id = self._next_id("F")
        with self._lock:
            self._files[file_id] = {"name": args.get("filename"), "length": args.get("length")}
        return {"ok": True, "upload_url": f"{self.base_url()}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, args: dict) -> dict:
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
                    "url_private": f"{self.base_url()}/files/{file_id}/{name}",
                }
            )
        return {"ok": True, "files": result}
