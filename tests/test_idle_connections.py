"""A pooled PostgreSQL connection that the server dropped while it sat unused (a restart, an idle
timeout) is replaced before a request uses it: store.db checks a connection with a round trip when
it has been unused for ``PING_IDLE`` seconds, not on every checkout of a busy pool."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from store import db as store_db

DROP_OTHERS = text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")


def test_a_connection_the_server_dropped_while_idle_is_replaced_before_a_request_uses_it(slack, rt, postgres_only, monkeypatch):
    engine = rt.sessions.kw["bind"]
    assert "Created #1" in slack.command("alice", "new Acme ERP 50万").text  # the pool holds connections now
    outside = create_engine(engine.url, poolclass=NullPool)
    try:
        with outside.connect() as connection:  # the server ends every other connection, as a restart does
            connection.execute(DROP_OTHERS)
        monkeypatch.setattr(store_db, "PING_IDLE", 0.0)  # the pool's connections have sat unused long enough to be checked
        answer = slack.command("alice", "show 1")
        assert "#1 Acme ERP" in answer.text
        assert "went wrong" not in answer.text
    finally:
        outside.dispose()
        engine.dispose()  # none of the dropped connections left for the next test
