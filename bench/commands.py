"""/opp request latency through the real HTTP server (gunicorn + Bolt) with 10,000 deals stored.

    .venv/bin/python bench/commands.py [--deals 10000] [--requests 600] [--database-url URL]

Seeds the deals in bulk, starts `oppbot web` on a local port with the Web API pointed at a local
fake, then sends signed slash commands one after another (a mix of show, list with filters, find,
new, move, log) and prints p50/p99/max per command and overall. Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.console.signing import SlackRequests  # noqa: E402
from bot.console.slack_api import APP_ID, TEAM_ID, FakeSlack  # noqa: E402
from bot.core.config import load_config  # noqa: E402
from store.db import make_engine, upgrade  # noqa: E402
from store.models import Member, Opportunity, Workspace  # noqa: E402

SECRET = "bench-secret"
USERS = [f"U{i:07d}" for i in range(1, 51)]


def seed(url: str, deals: int) -> dict[str, list[int]]:
    """Bulk-insert the deals; returns each user's open deal numbers."""
    engine = make_engine(url)
    upgrade(engine)
    config = load_config(ROOT / "config.toml")
    now = datetime.now(UTC)
    rows, mine = deal_rows(config, deals, now)
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{"id": TEAM_ID, "next_number": deals + 1, "created_at": now}])
        conn.execute(insert(Member), member_rows(now))
        conn.execute(insert(Opportunity), rows)
    engine.dispose()
    return mine


def member_rows(now: datetime) -> list[dict]:
    common = {"workspace_id": TEAM_ID, "role": "ae", "created_at": now, "profile_fetched_at": now, "timezone": "Asia/Shanghai", "locale": "en-US"}
    return [{"id": i + 1, "slack_user_id": u, "display_name": u, **common} for i, u in enumerate(USERS)]


def deal_rows(config, deals: int, now: datetime) -> tuple[list[dict], dict[str, list[int]]]:
    """``deals`` qualified deals (70% open) spread over the users at random (seeded), and each
    user's open deal numbers."""
    stages = [s.key for s in config.stages]
    rnd = random.Random(7)
    answers = {c.key: c.choices[0].key for c in config.qualification.criteria}  # qualified
    mine: dict[str, list[int]] = {u: [] for u in USERS}
    rows = []
    for n in range(1, deals + 1):
        owner = rnd.randrange(len(USERS)) + 1
        status = rnd.choices(["open", "won", "lost"], [70, 15, 15])[0]
        if status == "open":
            mine[USERS[owner - 1]].append(n)
        rows.append(
            {
                "workspace_id": TEAM_ID,
                "number": n,
                "title": f"Deal {n} {rnd.choice(['ERP', 'CRM', 'Cloud', '云迁移', '数据平台'])}",
                "account": f"Account {rnd.randrange(2000)}",
                "contact": None,
                "amount": Decimal(rnd.randrange(10_000, 5_000_000)),
                "currency": "CNY",
                "stage": rnd.choice(stages),
                "status": status,
                "expected_close": date.today() + timedelta(days=rnd.randrange(-30, 120)),
                "next_step": "follow up",
                "next_step_due": date.today() + timedelta(days=rnd.randrange(-10, 30)),
                "owner_id": owner,
                "creator_id": owner,
                "tags": [],
                "created_at": now,
                "updated_at": now,
                "last_activity_at": now,
                "stage_entered_at": now,
                "version": 1,
                "qualification": answers,
                "score": 100,
                "grade": "B",
            }
        )
    return rows, mine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    started = time.perf_counter()
    mine = seed(url, args.deals)
    print(f"seeded {args.deals} deals in {time.perf_counter() - started:.1f}s ({url.split(':')[0]})")

    with FakeSlack() as fake:
        for u in USERS:
            fake.add_user(u, name=u, locale="en-US")
        port = free_port()
        env = dict(
            os.environ,
            SLACK_BOT_TOKEN="xoxb-bench",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.api_url,
            DATABASE_URL=url,
            OPPBOT_CONFIG=str(ROOT / "config.toml"),
            LOG_LEVEL="WARNING",
        )
        oppbot = Path(sys.executable).with_name("oppbot")
        proc = subprocess.Popen(
            [str(oppbot), "web", "--port", str(port), "--workers", "2"], env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, proc)
            run(base, fake, args, mine)
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def wait_until_up(base: str, proc) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("oppbot web exited") from None
            time.sleep(0.1)
    raise SystemExit("oppbot web did not start")


def run(base: str, fake: FakeSlack, args, mine: dict[str, list[int]]) -> None:
    slack = SlackRequests(SECRET, team_id=TEAM_ID, team_domain="bench", app_id=APP_ID)
    rnd = random.Random(11)
    mix = [
        ("show", lambda: f"show {rnd.randrange(1, args.deals)}"),
        ("list", lambda: "list"),
        ("list stage", lambda: "list all stage:proposal"),
        ("list overdue", lambda: "list team overdue"),
        ("list closing", lambda: "list all closing:this-month"),
        ("find", lambda: f"find Account {rnd.randrange(2000)}"),
        ("new", lambda: f"new Bench deal {rnd.randrange(10**6)} 50万 close 下周五 stage proposal"),
        ("log", lambda: f"log {rnd.choice(mine[user])} called the CFO next send quote by friday"),
        ("move", lambda: f"move {rnd.choice(mine[user])} {rnd.choice(['proposal', 'negotiation', 'contract'])}"),
    ]
    refused = 0
    timings: dict[str, list[float]] = {name: [] for name, _ in mix}
    for i in range(args.requests):
        name, make = mix[i % len(mix)]
        user = rnd.choice(USERS)  # read by the log/move lambdas: each acts on their own deals
        signed = slack.command(
            user_id=user, user_name=user, channel_id="C0BENCH", channel_name="bench", text=make(), response_url=fake.response_url(), trigger_id=f"t.{i}"
        )
        request = urllib.request.Request(base + "/slack/events", data=signed.body.encode(), headers=signed.headers, method="POST")
        t0 = time.perf_counter()
        with urllib.request.urlopen(request, timeout=10) as r:
            answer = r.read().decode()
            assert r.status == 200
        refused += "⚠️" in answer and "already in that stage" not in answer
        timings[name].append((time.perf_counter() - t0) * 1000)

    def line(label, values):
        values = sorted(values)
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        return f"{label:<14} n={len(values):<4} p50={statistics.median(values):6.1f} ms  p99={p99:6.1f} ms  max={values[-1]:6.1f} ms"

    print(f"/opp latency through gunicorn, {args.deals} deals, {args.requests} sequential requests ({refused} answered with an error)")
    for name, values in timings.items():
        print(line(name, values))
    print(line("all", [v for vs in timings.values() for v in vs]))


if __name__ == "__main__":
    main()
