"""Assigning an import-sized batch: 10,000 new deals handed out by the rules in one transaction.

    .venv/bin/python bench/assign.py [--deals 10000] [--database-url URL]

Seeds 50 members (40 account managers with regions and capacities, some away) and the deals in
bulk (not timed), then times `bot.team.assignment.assign_batch` plus the commit: rule matching, one load
count and one cursor per rule, round robin / least loaded in memory, owners written, an event and
an offer per deal, one summary DM per assignee and one channel post. Target: under 5 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import empty_database  # noqa: E402
from bot.console.slack_api import TEAM_ID
from bot.core.config import Rule, load_config
from bot.team import assignment, batch
from store.db import make_sessions, transaction
from store.models import Member, Opportunity, Workspace

REGIONS = ["华东", "华南", "华北", "西部"]
INDUSTRIES = ["制造", "零售", "金融", "教育"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=10000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url, engine = empty_database(args.database_url, "assign")
    config = bench_config()
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    sessions = make_sessions(engine)
    system_id = seed(sessions, args.deals, now)
    started = time.perf_counter()
    with transaction(sessions) as s:
        opps = list(s.scalars(select(Opportunity).where(Opportunity.workspace_id == TEAM_ID)).unique())
        loaded = time.perf_counter()
        given = batch.assign_batch(s, config, opps, by=system_id, now=now)
    took = time.perf_counter() - started
    with sessions() as s:
        pooled = s.scalar(select(Opportunity.id).where(Opportunity.pooled_at.is_not(None)).limit(1))
        per = Counter(s.scalars(select(Opportunity.owner_id).where(Opportunity.pooled_at.is_(None))))
    print(f"database: {engine.dialect.name}")
    print(f"deals: {args.deals}, assigned: {sum(given.values())}, to people: {len(given)}, any pooled: {pooled is not None}")
    print(f"load {loaded - started:.2f} s, assign + write + commit {took - (loaded - started):.2f} s, total {took:.2f} s")
    print(f"per person: min {min(per.values())}, max {max(per.values())}")


def bench_config():
    """config.toml with three rules (a people list, a big-deal rule, a region) and an assignments channel."""
    config = load_config(ROOT / "config.toml")
    rules = (
        Rule(name="华东制造", strategy="round_robin", regions=("华东",), industries=("制造",), role="ae", people=tuple(f"U{i:07d}" for i in range(1, 9))),
        Rule(name="大单", strategy="least_loaded", min_amount=1_000_000, role="ae"),
        Rule(name="华南", strategy="round_robin", regions=("华南",), role="ae"),
    )
    return replace(config, channels={**config.channels, "assignments": "#sales-assign"}, assignment=replace(config.assignment, rules=rules))


def seed(sessions, deals: int, now: datetime) -> int:
    """The workspace, 50 members and ``deals`` pooled new deals, in bulk; returns the system member's id."""
    with transaction(sessions) as s:
        s.add(Workspace(id=TEAM_ID, next_number=deals + 1, created_at=now))
        s.flush()
        s.execute(insert(Member), [member_row(i, now) for i in range(1, 51)])
        system = assignment.system_member(s, TEAM_ID, now)
        s.execute(insert(Opportunity), [deal_row(n, system.id, now) for n in range(1, deals + 1)])
        return system.id


def member_row(i: int, now: datetime) -> dict:
    """40 account managers, then business developers; regions and industries in turn, some with no
    capacity, some away."""
    return dict(
        workspace_id=TEAM_ID,
        slack_user_id=f"U{i:07d}",
        display_name=f"rep{i}",
        role="ae" if i <= 40 else "bdr",
        regions=[REGIONS[i % 4]],
        industries=[INDUSTRIES[i % 4]],
        capacity=None if i % 5 == 0 else 400,
        away_until=date(2026, 12, 10) if i % 13 == 0 else None,
        created_at=now,
    )


def deal_row(n: int, system_id: int, now: datetime) -> dict:
    """Deal ``n``, in the pool, held by the system member."""
    return dict(
        workspace_id=TEAM_ID,
        number=n,
        title=f"Imported {n}",
        currency="CNY",
        stage="lead",
        status="open",
        owner_id=system_id,
        creator_id=system_id,
        region=REGIONS[n % 4],
        industry=INDUSTRIES[n % 3],
        amount=Decimal(50_000 * (n % 40 + 1)),
        tags=[],
        qualification={},
        auto_tags=[],
        score=0,
        grade="C",
        grade_pinned=False,
        strategic=False,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        stage_entered_at=now,
        pooled_at=now,
        version=1,
    )


if __name__ == "__main__":
    main()
