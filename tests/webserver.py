"""`oppbot web` (or `oppbot worker`) as a real subprocess on a local port, for the tests that need
the real HTTP server: gunicorn in front, signed requests from outside, /metrics scraped as
Prometheus would. One helper for starting it, signing for it and posting to it."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urlencode

from prometheus_client.parser import text_string_to_metric_families

from bot.console.signing import SlackRequests
from bot.console.slack_api import TEAM_ID, FakeSlack

ROOT = Path(__file__).resolve().parent.parent
SECRET = "web-test-secret"
OPPBOT = Path(sys.executable).with_name("oppbot")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Web:
    """A running `oppbot web`: its base URL, database, the fake Slack it talks to, its output."""

    base: str
    port: int
    db_path: Path
    fake: FakeSlack
    proc: subprocess.Popen

    def output(self) -> str:
        """Everything the server printed (call after it has stopped)."""
        return self.proc.stdout.read().decode(errors="replace") if self.proc.stdout else ""


def environment(tmp_path: Path, fake: FakeSlack, **extra: str) -> dict:
    env = dict(
        os.environ,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=f"sqlite:///{tmp_path}/web.db",
        OPPBOT_CONFIG=str(ROOT / "config.toml"),
        LOG_LEVEL="WARNING",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return {**env, **extra}


def wait_until_up(url: str, proc: subprocess.Popen, *, seconds: float = 30) -> None:
    """Poll ``url`` until it answers 200 (start-up: migrations, dateparser warm-up), bounded."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"{url} did not come up:\n" + proc.stdout.read().decode(errors="replace"))
        time.sleep(0.1)


@contextmanager
def running_web(tmp_path: Path, *args: str, env: dict | None = None) -> Iterator[Web]:
    """`oppbot web --port P --workers 1 [args]`, with a fake Slack knowing alice (en) and li (zh)."""
    with FakeSlack() as fake:
        fake.add_user("U0ALICE", name="alice", locale="en-US")
        fake.add_user("U0LI", name="li", locale="zh-CN")
        port = free_port()
        proc = subprocess.Popen(
            [str(OPPBOT), "web", "--port", str(port), "--workers", "1", *args],
            env=environment(tmp_path, fake, **(env or {})),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/healthz", proc)
        try:
            yield Web(base, port, tmp_path / "web.db", fake, proc)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def signed(body: str, secret: str = SECRET) -> dict:
    """Slack's headers for ``body``, from the one request signer the console and benchmarks use."""
    return SlackRequests(secret, team_id=TEAM_ID, team_domain="fake", app_id="A0001").sign(body).headers


def post(base: str, body: str, headers: dict, *, timeout: float = 5) -> tuple[int, str, Message]:
    """POST to /slack/events: (status, body, headers; their names in any case)."""
    request = urllib.request.Request(base + "/slack/events", data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), err.headers


TRIGGERS = itertools.count(1)


def command(text: str, fake: FakeSlack, *, user: str = "U0ALICE", name: str = "alice") -> str:
    return urlencode(
        {
            "team_id": TEAM_ID,
            "channel_id": "C0SALES",
            "user_id": user,
            "user_name": name,
            "command": "/opp",
            "text": text,
            "response_url": fake.response_url(),
            "trigger_id": f"t.{next(TRIGGERS)}",  # each command its own, as Slack gives (a repeat is a replay)
        }
    )


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    """GET a /metrics page and parse it as Prometheus does: {(sample name, sorted labels): value}."""
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/plain")
        page = r.read().decode()
    samples = {}
    for family in text_string_to_metric_families(page):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def total(samples: dict, name: str, **labels: str) -> float:
    """The sum of the samples called ``name`` whose labels include ``labels``."""
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls))
