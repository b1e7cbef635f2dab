"""The web pages (bot.pages) as a browser sees them, in-process: GET requests into the WSGI app
with a cookie jar, and signing in through the Web API stand-in's Sign in with Slack.

    pages = PageClient(slack)          # the same app the `slack` fixture talks to, pages on
    pages.sign_in("alice")             # /login -> Slack -> /auth/callback: a session cookie
    page = pages.get("/deals/1")
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

from bot.console.slack_api import TEAM_ID
from bot.core.config import Settings
from bot.pages.site import Site
from bot.web import wsgi_app
from tests.conftest import ROOT, SECRET, USERS

CLIENT_ID = "1234.5678"
CLIENT_SECRET = "client-secret"
SESSION_SECRET = "session-secret-for-tests"


def page_settings(api_url: str, **changes) -> Settings:
    values = dict(
        bot_token="xoxb-test",
        signing_secret=SECRET,
        app_token=None,
        database_url=None,
        slack_api_url=api_url,
        config_path=str(ROOT / "config.toml"),
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        session_secret=SESSION_SECRET,
    )
    return Settings(**{**values, **changes})


@dataclass
class Page:
    status: int
    headers: list[tuple[str, str]]
    text: str

    @property
    def plain(self) -> str:
        """The page's HTML with its character references read (&#39; -> ')."""
        return html.unescape(self.text)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def set_cookies(self) -> list[str]:
        return [v for k, v in self.headers if k.lower() == "set-cookie"]

    @property
    def location(self) -> str:
        return self.header("Location") or ""


@dataclass
class PageClient:
    """A browser in-process: keeps the cookies the pages set and sends them back."""

    slack: object  # tests.conftest.SlackClient: its Bolt app, runtime and stand-in
    settings: Settings | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.settings = self.settings or page_settings(self.slack.fake.api_url)
        self.site = Site(self.slack.rt, self.settings)
        self.wsgi = wsgi_app(self.slack.app, self.slack.rt, pages=self.site)

    def get(self, path: str, *, method: str = "GET", headers: dict[str, str] | None = None, cookie: str | None = None) -> Page:
        url = urlsplit(path)
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "3000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "localhost:3000",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http",
        }
        jar = cookie if cookie is not None else "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if jar:
            environ["HTTP_COOKIE"] = jar
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        answer: dict = {}

        def start_response(status, response_headers, exc_info=None):
            answer.update(status=int(status.split()[0]), headers=list(response_headers))

        body = b"".join(self.wsgi(environ, start_response)).decode()
        page = Page(answer["status"], answer["headers"], body)
        for raw in page.set_cookies():
            morsel = next(iter(SimpleCookie(raw).values()))
            if morsel["max-age"] == "0":
                self.cookies.pop(morsel.key, None)
            else:
                self.cookies[morsel.key] = morsel.value
        return page

    def start_sign_in(self, path: str = "/board") -> tuple[Page, dict]:
        """Visit ``path`` signed out, then /login: the redirect to Slack and its query."""
        first = self.get(path)
        assert first.status == 302 and first.location.startswith("/login"), (first.status, first.location)
        to_slack = self.get(first.location)
        assert to_slack.status == 302, to_slack.text
        return to_slack, {k: v[0] for k, v in parse_qs(urlsplit(to_slack.location).query).items()}

    def sign_in(self, who: str, *, path: str = "/board", team_id: str = TEAM_ID) -> Page:
        """Sign ``who`` in (a user of ``team_id``) starting from ``path``: the page it lands on."""
        _, query = self.start_sign_in(path)
        code = self.slack.fake.openid.issue(USERS[who]["user_id"] if who in USERS else who, team_id=team_id)
        back = self.get(f"/auth/callback?{urlencode({'code': code, 'state': query['state']})}")
        assert back.status == 302, back.text
        return self.get(back.location)
