"""The daily digest over a big team: 50 reps, 100,000 open deals, 1,000,000 activities.

    .venv/bin/python bench/digest.py [--database-url URL] [--runs 5]

Seeds the data in bulk (a fresh SQLite file by default; with a PostgreSQL URL the schema in that
database is dropped and recreated, so point it at a scratch database), then times:

- digest: computing the daily digest's figures (bot.reporting.digests.daily_facts) and rendering its blocks;
- raw SQL: executing the same SQL statements directly on the database connection, with nothing
  around them (captured from the digest run).

Prints the best and median of ``--runs`` for each and their ratio. Targets: digest under 1 s and
under 3x the raw SQL. Not part of the test run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import empty_database  # noqa: E402
from bot.blocks import digests as digest_render  # noqa: E402
from bot.core.config import load_config  # noqa: E402
from bot.demo.generated import generate, insert_all  # noqa: E402
from bot.reporting import digests as digest  # noqa: E402
from store.db import make_sessions  # noqa: E402
from store.models import Activity  # noqa: E402

TEAM = "T0BENCH"
REPS = 50
OPEN_DEALS = 100_000
ACTIVITIES = 1_000_000


def seed(engine, config, now: datetime) -> None:
    started = time.perf_counter()
    # about 75% of generated deals are open
    g = generate(config, workspace_id=TEAM, now=now, reps=REPS, managers=2, deals=int(OPEN_DEALS / 0.75), activities=0, days=365, seed=42)
    with engine.begin() as conn:
        insert_all(conn, g, workspace_id=TEAM, now=now)
    open_count = sum(1 for d in g.deals if d["status"] == "open")
    rnd = random.Random(9)
    kinds = ["note", "call", "meeting", "email", "visit", "stage_change"]
    owners = [d["owner_id"] for d in g.deals]
    n_deals = len(g.deals)
    with engine.begin() as conn:
        batch = []
        for i in range(ACTIVITIES):
            deal = rnd.randrange(n_deals)
            batch.append(
                {
                    "id": i + 1,
                    "opportunity_id": deal + 1,
                    "member_id": owners[deal],
                    "kind": rnd.choice(kinds),
                    "text": "",
                    "created_at": now - timedelta(days=rnd.uniform(0, 365)),
                }
            )
            if len(batch) == 50_000:
                conn.execute(insert(Activity), batch)
                batch = []
        if batch:
            conn.execute(insert(Activity), batch)
        conn.execute(text("ANALYZE"))
    if engine.dialect.name == "sqlite":  # fold the bulk load out of the write-ahead log, as SQLite does in time
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    print(
        f"seeded {n_deals:,} deals ({open_count:,} open), {len(g.events):,} events, {ACTIVITIES:,} activities, "
        f"{REPS} reps in {time.perf_counter() - started:.0f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    config = load_config(ROOT / "config.toml")
    tz = ZoneInfo(config.timezone)
    day = date(2026, 11, 25)
    now = datetime(2026, 11, 25, 9, 0, tzinfo=tz)
    url, engine = empty_database(args.database_url, "digest")
    seed(engine, config, now)
    sessions = make_sessions(engine)

    def run_digest():
        with sessions() as session:
            facts = digest.daily_facts(session, config, TEAM, day)
            reply = digest_render.daily(facts, config, "en")
        return facts, reply

    facts, reply = run_digest()  # warm caches
    statements = captured(engine, run_digest)
    print(
        f"digest: {len(reply.blocks)} blocks, {facts.stalled.total:,} stalled, {facts.overdue.total:,} overdue, "
        f"{sum(r.count for r in facts.pipeline):,} open deals, {len(facts.reps)} reps; {len(statements)} SQL statements"
    )
    per_statement: dict[int, list[float]] = {}
    digest_times, raw_times = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        run_raw(engine, statements, per_statement)
        raw_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        run_digest()
        digest_times.append(time.perf_counter() - started)
    d_med, r_med = report(engine.dialect.name, digest_times, raw_times, statements, per_statement)
    engine.dispose()
    return 0 if d_med < 1.0 and d_med / r_med < 3 else 1


def captured(engine, run) -> list[tuple[str, object]]:
    """The SQL statements (and parameters) that one call of ``run`` executes."""
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    run()
    event.remove(engine, "before_cursor_execute", capture)
    return statements


def run_raw(engine, statements: list[tuple[str, object]], per_statement: dict[int, list[float]]) -> None:
    """Execute ``statements`` directly on a DBAPI connection, adding each one's time to ``per_statement``."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for i, (statement, parameters) in enumerate(statements):
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            per_statement.setdefault(i, []).append(time.perf_counter() - started)
        cursor.close()
    finally:
        raw.close()


def report(database: str, digest_times: list[float], raw_times: list[float], statements, per_statement: dict[int, list[float]]) -> tuple[float, float]:
    """Print the timings and the slowest statements; returns the digest's and raw SQL's medians."""
    d_best, d_med = min(digest_times), statistics.median(digest_times)
    r_best, r_med = min(raw_times), statistics.median(raw_times)
    print(f"database: {database}")
    print(f"daily digest (figures + blocks): best {d_best * 1000:.0f} ms, median {d_med * 1000:.0f} ms")
    print(f"raw SQL aggregates (same statements): best {r_best * 1000:.0f} ms, median {r_med * 1000:.0f} ms")
    print(f"ratio (median): {d_med / r_med:.2f}x   targets: < 1000 ms, < 3x")
    print("slowest statements (median):")
    for i, times in sorted(per_statement.items(), key=lambda kv: -statistics.median(kv[1]))[:5]:
        print(f"  {statistics.median(times) * 1000:6.0f} ms  {' '.join(statements[i][0].split())[:110]}")
    return d_med, r_med


if __name__ == "__main__":
    sys.exit(main())
