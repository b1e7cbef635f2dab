"""What the benchmarks share: an empty, migrated database to seed, and the environment `oppbot web`
runs in against the local Web API stand-in."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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


ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret"


def server_env(api_url: str, database_url: str, **extra: str) -> dict[str, str]:
    """`oppbot web`'s environment for a benchmark: the stand-in's URL, the database, quiet logs."""
    return dict(
        os.environ,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api_url,
        DATABASE_URL=database_url,
        OPPBOT_CONFIG=str(ROOT / "config.toml"),
        LOG_LEVEL="WARNING",
        **extra,
    )
