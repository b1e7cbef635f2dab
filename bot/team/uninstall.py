"""A workspace that removed the app (Slack's ``app_uninstalled``, or ``tokens_revoked`` for its bot):
marked ``workspaces.uninstalled_at``, so the worker's per-workspace jobs pass it by
(``served``); its data is kept ``OPPBOT_DAYS_AFTER_UNINSTALL`` days (default 30,
0: deleted at the worker's next pass), then deleted, every row of it, by ``purge_expired``. An
install again before then clears the mark and it carries on as before."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.core.config import ConfigError
from store.models import Base, Workspace

log = logging.getLogger(__name__)

DAYS_AFTER_UNINSTALL = 30
RETENTION_ENV = "OPPBOT_DAYS_AFTER_UNINSTALL"


def days_after_uninstall(env: dict[str, str] | None = None) -> int:
    """How many days a removed workspace's data is kept: OPPBOT_DAYS_AFTER_UNINSTALL, else 30."""
    raw = (os.environ if env is None else env).get(RETENTION_ENV, "").strip()
    if not raw:
        return DAYS_AFTER_UNINSTALL
    if not (raw.isascii() and raw.isdigit()):
        raise ConfigError(f"{RETENTION_ENV}: must be a whole number of days (0: delete at once), got {raw!r}")
    return int(raw)


def served(session: Session, only: str | None = None) -> list[str]:
    """The workspaces the worker serves, in order: every one but those that removed the app; of
    them, just ``only`` when given (the queue's task for one workspace, bot.worker.queue)."""
    found = select(Workspace.id).where(Workspace.uninstalled_at.is_(None))
    if only is not None:
        found = found.where(Workspace.id == only)
    return list(session.scalars(found.order_by(Workspace.id)))


def mark_uninstalled(session: Session, workspace_id: str, now: datetime) -> bool:
    """Note that ``workspace_id`` removed the app (the first time only); whether it was known."""
    done = session.execute(update(Workspace).where(Workspace.id == workspace_id, Workspace.uninstalled_at.is_(None)).values(uninstalled_at=now))
    if done.rowcount:
        log.info("workspace %s removed the app: its scheduled work stops; its data is kept %d days", workspace_id, days_after_uninstall())
    return bool(done.rowcount)


def mark_installed(session: Session, workspace_id: str) -> None:
    """An install (again): the workspace is served as before."""
    session.execute(update(Workspace).where(Workspace.id == workspace_id, Workspace.uninstalled_at.is_not(None)).values(uninstalled_at=None))


def purge_expired(session: Session, now: datetime, *, days: int) -> dict[str, dict[str, int]]:
    """Delete every row of each workspace removed more than ``days`` days ago; per workspace, how
    many rows of each table went (one log line each)."""
    due = session.scalars(select(Workspace.id).where(Workspace.uninstalled_at <= now - timedelta(days=days)).order_by(Workspace.id)).all()
    return {workspace_id: purge(session, workspace_id) for workspace_id in due}


def purge(session: Session, workspace_id: str) -> dict[str, int]:
    """Delete the rows of ``workspace_id`` from every table, those that point at others first."""
    counts: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):
        condition = _of_workspace(table, workspace_id)
        if condition is not None:
            deleted = session.execute(delete(table).where(condition)).rowcount
            if deleted:
                counts[table.name] = deleted
    said = ", ".join(f"{name} {n}" for name, n in counts.items()) or "nothing"
    log.info("deleted the data of workspace %s, removed from Slack past its retention: %s", workspace_id, said)
    return counts


def _of_workspace(table: Table, workspace_id: str):
    """Which rows of ``table`` are the workspace's: by its workspace_id, or else by what they point
    at (an event of a deal, a payment of a member); None when the table holds no workspace's rows."""
    if table.name == Workspace.__tablename__:
        return table.c.id == workspace_id
    if "workspace_id" in table.c:
        return table.c.workspace_id == workspace_id
    owners = [
        fk.parent.in_(select(fk.column).where(fk.column.table.c.workspace_id == workspace_id))
        for fk in table.foreign_keys
        if "workspace_id" in fk.column.table.c
    ]
    return or_(*owners) if owners else None
