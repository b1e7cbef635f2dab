"""/opp request latency through the real HTTP server (gunicorn + Bolt) with 10,000 deals stored.

    .venv/bin/python bench/commands.py [--deals 10000] [--requests 600] [--in-flight 1] [--database-url URL] [--workers 2] [--threads 4]

Seeds the deals in bulk, starts `oppbot web` on a local port with the Web API pointed at a local
fake, then sends signed slash commands (a mix of show, list with filters, find, new, move, log),
``--in-flight`` at a time, and prints p50/p99/max per command and overall, and the server's CPU
time per request. With ``--in-flight`` above 1 it first runs the same stream against a bare Bolt
app (bench/bare_app.py) under the same gunicorn settings, and after oppbot against the raw-SQL
baseline (bench/floor_app.py: the bare app plus each command's least SQL on the driver), and prints
all three. ``--first N`` sends each
new server N requests of the same mix first and reports them apart: a worker's first requests
build what it keeps (compiled statements, the token's identity, parsers), and the figures after
them are what a running server costs a request. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import SECRET, server_env  # noqa: E402
from bot.console.signing import SignedRequest, SlackRequests  # noqa: E402
from bot.console.slack_api import APP_ID, TEAM_ID, FakeSlack  # noqa: E402
from bot.core.config import load_config  # noqa: E402
from bot.deals.duplicates import account_key  # noqa: E402
from store.db import make_engine, refresh_statistics, upgrade  # noqa: E402
from store.models import Member, Opportunity, Workspace  # noqa: E402

USERS = [f"U{i:07d}" for i in range(1, 51)]


CHUNK = 20_000  # deals inserted per statement


def seed(url: str, deals: int) -> dict[str, list[int]]:
    """Bulk-insert the deals, in chunks; returns each user's open deal numbers."""
    engine = make_engine(url)
    upgrade(engine)
    config = load_config(ROOT / "config.toml")
    now = datetime.now(UTC)
    rnd = random.Random(7)
    mine: dict[str, list[int]] = {u: [] for u in USERS}
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{"id": TEAM_ID, "next_number": deals + 1, "created_at": now}])
        conn.execute(insert(Member), member_rows(now))
    for first in range(1, deals + 1, CHUNK):
        with engine.begin() as conn:
            conn.execute(insert(Opportunity), deal_rows(config, range(first, min(deals, first + CHUNK - 1) + 1), now, rnd, mine))
    # the statistics (and, on PostgreSQL, the visibility map) a database has once autovacuum, or
    # the worker's nightly refresh on SQLite, has passed
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    refresh_statistics(engine)
    engine.dispose()
    return mine


def member_rows(now: datetime) -> list[dict]:
    common = {"workspace_id": TEAM_ID, "role": "ae", "created_at": now, "profile_fetched_at": now, "timezone": "Asia/Shanghai", "locale": "en-US"}
    return [{"id": i + 1, "slack_user_id": u, "display_name": u, **common} for i, u in enumerate(USERS)]


def deal_rows(config, numbers: range, now: datetime, rnd: random.Random, mine: dict[str, list[int]]) -> list[dict]:
    """Qualified deals (70% open) spread over the users at random (seeded); each user's open deal
    numbers are added to ``mine``."""
    stages = [s.key for s in config.stages]
    answers = {c.key: c.choices[0].key for c in config.qualification.criteria}  # qualified
    today = date.today()
    rows = []
    for n in numbers:
        owner = rnd.randrange(len(USERS)) + 1
        status = rnd.choices(["open", "won", "lost"], [70, 15, 15])[0]
        account = f"Account {rnd.randrange(2000)}"
        if status == "open":
            mine[USERS[owner - 1]].append(n)
        rows.append(
            {
                "workspace_id": TEAM_ID,
                "number": n,
                "title": f"Deal {n} {rnd.choice(['ERP', 'CRM', 'Cloud', '云迁移', '数据平台'])}",
                "account": account,
                "account_key": account_key(account),  # as the app stores it: the same-account check reads it by index
                "contact": None,
                "amount": Decimal(rnd.randrange(10_000, 5_000_000)),
                "currency": "CNY",
                "stage": rnd.choice(stages),
                "status": status,
                "expected_close": today + timedelta(days=rnd.randrange(-30, 120)) if rnd.random() > 0.1 else None,
                "next_step": "follow up",
                "next_step_due": today + timedelta(days=rnd.randrange(-10, 30)),
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
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--in-flight", type=int, default=1, help="requests sent at once (above 1 also measures a bare Bolt app)")
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=2, help="server processes, for both apps")
    parser.add_argument("--threads", type=int, default=4, help="threads a process, for both apps")
    parser.add_argument(
        "--first", type=int, default=0, help="requests sent to a new server before the measured ones, and reported apart (its workers' first requests)"
    )
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    started = time.perf_counter()
    mine = seed(url, args.deals)
    print(f"seeded {args.deals} deals in {time.perf_counter() - started:.1f}s ({url.split(':')[0]})")
    with FakeSlack() as fake:
        for u in USERS:
            fake.add_user(u, name=u, locale="en-US")
        # fifty people sending hundreds of commands: the per-person limit is measured by bench/abuse.py
        env = server_env(fake.api_url, url, OPPBOT_PERSON_LIMIT="0")
        if args.in_flight > 1:
            bare = [sys.executable, str(ROOT / "bench" / "bare_app.py"), "{port}", str(args.workers), str(args.threads)]  # oppbot web's server set-up
            serve(bare, env, ROOT, "bare Bolt", fake, args, mine)
        oppbot = [str(Path(sys.executable).with_name("oppbot")), "web", "--port", "{port}", "--workers", str(args.workers), "--threads", str(args.threads)]
        serve(oppbot, env, tmp, "oppbot", fake, args, mine)
        if args.in_flight > 1:  # after oppbot, so that its changes (a deal moved, a step logged) are not in oppbot's way
            floor = [sys.executable, str(ROOT / "bench" / "floor_app.py"), "{port}", str(args.workers), str(args.threads)]
            serve(floor, env, ROOT, "raw SQL", fake, args, mine)


def serve(command: list[str], env: dict, cwd, label: str, fake: FakeSlack, args, mine: dict[str, list[int]]) -> None:
    """Start ``command`` (``{port}`` filled in), run the request stream against it, stop it."""
    port = free_port()
    proc = subprocess.Popen([part.format(port=port) for part in command], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc)
        rnd, mix = mix_for(args, mine)
        if args.first:
            run(base, fake, args, rnd, mix, label=f"{label}, its first {args.first} requests", server_pid=proc.pid, count=args.first, prefix="first")
        run(base, fake, args, rnd, mix, label=label, server_pid=proc.pid, count=args.requests, prefix="t")
    finally:
        proc.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_up(base: str, proc) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the server exited") from None
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of ``pid`` and its children, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def mix_for(args, mine: dict[str, list[int]]):
    """The commands, in turn; each user acts on their own deals."""
    rnd = random.Random(11)
    lock = threading.Lock()

    def pick(user: str) -> int:
        with lock:  # the user's own open deal; one of anyone's when they have none (a few deals)
            return rnd.choice(mine[user] or [n for numbers in mine.values() for n in numbers] or [1])

    return rnd, [
        ("show", lambda user: f"show {rnd.randrange(1, args.deals)}"),
        ("list", lambda user: "list"),
        ("list stage", lambda user: "list all stage:proposal"),
        ("list overdue", lambda user: "list team overdue"),
        ("list closing", lambda user: "list all closing:this-month"),
        ("find", lambda user: f"find Account {rnd.randrange(2000)}"),
        ("new", lambda user: f"new Bench deal {rnd.randrange(10**6)} 50万 close 下周五 stage proposal"),
        ("log", lambda user: f"log {pick(user)} called the CFO next send quote by friday"),
        ("move", lambda user: f"move {pick(user)} {rnd.choice(['proposal', 'negotiation', 'contract'])}"),
    ]


def signed_commands(fake: FakeSlack, mix, count: int, prefix: str, user_of) -> list[tuple[str, SignedRequest]]:
    """``count`` signed `/opp` commands of ``mix`` in turn, the i-th from ``user_of(i)``, each with
    a trigger id of its own (``prefix``.i): (kind, request)."""
    slack = SlackRequests(SECRET, team_id=TEAM_ID, team_domain="bench", app_id=APP_ID)
    planned = []
    for i in range(count):
        name, make = mix[i % len(mix)]
        user = user_of(i)
        text = make(user)
        request = slack.command(
            user_id=user,
            user_name=user,
            channel_id="C0BENCH",
            channel_name="bench",
            text=text,
            response_url=fake.response_url(),
            trigger_id=f"{prefix}.{i}",
        )
        planned.append((name, request))
    return planned


def post_command(base: str, signed: SignedRequest) -> tuple[float, str]:
    """Send one signed command to the server at ``base``: milliseconds until its answer, and the answer."""
    request = urllib.request.Request(base + "/slack/events", data=signed.body.encode(), headers=signed.headers, method="POST")
    t0 = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as r:
        answer = r.read().decode()
        assert r.status == 200
    return (time.perf_counter() - t0) * 1000, answer


def run(base: str, fake: FakeSlack, args, rnd, mix, *, label: str, server_pid: int, count: int, prefix: str) -> None:
    plan = signed_commands(fake, mix, count, prefix, lambda i: USERS[i % len(USERS)] if args.in_flight > 1 else rnd.choice(USERS))
    timings: dict[str, list[float]] = {name: [] for name, _ in mix}
    refused = 0

    def send(item) -> tuple[str, float, bool]:
        name, signed = item
        ms, answer = post_command(base, signed)
        return name, ms, "⚠️" in answer and "already in that stage" not in answer

    cpu0 = cpu_seconds(server_pid)
    with ThreadPoolExecutor(max_workers=args.in_flight) as pool:
        for name, ms, bad in pool.map(send, plan):
            timings[name].append(ms)
            refused += bad
    cpu = (cpu_seconds(server_pid) - cpu0) / count * 1000

    def line(name, values):
        values = sorted(values)
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        return f"{name:<14} n={len(values):<4} p50={statistics.median(values):6.1f} ms  p99={p99:6.1f} ms  max={values[-1]:6.1f} ms"

    print(f"{label}: /opp through gunicorn, {args.deals} deals, {count} requests, {args.in_flight} in flight ({refused} answered with an error)")
    if label in ("oppbot", "raw SQL"):
        for name, values in timings.items():
            print(line(name, values))
    print(line("all", [v for vs in timings.values() for v in vs]) + f"  server CPU {cpu:.2f} ms/request")


if __name__ == "__main__":
    main()
