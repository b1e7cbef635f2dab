"""Sign in with Slack: OpenID Connect through slack_sdk.

1. ``authorize_url(state)``: Slack's authorize page (``/openid/connect/authorize`` next to the Web
   API slack_sdk talks to: slack.com, or the local stand-in in tests) for this app's client id,
   the ``SCOPES`` and the redirect URI ``<public URL>/auth/callback``;
2. Slack sends the person back there with a code; ``visitor(code)`` exchanges it
   (``openid.connect.token``) and reads who it is (``openid.connect.userInfo``): user id, team id
   and locale, which chooses the pages' language (zh-CN -> zh).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urljoin

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.oauth import OpenIDConnectAuthorizeUrlGenerator

from bot.clients import profile_fetcher
from bot.core.config import LANGUAGES, Settings
from bot.deals import permissions
from bot.pages.cookies import Visitor

SCOPES = ("openid", "profile")  # profile: the name and the locale
CALLBACK = "/auth/callback"
AUTHORIZE_PATH = "/openid/connect/authorize"

log = logging.getLogger(__name__)


class SignInRefused(Exception):
    """Slack did not confirm who signed in; ``error`` is Slack's reason."""

    def __init__(self, error: str):
        super().__init__(error)
        self.error = error


class SignIn:
    """Sign in with Slack for one deployment: its app's credentials and where Slack answers."""

    def __init__(self, settings: Settings, *, default_lang: str, token_of: Callable[[str], str | None] | None = None):
        """``token_of``: a workspace's bot token, installed by OAuth in many (bot.pages.install)."""
        self.client_id = settings.client_id
        self.client_secret = settings.client_secret
        self.api_url = settings.slack_api_url or WebClient.BASE_URL
        self.bot_token = settings.bot_token
        self.token_of = token_of
        self.default_lang = default_lang

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def full_member(self, visitor: Visitor) -> bool:
        """Whether Slack (users.info, with the bot's token) describes the person signed in as a full
        member of their team: not a guest, not someone of another organisation. Unknown: no."""
        token = self.bot_token or (self.token_of(visitor.team_id) if self.token_of else None)
        return not permissions.outsider(profile_fetcher(WebClient(token=token, base_url=self.api_url))(visitor.user_id))

    def authorize_url(self, state: str, redirect_uri: str) -> str:
        generator = OpenIDConnectAuthorizeUrlGenerator(
            client_id=self.client_id or "",
            redirect_uri=redirect_uri,
            scopes=list(SCOPES),
            authorization_url=urljoin(self.api_url, AUTHORIZE_PATH),
        )
        return generator.generate(state=state)

    def visitor(self, code: str, redirect_uri: str) -> Visitor:
        """Who ``code`` signs in; SignInRefused when Slack does not say."""
        try:
            token = WebClient(base_url=self.api_url).openid_connect_token(
                client_id=self.client_id or "", client_secret=self.client_secret or "", code=code, redirect_uri=redirect_uri
            )
            info = WebClient(token=token["access_token"], base_url=self.api_url).openid_connect_userInfo()
        except SlackApiError as error:
            raise SignInRefused(str(error.response.get("error") or "error")) from None
        except (SlackClientError, OSError, KeyError) as error:  # unreachable, or an answer not shaped as Slack's
            log.warning("sign-in: no answer from Slack: %r", error)
            raise SignInRefused("no_answer") from None
        user, team = info.get("https://slack.com/user_id"), info.get("https://slack.com/team_id")
        if not user or not team:
            raise SignInRefused("no_user")
        prefix = str(info.get("locale") or "")[:2].lower()
        return Visitor(user_id=user, team_id=team, lang=prefix if prefix in LANGUAGES else self.default_lang, name=str(info.get("name") or ""))
