"""Every report over a big team: 50 reps, about 40,000 deals with their stage history, 400,000
activities, a target per person and the forecast saved at the quarter's start.

    .venv/bin/python bench/reports.py [--database-url URL] [--runs 5] [--deals 40000]

Seeds the data in bulk (a fresh SQLite file by default; a PostgreSQL URL must name an empty
database), then times, for each report over this quarter:

- report: `/opp report <name> this-quarter` built whole (figures + blocks, as bot.reporting.reports
  builds it for Slack; its chart is drawn only when uploaded, so not here);
- raw SQL: the same SQL statements executed directly on the database connection (captured from
  the report's run), the least any code could spend on those figures.

Prints the median of ``--runs`` for each and their ratio. Targets: each report under 1 s (Slack's
3 s, with room for the network) and under 3x its raw SQL. Not part of the test run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import empty_database  # noqa: E402
from bench.digest import captured, run_raw  # noqa: E402
from bot.core.clock import FixedClock  # noqa: E402
from bot.core.config import load_config  # noqa: E402
from bot.core.dates import DateReader  # noqa: E402
from bot.core.periods import period_key, quarter_of  # noqa: E402
from bot.core.runtime import Runtime  # noqa: E402
from bot.demo.generated import generate, insert_all  # noqa: E402
from bot.reporting import accuracy  # noqa: E402
from bot.reporting.reports import build  # noqa: E402
from bot.team.members import Actor  # noqa: E402
from store.db import make_sessions  # noqa: E402
from store.models import Activity, Member, Target  # noqa: E402

TEAM = "T0BENCH"
REPS = 50
REPORTS = ("funnel", "forecast", "reps", "cycle", "targets", "forecast-accuracy", "kpi", "collab", "sources", "regions", "industries", "needs")


def seed(engine, config, now: datetime, deals: int) -> None:
    started = time.perf_counter()
    g = generate(config, workspace_id=TEAM, now=now, reps=REPS, managers=2, deals=deals, activities=0, days=365, seed=42)
    rnd = random.Random(7)
    needs = ["need:报表导出", "need:SSO", "need:移动端", "need:API", "need:私有部署"]
    for deal in g.deals:  # a third of the deals name a customer need
        if rnd.random() < 0.33:
            deal["tags"] = [*deal.get("tags", []), rnd.choice(needs)]
    with engine.begin() as conn:
        insert_all(conn, g, workspace_id=TEAM, now=now)
        owners = [d["owner_id"] for d in g.deals]
        kinds = ["note", "call", "meeting", "email", "visit"]
        rows = [
            {
                "opportunity_id": (k := rnd.randrange(len(owners))) + 1,
                "member_id": owners[k],
                "kind": rnd.choice(kinds),
                "text": "",
                "created_at": now - timedelta(days=rnd.uniform(0, 365)),
            }
            for _ in range(deals * 10)
        ]
        conn.execute(insert(Activity), rows)
        members = conn.execute(select(Member.id).where(Member.workspace_id == TEAM)).scalars().all()
        key = period_key(quarter_of(now.date(), config.tz))
        conn.execute(
            insert(Target),
            [
                {"workspace_id": TEAM, "member_id": m, "period": key, "amount": Decimal(2_000_000), "currency": config.currency, "set_by_id": m, "set_at": now}
                for m in members
            ],
        )
        conn.execute(text("ANALYZE"))
    print(f"seeded {len(g.deals):,} deals, {len(g.events):,} events, {deals * 10:,} activities, {REPS} reps in {time.perf_counter() - started:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a new SQLite file in a temporary directory")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--deals", type=int, default=40_000)
    parser.add_argument("--only", help="comma-separated report names (default: all), with each one's slowest statements")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else REPORTS
    config = load_config(ROOT / "config.toml")
    now = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo(config.timezone))
    _, engine = empty_database(args.database_url, "reports")
    seed(engine, config, now, args.deals)
    rt = Runtime(default_config=config, sessions=make_sessions(engine), clock=FixedClock(now), dates=DateReader(("en", "zh")))
    quarter = quarter_of(now.date(), config.tz)
    with rt.transaction() as session:  # the forecast as it stood when the quarter began
        accuracy.snapshot(session, config, TEAM, quarter, now)
    actor = Actor(member_id=0, workspace_id=TEAM, slack_user_id="bench", name="bench", role="admin", lang="en", timezone=config.timezone, is_admin=True)
    print(f"database: {engine.dialect.name}")
    print(f"{'report':<18} {'blocks':>6} {'SQL':>4} {'report ms':>10} {'raw SQL ms':>11} {'ratio':>6}")
    worst = 0.0
    slowest = 0.0
    for name in names:

        def run(name=name):
            return build(rt, actor, name, "this-quarter", shareable=True)

        reply = run()  # warm caches
        statements = captured(engine, run)
        report_times, raw_times, per_statement = [], [], {}
        for _ in range(args.runs):
            started = time.perf_counter()
            run_raw(engine, statements, per_statement)
            raw_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            run()
            report_times.append(time.perf_counter() - started)
        med, raw = statistics.median(report_times), statistics.median(raw_times)
        worst, slowest = max(worst, med / raw), max(slowest, med)
        print(f"{name:<18} {len(reply.blocks):>6} {len(statements):>4} {med * 1000:>10.0f} {raw * 1000:>11.0f} {med / raw:>5.1f}x")
        if args.only:
            for i, spent in sorted(per_statement.items(), key=lambda item: -sum(item[1]))[:3]:
                print(f"    {sum(spent) / args.runs * 1000:8.0f} ms  {' '.join(statements[i][0].split())[:200]}")
    print(f"slowest report: {slowest * 1000:.0f} ms; largest ratio: {worst:.1f}x   targets: < 1000 ms, < 3x")
    engine.dispose()
    return 0 if slowest < 1.0 and worst < 3 else 1


if __name__ == "__main__":
    sys.exit(main())
