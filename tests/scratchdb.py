"""The PostgreSQL leg's own database: created on the server OPPBOT_TEST_DATABASE_URL names, dropped
at the end. The suite never drops, truncates or migrates a database it did not create: the
database named in that URL (``test`` in ./dev) is only a way to reach the server and is left as it
is; it need not even exist.

    with scratch_database("postgresql+psycopg://postgres@127.0.0.1:5432/test") as url:
        ...  # url names a new, empty database oppbot_test_<random> on that server

``python -m tests.scratchdb URL`` exits 0 when the server answers (./dev uses it to decide whether to
run the PostgreSQL leg).
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from store.db import make_engine

PREFIX = "oppbot_test_"
MAINTENANCE = "postgres"  # the database every PostgreSQL server has for connecting to run CREATE/DROP DATABASE


class NotPostgres(ValueError):
    """OPPBOT_TEST_DATABASE_URL must name a PostgreSQL server."""


def server_url(given: str) -> URL:
    """``given`` as a SQLAlchemy URL (postgres:// and postgresql:// forms normalised to psycopg)."""
    engine = make_engine(given)
    try:
        if engine.dialect.name != "postgresql":
            raise NotPostgres(f"OPPBOT_TEST_DATABASE_URL must be postgresql+psycopg://user@host:port/db, got {engine.url.render_as_string()}")
        return engine.url
    finally:
        engine.dispose()


def _admin_engine(url: URL) -> Engine:
    """An autocommit connection to the server, through the maintenance database if it lets us in,
    else through the database the URL names. Only CREATE DATABASE and DROP DATABASE of our own
    scratch database are ever run on it."""
    failure: Exception | None = None
    for name in dict.fromkeys([MAINTENANCE, url.database]):
        if not name:
            continue
        engine = make_engine(url.set(database=name).render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            return engine
        except Exception as exc:  # unreachable, or no such database / no right to connect to it
            engine.dispose()
            failure = failure or exc
    raise failure or ValueError(f"no database to connect to in {url.render_as_string()}")


def server_reachable(given: str) -> bool:
    try:
        _admin_engine(server_url(given)).dispose()
    except Exception as exc:
        first_line = "".join(str(exc).strip().splitlines()[:1])
        print(f"PostgreSQL not reachable: {exc.__class__.__name__}: {first_line}", file=sys.stderr)
        return False
    return True


@contextmanager
def scratch_database(given: str) -> Iterator[str]:
    """Create a new database with a unique name on the server ``given`` points at, yield its URL,
    and drop it afterwards. If the CREATE fails nothing is dropped; the DROP names only the
    database this call created."""
    url = server_url(given)
    name = PREFIX + secrets.token_hex(6)
    admin = _admin_engine(url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:  # WITH (FORCE): a test's leaked connection must not keep it alive
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


if __name__ == "__main__":
    sys.exit(0 if len(sys.argv) == 2 and server_reachable(sys.argv[1]) else 1)
