"""The task queue on a real broker (Redis and RabbitMQ at 127.0.0.1): the scheduler queues one task
per workspace and job and no second while the first waits; queue workers (Celery, in this process
and as `oppbot tasks` processes) do the work; a worker killed in the middle of a post has its task
done again by another, and every message reaches Slack once. Each test uses a queue of its own,
deleted at the end. A broker that is not reachable skips its tests, except on CI (CI=true)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.blocks.kit import message
from bot.core.clock import FixedClock
from bot.delivery.outbox import enqueue
from bot.worker import Worker
from bot.worker.jobs import BY_NAME
from bot.worker.lease import take_lease
from bot.worker.queue import Dispatcher, TaskContext, celery_app, serve_tasks
from bot.worker.sender import sender_client
from store.models import OutboxMessage, QueuedJob, Workspace
from tests.webserver import OPPBOT, ROOT

BROKERS = {
    "redis": os.environ.get("OPPBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "rabbitmq": os.environ.get("OPPBOT_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}
TEAMS = ("T0QA", "T0QB", "T0QC")
VISIBILITY = 2  # seconds: the `oppbot tasks` processes' visibility timeout on Redis


def reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or {"redis": 6379, "amqp": 5672}[parts.scheme]), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=sorted(BROKERS))
def broker(request):
    """(broker URL, a queue name of this test's own); the queue is deleted afterwards."""
    url = BROKERS[request.param]
    if not reachable(url):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but no {request.param} broker answers at {url}")
        pytest.skip(f"no {request.param} broker at {url} (set OPPBOT_TEST_REDIS_URL / OPPBOT_TEST_AMQP_URL)")
    queue = f"oppbot-test-{uuid.uuid4().hex[:8]}"
    yield url, queue
    from kombu import Connection

    with Connection(url) as connection, contextlib.suppress(Exception):  # never declared: nothing to delete
        connection.default_channel.queue_delete(queue)


@pytest.fixture
def clock():
    """Now, to the second: the `oppbot tasks` processes read the real clock, and the rows the test
    queues must be due for them."""
    return FixedClock(datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5))


def workspaces(rt, *teams: str) -> None:
    with rt.transaction() as session:
        for team in teams:
            session.add(Workspace(id=team, next_number=1, created_at=rt.clock.now()))


def queue_dms(rt, team: str, n: int) -> list[str]:
    keys = [f"q:{team}:{i}" for i in range(n)]
    with rt.transaction() as session:
        for key in keys:
            enqueue(session, workspace_id=team, key=key, kind="alert", channel="U0ALICE", reply=message(f"alert {key}"), now=rt.clock.now())
    return keys


def posted(fake) -> Counter:
    """How many times each outbox key is in the conversations: what people see."""
    return Counter(((c.args.get("metadata") or {}).get("event_payload") or {}).get("key") for c in fake.calls("chat.postMessage") if not c.failed)


def queued(rt) -> list[tuple[str, str]]:
    with rt.sessions() as session:
        return sorted((job, team) for job, team in session.execute(select(QueuedJob.job, QueuedJob.workspace_id)))


def unsent(rt) -> list[str]:
    with rt.sessions() as session:
        return list(session.scalars(select(OutboxMessage.key).where(OutboxMessage.sent_at.is_(None))))


def test_the_scheduler_queues_one_task_per_workspace_and_none_while_it_waits(rt, fake, broker):
    """Through the scheduler's front door (the lease holder's job run): three workspaces, three
    tasks on the broker; run again before a worker took them, none more; one done, one again."""
    url, name = broker
    workspaces(rt, *TEAMS)
    app = celery_app(url, queue=name)
    worker = Worker(rt, sender_client("xoxb-test", fake.api_url, retries=0), "scheduler", dispatcher=Dispatcher(rt, app))
    assert take_lease(rt, "scheduler", rt.clock.now())
    worker.run_job("send_outbox")
    worker.run_job("send_outbox")
    assert queued(rt) == [("send_outbox", team) for team in TEAMS]
    with app.connection_for_read() as connection:
        waiting = connection.default_channel.queue_declare(name, passive=True).message_count
    assert waiting == 3

    worker.run_job("forget_requests")  # a deployment-wide job: one task, for no workspace
    assert ("forget_requests", "") in queued(rt)


def test_queue_workers_deliver_every_workspaces_messages_once(rt, fake, broker):
    """A Celery worker (in this process, on the real broker) takes the tasks the scheduler queued:
    every workspace's rows go out once, each with its workspace's task, and the queue is clear."""
    from celery.contrib.testing.worker import start_worker

    url, name = broker
    workspaces(rt, *TEAMS)
    keys = [key for team in TEAMS for key in queue_dms(rt, team, 4)]
    client = sender_client("xoxb-test", fake.api_url, retries=0)
    app = celery_app(url, queue=name)
    serve_tasks(TaskContext(rt, client))
    root = logging.getLogger().level  # the worker sets the root logger's level; the next tests read warnings
    try:
        assert Dispatcher(rt, app).dispatch(BY_NAME["send_outbox"], rt.clock.now()) == 3
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            deadline = time.monotonic() + 30
            while (unsent(rt) or queued(rt)) and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        serve_tasks(None)
        logging.getLogger().setLevel(root)
    assert unsent(rt) == [] and queued(rt) == []
    assert posted(fake) == Counter(keys)
    with rt.sessions() as session:
        claimants = {key: by for key, by in session.execute(select(OutboxMessage.key, OutboxMessage.claimed_by))}
    assert {claimants[key].split(":")[:2] == ["send_outbox", key.split(":")[1]] for key in keys} == {True}


def tasks_process(rt, fake, url: str, name: str, tmp_path, label: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=fake.api_url,
        DATABASE_URL=rt.sessions.kw["bind"].url.render_as_string(hide_password=False),
        OPPBOT_CONFIG=str(ROOT / "config.toml"),
        OPPBOT_BROKER_URL=url,
        OPPBOT_TASK_QUEUE=name,
        OPPBOT_TASK_VISIBILITY_TIMEOUT=str(VISIBILITY),  # Redis hands a dead worker's task on after this
        LOG_LEVEL="INFO",
    )
    log = open(tmp_path / f"{label}.log", "wb")  # noqa: SIM115 - the process writes to it until killed
    return subprocess.Popen([str(OPPBOT), "tasks"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path, start_new_session=True)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what}")
        time.sleep(0.1)


def redelivery_due(url: str, queue: str) -> bool:
    """Whether a worker starting now gets the dead worker's task from ``queue``. RabbitMQ requeues
    it the moment the connection drops. Redis keeps it as unacknowledged until the visibility
    timeout passes, and a worker looks for such tasks when it starts and then only every 100 s
    (kombu's Redis transport: a check every 10 s that acts on every tenth call)."""
    if not url.startswith("redis"):
        return True
    import redis

    client = redis.Redis.from_url(url)
    try:
        for tag, delivered in client.zrange("unacked_index", 0, -1, withscores=True):
            payload = client.hget("unacked", tag)
            if payload and json.loads(payload)[2] == queue:  # (message, exchange, routing key)
                return delivered < time.time() - VISIBILITY
        return False
    finally:
        client.close()


def test_a_worker_killed_in_the_middle_of_a_post_has_its_task_done_by_another_and_nothing_twice(rt, fake, broker, tmp_path):
    """`oppbot tasks` A takes the workspace's delivery; Slack has carried out its first post but A
    dies before the answer comes (kill -9). The broker hands the task to B, which takes the dead
    task's rows back at once, finds the first post in the conversation by its key, and posts the
    rest: five messages, each once; nothing left claimed or queued."""
    url, name = broker
    workspaces(rt, "T0QA")
    keys = queue_dms(rt, "T0QA", 5)
    held = fake.hold("chat.postMessage")
    first = tasks_process(rt, fake, url, name, tmp_path, "a")
    second = None
    try:
        assert Dispatcher(rt, celery_app(url, queue=name)).dispatch(BY_NAME["send_outbox"], rt.clock.now()) == 1
        held.wait_arrived(timeout=60)  # A posted the first message; Slack keeps its answer
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        held.release()
        wait_until(lambda: redelivery_due(url, name), 30, "the dead worker's task to be due again on the broker")
        second = tasks_process(rt, fake, url, name, tmp_path, "b")
        wait_until(lambda: not unsent(rt) and not queued(rt), 90, "the second worker to deliver the rest")
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
    assert posted(fake) == Counter(keys), (tmp_path / "b.log").read_text(errors="replace")[-3000:]
    assert "send_outbox" in (tmp_path / "b.log").read_text(errors="replace")
