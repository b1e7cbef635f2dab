"""What the benchmarks share: an empty, migrated database to seed."""

from __future__ import annotations

import tempfile

from sqlalchemy import Engine, text

from store.db import make_engine, upgrade


def empty_database(url: str | None, name: str) -> tuple[str, Engine]:
    """``url`` (its public schema emptied, on PostgreSQL), else a new SQLite file; migrated."""
    url = url or f"sqlite:///{tempfile.mkdtemp()}/{name}.db"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    return url, engine
