"""Generated pipelines for tests and benchmarks: members, deals, their stage and owner events and
activities, inserted in bulk. Deterministic for a given seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, text

from bot.core.config import Config
from store.models import Activity, Event, Member, Opportunity, Workspace


@dataclass
class Generated:
    members: list[dict] = field(default_factory=list)
    deals: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    activities: list[dict] = field(default_factory=list)


def generate(
    config: Config,
    *,
    workspace_id: str,
    now: datetime,
    reps: int = 10,
    managers: int = 1,
    deals: int = 300,
    activities: int = 1000,
    days: int = 60,
    seed: int = 1,
    currencies: tuple[str, ...] = ("CNY", "CNY", "CNY", "USD"),
) -> Generated:
    """Deals created over the last ``days`` days around ``now``: most open, some won or lost;
    every stage change is an event; activities spread over the same span."""
    rnd = random.Random(seed)
    g = Generated()
    g.members = _members(config, workspace_id=workspace_id, now=now, reps=reps, managers=managers, days=days)
    today = now.astimezone(config.tz).date()
    for n in range(1, deals + 1):
        deal, path = _deal(rnd, config, n, workspace_id=workspace_id, now=now, today=today, reps=reps, days=days, currencies=currencies)
        g.deals.append(deal)
        _events(rnd, g.events, deal, path, now=now, reps=reps)
    g.activities = _activities(rnd, g.deals, now=now, reps=reps, activities=activities, days=days)
    return g


def _members(config: Config, *, workspace_id: str, now: datetime, reps: int, managers: int, days: int) -> list[dict]:
    """``reps`` account managers, then ``managers`` managers, all present since before the span."""
    return [
        {
            "id": i + 1,
            "workspace_id": workspace_id,
            "slack_user_id": f"U{i + 1:07d}",
            "display_name": f"rep{i + 1}",
            "role": "manager" if i >= reps else "ae",
            "created_at": now - timedelta(days=days + 1),
            "profile_fetched_at": now,
            "timezone": config.timezone,
            "locale": "en-US",
            "brief_enabled": False,
        }
        for i in range(reps + managers)
    ]


def _stage_path(rnd: random.Random, stages: list[str], created: datetime, now: datetime, final: int) -> tuple[list[tuple[str, str, datetime]], int, datetime]:
    """The moves up to stage ``final``: mostly forward, sometimes a step back. Returns the moves
    (from, to, when), the stage index reached and when the last move happened."""
    path, at = [], created
    stage = 0
    while stage < final:
        step = 1 if rnd.random() < 0.9 or stage == 0 else -1
        at = at + (now - at) * rnd.uniform(0.05, 0.4)
        path.append((stages[stage], stages[stage + step], at))
        stage += step
    return path, stage, at


def _deal(
    rnd: random.Random,
    config: Config,
    n: int,
    *,
    workspace_id: str,
    now: datetime,
    today: date,
    reps: int,
    days: int,
    currencies: tuple[str, ...],
) -> tuple[dict, list[tuple[str, str, datetime]]]:
    """Deal number ``n`` as a row, and the stage moves that brought it where it is."""
    stages = [s.key for s in config.stages]
    owner = rnd.randrange(reps) + 1
    created = now - timedelta(days=rnd.uniform(0, days))
    final = rnd.randrange(len(stages))
    status = rnd.choices(["open", "won", "lost"], [75, 12, 13])[0]
    path, stage, at = _stage_path(rnd, stages, created, now, final)
    closed_at = None
    if status != "open":
        closed_at = at + (now - at) * rnd.uniform(0.1, 0.9)
    amount = None if rnd.random() < 0.05 else Decimal(rnd.randrange(1, 500)) * 10000
    last_activity = at + (now - at) * rnd.uniform(0, 1) if rnd.random() < 0.7 else at
    deal = {
        "id": n,
        "workspace_id": workspace_id,
        "number": n,
        "title": f"Deal {n} <b>&",
        "amount": amount,
        "currency": rnd.choice(currencies),
        "stage": stages[stage],
        "status": status,
        "expected_close": today + timedelta(days=rnd.randint(-20, 120)) if rnd.random() < 0.9 else None,
        "next_step_due": today + timedelta(days=rnd.randint(-10, 20)) if rnd.random() < 0.6 else None,
        "owner_id": owner,
        "creator_id": owner,
        "created_at": created,
        "updated_at": max(at, closed_at or at),
        "last_activity_at": last_activity,
        "stage_entered_at": at,
        "closed_at": closed_at,
        "win_probability": round(rnd.uniform(0, 1), 3) if rnd.random() < 0.5 else None,
        "lost_reason": rnd.choice([r.key for r in config.lost_reasons]) if status == "lost" else None,
        "tags": [],
        "qualification": {},
        "auto_tags": [],
        "score": 0,
        "grade": "C",
        "version": 1,
    }
    return deal, path


def _events(rnd: random.Random, events: list[dict], deal: dict, path: list[tuple[str, str, datetime]], *, now: datetime, reps: int) -> None:
    """The deal's history, appended to ``events`` with the next ids: created, each stage move,
    sometimes an owner change, and the close."""
    n, owner, created, closed_at = deal["id"], deal["owner_id"], deal["created_at"], deal["closed_at"]

    def add(**event) -> None:
        events.append({"id": len(events) + 1, "opportunity_id": n, "actor_id": owner, **event})

    add(at=created, kind="created", field=None, old=None, new=f"#{n}")
    for old, new, when in path:
        add(at=when, kind="stage", field="stage", old=old, new=new)
    if rnd.random() < 0.05:
        new_owner = rnd.randrange(reps) + 1
        add(at=created + (now - created) * rnd.uniform(0, 1), kind="updated", field="owner", old=f"U{owner:07d}", new=f"U{new_owner:07d}")
    if closed_at:
        add(at=closed_at, kind="status", field="status", old="open", new=deal["status"])


def _activities(rnd: random.Random, deals: list[dict], *, now: datetime, reps: int, activities: int, days: int) -> list[dict]:
    """``activities`` notes, calls and the like on random deals, by their owner or another rep."""
    kinds = ["note", "call", "meeting", "email", "visit", "stage_change"]
    out = []
    for i in range(activities):
        deal = deals[rnd.randrange(len(deals))]
        out.append(
            {
                "id": i + 1,
                "opportunity_id": deal["id"],
                "member_id": rnd.choice([deal["owner_id"], rnd.randrange(reps) + 1]),
                "kind": rnd.choice(kinds),
                "text": "x",
                "created_at": now - timedelta(days=rnd.uniform(0, days)),
            }
        )
    return out


def insert_all(conn, g: Generated, *, workspace_id: str, now: datetime, chunk: int = 20000) -> None:
    conn.execute(insert(Workspace), [{"id": workspace_id, "next_number": len(g.deals) + 1, "created_at": now}])
    conn.execute(insert(Member), g.members)
    for model, rows in ((Opportunity, g.deals), (Event, g.events), (Activity, g.activities)):
        for i in range(0, len(rows), chunk):
            conn.execute(insert(model), rows[i : i + chunk])
    if conn.dialect.name == "postgresql":  # ids were given: move the sequences past them
        for table in ("members", "opportunities", "events", "activities"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"))


def local_day(at: datetime, config: Config) -> date:
    return at.astimezone(config.tz).date()
