"""Each workspace's config: its own, loaded by `oppbot config load --team T…` and stored in the
database as TOML text, or else the default (the shipped or deployment's config.toml).

Every process keeps the configs it has read, parsed once, by workspace and version. A copy is
trusted for ``RECHECK`` (on the runtime's clock); after that, the next read of that workspace's
config asks the database for its version (one indexed read) and parses the text again only if it
changed. So a `config load`, `reset` made in another process is seen by every web and worker process
within ``RECHECK``. A request reads its workspace's config once, when first needed, and keeps it
to its end (bot.core.runtime), so a request never sees two configs.

Per workspace: everything config.toml holds. Deployment-wide: the environment (tokens, database,
OPPBOT_PUBLIC_URL, which the default's ``public_url`` carries into every workspace's config).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bot.core.config import Config, ConfigError, parse_text
from store import workspace_configs as stored

log = logging.getLogger(__name__)

RECHECK = timedelta(seconds=5)  # how long a process trusts its copy before asking for the version
KEPT = 10_000  # workspaces a process keeps a copy for; past that, the copies are forgotten and read again


def label(workspace_id: str, file_name: str | None) -> str:
    """How a stored config is named in its messages: the workspace and the file it was loaded from."""
    return f"{workspace_id}:{file_name or 'config.toml'}"


def own(source: str, workspace_id: str, file_name: str | None, default: Config) -> Config:
    """A workspace's own config from its text, checked as at start-up; deployment-wide settings from the default."""
    return replace(parse_text(source, label(workspace_id, file_name)), public_url=default.public_url)


@dataclass
class _Copy:
    version: int | None  # None: the workspace never had its own
    config: Config | None  # None: the default
    until: datetime


class WorkspaceConfigs:
    """The configs this process has read (see the module's docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._copies: dict[str, _Copy] = {}

    def own(self, peeking: Callable[[], AbstractContextManager[Connection]], workspace_id: str, now: datetime, default: Config) -> Config | None:
        """The workspace's own config, None when it has none (the default applies). ``peeking``: a
        read-only connection (never waits behind SQLite's writers: a request may be in a write)."""
        copy = self._copies.get(workspace_id)
        if copy is not None and now < copy.until:
            return copy.config
        with peeking() as connection:
            version = stored.version(connection, workspace_id)
            if copy is None or version != copy.version:
                row = stored.stored(connection, workspace_id) if version is not None else None
                copy = _Copy(row.version if row is not None else None, _parsed(row, workspace_id, default), now)
        copy.until = now + RECHECK
        with self._lock:
            if len(self._copies) >= KEPT and workspace_id not in self._copies:
                self._copies.clear()
            self._copies[workspace_id] = copy
        return copy.config

    def forget(self, workspace_id: str) -> None:
        """Read the workspace's config again at its next use (after a load or reset in this process)."""
        with self._lock:
            self._copies.pop(workspace_id, None)


def _parsed(row, workspace_id: str, default: Config) -> Config | None:
    """The stored text parsed; one that no longer passes the checks (a newer oppbot checks more) is
    logged, and the workspace is served the default until it is loaded again (`oppbot config show` says so)."""
    if row is None or row.source is None:
        return None
    try:
        return own(row.source, workspace_id, row.file_name, default)
    except ConfigError as exc:
        log.error(
            "%s: its own config (version %s) no longer passes the checks; serving the default until it is loaded again: %s", workspace_id, row.version, exc
        )
        return None
