"""`oppbot web` for real: gunicorn in front of Bolt on a local port. A signed /opp new is answered
inside Slack's 3 s on the very first request and the deal stored; a forged one is refused; one
person's flood is told to slow down; /metrics adds up every process's counters and reads the
outbox and the worker lease from the database; the request id is on the log lines and is the
reference a person is shown. `oppbot worker --metrics-port` serves the worker's counters."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from bot.console.signing import SlackRequests
from bot.console.slack_api import TEAM_ID, FakeSlack
from tests.webserver import OPPBOT, SECRET, command, environment, free_port, post, running_web, scrape, signed, total, wait_until_up


@pytest.fixture
def server(tmp_path):
    with running_web(tmp_path) as web:
        yield web


def test_first_command_is_answered_within_slacks_three_seconds(server):
    body = command("new Acme ERP rollout 50万 close 下周五 stage proposal", server.fake)
    started = time.monotonic()
    status, answer, headers = post(server.base, body, signed(body))
    elapsed = time.monotonic() - started
    assert status == 200, answer
    assert "Created #1" in answer
    assert re.fullmatch(r"[0-9a-f]{8}", headers["X-Request-Id"])
    assert elapsed < 3.0, f"first request took {elapsed:.2f}s"
    with sqlite3.connect(server.db_path) as conn:
        assert conn.execute("select title, amount, stage from opportunities").fetchall() == [("Acme ERP rollout", 500000, "proposal")]


def test_the_work_after_an_answer_is_done_once_the_answer_is_sent(server):
    """The server's thread answers, then keeps the answer for copies of the request: the copy
    Slack may send is answered as the first was, and nothing is created twice."""
    body = command("new Kept answer 5万", server.fake)
    status, first, _ = post(server.base, body, signed(body))
    assert status == 200 and "Created #1" in first
    deadline = time.monotonic() + 5
    kept = None
    while kept is None and time.monotonic() < deadline:  # written by the server after its answer
        with sqlite3.connect(server.db_path) as conn:
            kept = conn.execute("select answer from processed_requests").fetchone()[0]
    assert kept is not None and "Created #1" in kept
    status, again, _ = post(server.base, body, signed(body))  # Slack's copy of the same command
    assert status == 200 and again == first
    with sqlite3.connect(server.db_path) as conn:
        assert conn.execute("select count(*) from opportunities").fetchone() == (1,)


def test_a_home_open_in_the_server_is_redrawn_after_a_change(server):
    """Whose Home tabs show a change is looked up after the answer, and their drawing goes to the
    pool that calls Slack: the Home alice opened is published again once she creates a deal."""
    opened = SlackRequests(SECRET, team_id=TEAM_ID, team_domain="fake", app_id="A0001").event(
        {"type": "app_home_opened", "user": "U0ALICE", "tab": "home"}, event_id="Ev0HOME", event_time=int(time.time())
    )
    assert post(server.base, opened.body, opened.headers)[0] == 200
    server.fake.wait_for("views.publish", count=1, timeout=10)
    body = command("new Redrawn 5万", server.fake)
    assert "Created #1" in post(server.base, body, signed(body))[1]
    published = server.fake.wait_for("views.publish", count=2, timeout=10)
    assert "Total: 0" in json.dumps(published[0].args["view"], ensure_ascii=False)
    assert "Total: 1 · ¥50k" in json.dumps(published[-1].args["view"], ensure_ascii=False)


def test_forged_request_is_refused(server):
    body = command("new Forged 5万", server.fake)
    status, _, _ = post(server.base, body, signed(body, secret="not-the-secret"))
    assert status == 401
    with sqlite3.connect(server.db_path) as conn:
        assert conn.execute("select count(*) from opportunities").fetchone() == (0,)


def test_one_person_flooding_is_told_to_slow_down_in_their_language(server):
    answers = []
    for i in range(11):  # the limit is 10 in 10 seconds; these take well under a second
        body = command(f"new Flood {i} 5万", server.fake, user="U0LI", name="li")
        answers.append(post(server.base, body, signed(body))[1])
    assert not any("请慢一点" in a for a in answers[:10])
    assert "请慢一点" in answers[10] and "什么都没有修改" in answers[10]
    with sqlite3.connect(server.db_path) as conn:
        assert conn.execute("select count(*) from opportunities").fetchone() == (10,)


def test_a_failure_shows_the_request_id_its_log_lines_carry(tmp_path):
    with running_web(tmp_path, env={"LOG_LEVEL": "INFO"}) as web:
        with sqlite3.connect(web.db_path) as conn:
            conn.execute("create trigger broken before insert on opportunities begin select raise(abort, 'disk gone'); end")
        body = command("new Acme 5万", web.fake)
        status, answer, headers = post(web.base, body, signed(body))
    assert status == 200 and "Traceback" not in answer
    request_id = headers["X-Request-Id"]
    assert f"error ref {request_id}" in answer
    logged = web.output()
    assert re.search(rf"ERROR handlers\.errors \[{request_id}\]: command failed \(ref {request_id}\)", logged), logged[-2000:]
    assert f"id={request_id}" in logged  # the access log line


def test_metrics_add_up_every_process_and_read_the_database(tmp_path):
    with running_web(tmp_path, "--workers", "2") as web:
        for i in range(6):
            body = command(f"new Deal {i} 5万", web.fake)
            assert "Created" in post(web.base, body, signed(body))[1]
        body = command("show 999", web.fake)
        post(web.base, body, signed(body))
        now = datetime.now(UTC)
        with sqlite3.connect(web.db_path) as conn:
            conn.execute(
                "insert into outbox (workspace_id, key, kind, channel, text, created_at, next_attempt_at, attempts) values (?, ?, ?, ?, ?, ?, ?, 0)",
                ("T0001", "stuck", "alert", "U0ALICE", "stuck", fmt(now - timedelta(minutes=10)), fmt(now)),
            )
            conn.execute("insert into leases (name, holder, expires_at) values ('worker', 'host:42:abc', ?)", (fmt(now + timedelta(seconds=25)),))
        scrapes = [scrape(web.base + "/metrics") for _ in range(4)]  # whichever process answers
    for samples in scrapes:
        assert total(samples, "oppbot_request_seconds_count", surface="command", outcome="ok") == 6
        assert total(samples, "oppbot_request_seconds_count", surface="command", outcome="user_error") == 1
        assert total(samples, "oppbot_outbox_unsent") == 1
        assert 600 <= total(samples, "oppbot_outbox_oldest_unsent_age_seconds") < 700
        assert total(samples, "oppbot_worker_lease_holder", holder="host:42:abc") == 1
        tick = total(samples, "oppbot_worker_last_tick_timestamp_seconds")
        assert abs(tick - (now - timedelta(seconds=15)).timestamp()) < 2  # renewed for 40 s, 25 s left


def fmt(at: datetime) -> str:
    """A timestamp as the app stores it in SQLite (naive UTC)."""
    return at.replace(tzinfo=None).isoformat(sep=" ")


def test_the_worker_serves_its_own_metrics(tmp_path):
    port = free_port()
    with FakeSlack() as fake:
        proc = subprocess.Popen(
            [str(OPPBOT), "worker", "--metrics-port", str(port)],
            env=environment(tmp_path, fake),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/metrics", proc)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                page = r.read().decode()
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    for name in ("oppbot_outbox_sends_total", "oppbot_slack_retries_total", "oppbot_worker_job_runs_total", "oppbot_db_errors_total"):
        assert f"# TYPE {name} counter" in page
    assert "process_cpu_seconds_total" in page  # one process serving its own, not the web's files
