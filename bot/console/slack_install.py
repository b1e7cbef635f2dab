"""Installing an app in a workspace (OAuth v2), as the Web API stand-in plays it: the authorize
page, which installs at once in the workspace set in ``installing`` (as the person set in
``installer``) and sends the browser back to the app's ``redirect_uri`` with a code and the app's
``state``; ``oauth.v2.access``, which exchanges a code it issued (once) for a bot token of that
workspace (``xoxb-<team id>-<n>``) and says which team, bot user and scopes it is for.

    fake.install.installing = ("T0OTHER", "Other Co")  # the authorize page installs there
    code = fake.install.issue("T0OTHER", "Other Co")    # or hand out a code directly

Only the standard library is used, so it ships with the app like the rest of the stand-in.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from bot.console.slack_workspace import APP_ID, BOT_USER_ID, TEAM_ID, TEAM_NAME

AUTHORIZE_PATH = "/oauth/v2/authorize"
METHODS = ("oauth.v2.access",)


@dataclass(frozen=True)
class _Grant:
    team_id: str
    team_name: str
    user_id: str
    scope: str


class FakeInstall:
    """Codes of installs and the bot tokens they become."""

    def __init__(self) -> None:
        self.installing: tuple[str, str] | None = (TEAM_ID, TEAM_NAME)  # where the authorize page installs (None: the person cancels)
        self.installer = "U0ADMIN"
        self._lock = threading.Lock()
        self._codes: dict[str, _Grant] = {}
        self._ids = itertools.count(1)

    def issue(self, team_id: str = TEAM_ID, team_name: str = TEAM_NAME, *, user_id: str = "U0ADMIN", scope: str = "commands,chat:write") -> str:
        """A new code installing the app in ``team_id``, as the authorize page hands out."""
        with self._lock:
            code = f"install-code-{next(self._ids)}"
            self._codes[code] = _Grant(team_id, team_name, user_id, scope)
        return code

    def authorize(self, query: dict) -> str:
        """Where the authorize page sends the browser: back to ``redirect_uri`` with a code and the
        state, or with ``error=access_denied`` when the person cancels (``installing`` None)."""
        redirect = query.get("redirect_uri") or ""
        if urlsplit(redirect).scheme not in ("http", "https"):
            raise ValueError("redirect_uri is not a URL")
        if self.installing is None:
            back = {"error": "access_denied"}
        else:
            back = {"code": self.issue(*self.installing, user_id=self.installer, scope=query.get("scope") or "")}
        back["state"] = query.get("state") or ""
        return f"{redirect}{'&' if '?' in redirect else '?'}{urlencode(back)}"

    def answer(self, method: str, args: dict) -> dict:
        """oauth.v2.access: the code exchanged (once) for the workspace's bot token."""
        if not args.get("client_id"):
            return {"ok": False, "error": "invalid_client_id"}
        with self._lock:
            grant = self._codes.pop(str(args.get("code") or ""), None)
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            token = f"xoxb-{grant.team_id}-{next(self._ids)}"
        return {
            "ok": True,
            "app_id": APP_ID,
            "access_token": token,
            "token_type": "bot",
            "scope": grant.scope,
            "bot_user_id": BOT_USER_ID,
            "team": {"id": grant.team_id, "name": grant.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": grant.user_id},
        }
