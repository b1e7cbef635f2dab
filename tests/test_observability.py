"""Operable: every request has an id that its log lines carry and that a person who hits a failure
is shown as the reference; the counters of /metrics move when requests are answered, when the
database fails and when the worker sends, fails and retries. In-process, through the signed front
door; tests/test_web.py scrapes the real server."""

from __future__ import annotations

import logging
import re

import pytest
from prometheus_client import REGISTRY
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import text

from bot.blocks.kit import message
from bot.core.request_context import RequestIdFilter
from bot.delivery.outbox import enqueue
from bot.observability import count_retries
from bot.worker import Worker
from bot.worker.jobs import send_outbox
from bot.worker.lease import take_lease
from bot.worker.sender import sender_client
from store.models import Opportunity
from tests.conftest import USERS

REF = re.compile(r"error ref ([0-9a-f]{8})")


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def total(name: str) -> float:
    """The sum of the samples called ``name``, whatever their labels."""
    return sum(s.value for family in REGISTRY.collect() for s in family.samples if s.name == name)


def answered_with_id(slack) -> list[dict]:
    """Make ``slack`` keep the headers of each answer (the X-Request-Id), newest last."""
    seen: list[dict] = []
    serve = slack.wsgi

    def keeping(environ, start_response):
        def start(status, headers, exc_info=None):
            seen.append(dict(headers))
            return start_response(status, headers, exc_info)

        return serve(environ, start)

    slack.wsgi = keeping
    return seen


@pytest.fixture
def broken_inserts(rt):
    """From now on, a new deal fails inside the database, as a full disk would."""
    engine = rt.sessions.kw["bind"]
    engine.dispose()
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if pg:
            conn.execute(text("CREATE FUNCTION oppbot_test_broken() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk gone'; END $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER oppbot_test_broken BEFORE INSERT ON opportunities FOR EACH ROW EXECUTE FUNCTION oppbot_test_broken()"))
        else:
            conn.execute(text("CREATE TRIGGER oppbot_test_broken BEFORE INSERT ON opportunities BEGIN SELECT RAISE(ABORT, 'disk gone'); END"))
    yield
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER oppbot_test_broken" + (" ON opportunities" if pg else "")))
        if pg:
            conn.execute(text("DROP FUNCTION oppbot_test_broken()"))


def test_the_reference_of_a_failure_is_the_request_id_every_log_line_carries(slack, db, broken_inserts, caplog):
    caplog.handler.addFilter(RequestIdFilter())
    headers = answered_with_id(slack)
    slack.command("alice", "list")
    first = headers[-1]["X-Request-Id"]
    with caplog.at_level(logging.INFO):
        answer = slack.command("alice", "new Acme 5万")
    request_id = headers[-1]["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{8}", request_id) and request_id != first
    assert REF.search(answer.text).group(1) == request_id
    lines = [r for r in caplog.records if r.name.startswith(("handlers", "bot", "slack_bolt"))]
    assert any(r.exc_info for r in lines), "the failure is logged with its traceback"
    assert {r.request_id for r in lines} == {request_id}
    assert db.count(Opportunity) == 0


def test_log_lines_outside_a_request_say_so(caplog):
    caplog.handler.addFilter(RequestIdFilter())
    logging.getLogger("bot.test").warning("between requests")
    assert caplog.records[-1].request_id == "-"


def test_request_counters_move_by_surface_and_outcome(slack, broken_inserts):
    def count(outcome: str, surface: str = "command") -> float:
        return sample("oppbot_request_seconds_count", surface=surface, outcome=outcome)

    before = {o: count(o) for o in ("ok", "user_error", "internal_error", "rejected")}
    errors = total("oppbot_db_errors_total")  # the error's kind differs by database
    slack.command("alice", "list")
    slack.command("alice", "show 999")
    slack.command("alice", "new Acme 5万")
    slack.command("alice", "list", signature="v0=" + "0" * 64)
    assert count("ok") == before["ok"] + 1
    assert count("user_error") == before["user_error"] + 1
    assert count("internal_error") == before["internal_error"] + 1
    assert count("rejected") == before["rejected"] + 1  # the forged one: refused unread
    assert total("oppbot_db_errors_total") == errors + 1


def test_a_click_is_counted_as_an_action(slack):
    created = slack.command("alice", "new Acme 5万")
    assert "Created #1" in created.text
    before = sample("oppbot_request_seconds_count", surface="action", outcome="ok")
    slack.click("alice", "deal_history", "1")
    assert sample("oppbot_request_seconds_count", surface="action", outcome="ok") == before + 1


def test_the_metrics_page_is_served_in_the_prometheus_format(slack):
    slack.command("alice", "list")
    page = slack.get("/metrics")
    assert page.status == 200
    assert "# TYPE oppbot_request_seconds histogram" in page.body
    assert 'oppbot_request_seconds_count{outcome="ok",surface="command"}' in page.body


# --- the worker ---------------------------------------------------------------------------------


@pytest.fixture
def worker(rt, fake, monkeypatch):
    """A worker holding the lease, with the production client (retries counted), retrying at once."""
    client = count_retries(sender_client("xoxb-test", fake.api_url, retries=2))
    for handler in client.retry_handlers:
        handler.inner.interval_calculator = FixedValueRetryIntervalCalculator(0.0)
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)
    holder = "test-worker"
    assert take_lease(rt, holder, rt.clock.now())
    return Worker(rt=rt, client=client, holder=holder)


def queue(rt, n: int) -> None:
    with rt.transaction() as session:
        for i in range(n):
            enqueue(
                session,
                workspace_id="T0001",
                key=f"metrics:{i}",
                kind="alert",
                channel=USERS["alice"]["user_id"],
                reply=message(f"alert {i}"),
                now=rt.clock.now(),
            )


def test_sends_failures_and_retries_of_the_worker_are_counted(rt, fake, worker, clock):
    sent, failed = sample("oppbot_outbox_sends_total", outcome="sent"), sample("oppbot_outbox_sends_total", outcome="failed")
    limited, runs = sample("oppbot_outbox_sends_total", outcome="rate_limited"), sample("oppbot_worker_job_runs_total", job="send_outbox", outcome="ok")
    retried = sample("oppbot_slack_retries_total", reason="rate_limited")
    server_errors = sample("oppbot_slack_retries_total", reason="server_error")
    queue(rt, 1)
    fake.fail("chat.postMessage", status=429, retry_after=0)  # not repeated: the row waits Retry-After (none), its attempt not counted
    worker.run_job("send_outbox", send_outbox)
    queue(rt, 2)  # the second row now
    fake.fail("chat.postMessage", status=500)  # a post is never repeated blind: this attempt fails
    worker.run_job("send_outbox", send_outbox)
    assert sample("oppbot_outbox_sends_total", outcome="sent") == sent + 1
    assert sample("oppbot_outbox_sends_total", outcome="failed") == failed + 1
    assert sample("oppbot_outbox_sends_total", outcome="rate_limited") == limited + 1
    assert sample("oppbot_slack_retries_total", reason="rate_limited") == retried
    assert sample("oppbot_slack_retries_total", reason="server_error") == server_errors
    assert sample("oppbot_worker_job_runs_total", job="send_outbox", outcome="ok") == runs + 2
