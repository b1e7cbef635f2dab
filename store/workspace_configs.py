"""A workspace's own config as stored: the TOML text, its version, who loaded it and when (the
table ``workspace_configs``). The version is read on its own, by one statement built once: every
process asks it every few seconds per workspace it serves (bot.core.workspace_configs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.orm import Session

from store.models import Workspace, WorkspaceConfig

TABLE = WorkspaceConfig.__table__
_VERSION = select(TABLE.c.version).where(TABLE.c.workspace_id == bindparam("workspace_id"))
_STORED = select(TABLE.c.source, TABLE.c.file_name, TABLE.c.version).where(TABLE.c.workspace_id == bindparam("workspace_id"))


def version(connection: Connection, workspace_id: str) -> int | None:
    """The version of the workspace's own config (0 or more), None if it never had one."""
    return connection.execute(_VERSION, {"workspace_id": workspace_id}).scalar()


def stored(connection: Connection, workspace_id: str) -> Row | None:
    """(source, file_name, version); source None when the workspace is back on the default."""
    return connection.execute(_STORED, {"workspace_id": workspace_id}).first()


def known(session: Session, workspace_id: str) -> bool:
    return session.get(Workspace, workspace_id) is not None


def current(session: Session, workspace_id: str, *, lock: bool = False) -> WorkspaceConfig | None:
    query = select(WorkspaceConfig).where(WorkspaceConfig.workspace_id == workspace_id)
    return session.scalars(query.with_for_update() if lock else query).first()


def save(session: Session, workspace_id: str, *, source: str | None, file_name: str | None, by: str, at: datetime) -> WorkspaceConfig:
    """Store ``source`` as the workspace's own config (None: back to the default), one version up."""
    row = current(session, workspace_id, lock=True)
    if row is None:
        row = WorkspaceConfig(workspace_id=workspace_id, version=0)
        session.add(row)
    row.source, row.file_name, row.loaded_by, row.loaded_at = source, file_name, by, at
    row.version += 1
    session.flush()
    return row
