"""The test harness: signed requests into the real app, a local fake Slack Web API, a fixed clock.

Tests read like a Slack conversation:

    reply = slack.command("alice", "new Acme ERP 50万 close 下周五")
    assert "Created #1" in reply.text
    assert db.deal(1).amount == 500000

Every payload the app answers with or sends to Slack is checked with slack_sdk.models and the
Block Kit JSON Schema (tests/slackcheck.py).

The suite runs on SQLite; with OPPBOT_TEST_DATABASE_URL set (postgresql+psycopg://...) it runs
on a database of its own that it creates on that server and drops at the end.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from bot.app import create_app, web_client
from bot.clients import InlineExecutor
from bot.console.signing import SignedRequest, SlackRequests
from bot.console.slack_api import APP_ID, TEAM_ID
from bot.core.clock import FixedClock
from bot.core.config import Settings, load_config
from bot.core.dates import DateReader
from bot.core.runtime import Runtime
from bot.deals.duplicates import _stored_keys
from bot.web import wsgi_app
from store.db import make_engine, make_sessions, upgrade
from store.models import Base, Event, Member, Opportunity
from tests.faultyslack import FaultySlack
from tests.scratchdb import scratch_database
from tests.slackcheck import assert_valid_call, assert_valid_message

ROOT = Path(__file__).resolve().parent.parent
SECRET = "test-signing-secret"
PUBLIC_URL = "https://oppbot.example.com"  # the deal pages (bot.core.links); the manifest unfurls this domain
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Wednesday 2026-11-25 10:00 in Shanghai
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)

USERS = {
    "alice": dict(user_id="U0ALICE", name="alice", tz="Asia/Shanghai", locale="en-US"),
    "bob": dict(user_id="U0BOB", name="bob", tz="Asia/Shanghai", locale="en-US"),
    "li": dict(user_id="U0LI", name="li", tz="Asia/Shanghai", locale="zh-CN"),
    "nyc": dict(user_id="U0NYC", name="nyc", tz="America/New_York", locale="en-US"),
    "boss": dict(user_id="U0ADMIN", name="boss", tz="Asia/Shanghai", locale="en-US"),
}


def database_url_for_tests(tmp_path_factory) -> AbstractContextManager[str]:
    """A database of the suite's own: a new SQLite file, or with OPPBOT_TEST_DATABASE_URL a new
    database on that PostgreSQL server, dropped at the end (tests/scratchdb.py). The database the
    URL names is never touched."""
    server = os.environ.get("OPPBOT_TEST_DATABASE_URL")
    return scratch_database(server) if server else nullcontext(f"sqlite:///{tmp_path_factory.mktemp('db')}/oppbot.db")


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    with database_url_for_tests(tmp_path_factory) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


@pytest.fixture
def clean_db(engine):
    """Every test starts with empty tables (the schema stays)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
    return engine


@pytest.fixture(scope="session")
def dates():
    reader = DateReader(("en", "zh"))
    reader.warm()
    return reader


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture(autouse=True)
def fresh_title_keys():
    """Each test compares titles from scratch: the duplicate check keeps the keys of the titles it
    has compared (bot.deals.duplicates), and a key a test before made is not what this one tests
    (nor, under mutation testing, what a mutant would make of it)."""
    _stored_keys.cache_clear()


@pytest.fixture
def config():
    return load_config(ROOT / "config.toml")


@pytest.fixture
def fake(clock):
    """The Web API stand-in the app talks to, with failures on demand (tests/faultyslack.py);
    messages it keeps are stamped with the test's clock."""
    with FaultySlack() as server:
        server.use_clock(lambda: clock.now().timestamp())
        for spec in USERS.values():
            spec = dict(spec)
            server.add_user(spec.pop("user_id"), **spec)
        yield server
        for call in server.calls():
            assert_valid_call(call)


@pytest.fixture
def gated(request) -> bool:
    """Whether the qualification gate is on. Most tests are about other things and run with the
    threshold at 0; tests of the gate mark themselves ``@pytest.mark.gated``."""
    return request.node.get_closest_marker("gated") is not None


@pytest.fixture
def rt(clean_db, config, clock, dates, gated, request):
    config = replace(config, admins=("U0ADMIN",))
    if request.node.get_closest_marker("duplicates") is None:  # tests of 撞单 mark themselves
        config = replace(config, duplicate_check=False)
    if not gated:
        config = replace(config, qualification=replace(config.qualification, threshold=0))
    return Runtime(default_config=replace(config, public_url=PUBLIC_URL), sessions=make_sessions(clean_db), clock=clock, dates=dates)


@dataclass
class Answer:
    """What the app answered to one request."""

    status: int
    body: str

    @property
    def json(self) -> dict:
        return json.loads(self.body) if self.body else {}

    @property
    def text(self) -> str:
        """The fallback text plus every mrkdwn/plain text in the blocks, for easy assertions."""
        payload = self.json
        return payload_text(payload)


def payload_text(payload: dict) -> str:
    parts = [payload.get("text") or ""]

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                parts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks") or payload.get("view") or [])
    if "errors" in payload:
        parts.extend(payload["errors"].values())
    return DEAL_LINK.sub(r"\1", "\n".join(parts))  # a deal's number reads as "#42" (its link: tests/test_unfurls.py)


DEAL_LINK = re.compile("<" + re.escape(PUBLIC_URL) + r"/deals/[0-9]+\|([^>]*)>")


def app_settings(fake: FaultySlack, *, signing_secret: str | None = SECRET, app_token: str | None = None) -> Settings:
    """The app's settings in the tests: the bot token, Slack's Web API at ``fake``."""
    return Settings(
        bot_token="xoxb-test",
        signing_secret=signing_secret,
        app_token=app_token,
        database_url=None,
        slack_api_url=fake.api_url,
        config_path=str(ROOT / "config.toml"),
    )


class SlackClient:
    """Plays Slack: signs and posts requests to the app's HTTP entry point, in-process (WSGI)."""

    def __init__(self, rt: Runtime, fake: FaultySlack, secret: str = SECRET, **settings_given):
        """``settings_given``: other settings than the one bot token's (tests/test_install.py)."""
        self.rt = rt
        self.fake = fake
        settings = replace(app_settings(fake, signing_secret=secret), **settings_given)
        self.app = create_app(rt, settings, client=web_client(settings), after_answer=InlineExecutor())
        self.wsgi = wsgi_app(self.app, rt)
        self.requests = SlackRequests(secret, team_id=TEAM_ID, team_domain="fake", app_id=APP_ID, token="legacy")
        self._n = 0

    # --- raw HTTP -------------------------------------------------------------------------
    def post(self, body: str, content_type: str, *, signature: str | None = None, timestamp: str | None = None, path="/slack/events") -> Answer:
        """``body`` signed (or with the ``signature`` and ``timestamp`` given) and posted."""
        return self.send(self.requests.sign(body, content_type, signature=signature, timestamp=timestamp), path=path)

    def send(self, request: SignedRequest, *, path="/slack/events", headers: dict[str, str] | None = None) -> Answer:
        """Post a signed request; ``headers`` adds more (e.g. Slack's X-Slack-Retry-Num on a retry)."""
        raw = request.body.encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_TYPE": request.headers["content-type"],
            "CONTENT_LENGTH": str(len(raw)),
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "3000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(raw),
            "wsgi.url_scheme": "http",
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": request.headers["x-slack-request-timestamp"],
            "HTTP_X_SLACK_SIGNATURE": request.headers["x-slack-signature"],
        }
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        return self._call(environ)

    def get(self, path: str) -> Answer:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "3000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
        }
        return self._call(environ)

    def _call(self, environ) -> Answer:
        status = {}

        def start_response(line, headers, exc_info=None):
            status["code"] = int(line.split()[0])

        body = b"".join(self.wsgi(environ, start_response)).decode()
        return Answer(status["code"], body)

    # --- as Slack sends them ----------------------------------------------------------------
    def command(self, who: str, text: str, *, channel: str = "C0SALES", signature: str | None = None, timestamp: str | None = None) -> Answer:
        answer = self.send(self.command_request(who, text, channel=channel, signature=signature, timestamp=timestamp))
        if answer.status == 200 and answer.body:
            assert_valid_message(answer.json)
        return answer

    def command_request(
        self, who: str, text: str, *, channel: str = "C0SALES", signature: str | None = None, timestamp: str | None = None, team_id: str | None = None
    ) -> SignedRequest:
        """``/opp text`` typed by ``who``, signed, with a trigger id of its own: send it (again) with
        ``send``; ``team_id``: from another workspace than the stand-in's."""
        self._n += 1
        requests = self.requests
        if team_id is not None:
            requests = copy.copy(self.requests)
            requests.team_id = team_id
        return requests.command(
            user_id=USERS[who]["user_id"],
            user_name=who,
            channel_id=channel,
            channel_name="sales",
            text=text,
            response_url=self.fake.response_url(f"cmd{self._n}"),
            trigger_id=f"trigger.{self._n}",
            signature=signature,
            timestamp=timestamp,
        )

    def interactive(self, payload: dict, *, signature: str | None = None, timestamp: str | None = None) -> Answer:
        return self.send(self.requests.interactive(payload, signature=signature, timestamp=timestamp))

    def user(self, who: str) -> dict:
        return self.requests.user(USERS[who]["user_id"], who)

    def click(self, who: str, action_id: str, value: str | None = None, *, selected: str | None = None, ephemeral: bool = True) -> Answer:
        return self.send(self.click_request(who, action_id, value, selected=selected, ephemeral=ephemeral))

    def click_request(self, who: str, action_id: str, value: str | None = None, *, selected: str | None = None, ephemeral: bool = True) -> SignedRequest:
        """A click on a button (or a choice in a menu: ``selected``), signed, with a trigger id of its own."""
        self._n += 1
        action = {"action_id": action_id, "block_id": "b", "type": "button", "action_ts": "1.2"}
        if selected is not None:
            action.update(type="static_select", selected_option={"text": {"type": "plain_text", "text": selected}, "value": selected})
        else:
            action["value"] = value
        return self.requests.block_actions(
            user=self.user(who),
            actions=[action],
            channel={"id": "C0SALES", "name": "sales"},
            container={"type": "message", "channel_id": "C0SALES", "is_ephemeral": ephemeral, "message_ts": "1.1"},
            response_url=self.fake.response_url(f"act{self._n}"),
            trigger_id=f"trigger.{self._n}",
        )

    def submit(self, who: str, view: dict, values: dict, *, view_id: str | None = None) -> Answer:
        """Submit a modal the app opened, with ``values`` as {block_id: value} (shaped per element).
        Each submission is of a view of its own unless ``view_id`` says which (a double submit)."""
        self._n += 1
        view_id = view_id or f"V{self._n:04d}"
        state = {}
        for block in view["blocks"]:
            if block["type"] != "input":
                continue
            element = block["element"]
            block_id, action_id = block["block_id"], element["action_id"]
            value = values.get(block_id)
            kind = element["type"]
            if kind == "plain_text_input":
                field = {"type": kind, "value": value if value is not None else element.get("initial_value")}
            elif kind == "static_select":
                chosen = value or (element.get("initial_option") or {}).get("value")
                field = {"type": kind, "selected_option": {"text": {"type": "plain_text", "text": str(chosen)}, "value": chosen} if chosen else None}
            elif kind == "datepicker":
                field = {"type": kind, "selected_date": value if value is not None else element.get("initial_date")}
            elif kind == "external_select":  # the option picked: {"value": ..., "text": ...}, or a bare value
                chosen = value if isinstance(value, dict) or value is None else {"value": value, "text": str(value)}
                field = {
                    "type": kind,
                    "selected_option": {"text": {"type": "plain_text", "text": chosen["text"]}, "value": chosen["value"]} if chosen else None,
                }
            elif kind == "users_select":
                field = {"type": kind, "selected_user": value or element.get("initial_user")}
            elif kind == "checkboxes":
                chosen = element.get("initial_options") or [] if value is None else [o for o in element["options"] if value]
                field = {"type": kind, "selected_options": chosen}
            else:
                raise AssertionError(f"unhandled element {kind}")
            state[block_id] = {action_id: field}
        submitted = {**view, "id": view_id, "team_id": TEAM_ID, "state": {"values": state}, "hash": "h"}
        answer = self.send(self.requests.view_submission(user=self.user(who), view=submitted, trigger_id="trigger.submit"))
        assert answer.status == 200, answer.body
        return answer

    def opened_view(self) -> dict:
        """The last modal the app asked Slack to open."""
        return self.fake.last("views.open").args["view"]

    def responses(self) -> list[dict]:
        return [c.args for c in self.fake.calls("response_url")]


@pytest.fixture
def slack(rt, fake):
    return SlackClient(rt, fake)


class Db:
    """Looks into the database the app uses."""

    def __init__(self, rt: Runtime):
        self.rt = rt

    def deal(self, number: int) -> Opportunity | None:
        with self.rt.sessions() as s:
            return s.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one_or_none()

    def deals(self) -> list[Opportunity]:
        with self.rt.sessions() as s:
            return list(s.scalars(select(Opportunity).order_by(Opportunity.number)).unique())

    def events(self, number: int) -> list[Event]:
        with self.rt.sessions() as s:
            opp = s.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one()
            return list(s.scalars(select(Event).where(Event.opportunity_id == opp.id).order_by(Event.id)).unique())

    def member(self, slack_user_id: str) -> Member | None:
        with self.rt.sessions() as s:
            return s.scalars(select(Member).where(Member.slack_user_id == slack_user_id)).one_or_none()

    def count(self, model) -> int:
        with self.rt.sessions() as s:
            return len(s.scalars(select(model.id)).all())


@pytest.fixture
def db(rt):
    return Db(rt)


@pytest.fixture
def postgres_only(rt):
    """Skips the test on SQLite: row locks are PostgreSQL's (SQLite has one writer at a time)."""
    if rt.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite has one writer at a time)")


@pytest.fixture
def machine_in_utc(monkeypatch):
    """The machine's own time zone is UTC (as on a server), whatever this one's is, so it differs
    from the team's (Shanghai, 8 hours ahead): code that used the machine's zone would show it."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
