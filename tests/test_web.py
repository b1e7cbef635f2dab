"""`oppbot web` for real: gunicorn + Bolt's WSGI adapter on a local port, a signed /opp new
answered inside Slack's 3 s on the very first request, and the deal stored."""

import itertools
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.console.signing import SlackRequests
from bot.console.slack_api import TEAM_ID, FakeSlack

ROOT = Path(__file__).resolve().parent.parent
SECRET = "web-test-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    with FakeSlack() as fake:
        fake.add_user("U0ALICE", name="alice", locale="en-US")
        port = free_port()
        env = dict(
            os.environ,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.api_url,
            DATABASE_URL=f"sqlite:///{tmp_path}/web.db",
            OPPBOT_CONFIG=str(ROOT / "config.toml"),
            LOG_LEVEL="WARNING",
        )
        oppbot = Path(sys.executable).with_name("oppbot")
        proc = subprocess.Popen(
            [str(oppbot), "web", "--port", str(port), "--workers", "1"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:  # wait for the port to answer (start-up: migrations, dateparser warm-up)
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                    assert r.status == 200 and r.read() == b"ok\n"
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise AssertionError("oppbot web did not start:\n" + proc.stdout.read().decode()) from None
                time.sleep(0.1)
        try:
            yield base, tmp_path / "web.db", fake
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def signed(body: str, secret: str = SECRET) -> dict:
    """Slack's headers for ``body``, from the one request signer the console and benchmarks use."""
    return SlackRequests(secret, team_id=TEAM_ID, team_domain="fake", app_id="A0001").sign(body).headers


def post(base: str, body: str, headers: dict):
    request = urllib.request.Request(base + "/slack/events", data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


TRIGGERS = itertools.count(1)


def command(text: str, fake) -> str:
    return urlencode(
        {
            "team_id": TEAM_ID,
            "channel_id": "C0SALES",
            "user_id": "U0ALICE",
            "user_name": "alice",
            "command": "/opp",
            "text": text,
            "response_url": fake.response_url(),
            "trigger_id": f"t.{next(TRIGGERS)}",  # each command its own, as Slack gives (a repeat is a replay)
        }
    )


def test_first_command_is_answered_within_slacks_three_seconds(server):
    base, db_path, fake = server
    body = command("new Acme ERP rollout 50万 close 下周五 stage proposal", fake)
    started = time.monotonic()
    status, answer = post(base, body, signed(body))
    elapsed = time.monotonic() - started
    assert status == 200, answer
    assert "Created #1" in answer
    assert elapsed < 3.0, f"first request took {elapsed:.2f}s"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select title, amount, stage from opportunities").fetchall() == [("Acme ERP rollout", 500000, "proposal")]


def test_forged_request_is_refused(server):
    base, db_path, fake = server
    body = command("new Forged 5万", fake)
    status, _ = post(base, body, signed(body, secret="not-the-secret"))
    assert status == 401
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from opportunities").fetchone() == (0,)
