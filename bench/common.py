"""What the benchmarks share: an empty, migrated database to seed."""

from __future__ import annotations

import tempfile

from sqlalchemy import Engine, inspect

from store.db import make_engine, upgrade


def empty_database(url: str | None, name: str) -> tuple[str, Engine]:
    """A new SQLite file, or the database ``url`` names if it is empty; migrated. A benchmark never
    wipes a database: one that already holds tables is refused."""
    url = url or f"sqlite:///{tempfile.mkdtemp()}/{name}.db"
    engine = make_engine(url)
    tables = inspect(engine).get_table_names()
    if tables:
        raise SystemExit(f"bench: {engine.url.render_as_string(hide_password=True)} already holds tables ({', '.join(tables[:3])}…); give an empty database")
    upgrade(engine)
    return url, engine
