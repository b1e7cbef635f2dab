"""Re-learning win probabilities: 100,000 closed deals counted by SQL aggregates, then every open
deal's stored probability refreshed. Target: learning under 10 s.

    .venv/bin/python bench/learn.py [--closed 100000] [--open 20000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import empty_database  # noqa: E402
from bot.core.config import load_config  # noqa: E402
from bot.deals import winprob  # noqa: E402
from store.db import make_sessions, transaction  # noqa: E402
from store.models import Member, Opportunity, Workspace  # noqa: E402

WS = "T0001"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--closed", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=20_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url, engine = empty_database(args.database_url, "learn")
    config = load_config(ROOT / "config.toml")
    stages = [s.key for s in config.stages]
    rnd = random.Random(5)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{"id": WS, "next_number": 1, "created_at": now}])
        conn.execute(
            insert(Member),
            [{"id": i, "workspace_id": WS, "slack_user_id": f"U{i}", "display_name": f"u{i}", "role": "ae", "created_at": now} for i in range(1, 51)],
        )
        rows = []
        for n in range(1, args.closed + args.open + 1):
            source = rnd.choice(["referral", "expo", "web", "cold", "partner"])
            status = "open" if n > args.closed else ("won" if rnd.random() < {"referral": 0.6, "partner": 0.45}.get(source, 0.2) else "lost")
            rows.append(
                {
                    "workspace_id": WS,
                    "number": n,
                    "title": f"d{n}",
                    "currency": "CNY",
                    "tags": [],
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "last_activity_at": now,
                    "stage_entered_at": now,
                    "source": source,
                    "industry": rnd.choice(["制造", "金融", "零售", "政府", "医疗"]),
                    "region": rnd.choice(["华东", "华北", "华南", "西部"]),
                    "stage": rnd.choice(stages),
                    "grade": rnd.choice("ABC"),
                    "amount": Decimal(rnd.randrange(10_000, 8_000_000)),
                    "owner_id": rnd.randrange(1, 51),
                    "creator_id": 1,
                    "status": status,
                }
            )
            if len(rows) == 20_000:
                conn.execute(insert(Opportunity), rows)
                rows = []
        if rows:
            conn.execute(insert(Opportunity), rows)
    sessions = make_sessions(engine)
    t0 = time.perf_counter()
    with transaction(sessions) as s:
        closed = winprob.learn(s, WS)
    t1 = time.perf_counter()
    with transaction(sessions) as s:
        refreshed = winprob.refresh_open(s, WS, config)
    t2 = time.perf_counter()
    print(f"{url.split(':')[0]}: learned from {closed} closed deals in {t1 - t0:.2f} s; refreshed {refreshed} open deals in {t2 - t1:.2f} s")


if __name__ == "__main__":
    main()
