"""Many workspaces at once: Monday 09:00, every digest and alert due, delivered by the task queue.

    .venv/bin/python -m bench.workspaces --workspaces 1000 --deals 50 --workers 1,2,4 [--latency-ms 50]

Seeds ``--workspaces`` workspaces (each installed by OAuth with a bot token of its own, six
members: a manager and five reps, ``--deals`` deals about a quarter of which meet an alert
condition) into a scratch PostgreSQL database of its own on ``--server`` (dropped at the end; or
the empty database ``--database-url`` names, kept). For each worker count it then copies the
seeded database, starts the Web API stand-in in a process of its own (Slack's rate limits per
token, method and channel on the real clock, each call answered after ``--latency-ms``), starts
that many ``oppbot tasks --concurrency 1`` processes on a Redis broker, and plays the scheduler:
scan, send_digests and daily_bundles queued at once, send_outbox every 20 s, each again at its
interval, until every outbox row is sent. The config puts the team's clock at 09:0x local time
on a working day that is the weekly digest's day, with the digests and bundles due on the minute.

Prints, per worker count: the time to drain (first dispatch to last post), messages a second,
the latest digest per workspace (from its due time), the 429s the stand-in answered, and the
check that every outbox key was posted exactly once and none is left unsent.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from bench.common import ROOT, SECRET, empty_database
from bot.core.clock import Clock
from bot.core.config import WEEKDAYS, load_config
from bot.core.runtime import Runtime
from bot.worker.jobs import BY_NAME
from bot.worker.queue import Dispatcher, celery_app
from store.db import make_engine, make_sessions
from store.models import Member, Opportunity, OutboxMessage, QueuedJob, Workspace

CLIENT_ID = "1000.2000"
REPS = 5
FIRST = ("scan", "send_digests", "daily_bundles")  # what falls due at 09:00, queued at once
EVERY = {"send_outbox": 20, "send_digests": 60, "scan": 300, "daily_bundles": 600}  # the scheduler's intervals (bot.worker.jobs)
BATCH = 20_000


# --- the Web API stand-in, in a process of its own ----------------------------------------------


def standin(conn, latency: float) -> None:
    """Serve the stand-in with Slack's limits on the wall clock; answer "report" with what was posted."""
    from bot.console.slack_api import FakeSlack

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the bench, which then asks for the report

    class Slow(FakeSlack):
        def refuse(self, method):
            if latency:
                time.sleep(latency)
            return None

    fake = Slow()
    fake.use_clock(time.time)
    limits = fake.enforce_limits()
    fake.start()
    conn.send(fake.api_url)
    while (command := conn.recv()) != "stop":
        if command == "report":
            posts = [(((c.args.get("metadata") or {}).get("event_payload") or {}).get("key"), c.at) for c in fake.calls("chat.postMessage") if not c.failed]
            calls = Counter(c.method for c in fake.calls())
            conn.send({"posts": posts, "refused": limits.refused, "calls": dict(calls)})
            fake.clear()
    fake.close()


# --- the data --------------------------------------------------------------------------------------


def team(n: int) -> str:
    return f"T{n:06d}"


def seed(engine, config, now: datetime, workspaces: int, deals: int) -> None:
    """Workspaces, their installations, members and deals, in bulk."""
    from bench.scan import deal_row

    stall = {s.key: s.stall_days for s in config.stages}
    cadence = config.qualification.cadence_days
    today = now.astimezone(config.tz).date()
    rnd = random.Random(7)
    member_id = 0
    with engine.begin() as conn:
        conn.execute(insert(Workspace), [{"id": team(w), "next_number": deals + 1, "created_at": now} for w in range(workspaces)])
        members, rows = [], []
        for w in range(workspaces):
            first = member_id + 1
            for i in range(REPS + 1):
                member_id += 1
                members.append(
                    {
                        "id": member_id,
                        "workspace_id": team(w),
                        "slack_user_id": f"U{w:06d}{i}",
                        "display_name": f"u{w}-{i}",
                        "role": "manager" if i == 0 else "ae",
                        "manager_id": None if i == 0 else first,
                        "alert_mode": "bundle" if i == 1 else "each",  # one rep takes the daily bundle
                        "brief_enabled": i == 2,  # one rep takes the morning brief
                        "created_at": now,
                    }
                )
            for n in range(1, deals + 1):
                row = deal_row(rnd, n, is_open=n <= deals * 4 // 5, now=now, today=today, stall=stall, cadence=cadence)
                row.update(workspace_id=team(w), owner_id=first + 1 + rnd.randrange(REPS), creator_id=first, amount=Decimal(rnd.randrange(10_000, 800_000)))
                rows.append(row)
            if len(rows) >= BATCH:
                conn.execute(insert(Member), members)
                conn.execute(insert(Opportunity), rows)
                members, rows = [], []
        if rows:
            conn.execute(insert(Member), members)
            conn.execute(insert(Opportunity), rows)
    store = SQLAlchemyInstallationStore(client_id=CLIENT_ID, engine=engine)
    for w in range(workspaces):
        store.save(
            Installation(app_id="A0BENCH", team_id=team(w), bot_token=f"xoxb-{team(w)}", bot_id=f"B{w:06d}", bot_user_id=f"U0BOT{w:06d}", user_id=f"U{w:06d}0")
        )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def bench_config(directory: Path, now: datetime) -> tuple[Path, datetime]:
    """config.toml with the team's timezone a whole-hour offset where ``now`` is 09:xx, every day a
    working day, today the weekly digest's day, and the digests and bundles due this minute.
    Returns the file and the moment they fell due."""
    offset = (9 - now.hour + 12) % 24 - 12  # UTC+offset puts now at 09:xx
    zone = f"Etc/GMT{-offset:+d}" if offset else "UTC"
    local = now.astimezone(ZoneInfo(zone))
    hhmm = f"{local.hour:02d}:{local.minute:02d}"
    days = '["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'
    source = (ROOT / "config.toml").read_text(encoding="utf-8")
    for key, value in (
        ("timezone", f'"{zone}"'),
        ("daily_time", f'"{hhmm}"'),
        ("brief_time", f'"{hhmm}"'),
        ("bundle_time", f'"{hhmm}"'),
        ("weekly_day", f'"{WEEKDAYS[local.weekday()]}"'),
        ("working_days", days),
    ):
        source = re.sub(rf"(?m)^{key} = [^#\n]*", f"{key} = {value} ", source)
    path = directory / "config.toml"
    path.write_text(source, encoding="utf-8")
    return path, local.replace(second=0, microsecond=0)


# --- one run ---------------------------------------------------------------------------------------


def tasks_env(database_url: str, api_url: str, config: Path, broker: str, queue: str) -> dict[str, str]:
    env = dict(
        os.environ,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET="bench-client-secret",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api_url,
        DATABASE_URL=database_url,
        OPPBOT_CONFIG=str(config),
        OPPBOT_BROKER_URL=broker,
        OPPBOT_TASK_QUEUE=queue,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.pop("SLACK_BOT_TOKEN", None)
    return env


def start_tasks(env: dict[str, str], n: int, logs: Path, concurrency: int = 1) -> list[subprocess.Popen]:
    procs = []
    for i in range(n):
        out = open(logs / f"tasks-{i}.log", "wb")  # noqa: SIM115 - the process writes to it until stopped
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "tasks", "--concurrency", str(concurrency)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 120
    while not all("ready." in (logs / f"tasks-{i}.log").read_text(errors="replace") for i in range(n)):
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            stop(procs)
            raise SystemExit(f"bench: the task processes did not start; see {logs}")
        time.sleep(0.2)
    return procs


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def run(
    database_url: str, config_path: Path, due: datetime, workers: int, broker: str, latency: float, logs: Path, timeout: float, concurrency: int = 1
) -> dict:
    """One drain with ``workers`` task processes; what it measured."""
    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(target=standin, args=(theirs, latency), daemon=True)
    server.start()
    api_url = ours.recv()
    queue = f"oppbot-bench-{secrets.token_hex(4)}"
    engine = make_engine(database_url)
    rt = Runtime(default_config=load_config(config_path), sessions=make_sessions(engine), clock=Clock(), dates=None)
    app = celery_app(broker, queue=queue)
    dispatcher = Dispatcher(rt, app)
    procs = start_tasks(tasks_env(database_url, api_url, config_path, broker, queue), workers, logs, concurrency)
    load = os.getloadavg()[0]
    try:
        started = time.time()
        next_due = dict.fromkeys(EVERY, started)
        first_done = False
        while True:
            now = time.time()
            for name in (*FIRST, "send_outbox"):
                if now >= next_due[name]:
                    dispatcher.dispatch(BY_NAME[name], datetime.fromtimestamp(now, UTC))
                    next_due[name] = now + EVERY[name]
            with rt.sessions() as session:
                waiting = session.scalar(select(func.count()).select_from(QueuedJob).where(QueuedJob.job.in_(FIRST)))
                unsent = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None)))
            first_done = first_done or waiting == 0
            if first_done and unsent == 0:
                break
            if now - started > timeout:
                print(f"  timed out after {timeout:.0f} s with {unsent} rows unsent")
                break
            time.sleep(0.5)
        load = max(load, os.getloadavg()[0])
    finally:
        stop(procs)
        ours.send("report")
        record = ours.recv() if ours.poll(120) else {"posts": [], "refused": 0, "calls": {}}
        ours.send("stop")
        server.join(timeout=10)
    with rt.sessions() as session:
        rows = session.execute(select(OutboxMessage.key, OutboxMessage.kind, OutboxMessage.workspace_id, OutboxMessage.sent_at, OutboxMessage.update_of)).all()
    engine.dispose()
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)
    return measure(rows, record, started, due, workers, load)


def measure(rows, record: dict, started: float, due: datetime, workers: int, load: float) -> dict:
    posted = Counter(key for key, _ in record["posts"])
    at = {key: when for key, when in record["posts"]}
    expected = {row.key for row in rows if row.update_of is None and row.kind != "room_archive"}
    twice = sorted(key for key, n in posted.items() if n > 1)
    lost = sorted(expected - set(posted))
    stray = sorted(set(posted) - expected)
    unsent = sum(1 for row in rows if row.sent_at is None)
    last = max(at.values(), default=started)
    digest_at: dict[str, float] = {}
    for row in rows:
        if row.kind.startswith("digest_") and row.key in at:
            digest_at[row.workspace_id] = max(digest_at.get(row.workspace_id, 0.0), at[row.key])
    latencies = sorted(when - due.timestamp() for when in digest_at.values())
    kinds = Counter(row.kind for row in rows)
    drain = last - started
    return {
        "workers": workers,
        "messages": len(record["posts"]),
        "rows": len(rows),
        "kinds": dict(kinds),
        "drain": drain,
        "rate": len(record["posts"]) / drain if drain > 0 else 0.0,
        "digest_p50": latencies[len(latencies) // 2] if latencies else None,
        "digest_max": latencies[-1] if latencies else None,
        "digest_workspaces": len(digest_at),
        "refused": record["refused"],
        "calls": record["calls"],
        "twice": twice,
        "lost": lost,
        "stray": stray,
        "unsent": unsent,
        "load": load,
    }


# --- the databases ---------------------------------------------------------------------------------


def admin(server: str):
    return make_engine(make_url(server).set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")


def copy_database(server: str, template: str, name: str) -> str:
    with admin(server).connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(server: str, name: str) -> None:
    with admin(server).connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=1000)
    parser.add_argument("--deals", type=int, default=50, help="deals per workspace")
    parser.add_argument("--workers", default="1,2,4", help="the counts of `oppbot tasks` processes to run with, comma-separated")
    parser.add_argument("--concurrency", type=int, default=1, help="tasks each `oppbot tasks` does at once, each in a process of its own (--concurrency)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="how long the stand-in takes to answer each call")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres", help="the PostgreSQL server for the scratch databases")
    parser.add_argument("--database-url", help="seed this empty PostgreSQL database instead of a scratch one (kept)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a run may take")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    work = Path(tempfile.mkdtemp(prefix="oppbot-bench-"))
    now = datetime.now(UTC)
    config_path, due = bench_config(work, now)
    config = load_config(config_path)
    server = args.database_url or args.server
    template = make_url(args.database_url).database if args.database_url else f"oppbot_bench_{secrets.token_hex(4)}"
    made = []
    if not args.database_url:
        with admin(server).connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{template}"'))
        made.append(template)
    try:
        url, engine = empty_database(make_url(server).set(database=template).render_as_string(hide_password=False), "workspaces")
        began = time.perf_counter()
        seed(engine, config, now, args.workspaces, args.deals)
        engine.dispose()
        print(
            f"seeded {args.workspaces:,} workspaces × {args.deals} deals, {REPS + 1} members each, in {time.perf_counter() - began:.0f} s; "
            f"due at {due:%Y-%m-%d %H:%M} {due.tzname()} ({config.timezone}); stand-in latency {args.latency_ms:.0f} ms; {os.cpu_count()} cores"
        )
        results = []
        for n in counts:
            name = f"{template}_w{n}"
            made.append(name)
            copy = copy_database(server, template, name)
            config_path, due = bench_config(work, datetime.now(UTC))  # each run's digests fall due as it starts
            result = run(copy, config_path, due, n, args.broker, args.latency_ms / 1000, work, args.timeout, args.concurrency)
            results.append(result)
            show(result, results[0])
            drop_database(server, name)
            made.remove(name)
        table(results, args)
        return 0 if all(not r["twice"] and not r["lost"] and not r["unsent"] and not r["stray"] for r in results) else 1
    finally:
        for name in made:
            drop_database(server, name)


def show(r: dict, base: dict) -> None:
    print(
        f"{r['workers']} worker(s): {r['messages']:,} posts of {r['rows']:,} rows in {r['drain']:.1f} s = {r['rate']:.1f}/s "
        f"(×{r['rate'] / base['rate']:.2f}); digests due→out p50 {r['digest_p50']:.0f} s, max {r['digest_max']:.0f} s "
        f"over {r['digest_workspaces']:,} workspaces; 429s {r['refused']}; posted twice {len(r['twice'])}, lost {len(r['lost'])}, "
        f"stray {len(r['stray'])}, unsent {r['unsent']}; load {r['load']:.1f}"
    )
    print(f"  rows by kind: {r['kinds']}; calls: {r['calls']}")


def table(results: list[dict], args) -> None:
    print()
    print(
        f"| workers | posts | drain (s) | posts/s | speed-up | digest p50 / max (s) | 429s | twice / lost / unsent | load |  ({args.workspaces:,} × {args.deals}, {args.latency_ms:.0f} ms)"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    base = results[0]["rate"]
    for r in results:
        print(
            f"| {r['workers']} | {r['messages']:,} | {r['drain']:.0f} | {r['rate']:.1f} | ×{r['rate'] / base:.2f} | {r['digest_p50']:.0f} / {r['digest_max']:.0f} "
            f"| {r['refused']} | {len(r['twice'])} / {len(r['lost'])} / {r['unsent']} | {r['load']:.1f} |"
        )


if __name__ == "__main__":
    sys.exit(main())
