"""A workspace removing the app: ``app_uninstalled``, and ``tokens_revoked`` for its bot token
(a user token revoked only forgets that person's installation). The workspace's installations and
bot go from the installation store (installed by OAuth: bot.pages.install), and the workspace is
marked uninstalled: the worker's jobs pass it by and its data is deleted after the retention
(bot.team.uninstall). Installing again clears the mark. Run with one bot token there is no store
and no install to clear a mark: the removal is logged, the data left alone."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext
from slack_sdk.oauth.installation_store import InstallationStore

from bot.team.uninstall import mark_uninstalled

log = logging.getLogger(__name__)


def register(app: App) -> None:
    store = app.installation_store

    def on_uninstalled(context: BoltContext) -> None:
        removed(context, store)

    def on_tokens_revoked(event: dict, context: BoltContext) -> None:
        tokens = event.get("tokens") or {}
        if tokens.get("bot"):
            removed(context, store)
        elif store is not None:
            for user_id in tokens.get("oauth") or []:
                store.delete_installation(enterprise_id=context.enterprise_id, team_id=context.team_id, user_id=user_id)

    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)


def removed(context: BoltContext, store: InstallationStore | None) -> None:
    """The app is gone from the workspace: its tokens forgotten, its scheduled work stopped."""
    if store is None:
        log.warning("workspace %s removed the app (its one bot token no longer works); its data is kept", context.team_id)
        return
    store.delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
    rt = context["rt"]
    if context.team_id:
        with rt.transaction() as session:
            mark_uninstalled(session, context.team_id, rt.clock.now())
