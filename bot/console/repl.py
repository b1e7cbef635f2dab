"""`oppbot console`: a terminal stand-in for Slack; this module is the loop and its commands.

Typed lines become the requests Slack would send (signed slash commands, block actions, modal
submissions; see signing.py) and go through the same Bolt app and listeners as production. The
Web API points at an in-process fake Slack (slack_api.py); whatever the app sends there (replies,
posts, modals) is shown as text (text.py), and modals become prompts (prompts.py). Piped stdin
works too, for scripts and transcripts:

    printf '/opp new Acme ERP 50万\\n/opp list\\n' | oppbot console --demo
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import TextIO

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.app import build_runtime, create_app, web_client
from bot.clients import InlineExecutor, profile_fetcher
from bot.console.controls import clickables, find_element, labels, press
from bot.console.logs import console_logging
from bot.console.people import CAST, People, name_of
from bot.console.prompts import FormPrompts, initial_answers, submitted_view
from bot.console.signing import SignedRequest, SlackRequests
from bot.console.slack_api import APP_ID, TEAM_ID, Call, FakeSlack
from bot.console.terminal import Quit, Terminal
from bot.console.text import render_blocks, show_mrkdwn, text_of
from bot.core.clock import Clock
from bot.core.config import ConfigError, Settings
from bot.demo.pipeline import load_demo

SIGNING_SECRET = "oppbot-console-signing-secret"
BOT_TOKEN = "xoxb-oppbot-console"
CHANNEL_ID, CHANNEL_NAME = "C0SALES", "sales"
TEAM_DOMAIN = "console"
SLASH_COMMANDS = ("/opp",)

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

MESSAGE_METHODS = ("response_url", "chat.postMessage", "chat.postEphemeral", "chat.update", "chat.meMessage")
VIEW_METHODS = ("views.open", "views.push")

log = logging.getLogger(__name__)


@dataclass
class _Message:
    """A message shown in the console that may carry buttons or menus."""

    blocks: list[dict]
    text: str
    channel: str
    ts: str
    ephemeral: bool


class Console:
    """One console session: a fake Slack, the app, a cast of users and the person typing."""

    def __init__(self, settings: Settings, *, stdin: TextIO, stdout: TextIO, clock: Clock | None = None):
        self.terminal = Terminal(stdin, stdout)
        self.say, self.note = self.terminal.say, self.terminal.note
        self._heard: list[Call] = []
        self._heard_lock = threading.Lock()
        self.fake = FakeSlack(listener=self._hear).start()
        try:
            self.settings = replace(settings, bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, app_token=None, slack_api_url=self.fake.api_url)
            self.rt = build_runtime(self.settings, clock=clock)
            self.client = web_client(self.settings)
            self.app = create_app(self.rt, self.settings, client=self.client, after_answer=InlineExecutor())
        except BaseException:
            self.fake.close()
            raise
        self.requests = SlackRequests(SIGNING_SECRET, team_id=TEAM_ID, team_domain=TEAM_DOMAIN, app_id=APP_ID, token="console")
        self.people = People(self.fake, timezone=self.rt.config.timezone)
        self.prompts = FormPrompts(self.terminal, self.people, lambda: self.rt.clock.now().astimezone(self.rt.config.tz).date())
        self.user = "alice"
        self.messages: deque[_Message] = deque(maxlen=30)
        self._n = itertools.count(1)

    def close(self) -> None:
        self.fake.close()
        engine = self.rt.sessions.kw.get("bind")
        if engine is not None:
            engine.dispose()

    @property
    def user_id(self) -> str:
        return self.people.users[self.user]

    @property
    def names(self) -> dict[str, str]:
        return self.people.names

    # ---------------------------------------------------------------- the session

    def run(self, *, user: str = "alice", demo: bool = False) -> int:
        self.user = name_of(user)
        self.people.add(self.user)
        if self.terminal.interactive:
            self.say(f"oppbot console — you are @{self.user} in #{CHANNEL_NAME}. Try /opp help; /help lists console commands.")
        if demo:
            try:
                self.load_demo()
            except Exception as exc:
                log.debug("demo data failed", exc_info=True)
                self.say(f"⚠️ console: the demo data could not be loaded: {_one_line(exc)}")
        while True:
            try:
                line = self.terminal.read(f"{self.user}> ", echo_empty=False)
            except KeyboardInterrupt:
                self.say()
                return 130
            if line is None:
                return 0
            if not line.strip():
                continue
            try:
                self.handle(line.strip())
            except Quit:
                return 0
            except KeyboardInterrupt:
                self.say("(interrupted)")
            except Exception as exc:  # one line, never a traceback
                log.debug("console error", exc_info=True)
                self.say(f"⚠️ console: {_one_line(exc)}")
            self.say()

    def load_demo(self) -> None:
        created = load_demo(self.rt, TEAM_ID, dict(self.people.users), fetch_profile=profile_fetcher(self.client))
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
            raise Quit
        if command == "/help":
            self.say(HELP.format(people=", ".join(CAST)))
        elif command == "/as":
            self.switch(rest)
        elif command in ("/users", "/who"):
            self.say("  ".join(f"@{n} ({uid})" + (" ← you" if n == self.user else "") for n, uid in self.people.users.items()))
        elif command == "/home":
            self.home()
        elif command == "/click":
            self.click(rest)
        elif command in SLASH_COMMANDS:
            self.slash(command, rest)
        else:
            self.note(f"there is no {command} here. Type /help")

    def switch(self, rest: str) -> None:
        name = name_of(rest)
        if not name:
            self.note(f"you are @{self.user}. Switch with /as NAME ({', '.join(self.people.users)})")
            return
        if name not in self.people.users:
            self.people.add(name)
            self.note(f"@{name} joined the workspace ({self.people.users[name]})")
        self.user = name
        self.note(f"you are now @{name}")

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

    def _user_json(self) -> dict:
        return self.requests.user(self.user_id, self.user)

    def dispatch(self, request: SignedRequest) -> BoltResponse:
        """Hand a signed request to Bolt, as if Slack had sent it."""
        self._take()
        return self.app.dispatch(BoltRequest(body=request.body, headers=request.headers))

    def slash(self, command: str, text: str) -> None:
        request = self.requests.command(
            user_id=self.user_id,
            user_name=self.user,
            channel_id=CHANNEL_ID,
            channel_name=CHANNEL_NAME,
            command=command,
            text=self.people.mention_text(text),
            response_url=self.fake.response_url(f"cmd{next(self._n)}"),
            trigger_id=self._trigger(),
        )
        response = self.dispatch(request)
        if self._failed(response):
            return
        body = _json(response.body)
        if body:
            self.show(body, "", channel=CHANNEL_ID, ephemeral=body.get("response_type") != "in_channel")
        self.after()

    def home(self) -> None:
        """Open the App Home tab: send app_home_opened as Slack would and show the published view."""
        event = {"type": "app_home_opened", "user": self.user_id, "channel": "D" + self.user_id, "tab": "home", "event_ts": f"{time.time():.6f}"}
        request = self.requests.event(event, event_id=f"Ev{next(self._n)}", event_time=int(time.time()))
        if self._failed(self.dispatch(request)):
            return
        views = [c for c in self._take() if c.method == "views.publish" and not c.failed]
        if not views:
            self.note("the App Home tab did not open")
            return
        view = views[-1].args.get("view") or {}
        view = _json(view) if isinstance(view, str) else view
        self.say(render_blocks(view.get("blocks") or [], self.names))

    def _failed(self, response: BoltResponse) -> bool:
        if response.status == 200:
            return False
        detail = (response.body or "").strip().splitlines()
        self.say(f"⚠️ the app answered HTTP {response.status}" + (f": {detail[0][:200]}" if detail else ""))
        self._take()
        return True

    # ---------------------------------------------------------------- what the app sent to Slack

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
            self._show_response(args)
            return
        channel = str(args.get("channel") or "")
        if call.method == "chat.postEphemeral":
            who = str(args.get("user") or "")
            prefix = "(only you) " if who == self.user_id else f"(only @{self.names.get(who, who)}) "
            self.show(args, prefix, channel=channel, ephemeral=True, ts=(call.response or {}).get("message_ts"))
            return
        prefix = self._where(channel)
        if call.method == "chat.update":
            prefix = "(edited) " + prefix
        response = call.response or {}
        self.show(args, prefix, channel=response.get("channel") or channel, ephemeral=False, ts=response.get("ts"))

    def _show_response(self, args: dict) -> None:
        """Something posted to a response_url: a reply in the channel, or a change to the message."""
        if args.get("delete_original"):
            self.say("(deleted the message)")
            return
        prefix = "(updated) " if args.get("replace_original") in (True, "true") else ""
        if args.get("response_type") == "in_channel":
            prefix += f"#{CHANNEL_NAME} "
        self.show(args, prefix, channel=CHANNEL_ID, ephemeral=args.get("response_type") != "in_channel")

    def _where(self, channel: str) -> str:
        """ "(DM) ", "(DM to @bob) " or "#sales " before a message posted to ``channel``."""
        if channel[:1] in ("U", "W") or channel.startswith("D"):
            who = channel[1:] if channel.startswith("D") and channel[1:] in self.names else channel
            return "(DM) " if who == self.user_id else f"(DM to @{self.names.get(who, who)}) "
        if channel == CHANNEL_ID:
            return f"#{CHANNEL_NAME} "
        return (channel if channel.startswith("#") else f"#{channel}") + " "

    def show(self, message: dict, prefix: str, *, channel: str, ephemeral: bool, ts: str | None = None) -> None:
        blocks = message.get("blocks") or []
        if isinstance(blocks, str):
            blocks = _json(blocks) or []
        text = render_blocks(blocks, self.names) if blocks else show_mrkdwn(message.get("text") or "", self.names)
        self.say(prefix + text if text else prefix.strip())
        if any(clickables(blocks)):
            ts = ts or f"{int(time.time())}.{next(self._n):06d}"
            self.messages.append(_Message(blocks, message.get("text") or "", channel, ts, ephemeral))

    # ---------------------------------------------------------------- buttons and menus

    def click(self, rest: str) -> None:
        if not self.messages:
            self.note("nothing to click yet")
            return
        if not rest:
            self.note(f"on the last message: {labels(self.messages[-1].blocks)}. Use /click LABEL [OPTION]")
            return
        for message in reversed(self.messages):
            found = find_element(message.blocks, rest)
            if found:
                break
        else:
            self.note(f"nothing called “{rest}” to click; on the last message: {labels(self.messages[-1].blocks)}")
            return
        action, problem = press(*found, self.names)
        if action is None:
            self.note(problem)
            return
        response = self.dispatch(self._block_actions(message, action))
        if self._failed(response):
            return
        body = _json(response.body)
        if body.get("text") or body.get("blocks"):
            self.show(body, "", channel=message.channel, ephemeral=True)
        self.after()

    def _block_actions(self, message: _Message, action: dict) -> SignedRequest:
        container = {"type": "message", "message_ts": message.ts, "channel_id": message.channel, "is_ephemeral": message.ephemeral}
        return self.requests.block_actions(
            user=self._user_json(),
            actions=[action],
            channel={"id": message.channel, "name": CHANNEL_NAME if message.channel == CHANNEL_ID else message.channel},
            container=container,
            response_url=self.fake.response_url(f"act{next(self._n)}"),
            trigger_id=self._trigger(),
            message=None if message.ephemeral else {"type": "message", "ts": message.ts, "text": message.text, "blocks": message.blocks},
        )

    # ---------------------------------------------------------------- modals

    def fill_modal(self, view: dict) -> None:
        """Ask for each input of ``view``, submit it, and re-ask the fields the app says are wrong."""
        title = text_of(view.get("title"), self.names) or "Form"
        self.say(f"── {title} ── Enter keeps [value] · - clears · /submit sends · /cancel closes")
        answers = initial_answers(view)
        to_ask = None  # None: every block, in order, with headers and text
        while True:
            if not self.prompts.ask_form(view, answers, to_ask):
                self.say("(form closed; nothing was sent)")
                return
            request = self.requests.view_submission(user=self._user_json(), view=submitted_view(view, answers), trigger_id=self._trigger())
            response = self.dispatch(request)
            if self._failed(response):
                return
            body = _json(response.body)
            action = body.get("response_action")
            if action == "errors":
                errors = body.get("errors") or {}
                self.prompts.show_errors(view, errors)
                self.after()
                to_ask = [b for b in errors if b in answers] or None
                continue
            self.after()
            if action not in ("update", "push") or not isinstance(body.get("view"), dict):
                return
            view = {**body["view"], "id": view.get("id"), "team_id": TEAM_ID, "app_id": APP_ID}
            self.say(f"── {text_of(view.get('title'), self.names) or 'Form'} ──")
            answers = initial_answers(view)
            to_ask = None


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _json(body: str | None) -> dict:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {"text": body}
    return data if isinstance(data, dict) else {}


def run_console(
    settings: Settings, *, user: str = "alice", demo: bool = False, stdin: TextIO | None = None, stdout: TextIO | None = None, clock: Clock | None = None
) -> int:
    """Run a console session until /quit or the end of input; returns the exit status.
    ``clock`` is the app's clock (the real one unless given)."""
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    if stdout is sys.stdout and hasattr(stdout, "reconfigure"):
        with contextlib.suppress(ValueError, OSError):
            stdout.reconfigure(errors="replace")
    with console_logging():
        try:
            console = Console(settings, stdin=stdin, stdout=stdout, clock=clock)
        except ConfigError:
            raise
        except Exception as exc:
            print(f"oppbot console: could not start: {_one_line(exc)}", file=sys.stderr)
            return 1
        try:
            return console.run(user=user, demo=demo)
        except Exception as exc:  # e.g. stdin or stdout went away
            print(f"oppbot console: {_one_line(exc)}", file=sys.stderr)
            return 1
        finally:
            console.close()
