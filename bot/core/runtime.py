"""What every request needs: the config, the database, the clock and the date reader; and the
request being handled, whose first change is recorded by key so a repeat of it is not done twice.

A Slack request that changes something is done once however often it arrives (a retry, a double
submit): the Slack tier opens ``handling()`` around each request and names its key (trigger id,
view id, event id) once Slack's signature is checked; the first transaction of that request that
writes anything records the key in ``processed_requests`` in the same transaction. A repeat that
arrives later finds the key and is answered without being done; one that arrives while the first
is still running fails on the key's unique index when it commits, and is rolled back (``Replayed``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.core import touched
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.dates import DateReader
from bot.core.errors import Conflict, Replayed
from bot.core.workspace_configs import WorkspaceConfigs
from store import requests
from store.db import core_transaction, read_sessions, statement_reads, transaction, wrote


@dataclass
class Handling:
    """The request this thread is handling: its workspace and key, once known, and whether a change
    of it has been committed with the key recorded."""

    workspace_id: str | None = None
    key: str | None = None
    recorded: bool = False
    changed: bool = False  # a transaction of it that wrote has committed (key or not)
    deals: set[int] = field(default_factory=set)  # the deals it changed (bot.core.touched)
    owners: set[int] = field(default_factory=set)  # their owners before the change, when it moved them
    config: Config | None = None  # the workspace's config, read at its first use (Runtime.config)


@dataclass(frozen=True)
class _Within:
    workspace_id: str
    config: Config


_HANDLING: ContextVar[Handling | None] = ContextVar("oppbot_handling", default=None)
_WITHIN: ContextVar[_Within | None] = ContextVar("oppbot_within", default=None)  # Runtime.in_workspace


@dataclass
class Runtime:
    default_config: Config  # config.toml: the config of every workspace without its own
    sessions: sessionmaker[Session]
    clock: Clock
    dates: DateReader
    _reads: sessionmaker[Session] | None = field(default=None, repr=False)
    _workspaces: WorkspaceConfigs = field(default_factory=WorkspaceConfigs, repr=False)

    @property
    def config(self) -> Config:
        """The config in effect here: the workspace's own (bot.core.workspace_configs) in a request
        from it or in ``in_workspace``, else the default. A request reads it once, at first use."""
        within = _WITHIN.get()
        if within is not None:
            return within.config
        handling = _HANDLING.get()
        if handling is None or handling.workspace_id is None:
            return self.default_config
        if handling.config is None:
            handling.config = self.config_of(handling.workspace_id)
        return handling.config

    @config.setter
    def config(self, config: Config) -> None:
        """Replace the default (the tests try settings this way)."""
        self.default_config = config

    def config_of(self, workspace_id: str) -> Config:
        """The workspace's config: its own if it has one, else the default."""
        own = self._workspaces.own(self.peeking, workspace_id, self.clock.now(), self.default_config)
        return self.default_config if own is None else own

    @contextmanager
    def in_workspace(self, workspace_id: str) -> Iterator[Config]:
        """Work for one workspace outside a request (the worker, the command line): ``self.config``
        in the block is that workspace's, read once at entry. Yields it."""
        token = _WITHIN.set(_Within(workspace_id, self.config_of(workspace_id)))
        try:
            yield _WITHIN.get().config
        finally:
            _WITHIN.reset(token)

    def forget_config(self, workspace_id: str) -> None:
        """After a change of the workspace's own config in this process: read it again at next use."""
        self._workspaces.forget(workspace_id)

    _peeks: Engine | None = field(default=None, repr=False)

    @property
    def public_url(self) -> str | None:
        """Where the deal pages are (bot.core.links; OPPBOT_PUBLIC_URL), None for no links. The
        config carries it, so blocks drawn from the config alone link every deal number."""
        return self.config.public_url

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A unit of work that mostly reads (a card, a list, a search): on SQLite it begins without
        the write lock, so it never waits behind a writer; a rare write in it (a person seen for
        the first time in a filter) takes the lock then."""
        with transaction(self._read_sessions()) as session:
            yield session

    def _read_sessions(self) -> sessionmaker[Session]:
        if self._reads is None:
            self._reads = read_sessions(self.sessions.kw["bind"])
        return self._reads

    @contextmanager
    def peeking(self) -> Iterator[Connection]:
        """``reading`` on a Core connection, for the one or two statements of a hot path (the
        arrival every request reads, a card): no ORM session, and outside a transaction (no BEGIN
        and ROLLBACK; store.db.statement_reads), so each statement sees what was committed when it ran."""
        if self._peeks is None:
            self._peeks = statement_reads(self.sessions.kw["bind"])
        with self._peeks.connect() as connection:
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction on a Core connection, for a statement on a hot path (no ORM session,
        and no request key recorded: use ``transaction`` for a request's change)."""
        with core_transaction(self.sessions.kw["bind"]) as connection:
            yield connection

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work; a concurrent edit detected at commit becomes a Conflict for the user.
        In a request being handled, the first unit that writes also records the request's key."""
        handling = _HANDLING.get()
        recording = False
        try:
            with transaction(self.sessions) as session:
                yield session
                if handling is not None and handling.key and not handling.recorded:
                    session.flush()  # what commit would write: is there a change?
                    if wrote(session):
                        recording = True
                        requests.record(session, handling.workspace_id, handling.key, self.clock.now())
        except StaleDataError:
            raise Conflict("conflict") from None
        except requests.AlreadyProcessed:
            raise Replayed("request_replayed") from None
        if recording:
            handling.recorded = True
        if handling is not None and wrote(session):
            touched.merge(session, handling)

    @contextmanager
    def handling(self) -> Iterator[Handling]:
        """Handle one request in this block (see the module's docstring)."""
        token = _HANDLING.set(Handling())
        try:
            yield _HANDLING.get()
        finally:
            _HANDLING.reset(token)

    @contextmanager
    def unnoticed(self) -> Iterator[None]:
        """Writes in this block are not changes a person made (a member's profile refreshed on
        arrival): they do not make the request one that changed something (``Handling.changed``)."""
        handling = _HANDLING.get()
        before = handling.changed if handling is not None else False
        try:
            yield
        finally:
            if handling is not None:
                handling.changed = before

    @staticmethod
    def current() -> Handling | None:
        """The request being handled in this thread, if any."""
        return _HANDLING.get()

    def settle(self) -> None:
        """Record the request being handled as done though it changed nothing in the database (an
        event whose work is a call to Slack, such as an unfurl): a copy of it is then not done again."""
        handling = _HANDLING.get()
        if handling is None or not handling.key or handling.recorded:
            return
        try:
            with transaction(self.sessions) as session:
                requests.record(session, handling.workspace_id, handling.key, self.clock.now())
        except requests.AlreadyProcessed:
            raise Replayed("request_replayed") from None
        handling.recorded = True
