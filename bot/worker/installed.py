"""The sender's Slack client per workspace, when oppbot is installed by OAuth in many workspaces
(bot.pages.install): each outbox row goes out with the bot token of its own workspace, read from
the installation store; a workspace with none (the app was removed) gets nothing sent."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

log = logging.getLogger(__name__)


class WorkspaceClients:
    """``for_workspace(id)``: ``base`` (its settings: address, timeout, retries) with the
    workspace's bot token, or None when it has no installation."""

    def __init__(self, base: WebClient, store: InstallationStore):
        self.base, self.store = base, store
        self._made: dict[str, WebClient] = {}  # by token: a client's connection reused

    def for_workspace(self, workspace_id: str) -> WebClient | None:
        bot = self.store.find_bot(enterprise_id=None, team_id=workspace_id)
        token = bot.bot_token if bot is not None else None
        if not token:
            return None
        if token not in self._made:
            base = self.base
            self._made[token] = WebClient(token=token, base_url=base.base_url, timeout=base.timeout, retry_handlers=base.retry_handlers)
        return self._made[token]
