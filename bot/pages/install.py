"""Installing oppbot in a workspace through Slack (OAuth v2), when it is distributed to many
workspaces rather than run with one bot token (bot.app): Bolt's OAuth flow, its installations and
states in oppbot's own database (slack_sdk's SQLAlchemy stores, tables made by migration 0016).

| GET | what |
| --- | --- |
| /slack/install | the install page: an "Add to Slack" link to Slack's authorize page with a fresh state (also kept in a cookie) |
| /slack/oauth_redirect | Slack's answer: the state checked, the code exchanged (oauth.v2.access), the installation stored |

The pages are plain HTML in both languages, the visitor's (Accept-Language) first; a refusal says
what went wrong and what to do, never Slack's code. An install (again) clears the workspace's
``uninstalled_at`` (bot.team.uninstall)."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from urllib.parse import urljoin

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.core.config import Settings
from bot.core.messages_install import INSTALL_MESSAGES
from bot.core.runtime import Runtime
from bot.team.uninstall import mark_installed

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
PATHS = (INSTALL_PATH, REDIRECT_PATH)
AUTHORIZE_PATH = "/oauth/v2/authorize"  # Slack's authorize page, next to the Web API
STATE_SECONDS = 600  # how long an install link stays good
# What the bot may do in a workspace: the manifest's bot scopes (tests/test_install.py holds them equal)
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "users:read",
    "users:read.email",
    "files:write",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "im:history",
    "channels:manage",
    "links:read",
    "links:write",
)
# the reasons Bolt gives a failed callback, as the page explains them
EXPIRED = ("invalid_browser", "invalid_state")
DENIED = ("access_denied",)


def distributed(settings: Settings) -> bool:
    """Whether this deployment installs by OAuth in many workspaces: no SLACK_BOT_TOKEN, and the
    app's SLACK_CLIENT_ID and SLACK_CLIENT_SECRET. With a bot token it serves that one workspace."""
    return not settings.bot_token and bool(settings.client_id and settings.client_secret)


class InstallFlow(OAuthFlow):
    """Bolt's OAuth flow with oppbot's pages, and an install marking the workspace installed."""

    def __init__(self, rt: Runtime, *, settings: OAuthSettings, client: WebClient | None = None):
        super().__init__(settings=settings, client=client)
        self.rt = rt

    def build_install_page_html(self, url: str, request: BoltRequest) -> str:
        return page(
            request,
            "install_title",
            lambda lang: f'<p>{_say(lang, "install_intro")}</p>\n<p><a href="{html.escape(url)}">{_say(lang, "install_button")}</a></p>',
        )

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        super().store_installation(request, installation)
        if installation.team_id:
            with self.rt.transaction() as session:
                mark_installed(session, installation.team_id)
        log.info("installed in workspace %s (%s)", installation.team_id, installation.team_name)


def install_flow(rt: Runtime, settings: Settings) -> InstallFlow:
    """The flow for ``settings`` (``distributed``), storing in ``rt``'s database."""
    engine = rt.sessions.kw["bind"]
    api_url = settings.slack_api_url or WebClient.BASE_URL
    oauth = OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],  # Sign in with Slack asks for its own (bot.pages.signin)
        redirect_uri=urljoin(rt.config.public_url or "", REDIRECT_PATH) if rt.config.public_url else None,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        install_page_rendering_enabled=True,
        authorization_url=urljoin(api_url, AUTHORIZE_PATH),
        installation_store=installation_store(rt, settings),
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine),
        state_expiration_seconds=STATE_SECONDS,
        callback_options=CallbackOptions(success=_installed, failure=_failed),
    )
    return InstallFlow(rt, settings=oauth)


def authorize(rt: Runtime, settings: Settings, client: WebClient) -> InstallationStoreAuthorize:
    """How a request finds its workspace's bot token: from the installations, as Bolt does, with the
    answer of Slack's auth.test about each token kept by the process (Bolt's own cache), instead of
    one more call to Slack on every request. A removed workspace's token is deleted from the store,
    so its requests find none, cached or not."""
    return InstallationStoreAuthorize(
        installation_store=installation_store(rt, settings),
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        logger=log,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )


def installation_store(rt: Runtime, settings: Settings) -> SQLAlchemyInstallationStore:
    """The workspaces' installations, in ``rt``'s database (migration 0016 made its tables)."""
    return SQLAlchemyInstallationStore(client_id=settings.client_id or "", engine=rt.sessions.kw["bind"])


def bot_tokens(rt: Runtime, settings: Settings) -> Callable[[str], str | None]:
    """A workspace's bot token by its id (None: not installed), from the installation store."""
    store = installation_store(rt, settings)

    def token_of(team_id: str) -> str | None:
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None

    return token_of


def not_installed_text() -> str:
    """What Slack shows someone of a workspace with no installation (Bolt answers it), both languages."""
    return "\n".join(INSTALL_MESSAGES["install_missing"])


def _installed(args: SuccessArgs) -> BoltResponse:
    team = args.installation.team_name or args.installation.team_id or ""
    body = page(args.request, "installed_title", lambda lang: f"<p>{_say(lang, 'installed', team=team)}</p>")
    return _html(200, body)


def _failed(args: FailureArgs) -> BoltResponse:
    log.warning("an install failed: %s%s", args.reason, f" ({args.error!r})" if args.error else "")
    key = "install_failed_expired" if args.reason in EXPIRED else "install_failed_denied" if args.reason in DENIED else "install_failed_other"
    body = page(
        args.request,
        "install_failed_title",
        lambda lang: f'<p>{_say(lang, key)}</p>\n<p><a href="{INSTALL_PATH}">{_say(lang, "install_again")}</a></p>',
    )
    return _html(args.suggested_status_code, body)


def languages(request: BoltRequest) -> tuple[str, str]:
    """Both languages, the visitor's first (Accept-Language: zh… first means Chinese first)."""
    accept = (request.headers.get("accept-language") or [""])[0].strip().lower()
    return ("en", "zh") if accept and not accept.startswith("zh") else ("zh", "en")


def page(request: BoltRequest, title: str, section: Callable[[str], str]) -> str:
    """A whole page: the title and ``section`` in each language, the visitor's first."""
    first, second = languages(request)
    parts = "\n".join(f'<section lang="{_tag(lang)}">\n<h1>{_say(lang, title)}</h1>\n{section(lang)}\n</section>' for lang in (first, second))
    return (
        f'<!DOCTYPE html>\n<html lang="{_tag(first)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_say(first, title)}</title>\n</head>\n'
        f"<body>\n{parts}\n</body>\n</html>\n"
    )


def _say(lang: str, key: str, **params: str) -> str:
    zh, en = INSTALL_MESSAGES[key]
    text = zh if lang == "zh" else en
    return html.escape(text.format(**params) if params else text)


def _tag(lang: str) -> str:
    return "zh-CN" if lang == "zh" else "en"


def _html(status: int, body: str) -> BoltResponse:
    return BoltResponse(status=status, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
