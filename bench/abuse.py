"""`oppbot web` under abuse, through its real socket on 127.0.0.1: slow clients, a flood of
concurrent commands, a huge body. Prints how long Slack's signed requests took meanwhile.

    .venv/bin/python bench/abuse.py [--postgres URL] [--workers 2] [--threads 4] [--code DIR]

--postgres runs on a scratch database created on that server (dropped at the end), else SQLite.
--code runs the oppbot of another checkout (e.g. an older commit, `git archive` into DIR) to
compare. Every step is bounded: sockets time out, at most --signed requests per step.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import SECRET, server_env  # noqa: E402
from bot.console.signing import SlackRequests  # noqa: E402
from bot.console.slack_api import APP_ID, TEAM_ID, FakeSlack  # noqa: E402
from tests.scratchdb import scratch_database  # noqa: E402

TIMEOUT = 5.0
# what an answer says -> how it is counted (English and Chinese)
ANSWERS = (("Created", "created"), ("已创建", "created"), ("Slow down", "slow down"), ("请慢一点", "slow down"), ("too busy", "busy"), ("太忙", "busy"))
ANSWERS += (("went wrong", "internal error"), ("出错了", "internal error"))


def start(args, fake: FakeSlack, url: str, port: int, tmp: str) -> subprocess.Popen:
    env = server_env(fake.api_url, url)
    if args.code:
        env["PYTHONPATH"] = args.code
        command = [sys.executable, "-m", "bot.cli"]
    else:
        command = [str(Path(sys.executable).with_name("oppbot"))]
    command += ["web", "--port", str(port), "--workers", str(args.workers), "--threads", str(args.threads)]
    proc = subprocess.Popen(command, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("oppbot web exited") from None
            time.sleep(0.1)
    raise SystemExit("oppbot web did not start")


def send(port: int, signed) -> tuple[float, str]:
    """(seconds, what came back) for one signed request; a timeout is ``TIMEOUT`` and 'timeout'."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=signed.body.encode(), headers=signed.headers, method="POST")
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as r:
            answer = r.read().decode()
    except urllib.error.HTTPError as err:
        answer = f"http {err.code}"
    except OSError:
        return TIMEOUT, "timeout"
    took = time.perf_counter() - t0
    for word, kind in ANSWERS:
        if word in answer:
            return took, kind
    return took, "answered" if answer.startswith("{") else answer[:40]


def summary(label: str, results: list[tuple[float, str]]) -> str:
    times = sorted(t for t, _ in results)
    p95 = times[min(len(times) - 1, int(round(len(times) * 0.95)) - 1)]
    kinds: dict[str, int] = {}
    for _, kind in results:
        kinds[kind] = kinds.get(kind, 0) + 1
    answers = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    return f"{label:<34} p50={statistics.median(times):5.2f}s p95={p95:5.2f}s max={times[-1]:5.2f}s  ({answers})"


def slow_clients(port: int, slack: SlackRequests, fake: FakeSlack, count: int, signed: int) -> str:
    """``count`` connections promising 100 kB and stalling after 3 bytes; then ``signed`` requests."""
    with ExitStack() as stack:
        for _ in range(count):
            s = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=3))
            s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nabc")
        results = [send(port, command(slack, fake, "U0000001", f"show {i + 1}")) for i in range(signed)]
    return summary(f"{count} slow clients, {signed} signed", results)


def flood(port: int, slack: SlackRequests, fake: FakeSlack, count: int, *, one_user: bool) -> str:
    users = ["U0FLOOD"] * count if one_user else [f"U{i:07d}" for i in range(100, 100 + count)]
    requests = [command(slack, fake, u, f"new Flood deal {i} 50万 close 下周五 stage proposal") for i, u in enumerate(users)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(lambda r: send(port, r), requests))
    return summary(f"{count} /opp new at once, {'one user' if one_user else f'{count} users'}", results)


def huge(port: int) -> str:
    t0 = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200000000\r\n\r\n{")
        try:
            line = s.recv(100).split(b"\r\n")[0].decode()
        except OSError:
            line = "timeout"
    return f"{'200 MB Content-Length, unsigned':<34} {line} after {time.perf_counter() - t0:.2f}s"


def command(slack: SlackRequests, fake: FakeSlack, user: str, text: str):
    return slack.command(user_id=user, user_name=user, channel_id="C0BENCH", channel_name="bench", text=text, response_url=fake.response_url(), trigger_id="t")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a scratch database is made on it")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--signed", type=int, default=10, help="signed requests sent while slow clients hang")
    parser.add_argument("--flood", type=int, default=50, help="concurrent /opp new in the flood steps")
    parser.add_argument("--code", help="a checkout whose oppbot to run instead of this one")
    parser.add_argument("--flood-only", action="store_true", help="only the flood steps")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    with scratch_database(args.postgres) if args.postgres else nullcontext(f"sqlite:///{tmp}/abuse.db") as url, FakeSlack() as fake:
        fake.add_user("U0FLOOD", name="flood", locale="en-US")
        for i in range(100, 100 + args.flood):
            fake.add_user(f"U{i:07d}", name=f"u{i}", locale="en-US")
        port = socket.create_server(("127.0.0.1", 0)).getsockname()[1]
        proc = start(args, fake, url, port, tmp)
        slack = SlackRequests(SECRET, team_id=TEAM_ID, team_domain="bench", app_id=APP_ID)
        print(f"oppbot web --workers {args.workers} --threads {args.threads} on {url.split(':')[0]} ({args.code or 'this checkout'})")
        try:
            send(port, command(slack, fake, "U0000001", "new Warm-up 5万"))
            print(flood(port, slack, fake, args.flood, one_user=False))
            print(flood(port, slack, fake, args.flood, one_user=True))
            if args.flood_only:
                return
            print(slow_clients(port, slack, fake, 50, args.signed))
            print(slow_clients(port, slack, fake, 300, args.signed))
            print(huge(port))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
