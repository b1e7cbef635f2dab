"""`/opp list`, `show` and `find` at 1,000,000 deals, through the app as Slack calls it (signed
requests into the WSGI app, in process, one at a time), on SQLite or PostgreSQL.

    .venv/bin/python bench/lists.py [--deals 1000000] [--requests 200] [--database-url URL]

Targets: list under 10 ms, show under 5 ms, find under 50 ms (p50). Not part of the test run.
"""

from __future__ import annotations

import argparse
import io
import itertools
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.commands import SECRET, USERS, seed  # noqa: E402
from bot.app import build_runtime, create_app, web_client  # noqa: E402
from bot.clients import InlineExecutor  # noqa: E402
from bot.console.signing import SlackRequests  # noqa: E402
from bot.console.slack_api import APP_ID, TEAM_ID, FakeSlack  # noqa: E402
from bot.core.config import Settings  # noqa: E402
from bot.web import wsgi_app  # noqa: E402

TARGETS = {"list": 10, "show": 5, "find": 50}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/lists.db"
    started = time.perf_counter()
    seed(url, args.deals)
    print(f"seeded {args.deals} deals in {time.perf_counter() - started:.0f}s ({url.split(':')[0]})")
    logging.disable(logging.WARNING)
    with FakeSlack() as fake:
        for u in USERS:
            fake.add_user(u, name=u, locale="en-US")
        settings = Settings(
            bot_token="xoxb-bench", signing_secret=SECRET, app_token=None, database_url=url, slack_api_url=fake.api_url, config_path=str(ROOT / "config.toml")
        )
        rt = build_runtime(settings)
        app = wsgi_app(create_app(rt, settings, client=web_client(settings), after_answer=InlineExecutor()), rt)
        call = caller(app, SlackRequests(SECRET, team_id=TEAM_ID, team_domain="bench", app_id=APP_ID), fake)
        rnd = random.Random(5)
        texts = {
            "list": lambda: "list",
            "show": lambda: f"show {rnd.randrange(1, args.deals)}",
            "find": lambda: f"find {rnd.randrange(1, args.deals)}",  # a number in a title, as a name is in a few
        }
        for user in USERS:  # members known, caches warm
            call(user, "list")
        print(f"in process, {args.requests} requests each:")
        for name, make in texts.items():
            times = sorted(call(USERS[i % len(USERS)], make()) for i in range(args.requests))
            p50, p99 = statistics.median(times), times[int(len(times) * 0.99) - 1]
            print(f"{name:<5} p50={p50:7.2f} ms  p99={p99:7.2f} ms  (target p50 < {TARGETS[name]} ms: {'ok' if p50 < TARGETS[name] else 'MISSED'})")


def caller(app, slack: SlackRequests, fake: FakeSlack):
    sent = itertools.count()

    def call(user: str, text: str) -> float:
        # a trigger id of its own: requests with the same one are copies, answered from the first
        signed = slack.command(
            user_id=user, user_name=user, channel_id="C0BENCH", channel_name="bench", text=text, response_url=fake.response_url(), trigger_id=f"t.{next(sent)}"
        )
        body = signed.body.encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "QUERY_STRING": "",
            "CONTENT_TYPE": signed.headers["content-type"],
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "SERVER_NAME": "bench",
            "SERVER_PORT": "0",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in signed.headers.items()},
        }
        t0 = time.perf_counter()
        out = b"".join(app(environ, lambda *_: None))
        elapsed = (time.perf_counter() - t0) * 1000
        if b"went wrong" in out:
            raise SystemExit(f"{text!r} failed: {out[:200]!r}")
        return elapsed

    return call


if __name__ == "__main__":
    main()
