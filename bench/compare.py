"""Two versions of oppbot side by side: server CPU a request of each, on the same requests at the same moments.

    .venv/bin/python bench/compare.py CHECKOUT_A CHECKOUT_B [--requests 1500] [--first 300] [--in-flight 10]
        [--workers 2] [--threads 4] [--threads-b N] [--deals 10000]

The machine's speed can swing by a third between runs minutes apart (bare Bolt's CPU a request
0.58-0.85 ms within one hour), more than most changes move it, so two versions measured one after
the other cannot be told apart. Here both run at once: `oppbot web` from each checkout (a git
worktree, say; its code is put first on the path), each on its own copy of the same seeded SQLite
file, and every request of bench/commands.py's mix is sent to both, in a random order, each server
with ``--in-flight`` requests at a time. Both see the same load and the same swings; the same
checkout against itself differs by less than 0.1 ms. ``--threads-b`` runs B with another number of
threads a process. After ``--first``
requests to warm both, prints each server's CPU a request (user + system, its processes) and p50 /
p99. Not part of the tests.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.commands import USERS, cpu_seconds, free_port, mix_for, post_command, seed, signed_commands, wait_until_up  # noqa: E402
from bench.common import server_env  # noqa: E402
from bot.console.slack_api import FakeSlack  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("a", help="a checkout of oppbot")
    parser.add_argument("b", help="another checkout (or the same, to see the noise)")
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--first", type=int, default=300, help="requests sent to warm both servers, not measured")
    parser.add_argument("--in-flight", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--threads-b", type=int, help="threads a process for B (default: --threads)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp())
    mine = seed(f"sqlite:///{tmp}/a.db", args.deals)
    shutil.copy(tmp / "a.db", tmp / "b.db")
    oppbot = str(Path(sys.executable).with_name("oppbot"))
    with FakeSlack() as fake:
        for u in USERS:
            fake.add_user(u, name=u, locale="en-US")
        servers = {}
        for side, checkout, threads in (("A", args.a, args.threads), ("B", args.b, args.threads_b or args.threads)):
            env = server_env(fake.api_url, f"sqlite:///{tmp}/{side.lower()}.db", OPPBOT_PERSON_LIMIT="0", PYTHONPATH=str(Path(checkout).resolve()))
            port = free_port()
            command = [oppbot, "web", "--port", str(port), "--workers", str(args.workers), "--threads", str(threads)]
            proc = subprocess.Popen(command, env=env, cwd=tempfile.mkdtemp(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            servers[side] = (proc, f"http://127.0.0.1:{port}", checkout, threads)
        try:
            for proc, base, _, _ in servers.values():
                wait_until_up(base, proc)
            measure(servers, fake, args, mine)
        finally:
            for proc, _, _, _ in servers.values():
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=10)


def measure(servers: dict, fake: FakeSlack, args, mine: dict[str, list[int]]) -> None:
    _, mix = mix_for(args, mine)
    order = random.Random(3)

    def plan(count: int, prefix: str) -> list:
        return [signed for _, signed in signed_commands(fake, mix, count, prefix, lambda i: USERS[i % len(USERS)])]

    def send(base: str, signed) -> float:
        return post_command(base, signed)[0]

    def to_both(planned: list) -> list[tuple[str, object]]:
        """Each request for A and for B, side by side in a random order (each database holds its
        own deals: the same request is new to both)."""
        pairs = []
        for signed in planned:
            sides = ["A", "B"]
            order.shuffle(sides)
            pairs += [(side, signed) for side in sides]
        return pairs

    def run(pairs: list) -> list[tuple[str, float]]:
        # twice ``--in-flight`` senders for the two servers: each has about ``--in-flight`` at a time
        with ThreadPoolExecutor(max_workers=2 * args.in_flight) as pool:
            return list(pool.map(lambda pair: (pair[0], send(servers[pair[0]][1], pair[1])), pairs))

    run(to_both(plan(args.first, "warm")))
    cpu0 = {side: cpu_seconds(proc.pid) for side, (proc, _, _, _) in servers.items()}
    latencies: dict[str, list[float]] = {"A": [], "B": []}
    for side, ms in run(to_both(plan(args.requests, "t"))):
        latencies[side].append(ms)
    print(f"{args.requests} requests to each, {args.in_flight} in flight, {args.deals} deals, SQLite, {args.workers} processes")
    for side, (proc, _, checkout, threads) in servers.items():
        cpu = (cpu_seconds(proc.pid) - cpu0[side]) / args.requests * 1000
        values = sorted(latencies[side])
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(f"{side} {checkout} ({threads} threads): server CPU {cpu:.2f} ms/request  p50 {values[len(values) // 2]:.1f} ms  p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
