"""`oppbot import` of a large history file, against a bare SQLAlchemy Core executemany of the same
deals in the same run, on SQLite or PostgreSQL.

    .venv/bin/python bench/import.py [--rows 100000] [--database-url URL]

The file: deals over five years in oppbot's columns (70% won or lost with their dates and reasons,
30% open), two currencies, qualification answers, 50 owners. The import reads and checks every row,
reserves numbers, inserts deals and their events in batches, records possible duplicates and
relearns the win model; the baseline inserts the same deals, already as Python values, with one
executemany. Target: under 10 s, and within 3x the baseline. Not part of the test run.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bench.common import empty_database  # noqa: E402
from bot.core.clock import FixedClock  # noqa: E402
from bot.core.config import load_config  # noqa: E402
from bot.core.dates import DateReader  # noqa: E402
from bot.core.runtime import Runtime  # noqa: E402
from bot.imports.importing import Options, Progress, import_file  # noqa: E402
from store.db import make_sessions  # noqa: E402
from store.models import Member, Opportunity, Workspace  # noqa: E402

TEAM, BASELINE_TEAM = "T0IMPORT", "T0BASELINE"
OWNERS = [f"U{i:07d}" for i in range(1, 51)]
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def history(rows: int, config) -> tuple[str, list[dict]]:
    """The CSV, and the same deals as the values a bare insert writes."""
    rnd = random.Random(7)
    stages = [s.key for s in config.stages]
    criteria = config.qualification.criteria
    header = ["external_id", "title", "account", "amount", "currency", "stage", "status", "created_at", "closed_at", "owner", "lost_reason", "source"]
    header += [f"q_{c.key}" for c in criteria]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    values = []
    for i in range(rows):
        created = NOW - timedelta(days=5 * 365) + timedelta(minutes=rnd.randrange(5 * 365 * 24 * 60 - 400 * 24 * 60))
        status = rnd.choices(["won", "lost", "open"], [35, 35, 30])[0]
        closed = created + timedelta(days=rnd.randrange(1, 300)) if status != "open" else None
        if closed is not None and closed > NOW:
            closed = NOW - timedelta(days=1)
        amount = rnd.randrange(0, 2_000_000)
        currency = rnd.choice(["CNY", "CNY", "USD"])
        answers = {c.key: rnd.choice(c.choices).key for c in criteria}
        row = {
            "external_id": f"X-{i}",
            "title": f"History deal {i}",
            "account": f"Account {rnd.randrange(20_000)}",
            "amount": amount,
            "currency": currency,
            "stage": rnd.choice(stages),
            "status": status,
            "created_at": created.isoformat(),
            "closed_at": closed.isoformat() if closed else "",
            "owner": rnd.choice(OWNERS),
            "lost_reason": "price" if status == "lost" else "",
            "source": rnd.choice(["web", "partner", "event", ""]),
        }
        writer.writerow([*row.values(), *answers.values()])
        values.append(
            {
                **{k: row[k] for k in ("external_id", "title", "account", "currency", "stage", "status", "source")},
                "workspace_id": BASELINE_TEAM,
                "number": i + 1,
                "amount": Decimal(amount),
                "created_at": created,
                "updated_at": NOW,
                "last_activity_at": closed or NOW,
                "stage_entered_at": created,
                "closed_at": closed,
                "lost_reason": row["lost_reason"] or None,
                "tags": [],
                "qualification": answers,
                "version": 1,
            }
        )
    return out.getvalue(), values


def seed(sessions, now: datetime) -> int:
    """The two workspaces and their people; returns the baseline's owner's id."""
    with sessions.begin() as s:
        for team in (TEAM, BASELINE_TEAM):
            s.add(Workspace(id=team, next_number=1, created_at=now))
        s.flush()
        base = Member(workspace_id=BASELINE_TEAM, slack_user_id="U0BASE", display_name="base", role="ae", created_at=now)
        s.add(base)
        s.add_all(Member(workspace_id=TEAM, slack_user_id=u, display_name=u, role="ae", created_at=now) for u in OWNERS)
        s.flush()
        return base.id


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    config = load_config(ROOT / "config.toml")
    url, engine = empty_database(args.database_url, "import")
    sessions = make_sessions(engine)
    base = seed(sessions, NOW)
    text, values = history(args.rows, config)
    for row in values:
        row["owner_id"] = row["creator_id"] = base
    path = Path(tempfile.mkdtemp()) / "history.csv"
    path.write_text(text, encoding="utf-8")
    print(f"{args.rows:,} rows, {len(text) / 1e6:.1f} MB ({engine.dialect.name})")

    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(Opportunity.__table__), values)
    baseline = time.perf_counter() - started
    print(f"bare Core executemany of the same deals: {baseline:.2f} s")

    dates = DateReader(("en", "zh"))
    rt = Runtime(default_config=config, sessions=sessions, clock=FixedClock(NOW), dates=dates)
    started = time.perf_counter()
    report = import_file(rt, path, Options(TEAM), Progress(io.StringIO()))
    took = time.perf_counter() - started
    with sessions() as s:
        stored = s.scalar(select(func.count(Opportunity.id)).where(Opportunity.workspace_id == TEAM))
    s = report.summary
    print(f"oppbot import: {took:.2f} s ({took / baseline:.1f}x the bare insert); {stored:,} deals stored; created {dict(s.created)}")
    print(f"target: under 10 s ({'ok' if took < 10 else 'MISSED'}), within 3x ({'ok' if took <= 3 * baseline else 'MISSED'})")


if __name__ == "__main__":
    main()
