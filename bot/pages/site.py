"""The pages' routes, as a WSGI-style callable bot.web hands page requests to:

| GET | what |
| --- | --- |
| /deals/<number> | a deal's page (signed in; a member of its workspace who may see it) |
| /board | the open pipeline by stage (signed in, a member) |
| /login | to Slack's sign-in page, with a fresh ``state`` kept in a signed cookie |
| /auth/callback | Slack's answer: the state checked, the code exchanged, the session cookie set |
| /logout | the session cookie cleared |

Without a session (or with an expired or forged one) a page redirects to /login, which brings
the person back. Every refusal is a page in the person's language, never a traceback: a deal
that does not exist and one they may not see get the same 404, which reveals nothing.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from urllib.parse import parse_qsl, quote

from bot.core.config import LANGUAGES, Settings
from bot.core.errors import NotFound
from bot.core.i18n import t
from bot.core.runtime import Runtime
from bot.pages import reading, render
from bot.pages.cookies import SESSION, STATE, Cookies, Visitor
from bot.pages.install import bot_tokens, distributed
from bot.pages.signin import CALLBACK, SignIn, SignInRefused

log = logging.getLogger(__name__)

METHODS = ("GET", "HEAD")
FIXED = ("/board", "/login", CALLBACK, "/logout")
DEAL_PREFIX = "/deals/"
NUMBER = re.compile(r"[1-9][0-9]*")
NUMBER_DIGITS = 9  # the longest deal number there is (as `/opp show` reads them; the column is 32-bit)
HOME = "/board"

Answer = tuple[str, list[tuple[str, str]], list[bytes]]

SECURITY_HEADERS = [
    ("Cache-Control", "no-store"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'; base-uri 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
]


def is_page(path: str) -> bool:
    return path in FIXED or path.startswith(DEAL_PREFIX)


def html(status: str, body: str, *extra: tuple[str, str]) -> Answer:
    data = body.encode("utf-8")
    return status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data))), *SECURITY_HEADERS, *extra], [data]


def redirect(location: str, *extra: tuple[str, str]) -> Answer:
    return "302 Found", [("Location", location), ("Content-Length", "0"), *SECURITY_HEADERS, *extra], [b""]


class Site:
    """The pages of one deployment: its runtime, and Sign in with Slack from ``settings``."""

    def __init__(self, rt: Runtime, settings: Settings):
        secret = settings.session_secret or settings.signing_secret
        if not secret:
            raise ValueError("the web pages need OPPBOT_SESSION_SECRET (or SLACK_SIGNING_SECRET) to sign their cookies")
        self.rt = rt
        self.cookies = Cookies(secret, secure=(rt.public_url or "").startswith("https://"), clock=rt.clock)
        self.sign_in = SignIn(settings, default_lang=rt.config.language, token_of=bot_tokens(rt, settings) if distributed(settings) else None)

    def __call__(self, environ: dict) -> Answer:
        path = environ.get("PATH_INFO") or ""
        if path == "/login":
            return self.login(environ)
        if path == CALLBACK:
            return self.callback(environ)
        if path == "/logout":
            lang = self._lang(environ, self.cookies.visitor(environ.get("HTTP_COOKIE")))
            page = render.message(lang, "web_signed_out", t(lang, "web_signed_out"), link=("/login", t(lang, "web_sign_in")))
            return html("200 OK", page, ("Set-Cookie", self.cookies.clear(SESSION)))
        return self.signed_in_page(environ, path)

    # --- sign in ----------------------------------------------------------------------------

    def login(self, environ: dict) -> Answer:
        lang = self._lang(environ, None)
        if not self.sign_in.configured:
            return html("503 Service Unavailable", render.message(lang, "web_unavailable_title", t(lang, "web_unavailable")))
        # kept as an address a header can carry (a link may hold 。 or a line break): ASCII, escaped
        wanted = quote(dict(parse_qsl(environ.get("QUERY_STRING") or "")).get("next") or HOME, safe="/?=&")
        state = secrets.token_urlsafe(24)
        location = self.sign_in.authorize_url(state, self._redirect_uri(environ))
        return redirect(location, ("Set-Cookie", self.cookies.state(state, wanted if _own_page(wanted) else HOME)))

    def callback(self, environ: dict) -> Answer:
        lang = self._lang(environ, None)
        query = dict(parse_qsl(environ.get("QUERY_STRING") or ""))
        saved = self.cookies.sign_in_state(environ.get("HTTP_COOKIE"))
        clear = ("Set-Cookie", self.cookies.clear(STATE))
        again = ("/login", t(lang, "web_sign_in"))
        if saved is None or not hmac.compare_digest(saved[0].encode(), (query.get("state") or "").encode()):
            log.warning("sign-in refused: the state does not match")
            return html("400 Bad Request", render.message(lang, "web_bad_state_title", t(lang, "web_bad_state"), link=again), clear)
        if not self.sign_in.configured:
            return html("503 Service Unavailable", render.message(lang, "web_unavailable_title", t(lang, "web_unavailable")), clear)
        try:
            if not query.get("code"):
                raise SignInRefused(query.get("error") or "no_code")
            visitor = self.sign_in.visitor(query["code"], self._redirect_uri(environ))
        except SignInRefused as refused:
            log.warning("sign-in refused by Slack: %s", refused.error)
            page = render.message(lang, "web_refused_title", t(lang, "web_refused", error=refused.error[:80]), link=again)
            return html("403 Forbidden", page, clear)
        known = reading.actor_of(self.rt, visitor) is not None  # else the pages say they are no member
        if known and not self.sign_in.full_member(visitor):  # a guest, or someone of another organisation
            log.warning("sign-in refused: %s is not a full member of %s", visitor.user_id, visitor.team_id)
            page = render.message(visitor.lang, "web_not_member_title", t(visitor.lang, "web_outsider"), link=again)
            return html("403 Forbidden", page, clear)
        return redirect(saved[1], ("Set-Cookie", self.cookies.session(visitor)), clear)

    # --- the pages ---------------------------------------------------------------------------

    def signed_in_page(self, environ: dict, path: str) -> Answer:
        visitor = self.cookies.visitor(environ.get("HTTP_COOKIE"))
        if visitor is None:
            return redirect("/login?next=" + quote(path, safe="/"), ("Set-Cookie", self.cookies.clear(SESSION)))
        with self.rt.in_workspace(visitor.team_id):  # the visitor's workspace's config (bot.core.workspace_configs)
            return self._page(visitor, path)

    def _page(self, visitor: Visitor, path: str) -> Answer:
        lang = visitor.lang
        actor = reading.actor_of(self.rt, visitor)
        if actor is None:
            page = render.message(lang, "web_not_member_title", t(lang, "web_not_member"), link=("/logout", t(lang, "web_sign_out")))
            return html("403 Forbidden", page)
        who = visitor.name or actor.name
        if path == HOME:
            columns, names = reading.board(self.rt, actor)
            return html("200 OK", render.board_html(columns, names, self.rt.config, lang, who))
        if not path.startswith(DEAL_PREFIX):
            return html("404 Not Found", render.message(lang, "web_no_page_title", t(lang, "web_no_page"), link=(HOME, t(lang, "web_board"))))
        wanted = path[len(DEAL_PREFIX) :].rstrip("/")
        back = (HOME, t(lang, "web_board"))
        if not NUMBER.fullmatch(wanted):
            return html("404 Not Found", render.message(lang, "web_not_found_title", t(lang, "web_bad_number", value=wanted[:40]), link=back))
        try:
            if len(wanted) > NUMBER_DIGITS:
                raise NotFound("deal_not_found", number=wanted)
            data = reading.deal_page(self.rt, actor, int(wanted))
        except NotFound:
            return html("404 Not Found", render.message(lang, "web_not_found_title", t(lang, "web_not_found", number=wanted[:40]), link=back))
        return html("200 OK", render.deal_html(data, self.rt.config, lang, self.rt.clock.now(), actor.tz, who))

    # --- helpers --------------------------------------------------------------------------------

    def _lang(self, environ: dict, visitor: Visitor | None) -> str:
        """The signed-in person's language; before sign-in, the browser's (Accept-Language), else the team's."""
        if visitor is not None:
            return visitor.lang
        first = (environ.get("HTTP_ACCEPT_LANGUAGE") or "").split(",")[0].strip()[:2].lower()
        return first if first in LANGUAGES else self.rt.config.language

    def _redirect_uri(self, environ: dict) -> str:
        base = self.rt.public_url or f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST') or environ.get('SERVER_NAME', 'localhost')}"
        return base + CALLBACK


def _own_page(path: str) -> bool:
    """Whether ``path`` is one of our pages to return to after sign-in (never another site)."""
    page = path.split("?")[0]
    return (
        path.startswith("/")
        and not path.startswith("//")
        and "\\" not in path
        and path.isascii()
        and path.isprintable()
        and is_page(page)
        and page not in ("/login", "/logout", CALLBACK)
    )
