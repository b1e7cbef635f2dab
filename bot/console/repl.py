"""`oppbot console`: a terminal stand-in for Slack.

Typed lines become the requests Slack would send (signed slash commands, block actions, modal
submissions) and go through the same Bolt app and listeners as production. The Web API points at
an in-process fake Slack; whatever the app sends there (replies, posts, modals) is shown as text,
and modals become prompts. Piped stdin works too, for scripts and transcripts:

    printf '/opp new Acme ERP 50万\\n/opp list\\n' | oppbot console --demo
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import TextIO
from urllib.parse import urlencode

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.core.config import Settings
from bot.demo.pipeline import PEOPLE, load_demo
from bot.console.slack_api import APP_ID, TEAM_ID, Call, FakeSlack
from handlers.slack_io import InlineExecutor, profile_fetcher

SIGNING_SECRET = "oppbot-console-signing-secret"
BOT_TOKEN = "xoxb-oppbot-console"
CHANNEL_ID, CHANNEL_NAME = "C0SALES", "sales"
TEAM_DOMAIN = "console"
SLASH_COMMANDS = ("/opp",)

# name -> (Slack user id, locale, real name): alice and bob (en-US), li and wang (zh-CN)
CAST = {name: (f"U0{name.upper()}", locale, real_name) for name, (locale, real_name) in PEOPLE.items()}

HELP = """\
Console commands:
  /opp …                  the /opp slash command (try /opp help)
  /click LABEL [OPTION]   press a button or pick from a menu on the last message,
                          e.g. /click Log activity · /click Move to… Negotiation · /click #3
  /as NAME                act as someone else: {people}, or any new name
  /users                  who is here
  /home                   the App Home tab
  /help                   this list
  /quit                   leave (Ctrl-D works too)
@name in your text mentions a person, e.g. /opp new Big deal owner @bob
In a form: Enter keeps the value in [brackets], - clears it, /submit sends the form, /cancel closes it."""

TEXT_INPUTS = ("plain_text_input", "number_input", "email_text_input", "url_text_input")
SELECTS = ("static_select", "radio_buttons")
MESSAGE_METHODS = ("response_url", "chat.postMessage", "chat.postEphemeral", "chat.update", "chat.meMessage")
VIEW_METHODS = ("views.open", "views.push")

log = logging.getLogger(__name__)


class _Quit(Exception):
    """Leave the console (/quit, or end of input inside a form)."""


# --------------------------------------------------------------------------------------------
# Block Kit -> text


def show_mrkdwn(text: str, names: dict[str, str] | None = None) -> str:
    """mrkdwn made readable in a terminal: <@U0ALICE> -> @alice, <url|label> -> label (url),
    &lt; &gt; &amp; unescaped. *bold*, _italic_ and `code` marks are kept."""
    names = names or {}

    def link(match: re.Match) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (names.get(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            special = target[1:].split("^")[0]
            return label or ("@" + special if special in ("here", "channel", "everyone") else special)
        return f"{label} ({target})" if label and label != target else target

    text = re.sub(r"<([^<>\n]+)>", link, text or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj, names: dict[str, str]) -> str:
    if isinstance(obj, str):
        return obj
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "mrkdwn":
        return show_mrkdwn(obj.get("text", ""), names)
    return obj.get("text", "") or ""


def _options(element: dict) -> list[dict]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _element_label(element: dict) -> str:
    kind = element.get("type")
    if kind == "button":
        return _text_of(element.get("text"), {})
    if kind == "overflow":
        return "⋯"
    return _text_of(element.get("placeholder"), {}) or element.get("action_id") or kind or "?"


def render_element(element: dict, names: dict[str, str] | None = None) -> str:
    """A button as [Log activity]; a menu as [Move to…: Lead | Contacted | …]."""
    names = names or {}
    kind = element.get("type")
    label = _element_label(element)
    if kind == "button":
        url = element.get("url")
        return f"[{label}]" + (f" ({url})" if url else "")
    options = _options(element)
    if options:
        return f"[{label}: " + " | ".join(_text_of(o.get("text"), names) for o in options) + "]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind in ("mrkdwn", "plain_text"):
        return _text_of(element, names)
    return f"[{label}]"


def _field_line(field: dict, names: dict[str, str]) -> str:
    text = _text_of(field, names).strip()
    match = re.fullmatch(r"\*([^*\n]+)\*\n(.*)", text, re.DOTALL)
    if match:
        return f"{match.group(1).strip()}: {' '.join(match.group(2).split())}"
    return " ".join(text.split())


def _rich_text(node, names: dict[str, str]) -> str:
    if isinstance(node, list):
        return "".join(_rich_text(n, names) for n in node)
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return node.get("text", "")
    if kind == "user":
        return "@" + names.get(node.get("user_id", ""), node.get("user_id", ""))
    if kind == "link":
        return node.get("text") or node.get("url", "")
    if kind == "emoji":
        return f":{node.get('name', '')}:"
    inner = _rich_text(node.get("elements") or [], names)
    return inner + ("\n" if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote") else "")


def render_blocks(blocks: Iterable[dict], names: dict[str, str] | None = None) -> str:
    """Block Kit as plain text: sections (fields as "Label: value" lines), context, headers,
    actions ([buttons] and [menus: options]), dividers; mrkdwn made readable (see show_mrkdwn)."""
    names = names or {}
    lines: list[str] = []
    for block in blocks or []:
        kind = block.get("type")
        if kind == "section":
            part = []
            if block.get("text"):
                part.append(_text_of(block["text"], names))
            part += [_field_line(f, names) for f in block.get("fields") or []]
            text = "\n".join(p for p in part if p)
            if block.get("accessory"):
                text = (text + "  " if text else "") + render_element(block["accessory"], names)
            lines.append(text)
        elif kind == "context":
            lines.append("  ".join(render_element(e, names) for e in block.get("elements") or []))
        elif kind == "header":
            lines.append(f"== {_text_of(block.get('text'), names)} ==")
        elif kind == "actions":
            lines.append(" ".join(render_element(e, names) for e in block.get("elements") or []))
        elif kind == "divider":
            lines.append("-" * 24)
        elif kind == "image":
            lines.append(f"[image: {block.get('alt_text', '')}]")
        elif kind == "input":
            lines.append(f"{_text_of(block.get('label'), names)}: {render_element(block.get('element') or {}, names)}")
        elif kind == "rich_text":
            lines.append(_rich_text(block.get("elements") or [], names).rstrip("\n"))
        elif kind == "markdown":
            lines.append(block.get("text", ""))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# the console


@dataclass
class _Message:
    """A message shown in the console that may carry buttons or menus."""

    blocks: list[dict]
    text: str
    channel: str
    ts: str
    ephemeral: bool


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().splitlines() or [""]
        return f"oppbot: {record.levelname.lower()}: {lines[0]}"


@contextmanager
def _console_logging():
    """Warnings and errors as one line each on stderr (no tracebacks), unless LOG_LEVEL asks for more."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("LOG_LEVEL"):
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        level = logging.getLevelName(os.environ["LOG_LEVEL"].upper())
        level = level if isinstance(level, int) else logging.INFO
    else:
        handler.setFormatter(_OneLine())
        level = logging.WARNING
    root.handlers = [handler]
    root.setLevel(level)
    try:
        yield
    finally:
        root.handlers = saved_handlers
        root.setLevel(saved_level)


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Console:
    """One console session: a fake Slack, the app, a cast of users and the person typing."""

    def __init__(self, settings: Settings, *, stdin: TextIO, stdout: TextIO):
        from bot.app import build_runtime, create_app, web_client

        self.stdin, self.out = stdin, stdout
        self.interactive = _isatty(stdin)
        self._use_input = self.interactive and stdin is sys.stdin and stdout is sys.stdout
        if self._use_input:
            try:
                import readline  # noqa: F401 - line editing and history for input()
            except ImportError:
                pass
        self._heard: list[Call] = []
        self._heard_lock = threading.Lock()
        self.fake = FakeSlack(listener=self._hear).start()
        try:
            self.settings = replace(settings, bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, app_token=None, slack_api_url=self.fake.api_url)
            self.rt = build_runtime(self.settings)
            self.client = web_client(self.settings)
            self.app = create_app(self.rt, self.settings, client=self.client, after_answer=InlineExecutor())
        except BaseException:
            self.fake.close()
            raise
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self.users: dict[str, str] = {}  # name -> user id
        self.names: dict[str, str] = {}  # user id -> name
        for name, (user_id, locale, real_name) in CAST.items():
            self.add_user(name, user_id=user_id, locale=locale, real_name=real_name)
        self.user = "alice"
        self.messages: deque[_Message] = deque(maxlen=30)
        self._n = itertools.count(1)

    def close(self) -> None:
        self.fake.close()
        engine = self.rt.sessions.kw.get("bind")
        if engine is not None:
            engine.dispose()

    # ---------------------------------------------------------------- people

    def add_user(self, name: str, *, user_id: str | None = None, locale: str | None = None, real_name: str | None = None) -> str:
        name = name.strip().lstrip("@")
        name = name.lower() if name.isascii() else name
        if name in self.users:
            return self.users[name]
        if user_id is None:
            base = "U0" + "".join(c for c in name.upper() if c.isascii() and c.isalnum())[:9]
            base = base if len(base) > 2 else "U0USER"
            user_id, n = base, 1
            while user_id in self.names:
                n += 1
                user_id = f"{base}{n}"
        locale = locale or ("en-US" if name.isascii() else "zh-CN")
        self.fake.add_user(user_id, name=name, real_name=real_name or name, tz=self.rt.config.timezone, locale=locale)
        self.users[name] = user_id
        self.names[user_id] = name
        return user_id

    @property
    def user_id(self) -> str:
        return self.users[self.user]

    def _user_json(self) -> dict:
        return {"id": self.user_id, "username": self.user, "name": self.user, "team_id": TEAM_ID}

    def mention_text(self, text: str) -> str:
        """What Slack sends for typed text: @name -> <@U…|name>, and &, <, > escaped elsewhere."""
        known = sorted(self.users, key=len, reverse=True)
        specials = ("here", "channel", "everyone")
        pattern = re.compile(r"(?<![\w@.])@(" + "|".join(re.escape(n) for n in [*known, *specials]) + r")(?![A-Za-z0-9_-]|\.[A-Za-z0-9_])", re.IGNORECASE)
        out, pos = [], 0
        for match in pattern.finditer(text):
            out.append(_escape(text[pos : match.start()]))
            name = match.group(1)
            key = name.lower() if name.isascii() else name
            out.append(f"<!{key}>" if key in specials and key not in self.users else f"<@{self.users[key]}|{key}>")
            pos = match.end()
        out.append(_escape(text[pos:]))
        return "".join(out)

    # ---------------------------------------------------------------- input and output

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def read(self, prompt: str, *, echo_empty: bool = True) -> str | None:
        """One line (None at end of input). Piped input is echoed after the prompt."""
        if self._use_input:
            try:
                return input(prompt)
            except EOFError:
                self.say()
                return None
        if self.interactive:
            self.out.write(prompt)
            self.out.flush()
        line = self.stdin.readline()
        if not line:
            return None
        line = line.rstrip("\r\n")
        if not self.interactive and (line.strip() or echo_empty):
            self.say(prompt + line)
        return line

    def note(self, text: str) -> None:
        self.say(f"(console) {text}")

    # ---------------------------------------------------------------- the session

    def run(self, *, user: str = "alice", demo: bool = False) -> int:
        self.user = self._name_of(user)
        if self.user not in self.users:
            self.add_user(self.user)
        if self.interactive:
            self.say(f"oppbot console — you are @{self.user} in #{CHANNEL_NAME}. Try /opp help; /help lists console commands.")
        if demo:
            try:
                self.load_demo()
            except Exception as exc:
                log.debug("demo data failed", exc_info=True)
                self.say(f"⚠️ console: the demo data could not be loaded: {_one_line(exc)}")
        while True:
            try:
                line = self.read(f"{self.user}> ", echo_empty=False)
            except KeyboardInterrupt:
                self.say()
                return 130
            if line is None:
                return 0
            if not line.strip():
                continue
            try:
                self.handle(line.strip())
            except _Quit:
                return 0
            except KeyboardInterrupt:
                self.say("(interrupted)")
            except Exception as exc:  # one line, never a traceback
                log.debug("console error", exc_info=True)
                self.say(f"⚠️ console: {_one_line(exc)}")
            self.say()

    def load_demo(self) -> None:
        created = load_demo(self.rt, TEAM_ID, dict(self.users), fetch_profile=profile_fetcher(self.client))
        self._take()
        if created:
            self.note(f"loaded the demo pipeline: {created} deals owned by {', '.join('@' + n for n in CAST)}")
        else:
            self.note("the workspace already has deals; no demo data loaded")
        self.say()

    def handle(self, line: str) -> None:
        if not line.startswith("/"):
            self.note("only slash commands reach the app here: try /opp help, or /help for console commands")
            return
        command, _, rest = line.partition(" ")
        command, rest = command.lower(), rest.strip()
        if command in ("/quit", "/exit", "/q"):
            raise _Quit
        if command == "/help":
            self.say(HELP.format(people=", ".join(CAST)))
        elif command == "/as":
            self.switch(rest)
        elif command in ("/users", "/who"):
            self.say("  ".join(f"@{n} ({uid})" + (" ← you" if n == self.user else "") for n, uid in self.users.items()))
        elif command == "/home":
            self.home()
        elif command == "/click":
            self.click(rest)
        elif command in SLASH_COMMANDS:
            self.slash(command, rest)
        else:
            self.note(f"there is no {command} here. Type /help")

    @staticmethod
    def _name_of(text: str) -> str:
        name = text.strip().lstrip("@").split(" ")[0] if text.strip() else ""
        return name.lower() if name.isascii() else name

    def switch(self, rest: str) -> None:
        name = self._name_of(rest)
        if not name:
            self.note(f"you are @{self.user}. Switch with /as NAME ({', '.join(self.users)})")
            return
        if name not in self.users:
            self.add_user(name)
            self.note(f"@{name} joined the workspace ({self.users[name]})")
        self.user = name
        self.note(f"you are now @{name}")

    def home(self) -> None:
        """Open the App Home tab: send app_home_opened as Slack would and show the published view."""
        body = json.dumps(
            {
                "token": "console",
                "team_id": TEAM_ID,
                "api_app_id": APP_ID,
                "type": "event_callback",
                "event_id": f"Ev{next(self._n)}",
                "event_time": int(time.time()),
                "event": {"type": "app_home_opened", "user": self.user_id, "channel": "D" + self.user_id, "tab": "home", "event_ts": f"{time.time():.6f}"},
            },
            ensure_ascii=False,
        )
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": self.verifier.generate_signature(timestamp=timestamp, body=body),
        }
        self._take()
        if self._failed(self.app.dispatch(BoltRequest(body=body, headers=headers))):
            return
        views = [c for c in self._take() if c.method == "views.publish" and not c.failed]
        if not views:
            self.note("the App Home tab did not open")
            return
        view = views[-1].args.get("view") or {}
        view = _json(view) if isinstance(view, str) else view
        self.say(render_blocks(view.get("blocks") or [], self.names))

    # ---------------------------------------------------------------- requests to the app

    def _hear(self, call: Call) -> None:
        with self._heard_lock:
            self._heard.append(call)

    def _take(self) -> list[Call]:
        with self._heard_lock:
            calls, self._heard = self._heard, []
        return calls

    def _trigger(self) -> str:
        return f"{next(self._n)}.{int(time.time())}.console"

    def post(self, body: str) -> BoltResponse:
        """Sign ``body`` as Slack does and dispatch it through Bolt."""
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": self.verifier.generate_signature(timestamp=timestamp, body=body),
        }
        self._take()
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def post_payload(self, payload: dict) -> BoltResponse:
        return self.post(urlencode({"payload": json.dumps(payload, ensure_ascii=False)}))

    def slash(self, command: str, text: str) -> None:
        n = next(self._n)
        form = {
            "token": "console",
            "team_id": TEAM_ID,
            "team_domain": TEAM_DOMAIN,
            "channel_id": CHANNEL_ID,
            "channel_name": CHANNEL_NAME,
            "user_id": self.user_id,
            "user_name": self.user,
            "command": command,
            "text": self.mention_text(text),
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(f"cmd{n}"),
            "trigger_id": self._trigger(),
        }
        response = self.post(urlencode(form))
        if self._failed(response):
            return
        body = _json(response.body)
        if body:
            self.show(body, "", channel=CHANNEL_ID, ephemeral=body.get("response_type") != "in_channel")
        self.after()

    def _failed(self, response: BoltResponse) -> bool:
        if response.status == 200:
            return False
        detail = (response.body or "").strip().splitlines()
        self.say(f"⚠️ the app answered HTTP {response.status}" + (f": {detail[0][:200]}" if detail else ""))
        self._take()
        return True

    def after(self) -> None:
        """Show what the app sent to Slack while handling the request; fill any modal it opened."""
        views = []
        for call in self._take():
            if call.failed:
                continue
            if call.method in MESSAGE_METHODS:
                self.show_call(call)
            elif call.method in VIEW_METHODS:
                views.append((call.response or {}).get("view") or call.args.get("view") or {})
            elif call.method == "views.publish":
                self.note("the App Home tab was updated")
        for view in views:
            self.fill_modal(view)

    def show_call(self, call: Call) -> None:
        args = call.args
        if call.method == "response_url":
            if args.get("delete_original"):
                self.say("(deleted the message)")
                return
            prefix = "(updated) " if args.get("replace_original") in (True, "true") else ""
            if args.get("response_type") == "in_channel":
                prefix += f"#{CHANNEL_NAME} "
            self.show(args, prefix, channel=CHANNEL_ID, ephemeral=args.get("response_type") != "in_channel")
            return
        channel = str(args.get("channel") or "")
        if call.method == "chat.postEphemeral":
            who = str(args.get("user") or "")
            prefix = "(only you) " if who == self.user_id else f"(only @{self.names.get(who, who)}) "
            self.show(args, prefix, channel=channel, ephemeral=True, ts=(call.response or {}).get("message_ts"))
            return
        if channel[:1] in ("U", "W") or channel.startswith("D"):
            who = channel[1:] if channel.startswith("D") and channel[1:] in self.names else channel
            prefix = "(DM) " if who == self.user_id else f"(DM to @{self.names.get(who, who)}) "
        else:
            prefix = f"#{CHANNEL_NAME} " if channel == CHANNEL_ID else (channel if channel.startswith("#") else f"#{channel}") + " "
        if call.method == "chat.update":
            prefix = "(edited) " + prefix
        response = call.response or {}
        self.show(args, prefix, channel=response.get("channel") or channel, ephemeral=False, ts=response.get("ts"))

    def show(self, message: dict, prefix: str, *, channel: str, ephemeral: bool, ts: str | None = None) -> None:
        blocks = message.get("blocks") or []
        if isinstance(blocks, str):
            blocks = _json(blocks) or []
        text = render_blocks(blocks, self.names) if blocks else show_mrkdwn(message.get("text") or "", self.names)
        self.say(prefix + text if text else prefix.strip())
        if any(_clickables(blocks)):
            ts = ts or f"{int(time.time())}.{next(self._n):06d}"
            self.messages.append(_Message(blocks, message.get("text") or "", channel, ts, ephemeral))

    # ---------------------------------------------------------------- buttons and menus

    def click(self, rest: str) -> None:
        if not self.messages:
            self.note("nothing to click yet")
            return
        if not rest:
            labels = " ".join(f"[{_element_label(e)}]" for _, e in _clickables(self.messages[-1].blocks))
            self.note(f"on the last message: {labels}. Use /click LABEL [OPTION]")
            return
        for message in reversed(self.messages):
            found = _find_element(message.blocks, rest)
            if found:
                break
        else:
            labels = " ".join(f"[{_element_label(e)}]" for _, e in _clickables(self.messages[-1].blocks))
            self.note(f"nothing called “{rest}” to click; on the last message: {labels}")
            return
        block, element, option_text = found
        action = {
            "type": element.get("type"),
            "action_id": element.get("action_id", ""),
            "block_id": block.get("block_id") or "console",
            "action_ts": f"{time.time():.6f}",
        }
        if element.get("type") == "button":
            action["text"] = element.get("text")
            if "value" in element:
                action["value"] = element["value"]
        elif _options(element):
            label = _element_label(element)
            options = _options(element)
            listed = " | ".join(_text_of(o.get("text"), self.names) for o in options)
            if not option_text:
                self.note(f"pick one: /click {label} OPTION, where OPTION is one of: {listed}")
                return
            option = _match_option(options, option_text)
            if option is None:
                self.note(f"“{option_text}” is not one of: {listed}")
                return
            action["selected_option"] = option
            if element.get("placeholder"):
                action["placeholder"] = element["placeholder"]
        else:
            self.note(f"a {element.get('type')} can't be used from the console")
            return
        n = next(self._n)
        payload = {
            "type": "block_actions",
            "user": self._user_json(),
            "api_app_id": APP_ID,
            "token": "console",
            "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel, "is_ephemeral": message.ephemeral},
            "trigger_id": self._trigger(),
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": message.channel, "name": CHANNEL_NAME if message.channel == CHANNEL_ID else message.channel},
            "state": {"values": {}},
            "response_url": self.fake.response_url(f"act{n}"),
            "actions": [action],
        }
        if not message.ephemeral:
            payload["message"] = {"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks}
        response = self.post_payload(payload)
        if self._failed(response):
            return
        body = _json(response.body)
        if body.get("text") or body.get("blocks"):
            self.show(body, "", channel=message.channel, ephemeral=True)
        self.after()

    # ---------------------------------------------------------------- modals

    def fill_modal(self, view: dict) -> None:
        """Ask for each input of ``view``, submit it, and re-ask the fields the app says are wrong."""
        title = _text_of(view.get("title"), self.names) or "Form"
        self.say(f"── {title} ── Enter keeps [value] · - clears · /submit sends · /cancel closes")
        answers = {b["block_id"]: _initial(b["element"]) for b in _inputs(view)}
        to_ask = None  # None: every block, in order, with headers and text
        while True:
            outcome = self._ask_blocks(view, answers, to_ask)
            if outcome == "cancel":
                self.say("(form closed; nothing was sent)")
                return
            response = self.post_payload(self._submission(view, answers))
            if self._failed(response):
                return
            body = _json(response.body)
            action = body.get("response_action")
            if action == "errors":
                errors = body.get("errors") or {}
                labels = {b["block_id"]: _text_of(b.get("label"), self.names) for b in _inputs(view)}
                for block_id, message in errors.items():
                    self.say(f"⚠️ {labels.get(block_id, block_id)}: {show_mrkdwn(message, self.names)}")
                self.after()
                to_ask = [b for b in errors if b in answers] or None
                continue
            self.after()
            if action in ("update", "push") and isinstance(body.get("view"), dict):
                view = {**body["view"], "id": view.get("id"), "team_id": TEAM_ID, "app_id": APP_ID}
                self.say(f"── {_text_of(view.get('title'), self.names) or 'Form'} ──")
                answers = {b["block_id"]: _initial(b["element"]) for b in _inputs(view)}
                to_ask = None
                continue
            return

    def _ask_blocks(self, view: dict, answers: dict, only: list[str] | None) -> str:
        sending = False
        for block in view.get("blocks") or []:
            kind = block.get("type")
            if only is None and kind in ("header", "section", "context", "divider") and not sending:
                text = render_blocks([block], self.names)
                if text:
                    self.say(text)
                continue
            if kind != "input" or not block.get("block_id") or (only is not None and block["block_id"] not in only):
                continue
            block_id = block["block_id"]
            if sending and (block.get("optional") or _present(answers.get(block_id))):
                continue
            result = self._ask(block, answers.get(block_id))
            if result == "/cancel":
                return "cancel"
            if result == "/submit":
                sending = True
                if block.get("optional") or _present(answers.get(block_id)):
                    continue
                result = self._ask(block, answers.get(block_id), required_note=True)
                if result in ("/cancel", "/submit"):
                    return "cancel" if result == "/cancel" else "send"
            answers[block_id] = result
        return "send"

    def _ask(self, block: dict, current, *, required_note: bool = False):
        """Prompt for one input until the answer is acceptable; returns its value, or /cancel or /submit."""
        element = block.get("element") or {}
        kind = element.get("type")
        label = _text_of(block.get("label"), self.names) or block.get("block_id", "?")
        optional = bool(block.get("optional"))
        notes = []
        if optional:
            notes.append("optional")
        if block.get("hint"):
            notes.append(_text_of(block["hint"], self.names))
        if kind == "datepicker":
            notes.append("YYYY-MM-DD")
        if kind == "users_select":
            notes.append("@name")
        if kind == "checkboxes":
            notes.append("y/n")
        if kind in SELECTS:
            options = _options(element)
            self.say("  " + "  ".join(f"{i}) {_text_of(o.get('text'), self.names)}" for i, o in enumerate(options, 1)))
        shown = self._shown(kind, current)
        prompt = label + (f" ({'; '.join(notes)})" if notes else "") + (f" [{shown}]" if shown else "") + ": "
        if required_note:
            self.say(f"  {label} is required")
        while True:
            raw = self.read(prompt)
            if raw is None:
                raise _Quit
            answer = raw.strip()
            if answer in ("/cancel", "/submit"):
                return answer
            if answer == "":
                if _present(current) or optional:
                    return current
                self.say(f"  {label} is required (/cancel closes the form)")
                continue
            if answer == "-":
                if optional:
                    return None
                self.say(f"  {label} is required and can't be cleared")
                continue
            value, problem = self._parse(kind, element, answer)
            if problem:
                self.say(f"  ⚠️ {problem}")
                continue
            return value

    def _shown(self, kind: str | None, current) -> str:
        if not _present(current):
            return ""
        if kind in SELECTS:
            return _text_of(current.get("text"), self.names)
        if kind == "users_select":
            return "@" + self.names.get(current, current)
        if kind == "checkboxes":
            return "y"
        return str(current)

    def _parse(self, kind: str | None, element: dict, answer: str):
        """(value, None) or (None, what is wrong)."""
        if kind in TEXT_INPUTS:
            limit, least = element.get("max_length"), element.get("min_length")
            if limit and len(answer) > limit:
                return None, f"at most {limit} characters (that was {len(answer)})"
            if least and len(answer) < least:
                return None, f"at least {least} characters"
            if kind == "number_input":
                pattern = r"-?\d+(\.\d+)?" if element.get("is_decimal_allowed") else r"-?\d+"
                if not re.fullmatch(pattern, answer):
                    return None, "a number, please"
            return answer, None
        if kind in SELECTS:
            option = _match_option(_options(element), answer)
            if option is None:
                return None, "choose a number from the list (or type an option's name)"
            return option, None
        if kind == "datepicker":
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", answer):
                    raise ValueError
                return date.fromisoformat(answer).isoformat(), None
            except ValueError:
                return None, "a date as YYYY-MM-DD, e.g. " + date.today().isoformat()
        if kind == "checkboxes":  # one yes/no question for the box(es)
            if answer.lower() in ("y", "yes", "是"):
                return list(element.get("options") or []), None
            if answer.lower() in ("n", "no", "否"):
                return [], None
            return None, "y or n"
        if kind == "users_select":
            name = self._name_of(answer)
            if name in self.users:
                return self.users[name], None
            if answer in self.names:
                return answer, None
            return None, f"no one called {answer}; people here: " + " ".join("@" + n for n in self.users)
        return answer, None

    def _submission(self, view: dict, answers: dict) -> dict:
        values = {}
        for block in _inputs(view):
            element = block["element"]
            kind = element.get("type")
            value = answers.get(block["block_id"])
            if kind in TEXT_INPUTS:
                field = {"type": kind, "value": value if _present(value) else None}
            elif kind in SELECTS:
                field = {"type": kind, "selected_option": value if _present(value) else None}
            elif kind == "datepicker":
                field = {"type": kind, "selected_date": value if _present(value) else None}
            elif kind == "users_select":
                field = {"type": kind, "selected_user": value if _present(value) else None}
            elif kind == "checkboxes":
                field = {"type": kind, "selected_options": value or []}
            else:
                continue
            values[block["block_id"]] = {element.get("action_id", block["block_id"]): field}
        submitted = copy.deepcopy(view)
        submitted["state"] = {"values": values}
        return {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "user": self._user_json(),
            "api_app_id": APP_ID,
            "token": "console",
            "trigger_id": self._trigger(),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }


# --------------------------------------------------------------------------------------------
# helpers


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _json(body: str | None) -> dict:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {"text": body}
    return data if isinstance(data, dict) else {}


def _present(value) -> bool:
    return value is not None and value != ""


def _inputs(view: dict) -> list[dict]:
    return [b for b in view.get("blocks") or [] if b.get("type") == "input" and b.get("block_id") and b.get("element")]


def _initial(element: dict):
    kind = element.get("type")
    if kind in TEXT_INPUTS:
        return element.get("initial_value")
    if kind in SELECTS:
        return element.get("initial_option")
    if kind == "datepicker":
        return element.get("initial_date")
    if kind == "users_select":
        return element.get("initial_user")
    if kind == "checkboxes":
        return element.get("initial_options") or []
    return None


def _clickables(blocks: list[dict]):
    for block in blocks or []:
        if block.get("type") == "actions":
            for element in block.get("elements") or []:
                yield block, element
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            if block["accessory"].get("type") not in ("image",):
                yield block, block["accessory"]


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("…", " ").replace("...", " ").split())


def _find_element(blocks: list[dict], wanted: str):
    """(block, element, rest) for the element named by its label or action_id at the start of ``wanted``."""
    best = None
    wanted_n = _norm(wanted)
    for block, element in _clickables(blocks):
        for name in (_element_label(element), element.get("action_id") or ""):
            name_n = _norm(name)
            if not name_n:
                continue
            if wanted_n == name_n:
                rest = ""
            elif wanted_n.startswith(name_n + " "):
                # keep the option as typed: drop as many words as the name has
                rest = " ".join(wanted.replace("…", " ").split()[len(name_n.split()) :])
            else:
                continue
            if best is None or len(name_n) > best[0]:
                best = (len(name_n), block, element, rest)
    return best[1:] if best else None


def _match_option(options: list[dict], wanted: str) -> dict | None:
    wanted_n = _norm(wanted)
    if wanted.strip().isdigit() and 1 <= int(wanted) <= len(options):
        return options[int(wanted) - 1]
    for option in options:
        if _norm(_text_of(option.get("text"), {})) == wanted_n or str(option.get("value", "")) == wanted.strip():
            return option
    for option in options:  # "negotiation" for a value like "13:negotiation"
        if re.split(r"[:/|]", str(option.get("value", "")))[-1].lower() == wanted.strip().lower():
            return option
    return None


def run_console(settings: Settings, *, user: str = "alice", demo: bool = False, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run a console session until /quit or the end of input; returns the exit status."""
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    if stdout is sys.stdout and hasattr(stdout, "reconfigure"):
        try:
            stdout.reconfigure(errors="replace")
        except (ValueError, OSError):
            pass
    with _console_logging():
        try:
            console = Console(settings, stdin=stdin, stdout=stdout)
        except Exception as exc:
            from bot.core.config import ConfigError

            if isinstance(exc, ConfigError):
                raise
            print(f"oppbot console: could not start: {_one_line(exc)}", file=sys.stderr)
            return 1
        try:
            return console.run(user=user, demo=demo)
        except Exception as exc:  # e.g. stdin or stdout went away
            print(f"oppbot console: {_one_line(exc)}", file=sys.stderr)
            return 1
        finally:
            console.close()
