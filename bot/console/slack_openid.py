"""Sign in with Slack (OpenID Connect), as the Web API stand-in plays it: the authorize page, which
signs in the person set in ``signing_in`` at once and sends the browser back to the app's
``redirect_uri`` with a code and the app's ``state``; ``openid.connect.token``, which exchanges a
code it issued (once) for an access token; ``openid.connect.userInfo``, which says whose token it
is (user id, team id, name, locale).

    fake.openid.signing_in = "U0ALICE"           # the authorize page signs alice in
    code = fake.openid.issue("U0BOB", team_id="T0OTHER")  # or hand out a code directly

Only the standard library is used, so it ships with the app like the rest of the stand-in.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from bot.console.slack_workspace import TEAM_ID, TEAM_NAME

AUTHORIZE_PATH = "/openid/connect/authorize"
METHODS = ("openid.connect.token", "openid.connect.userInfo")


@dataclass(frozen=True)
class _Grant:
    user_id: str
    team_id: str


class FakeOpenID:
    """Codes and tokens of Sign in with Slack; ``profile(user_id)`` reads a user of the workspace
    (name, locale) or None for one it does not know."""

    def __init__(self, profile: Callable[[str], dict | None]):
        self.profile = profile
        self.signing_in: str | None = None  # who the authorize page signs in (None: it refuses)
        self.team_id = TEAM_ID  # the team the authorize page signs people into
        self._lock = threading.Lock()
        self._codes: dict[str, _Grant] = {}
        self._tokens: dict[str, _Grant] = {}
        self._ids = itertools.count(1)

    def issue(self, user_id: str, *, team_id: str = TEAM_ID) -> str:
        """A new code for ``user_id`` of ``team_id``, as the authorize page hands out."""
        with self._lock:
            code = f"oidc-code-{next(self._ids)}"
            self._codes[code] = _Grant(user_id, team_id)
        return code

    def authorize(self, query: dict) -> str:
        """Where the authorize page sends the browser: back to ``redirect_uri`` with a code and the
        state, or with ``error=access_denied`` when nobody is set to sign in."""
        redirect = query.get("redirect_uri") or ""
        if urlsplit(redirect).scheme not in ("http", "https"):
            raise ValueError("redirect_uri is not a URL")
        back = {"error": "access_denied"} if self.signing_in is None else {"code": self.issue(self.signing_in, team_id=self.team_id)}
        back["state"] = query.get("state") or ""
        return f"{redirect}{'&' if '?' in redirect else '?'}{urlencode(back)}"

    def answer(self, method: str, args: dict, token: str | None) -> dict:
        if method == "openid.connect.token":
            return self._token(args)
        return self._user_info(token)

    def _token(self, args: dict) -> dict:
        if not args.get("client_id"):
            return {"ok": False, "error": "invalid_client_id"}
        with self._lock:
            grant = self._codes.pop(str(args.get("code") or ""), None)  # a code is good once
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            token = f"xoxp-oidc-{next(self._ids)}"
            self._tokens[token] = grant
        return {"ok": True, "access_token": token, "token_type": "Bearer", "id_token": f"eyJ.{grant.user_id}.sig"}

    def _user_info(self, token: str | None) -> dict:
        with self._lock:
            grant = self._tokens.get(token or "")
        if grant is None:
            return {"ok": False, "error": "invalid_auth"}
        user = self.profile(grant.user_id) or {}
        return {
            "ok": True,
            "sub": grant.user_id,
            "https://slack.com/user_id": grant.user_id,
            "https://slack.com/team_id": grant.team_id,
            "https://slack.com/team_name": TEAM_NAME,
            "name": user.get("real_name") or grant.user_id,
            "locale": user.get("locale") or "en-US",
        }
