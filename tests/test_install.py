"""Installed by OAuth in many workspaces (no SLACK_BOT_TOKEN; SLACK_CLIENT_ID and SECRET): the
install page, Slack's redirect storing the workspace's bot token, each workspace answered with its
own token, and the app removed (app_uninstalled, tokens_revoked): tokens forgotten, the worker's
jobs stopped, the data deleted after the retention."""

from __future__ import annotations

import io
import json
import logging
import re
import urllib.request
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select, text

from bot.console.slack_api import TEAM_ID
from bot.core.config import Settings
from bot.pages.install import BOT_SCOPES, REDIRECT_PATH, installation_store
from bot.worker.installed import WorkspaceClients
from bot.worker.jobs import forget_uninstalled, scan_all, send_outbox
from bot.worker.sender import NOT_INSTALLED, sender_client
from store.models import INSTALL_TABLES, Alert, Opportunity, OutboxMessage, Workspace
from tests.conftest import PUBLIC_URL, ROOT, SECRET, Answer, SlackClient

CLIENT_ID = "111.222"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Distributed(SlackClient):
    """The signed-request client, for the app installed by OAuth; ``page`` GETs a web path."""

    def __init__(self, rt, fake):
        given = dict(bot_token=None, public_url=PUBLIC_URL, client_id=CLIENT_ID, client_secret="client-secret")
        super().__init__(rt, fake, **given)
        self.settings = Settings(signing_secret=SECRET, app_token=None, database_url=None, slack_api_url=fake.api_url, config_path="", **given)

    def page(self, path: str, query: dict | None = None, **headers: str) -> tuple[Answer, dict]:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": urlencode(query or {}),
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "3000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
        }
        for name, value in headers.items():
            environ["HTTP_" + name.upper()] = value
        seen: dict = {}

        def start_response(line, sent, exc_info=None):
            seen["status"], seen["headers"] = int(line.split()[0]), sent

        body = b"".join(self.wsgi(environ, start_response)).decode()
        return Answer(seen["status"], body), {k.lower(): v for k, v in seen["headers"]}

    def install(self, *, accept_language: str = "en-US") -> tuple[Answer, str]:
        """The whole install: the page, Slack's authorize page, back to the redirect; the answer
        and the token Slack gave."""
        answer, _ = self.page("/slack/install", ACCEPT_LANGUAGE=accept_language)
        link = unescape(re.search(r'href="([^"]+)"', answer.body).group(1))
        state = parse_qs(urlsplit(link).query)["state"][0]
        try:
            urllib.request.build_opener(NoRedirect).open(link)
        except urllib.error.HTTPError as back:  # the 302 back to the app
            location = back.headers["Location"]
        assert location.startswith(PUBLIC_URL + REDIRECT_PATH)
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        done, _ = self.page(REDIRECT_PATH, query, COOKIE=f"slack-app-oauth-state={query['state']}", ACCEPT_LANGUAGE=accept_language)
        assert state  # the page's own state went through Slack and back
        token = self.fake.last("oauth.v2.access").response.get("access_token")
        return done, token

    def event(self, event: dict, n: int) -> Answer:
        return self.send(self.requests.event(event, event_id=f"EvI{n}", event_time=1764000000 + n))


@pytest.fixture
def many(rt, fake):
    with rt.sessions.kw["bind"].begin() as conn:  # the suite's cleaning knows only the models' tables
        for table in INSTALL_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
    return Distributed(rt, fake)


def installed_tokens(rt, team_id: str = TEAM_ID) -> list[str]:
    with rt.sessions.kw["bind"].connect() as conn:
        bots = conn.execute(text("SELECT bot_token FROM slack_bots WHERE team_id = :t"), {"t": team_id}).scalars().all()
        installs = conn.execute(text("SELECT bot_token FROM slack_installations WHERE team_id = :t"), {"t": team_id}).scalars().all()
    return [*bots, *installs]


def uninstalled_at(rt, team_id: str = TEAM_ID):
    with rt.sessions() as session:
        return session.scalar(select(Workspace.uninstalled_at).where(Workspace.id == team_id))


def test_the_install_page_links_to_slack_with_a_fresh_state_in_both_languages_the_visitors_first(many):
    answer, headers = many.page("/slack/install", ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert answer.status == 200 and headers["content-type"].startswith("text/html")
    link = unescape(re.search(r'href="([^"]+)"', answer.body).group(1))
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).path == "/oauth/v2/authorize" and query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) == set(BOT_SCOPES)
    assert query["redirect_uri"] == [PUBLIC_URL + REDIRECT_PATH]
    assert f"slack-app-oauth-state={query['state'][0]}" in headers["set-cookie"]
    assert answer.body.index("添加到 Slack") < answer.body.index("Add to Slack")
    english, _ = many.page("/slack/install", ACCEPT_LANGUAGE="en-GB")
    assert english.body.index("Add to Slack") < english.body.index("添加到 Slack")
    again = parse_qs(urlsplit(unescape(re.search(r'href="([^"]+)"', english.body).group(1))).query)
    assert again["state"] != query["state"]  # a state per visit


def test_an_install_stores_the_workspaces_token_and_its_requests_are_answered_with_it(many, fake, db):
    done, token = many.install()
    assert done.status == 200 and "oppbot is now in Fake Workspace" in done.body and "oppbot 已添加到 Fake Workspace" in done.body
    assert token.startswith(f"xoxb-{TEAM_ID}-") and set(installed_tokens(many.rt)) == {token}
    fake.clear()
    reply = many.command("alice", "new Acme ERP 50万 close 2026-12-20")
    assert "Created #1" in reply.text and db.deal(1).amount == 500000
    assert fake.calls() and {call.token for call in fake.calls()} == {token}  # authorize, users.info …: the workspace's own token


def test_a_workspaces_token_is_checked_with_slack_once_not_on_every_request(many, fake):
    """Bolt asks auth.test about a stored token before using it; each process remembers the answer,
    so a request costs no extra call to Slack (Slack gives 3 s)."""
    _, token = many.install()
    fake.clear()
    for words in ("new Acme ERP 50万", "list", "show 1"):
        assert many.command("alice", words).status == 200
    assert [call.token for call in fake.calls("auth.test")] == [token]


def test_a_redirect_with_a_state_this_site_did_not_give_is_refused_with_a_page_and_stores_nothing(many, fake):
    code = fake.install.issue()
    answer, _ = many.page(REDIRECT_PATH, {"code": code, "state": "forged"}, COOKIE="slack-app-oauth-state=forged")
    assert answer.status == 401 and "expired or was not opened from this site" in answer.body and "安装链接已失效" in answer.body
    no_cookie, _ = many.page(REDIRECT_PATH, {"code": code, "state": "forged"})
    assert no_cookie.status == 400 and "Back to the install page" in no_cookie.body
    assert not fake.calls("oauth.v2.access") and installed_tokens(many.rt) == []


def test_a_cancelled_install_says_nothing_changed(many, fake):
    fake.install.installing = None
    answer, _ = many.page("/slack/install")
    link = unescape(re.search(r'href="([^"]+)"', answer.body).group(1))
    try:
        urllib.request.build_opener(NoRedirect).open(link)
    except urllib.error.HTTPError as back:
        query = {k: v[0] for k, v in parse_qs(urlsplit(back.headers["Location"]).query).items()}
    refused, _ = many.page(REDIRECT_PATH, query, COOKIE=f"slack-app-oauth-state={query['state']}")
    assert "The install was cancelled" in refused.body and installed_tokens(many.rt) == []


@pytest.mark.parametrize(
    "event",
    [{"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}],
    ids=["app_uninstalled", "tokens_revoked"],
)
def test_the_app_removed_forgets_the_tokens_and_stops_the_workspaces_scheduled_work(many, fake, clock, db, event):
    many.install()
    many.command("alice", "new Acme ERP 50万 close 2026-12-20")
    assert many.event(event, 1).status == 200
    assert installed_tokens(many.rt) == [] and uninstalled_at(many.rt) == clock.now()
    clock.advance(days=60)  # the deal would be stalled and past its close
    scan_all(many.rt, None, clock.now())
    assert db.count(Alert) == 0
    again, token = many.install()  # installed again: served as before
    assert again.status == 200 and uninstalled_at(many.rt) is None and set(installed_tokens(many.rt)) == {token}
    scan_all(many.rt, None, clock.now())
    assert db.count(Alert) > 0


def test_a_user_token_revoked_leaves_the_bot_installed(many):
    _, token = many.install()
    assert many.event({"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE"]}}, 1).status == 200
    assert set(installed_tokens(many.rt)) == {token} and uninstalled_at(many.rt) is None


def test_after_the_retention_the_worker_deletes_every_row_of_the_removed_workspace(many, clock, db, caplog, monkeypatch):
    monkeypatch.setenv("OPPBOT_DAYS_AFTER_UNINSTALL", "30")
    many.install()
    many.command("alice", "new Acme ERP 50万 close 2026-12-20")
    many.command("alice", "log #1 called the CFO")
    many.event({"type": "app_uninstalled"}, 1)
    clock.advance(days=29)
    assert forget_uninstalled(many.rt, None, clock.now()) == 0 and db.count(Opportunity) == 1  # kept meanwhile
    clock.advance(days=2)
    with caplog.at_level(logging.INFO, logger="bot.team.uninstall"):
        assert forget_uninstalled(many.rt, None, clock.now()) == 1
    assert db.count(Opportunity) == 0 and uninstalled_at(many.rt) is None
    with many.rt.sessions() as session:
        assert session.get(Workspace, TEAM_ID) is None
    line = [r.getMessage() for r in caplog.records if "deleted the data of workspace" in r.getMessage()]
    assert len(line) == 1 and TEAM_ID in line[0] and "opportunities 1" in line[0] and "members" in line[0]


def test_a_retention_that_is_not_a_number_of_days_is_refused(many, clock, monkeypatch):
    from bot.core.config import ConfigError

    monkeypatch.setenv("OPPBOT_DAYS_AFTER_UNINSTALL", "a month")
    with pytest.raises(ConfigError, match="OPPBOT_DAYS_AFTER_UNINSTALL: must be a whole number of days"):
        forget_uninstalled(many.rt, None, clock.now())


def test_the_bot_scopes_asked_at_install_are_the_manifests():
    manifest = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]
    assert PUBLIC_URL + REDIRECT_PATH in manifest["oauth_config"]["redirect_urls"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(manifest["settings"]["event_subscriptions"]["bot_events"])


def test_the_worker_sends_each_workspaces_messages_with_its_own_token_and_holds_those_of_a_removed_one(many, fake, clock):
    _, token = many.install()
    many.command("alice", "new Acme ERP 50万 close 2026-12-20")
    clock.advance(days=61)  # a Monday morning: stalled, past its close; alerts are queued
    scan_all(many.rt, None, clock.now())
    clients = WorkspaceClients(sender_client(None, fake.api_url), installation_store(many.rt, many.settings))
    fake.clear()
    assert send_outbox(many.rt, clients, clock.now()).sent > 0
    assert fake.calls("chat.postMessage") and {call.token for call in fake.calls()} == {token}
    many.command("bob", "new Beta CRM 10万 close 2027-01-30")
    clock.advance(days=63)
    scan_all(many.rt, None, clock.now())
    with many.rt.sessions.kw["bind"].begin() as conn:  # the app removed (its workspace's jobs stop; its queued rows wait)
        conn.execute(text("DELETE FROM slack_bots"))
    fake.clear()
    result = send_outbox(many.rt, clients, clock.now())
    assert result.sent == 0 and result.deferred > 0 and not fake.calls("chat.postMessage")
    with many.rt.sessions() as session:
        assert session.scalars(select(OutboxMessage.last_error).where(OutboxMessage.sent_at.is_(None))).all()[0] == NOT_INSTALLED


def test_signing_in_to_the_pages_checks_the_person_with_their_workspaces_token(many, fake):
    from tests.pagesite import PageClient, page_settings

    _, token = many.install()
    many.command("alice", "help")  # known to oppbot: the sign-in asks Slack whether she is a full member
    pages = PageClient(many, page_settings(fake.api_url, bot_token=None, public_url=PUBLIC_URL, client_id=CLIENT_ID))
    fake.clear()
    board = pages.sign_in("alice")
    assert board.status == 200 and fake.last("users.info").token == token


def test_someone_of_a_workspace_without_an_installation_is_told_in_both_languages_and_nothing_runs(many, fake, db):
    many.install()
    request = many.command_request("alice", "new Acme ERP 50万", team_id="T0ELSEWHERE")
    assert many.send(request).status == 200
    said = fake.last("response_url").args["text"]
    assert "ask an admin to install it again" in said and "请管理员重新安装" in said
    assert db.count(Opportunity) == 0
