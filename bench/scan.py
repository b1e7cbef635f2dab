"""The worker's alert scan over 1,000,000 deals (100,000 open): every condition found by SQL over the
open deals, compared with the open alerts. Target: a scan under 3 s.

Measured: the first scan (opening an alert for every condition found, outside working hours so
the announcements wait), then a steady-state scan (nothing new: what runs every few minutes),
then a dry run.

    .venv/bin/python bench/scan.py [--deals 1000000] [--open 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import empty_database  # noqa: E402
from bot.alerts import scan as watch  # noqa: E402
from bot.core.config import load_config  # noqa: E402
from store.db import make_sessions, transaction  # noqa: E402
from store.models import Alert, Member, Opportunity, Risk, Workspace  # noqa: E402

WS = "T0001"
BATCH = 20_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url, engine = empty_database(args.database_url, "scan")
    config = load_config(ROOT / "config.toml")
    # a Tuesday at 22:00 in the team's timezone: quiet hours, so the first scan opens alerts only
    now = datetime(2026, 11, 24, 22, 0, tzinfo=ZoneInfo(config.timezone)).astimezone(UTC)
    started = time.perf_counter()
    seed(engine, config, now, deals=args.deals, open_=args.open)
    analyze(engine)
    print(f"{engine.dialect.name}: {args.deals:,} deals ({args.open:,} open) loaded in {time.perf_counter() - started:.0f} s")

    sessions = make_sessions(engine)
    for label in ("first scan (opens alerts)", "steady-state scan", "steady-state scan again"):
        started = time.perf_counter()
        with transaction(sessions) as session:
            result = watch.scan(session, config=config, workspace_id=WS, now=now)
        took = time.perf_counter() - started
        print(f"{label}: {took:.2f} s — {len(result.opened):,} opened, {result.cleared:,} cleared, {result.pending:,} waiting for working hours")
    started = time.perf_counter()
    with sessions() as session:
        findings = watch.detect(session, config=config, workspace_id=WS, now=now)
    print(f"detect only: {time.perf_counter() - started:.2f} s — {len(findings):,} conditions on open deals")
    with sessions() as session:
        by = session.execute(select(Alert.condition, func.count()).where(Alert.cleared_at.is_(None)).group_by(Alert.condition)).all()
    print("open alerts: " + ", ".join(f"{c} {n:,}" for c, n in sorted(by)))


def seed(engine, config, now: datetime, *, deals: int, open_: int) -> None:
    """The workspace, 200 members, ``deals`` deals (the last ``open_`` of them open) in batches, and
    a competitor risk on 1,000 open deals."""
    stall = {s.key: s.stall_days for s in config.stages}
    cadence = config.qualification.cadence_days
    today = now.astimezone(config.tz).date()
    rnd = random.Random(5)
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{"id": WS, "next_number": 1, "created_at": now}])
        conn.execute(
            insert(Member),
            [{"id": i, "workspace_id": WS, "slack_user_id": f"U{i:04d}", "display_name": f"u{i}", "role": "ae", "created_at": now} for i in range(1, 201)],
        )
        rows = []
        for n in range(1, deals + 1):
            rows.append(deal_row(rnd, n, is_open=n > deals - open_, now=now, today=today, stall=stall, cadence=cadence))
            if len(rows) == BATCH:
                conn.execute(insert(Opportunity), rows)
                rows = []
        if rows:
            conn.execute(insert(Opportunity), rows)
        first_open = conn.execute(select(func.min(Opportunity.id)).where(Opportunity.status == "open")).scalar()
        conn.execute(
            insert(Risk),
            [
                {
                    "opportunity_id": first_open + i * (open_ // 1000),
                    "kind": "competitor",
                    "note": "bench",
                    "raised_by_id": 1,
                    "raised_at": now - timedelta(days=1),
                }
                for i in range(1000)
            ],
        )


def deal_row(rnd: random.Random, n: int, *, is_open: bool, now: datetime, today: date, stall: dict[str, int], cadence: dict[str, int]) -> dict:
    """Deal ``n``: open ones mostly healthy (about a quarter meet some condition), closed ones long
    idle. ``stall`` and ``cadence`` are the stages' stall days and the grades' follow-up days."""
    stage = rnd.choice(list(stall))
    grade = rnd.choices("ABC", weights=(5, 25, 70))[0]
    if is_open:
        last = now - timedelta(days=rnd.uniform(0, stall[stage] * 1.1))
        touch = now + timedelta(days=rnd.uniform(-0.1, 1) * cadence[grade])
        due = today + timedelta(days=rnd.randint(-2, 30)) if rnd.random() < 0.5 else None
        close = today + timedelta(days=rnd.randint(-3, 90))
    else:
        last = now - timedelta(days=rnd.uniform(30, 1500))
        touch, due, close = None, None, (last + timedelta(days=10)).date()
    return {
        "workspace_id": WS,
        "number": n,
        "title": f"deal {n}",
        "currency": "CNY",
        "tags": [],
        "auto_tags": [],
        "qualification": {},
        "version": 1,
        "created_at": last,
        "updated_at": last,
        "last_activity_at": last,
        "stage_entered_at": last,
        "stage": stage,
        "grade": grade,
        "amount": Decimal(rnd.randrange(10_000, 3_000_000)),
        "owner_id": rnd.randrange(1, 201),
        "creator_id": 1,
        "next_touch_due": touch,
        "next_step_due": due,
        "expected_close": close,
        "status": "open" if is_open else rnd.choice(("won", "lost")),
    }


def analyze(engine) -> None:
    """Fresh planner statistics after the bulk load."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


if __name__ == "__main__":
    main()
