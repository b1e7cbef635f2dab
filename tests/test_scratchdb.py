"""The PostgreSQL leg works in a database of its own and never touches one it did not create.

Runs on the PostgreSQL leg only (OPPBOT_TEST_DATABASE_URL set): a database made here stands for
someone's real data; the scratch logic is pointed at it and must leave it exactly as it was.
"""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import text

from store.db import make_engine, upgrade
from tests.scratchdb import PREFIX, NotPostgres, scratch_database, server_url

SERVER = os.environ.get("OPPBOT_TEST_DATABASE_URL")
postgres_only = pytest.mark.skipif(not SERVER, reason="PostgreSQL leg only (OPPBOT_TEST_DATABASE_URL not set)")


def test_a_sqlite_url_is_refused_not_used():
    with pytest.raises(NotPostgres), scratch_database("sqlite:///somebody-else.db"):
        pass


@pytest.fixture
def someone_elses_database():
    """A pre-existing database with a table and a row in it, as a user's real data would be."""
    url = server_url(SERVER)
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    name = "oppbot_keep_" + secrets.token_hex(4)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    theirs = make_engine(url.set(database=name).render_as_string(hide_password=False))
    with theirs.begin() as conn:
        conn.execute(text("CREATE TABLE precious (id integer primary key, note text)"))
        conn.execute(text("INSERT INTO precious VALUES (1, 'keep me')"))
    try:
        yield name, theirs
    finally:
        theirs.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def databases() -> set[str]:
    admin = make_engine(server_url(SERVER).set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect() as conn:
            return set(conn.scalars(text("SELECT datname FROM pg_database")))
    finally:
        admin.dispose()


@postgres_only
def test_scratch_database_leaves_the_named_database_alone(someone_elses_database):
    name, theirs = someone_elses_database
    given = server_url(SERVER).set(database=name).render_as_string(hide_password=False)

    with scratch_database(given) as url:
        scratch = make_engine(url)
        try:
            assert scratch.url.database.startswith(PREFIX) and scratch.url.database != name
            upgrade(scratch)  # what the suite does: migrate, fill, empty tables - all in the scratch database
            with scratch.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        finally:
            scratch.dispose()
        assert scratch.url.database in databases()

    assert scratch.url.database not in databases()  # dropped at the end
    assert name in databases()
    with theirs.connect() as conn:
        assert conn.execute(text("SELECT id, note FROM precious")).all() == [(1, "keep me")]
        assert conn.scalar(text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")) == 1


@postgres_only
def test_the_suite_runs_in_its_own_database(engine):
    assert engine.url.database.startswith(PREFIX)
    assert engine.url.database != server_url(SERVER).database


@postgres_only
def test_the_named_database_need_not_exist():
    missing = server_url(SERVER).set(database="oppbot_absent_" + secrets.token_hex(4)).render_as_string(hide_password=False)
    with scratch_database(missing) as url:
        scratch = make_engine(url)
        try:
            with scratch.connect() as conn:
                assert conn.scalar(text("select 1")) == 1
        finally:
            scratch.dispose()
