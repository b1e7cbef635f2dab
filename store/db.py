"""Engine and session set-up, and schema upgrades through Alembic.

The caller owns the transaction: ``with transaction(sessions) as session: ...`` commits on success
and rolls back on any exception. Functions that read or write take the session they are given.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")

DEFAULT_THREADS = 4  # requests one process serves at once (`oppbot web --threads`)
POOL_TIMEOUT = 1.5  # seconds a request waits for a connection: it fails inside Slack's 3 s, not after


def default_url() -> str:
    """SQLite file under the working directory unless DATABASE_URL says otherwise."""
    return os.environ.get("DATABASE_URL") or "sqlite:///oppbot.db"


def pool_options(threads: int) -> dict:
    """The connection pool of a process serving ``threads`` requests at once, with as many again
    at work after their answers (Bolt's lazy listeners, /healthz, /metrics): a connection for
    each without waiting, and beyond that a short wait, so a request that can't have one fails
    in time (and is counted) instead of answering late."""
    return {"pool_size": threads, "max_overflow": threads, "pool_timeout": POOL_TIMEOUT}


def make_engine(url: str | None = None, *, threads: int = DEFAULT_THREADS, **kwargs) -> Engine:
    url = url or default_url()
    if url.startswith("postgres://"):  # the form many hosts hand out
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url not in ("sqlite://", "sqlite:///:memory:"):  # an in-memory SQLite has a pool of its own kind
        for key, value in pool_options(threads).items():
            kwargs.setdefault(key, value)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # PostgreSQL's JIT compiles a query whose estimated cost is high (a report's correlated
    # subqueries over a quarter's events) before running it: ~300 ms spent to save a few on
    # queries that take tens to hundreds of ms, on every run. Off for oppbot's connections.
    kwargs.setdefault("connect_args", {"options": "-c jit=off"})
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkout", _ping_if_idle)
        event.listen(engine, "checkin", _used)
    return engine


PING_IDLE = 10.0  # seconds a pooled connection may sit unused before it is checked with a round trip


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """A connection taken from the pool after ``PING_IDLE`` seconds unused (or never used) is
    checked first, and replaced if the server has gone away meanwhile (a restart, an idle timeout):
    SQLAlchemy's ``pool_pre_ping``, without its round trip on every checkout of a busy pool (two a
    request). A connection that failed invalidates the pool, so its idle siblings are replaced too."""
    used = record.info.get(_USED_AT)
    if used is not None and time.monotonic() - used < PING_IDLE:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()
    except Exception as error:
        raise DisconnectionError(f"connection failed its check: {error}") from error


_USED_AT = "oppbot_used_at"


def _used(_dbapi_connection, record) -> None:
    if record is not None:
        record.info[_USED_AT] = time.monotonic()


READ_ONLY = "oppbot_read_only"  # execution option of the engine behind ``read_sessions``
STATEMENTS = "oppbot_statements"  # execution option of ``statement_reads``: no transaction, each statement its own


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # the driver's own BEGIN off: _sqlite_begin says how
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection) -> None:
    """A write transaction takes SQLite's write lock when it begins (BEGIN IMMEDIATE), so writers
    queue on the busy timeout in order instead of failing when a read turns into a write after
    another writer committed; a read-only one begins deferred and never waits for writers (WAL);
    one of ``statement_reads`` does not begin at all."""
    options = connection.get_execution_options()
    if not options.get(STATEMENTS):
        connection.exec_driver_sql("BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE")


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions that note whether they wrote anything (``wrote``): a flush, an INSERT, UPDATE or
    DELETE statement run through the session, or one run on its connection (``wrote_outside``)."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    event.listen(sessions, "after_flush", _flushed)
    event.listen(sessions, "do_orm_execute", _executed)
    return sessions


def _flushed(session: Session, _flush_context) -> None:
    session.info["wrote"] = True


def _executed(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["wrote"] = True


def wrote_outside(session: Session) -> None:
    """``session`` wrote by a statement on its connection (``session.connection().execute``), which
    neither its flush nor its ``execute`` sees (bot.core.history): noted as they note theirs."""
    session.info["wrote"] = True


def wrote(session: Session) -> bool:
    """Whether ``session`` has written to the database (it may not have committed yet)."""
    return bool(session.info.get("wrote"))


def one_at_a_time(session: Session, name: str) -> None:
    """Wait, in ``session``'s transaction, until no other transaction holds ``name``; held until
    this one ends. For a change that first reads what is there and then adds beside it (a target
    replacing the one in force): without it, two at once on PostgreSQL each find none and both add
    one. SQLite's write transactions already take turns (BEGIN IMMEDIATE): nothing to do there."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name})


def read_only(engine: Engine) -> Engine:
    """The engine for work that only reads (a list, a card): never queued behind SQLite's writers."""
    return engine.execution_options(**{READ_ONLY: True})


def statement_reads(engine: Engine) -> Engine:
    """The engine for a statement or two on a hot path that only read: outside any transaction, so
    each statement sees what was committed when it ran, and no BEGIN and ROLLBACK are sent around
    it (on PostgreSQL autocommit; on SQLite no BEGIN, each statement its own read, under WAL never
    waiting for writers)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    if _in_memory(engine):  # one connection a thread, shared with a transaction the peek may be inside
        return read_only(engine)
    return read_only(engine).execution_options(**{STATEMENTS: True})


def _in_memory(engine: Engine) -> bool:
    database = engine.url.database
    return not database or database == ":memory:" or "mode=memory" in str(engine.url)


def read_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(read_only(engine), expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit if the block finishes, roll back if it raises. On an SQLite file, a
    unit that may write waits its turn in the file's ``WriterQueue`` first."""
    with _writer_turn(sessions.kw["bind"]), sessions() as session, session.begin():
        yield session


@contextmanager
def core_transaction(engine: Engine) -> Iterator[Connection]:
    """``transaction`` on a Core connection, for a statement or two on a hot path (no ORM session)."""
    with _writer_turn(engine), engine.begin() as connection:
        yield connection


LOCK_WAIT = 30.0  # seconds a thread waits for its process's turn, as long as SQLite's own busy timeout


class WriterQueue:
    """The writers of one SQLite file, one at a time and woken as soon as the one before is done.
    SQLite itself lets a writer that finds the write lock taken sleep and retry (1, 2, 5 … 100 ms
    apart), so with ten requests at once writers waited far longer than any write took, in no
    order. Here the threads of a process queue on a lock, and the first of each process waits
    for an advisory lock on ``<file>-writer`` against the other processes (the kernel releases
    it when a holder exits). A thread already holding its turn goes straight on; a thread that
    waited ``LOCK_WAIT`` for its process's turn goes on to SQLite's busy timeout."""

    def __init__(self, path: str):
        self._lock = threading.Lock()
        self._mine = threading.local()
        self._file = os.open(path + "-writer", os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def turn(self) -> Iterator[None]:
        if getattr(self._mine, "held", False):
            yield
            return
        if not self._lock.acquire(timeout=LOCK_WAIT):
            yield  # not our turn in time: SQLite's busy timeout decides
            return
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX)  # woken by the kernel; a holder that exits lets go
            self._mine.held = True
            try:
                yield
            finally:
                self._mine.held = False
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._lock.release()


_QUEUES: dict[str, WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()
# a forked process (gunicorn's workers) makes queues of its own: an inherited file lock is shared
# with the parent, and an inherited thread lock may be held by a thread that does not exist here
os.register_at_fork(after_in_child=_QUEUES.clear)


def _writer_turn(bind):
    """The turn of a unit that may write to an SQLite file; nothing to wait for otherwise."""
    if bind.dialect.name != "sqlite" or bind.get_execution_options().get(READ_ONLY):
        return nullcontext()
    path = bind.url.database
    if _in_memory(bind) or path.startswith("file:"):  # no file of its own to take turns on
        return nullcontext()
    path = os.path.abspath(path)
    with _QUEUES_LOCK:
        queue = _QUEUES.get(path) or _QUEUES.setdefault(path, WriterQueue(path))
    return queue.turn()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def refresh_statistics(engine: Engine) -> None:
    """What the query planner knows of the tables' contents: SQLite keeps none unless told (ANALYZE);
    PostgreSQL's autovacuum keeps them, so there this does nothing."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
