"""The worker process: one lease holder acts, the outbox delivers every message exactly once
through Slack outages and crashes, reminders go out at their time. Fixed clock; nothing sleeps."""

from __future__ import annotations

import socket
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import select

from bot.blocks.kit import message
from bot.delivery.outbox import enqueue
from bot.team.members import ensure_workspace
from bot.worker import Worker, sender, take_lease
from bot.worker.jobs import due_reminders, scan_all, send_outbox, tick
from bot.worker.sender import CLAIM_TIMEOUT, claim, send_due, sender_client
from store.models import Alert, Opportunity, OutboxMessage, Reminder
from tests.conftest import SHANGHAI, USERS, payload_text
from tests.faultyslack import Hold

ALICE = USERS["alice"]["user_id"]


@pytest.fixture
def client(fake):
    return sender_client("xoxb-test", fake.api_url, retries=0)


def delivered(fake) -> Counter:
    """How many times each outbox key reached Slack successfully."""
    return Counter(c.args["metadata"]["event_payload"]["key"] for c in fake.calls("chat.postMessage") if not c.failed and c.args.get("metadata"))


def key_of(payload: dict) -> str | None:
    return ((payload.get("metadata") or {}).get("event_payload") or {}).get("key")


def in_conversation(fake, target: str) -> Counter:
    """How many times each outbox key is in the conversation: what people there see."""
    return Counter(key_of(m) for m in fake.messages(target))


def posts_of(fake, key: str) -> list:
    """Every chat.postMessage that carried ``key``, answered or not."""
    return [c for c in fake.calls("chat.postMessage") if key_of(c.args) == key]


def queue(rt, n: int, channel: str = ALICE) -> list[str]:
    keys = [f"test:{i}" for i in range(n)]
    with rt.transaction() as session:
        ensure_workspace(session, "T0001", rt.clock)  # the worker serves the workspaces it knows
        for key in keys:
            enqueue(session, workspace_id="T0001", key=key, kind="alert", channel=channel, reply=message(f"alert {key}"), now=rt.clock.now())
    return keys


def rows(rt) -> list[OutboxMessage]:
    """The rows the test queued (a pass of the worker queues the day's digests too)."""
    with rt.sessions() as session:
        return list(session.scalars(select(OutboxMessage).where(~OutboxMessage.key.startswith("digest:")).order_by(OutboxMessage.id)))


# --- the lease ---------------------------------------------------------------------------------


def test_only_one_worker_holds_the_lease_and_another_takes_over_when_it_dies(rt, clock):
    now = clock.now()
    assert take_lease(rt, "w1", now)
    assert not take_lease(rt, "w2", now)
    clock.advance(seconds=15)
    assert take_lease(rt, "w1", clock.now())  # renewed
    assert not take_lease(rt, "w2", clock.now())
    clock.advance(seconds=60)  # w1 died and stopped renewing: w2 takes over within a minute
    assert take_lease(rt, "w2", clock.now())
    assert not take_lease(rt, "w1", clock.now())


def test_two_workers_running_the_jobs_send_each_alert_once(rt, clock, fake, client, slack):
    slack.command("alice", "new Acme 5万")
    with rt.transaction() as session:
        session.scalars(select(Opportunity)).unique().one().expected_close = date(2026, 11, 20)
    first, second = Worker(rt, client, "w1"), Worker(rt, client, "w2")
    for worker in (first, second):
        worker.scheduler = None
        worker.leading = take_lease(rt, worker.holder, clock.now())
    assert (first.leading, second.leading) == (True, False)
    for _ in range(3):
        for worker in (second, first):
            worker.run_job("scan", scan_all)
            worker.run_job("send_outbox", send_outbox)
    assert list(delivered(fake).values()) == [1]
    with rt.sessions() as session:
        assert len(session.scalars(select(Alert)).all()) == 1


def test_two_senders_racing_on_the_same_rows_post_each_once(rt, clock, fake, client):
    queue(rt, 5)
    now = clock.now()
    with rt.sessions() as session:
        ids = sender.due_ids(session, now, 100)
    claims = [claim(rt.sessions, i, now) for i in ids]
    assert all(claims)
    assert [claim(rt.sessions, i, now) for i in ids] == [None] * 5  # a second sender gets none
    result = send_due(rt.sessions, client, now)
    assert result.sent == 0  # claimed rows are not due for another sender either


# --- Slack down, then back -----------------------------------------------------------------------


@pytest.fixture
def retrying_client(fake, monkeypatch):
    """The production client shape (retry handlers for 429, 5xx and connection errors), with no
    waiting between retries."""
    client = sender_client("xoxb-test", fake.api_url, retries=2)
    for handler in client.retry_handlers:
        handler.interval_calculator = FixedValueRetryIntervalCalculator(0.0)
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)
    return client


def test_a_429_puts_the_row_back_and_a_500_is_looked_for_before_the_next(rt, fake, retrying_client, clock):
    keys = queue(rt, 2)
    fake.fail("chat.postMessage", status=429, retry_after=0)  # Slack did nothing: back after Retry-After, no attempt counted ...
    fake.fail("chat.postMessage", status=500)  # ... but it may have posted this one: look before trying again
    result = send_outbox(rt, retrying_client, clock.now())
    assert (result.sent, result.failed, result.deferred, result.rate_limited) == (0, 1, 1, 1)
    assert [c.error for c in posts_of(fake, keys[0])] == ["ratelimited"] and [c.error for c in posts_of(fake, keys[1])] == ["http_500"]
    clock.advance(minutes=2)
    result = send_outbox(rt, retrying_client, clock.now())
    assert (result.sent, result.recovered) == (2, 0)
    assert [c.args["channel"] for c in fake.calls("conversations.history")] == ["D" + ALICE]
    assert delivered(fake) == {k: 1 for k in keys}


def test_slack_down_for_an_hour_every_alert_arrives_once_when_it_comes_back(rt, fake, retrying_client, clock):
    keys = queue(rt, 12)
    fake.fail("chat.postMessage", status=429, retry_after=0, times=20)
    fake.outage(500)
    for _ in range(60):  # the send job, every minute for an hour
        send_due(rt.sessions, retrying_client, clock.now())
        clock.advance(minutes=1)
    assert delivered(fake) == {}
    assert all(r.sent_at is None and r.last_error and r.claimed_at is None for r in rows(rt))
    fake.recover()
    fake.fail("chat.postMessage", status=429, retry_after=0, times=2)  # still a little rate limiting
    clock.advance(hours=1)  # the longest backoff
    send_due(rt.sessions, retrying_client, clock.now())
    send_due(rt.sessions, retrying_client, clock.now())
    assert delivered(fake) == {k: 1 for k in keys}
    assert all(r.sent_at and r.slack_ts for r in rows(rt))


# --- killed mid-send ---------------------------------------------------------------------------


def test_killed_after_claiming_before_posting_the_next_run_posts_it(rt, fake, client, clock):
    [key] = queue(rt, 1)
    [row] = rows(rt)
    assert claim(rt.sessions, row.id, clock.now())  # ... and the process dies here
    clock.advance(minutes=1)
    assert send_due(rt.sessions, client, clock.now()).sent == 0  # a live claim is respected
    clock.advance(seconds=CLAIM_TIMEOUT.total_seconds())
    result = send_due(rt.sessions, client, clock.now())
    assert (result.sent, result.recovered) == (1, 0)
    assert delivered(fake) == {key: 1}


@pytest.mark.parametrize("target", ["#deal-alerts", ALICE], ids=["channel", "dm"])
def test_killed_after_posting_before_recording_it_nothing_is_posted_twice(rt, fake, client, clock, monkeypatch, target):
    keys = queue(rt, 3, channel=target)
    original = sender.transaction
    calls = {"n": 0}

    def dying(sessions):  # the process dies right after Slack accepted the second message
        calls["n"] += 1
        if calls["n"] == 4:  # claim 1, record 1, claim 2, [record 2]
            raise KeyboardInterrupt("killed")
        return original(sessions)

    monkeypatch.setattr(sender, "transaction", dying)
    with pytest.raises(KeyboardInterrupt):
        send_due(rt.sessions, client, clock.now())
    monkeypatch.setattr(sender, "transaction", original)
    assert delivered(fake) == {keys[0]: 1, keys[1]: 1}
    clock.advance(seconds=CLAIM_TIMEOUT.total_seconds() + 60)
    result = send_due(rt.sessions, client, clock.now())
    assert (result.sent, result.recovered) == (2, 1)  # the second found in the conversation's history
    assert delivered(fake) == {k: 1 for k in keys}
    assert in_conversation(fake, target) == {k: 1 for k in keys}
    assert len({r.slack_ts for r in rows(rt)}) == 3


# --- Slack carried out the post, but its answer was lost ---------------------------------------

LOST_ANSWERS = {
    "dropped": lambda fake: fake.drop("chat.postMessage"),  # the connection closes unanswered
    "late": lambda fake: fake.hold("chat.postMessage"),  # the answer comes after the client's timeout
    "500": lambda fake: fake.fail("chat.postMessage", status=500, accepted=True),
}


@pytest.mark.parametrize("target", ["#deal-alerts", ALICE], ids=["channel", "dm"])
@pytest.mark.parametrize("fault", list(LOST_ANSWERS))
def test_a_post_whose_answer_is_lost_reaches_the_conversation_once(rt, fake, retrying_client, clock, target, fault):
    lost, fine = queue(rt, 2, channel=target)
    retrying_client.timeout = 0.3  # seconds: a held answer comes too late
    held = LOST_ANSWERS[fault](fake)
    tick(rt, retrying_client, clock.now())
    if isinstance(held, Hold):
        held.release()
    assert len(posts_of(fake, lost)) == 1  # not sent again within the attempt
    assert in_conversation(fake, target) == {lost: 1, fine: 1}
    first, second = rows(rt)
    assert first.sent_at is None and first.claimed_at is None and first.last_error.startswith(sender.UNKNOWN), first.last_error
    assert second.sent_at is not None
    fake.drop("conversations.history")  # reading is safe to repeat: retried within the attempt
    clock.advance(minutes=2)
    tick(rt, retrying_client, clock.now())
    assert len(posts_of(fake, lost)) == 1  # found in the history, not posted again
    assert in_conversation(fake, target) == {lost: 1, fine: 1}
    [message] = [m for m in fake.messages(target) if key_of(m) == lost]
    first = rows(rt)[0]
    assert (first.sent_at, first.slack_ts, first.last_error) == (clock.now(), message["ts"], None)
    clock.advance(hours=2)
    tick(rt, retrying_client, clock.now())
    assert in_conversation(fake, target) == {lost: 1, fine: 1}


def test_a_post_refused_clearly_is_tried_again_without_looking(rt, fake, retrying_client, clock):
    [key] = queue(rt, 1, channel="#deal-alerts")
    fake.fail("chat.postMessage", error="not_in_channel")  # Slack says it did not post it
    tick(rt, retrying_client, clock.now())
    assert rows(rt)[0].last_error == "not_in_channel"
    clock.advance(minutes=2)
    tick(rt, retrying_client, clock.now())
    assert fake.calls("conversations.history") == []
    assert in_conversation(fake, "#deal-alerts") == {key: 1}


def test_an_update_waits_for_its_original_then_edits_it_in_place(rt, fake, client, clock):
    with rt.transaction() as session:
        first = enqueue(session, workspace_id="T0001", key="a", kind="alert", channel=ALICE, reply=message("v1"), now=clock.now())
        enqueue(session, workspace_id="T0001", key="a:u", kind="alert_update", channel=ALICE, reply=message("v2"), now=clock.now(), update_of=first.id)
    fake.fail("chat.postMessage", status=500)
    send_due(rt.sessions, client, clock.now())
    assert fake.calls("chat.update") == []
    clock.advance(minutes=2)
    send_due(rt.sessions, client, clock.now())
    clock.advance(minutes=2)
    send_due(rt.sessions, client, clock.now())
    posted = [c for c in fake.calls("chat.postMessage") if not c.failed]
    [update] = fake.calls("chat.update")
    assert (update.args["channel"], update.args["ts"], update.args["text"]) == (posted[0].response["channel"], posted[0].response["ts"], "v2")


def test_an_update_waiting_for_its_original_is_deferred_a_minute_without_counting_an_attempt(rt, fake, client, clock):
    """Waiting for the original is not a failure: no attempt counted, no error, tried again in a minute."""
    with rt.transaction() as session:
        first = enqueue(
            session,
            workspace_id="T0001",
            key="a",
            kind="alert",
            channel=ALICE,
            reply=message("v1"),
            now=clock.now(),
            not_before=clock.now() + timedelta(hours=1),
        )
        enqueue(session, workspace_id="T0001", key="a:u", kind="alert_update", channel=ALICE, reply=message("v2"), now=clock.now(), update_of=first.id)
        enqueue(session, workspace_id="T0001", key="a:u2", kind="alert_update", channel=ALICE, reply=message("v3"), now=clock.now(), update_of=first.id)
    for _ in range(2):
        result = send_due(rt.sessions, client, clock.now())
        assert (result.sent, result.failed, result.deferred) == (0, 0, 2)  # each waiting edit counted
        update_row = rows(rt)[1]
        assert (update_row.attempts, update_row.last_error, update_row.claimed_at) == (0, None, None)
        assert update_row.next_attempt_at == clock.now() + timedelta(minutes=1)
        clock.advance(minutes=1)
    assert fake.calls("chat.update") == []


def test_an_update_slack_refuses_is_a_counted_failure_tried_again_later(rt, fake, client, clock):
    """chat.update refused (the message was deleted): a failure Slack answered, counted and backed off."""
    with rt.transaction() as session:
        first = enqueue(session, workspace_id="T0001", key="a", kind="alert", channel=ALICE, reply=message("v1"), now=clock.now())
    send_due(rt.sessions, client, clock.now())
    with rt.transaction() as session:
        enqueue(session, workspace_id="T0001", key="a:u", kind="alert_update", channel=ALICE, reply=message("v2"), now=clock.now(), update_of=first.id)
    fake.fail("chat.update", error="message_not_found")
    result = send_due(rt.sessions, client, clock.now())
    assert (result.sent, result.failed, result.deferred) == (0, 1, 0)
    update_row = rows(rt)[1]
    assert (update_row.attempts, update_row.last_error, update_row.sent_at) == (1, "message_not_found", None)
    assert update_row.next_attempt_at == clock.now() + timedelta(minutes=1)
    clock.advance(minutes=1)
    result = send_due(rt.sessions, client, clock.now())
    assert (result.sent, result.failed) == (1, 0)
    assert [c.args["text"] for c in fake.calls("chat.update") if not c.failed] == ["v2"]


# --- reminders -------------------------------------------------------------------------------------


def test_a_reminder_is_dmed_at_its_time_in_the_users_timezone(slack, rt, fake, client, clock):
    slack.command("alice", "new Acme 5万")
    answer = slack.command("li", "提醒 1 明天上午10点 给CFO打电话")
    assert "2026-11-26" in answer.text and "10:00" in answer.text, answer.text
    answer = slack.command("nyc", "remind 1 tomorrow 3pm call the CFO")
    assert "15:00" in answer.text, answer.text
    with rt.sessions() as session:
        due = sorted(r.due_at for r in session.scalars(select(Reminder)))
    utc = due[0].tzinfo
    assert due == [datetime(2026, 11, 25, 20, 0, tzinfo=utc), datetime(2026, 11, 26, 2, 0, tzinfo=utc)]  # 3pm New York, 10am Shanghai
    clock.set(datetime(2026, 11, 26, 3, 59, tzinfo=SHANGHAI))
    assert due_reminders(rt, client, clock.now()) == 0
    clock.advance(minutes=1)
    assert due_reminders(rt, client, clock.now()) == 1
    clock.set(datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))
    assert due_reminders(rt, client, clock.now()) == 1
    assert due_reminders(rt, client, clock.now()) == 0  # once
    send_outbox(rt, client, clock.now())
    dm = fake.last("chat.postMessage")
    assert dm.args["channel"] == "U0LI" and "⏰ 提醒：给CFO打电话" in payload_text(dm.args)
    assert dm.args["blocks"][1]["elements"][0]["text"] == "<https://oppbot.example.com/deals/1|#1> Acme"  # the deal, linked to its page


@pytest.mark.parametrize(
    "text, local",
    [
        ("明天上午10点 call", datetime(2026, 11, 26, 10, 0)),
        ("明天下午3点半 call", datetime(2026, 11, 26, 15, 30)),
        ("周五 15:00 call", datetime(2026, 11, 27, 15, 0)),
        ("tomorrow 10am call", datetime(2026, 11, 26, 10, 0)),
        ("3pm call", datetime(2026, 11, 25, 15, 0)),
        ("9am call", datetime(2026, 11, 26, 9, 0)),
        ("in 2 hours call", datetime(2026, 11, 25, 12, 0)),
        ("30分钟后 call", datetime(2026, 11, 25, 10, 30)),
        ("next friday call", datetime(2026, 12, 4, 9, 0)),
    ],
)
def test_reminder_times(slack, rt, text, local):
    slack.command("alice", "new Acme 5万")
    answer = slack.command("alice", f"remind 1 {text}")
    assert "remind you" in answer.text, answer.text
    with rt.sessions() as session:
        reminder = session.scalars(select(Reminder)).one()
    assert reminder.due_at.astimezone(SHANGHAI).replace(tzinfo=None) == local
    assert reminder.text == "call"


@pytest.mark.parametrize("text, words", [("1", "Give a time"), ("1 yesterday 10am call", "in the past"), ("1 blorp call", "Couldn't read the time")])
def test_reminder_mistakes_are_explained(slack, text, words):
    slack.command("alice", "new Acme 5万")
    assert words in slack.command("alice", f"remind {text}").text


def test_the_lease_holder_attaches_the_jobs_to_the_database_job_store_and_a_loser_detaches_them(rt, clock, client):
    from apscheduler.schedulers.blocking import BlockingScheduler

    first = Worker(rt, client, "w1", scheduler=BlockingScheduler(timezone=rt.config.tz))
    second = Worker(rt, client, "w2", scheduler=BlockingScheduler(timezone=rt.config.tz))
    first.renew()
    second.renew()
    assert (first.leading, second.leading) == (True, False)
    ids = sorted(job.id for job in first.scheduler.get_jobs(jobstore="db"))
    assert ids == [
        "assignments",
        "daily_bundles",
        "due_reminders",
        "forecast_snapshots",
        "forget_requests",
        "forget_uninstalled",
        "meeting_agendas",
        "refresh_probabilities",
        "refresh_statistics",
        "review_reminders",
        "revisits",
        "scan",
        "send_digests",
        "send_outbox",
    ]
    assert "db" not in second.scheduler._jobstores
    clock.advance(seconds=60)  # first stopped renewing
    second.renew()
    first.renew()
    assert (first.leading, second.leading) == (False, True)
    assert "db" not in first.scheduler._jobstores and "db" in second.scheduler._jobstores


# --- failures: counting, backing off, giving up --------------------------------------------------


def refused_posts(fake, times: int) -> None:
    """The next ``times`` posts are refused clearly (Slack says it did not post them)."""
    fake.fail("chat.postMessage", error="not_in_channel", times=times)


def test_each_failed_attempt_is_counted_and_backs_off_1_2_4_minutes(rt, fake, client, clock):
    """A refused post counts one attempt and is due again after 2**(attempts-1) minutes, not before."""
    [key] = queue(rt, 1, channel="#deal-alerts")
    refused_posts(fake, 3)
    for attempt, wait in [(1, 1), (2, 2), (3, 4)]:
        started = clock.now()
        assert send_due(rt.sessions, client, started).failed == 1
        [row] = rows(rt)
        assert (row.attempts, row.claimed_at, row.sent_at) == (attempt, None, None)
        assert row.next_attempt_at == started + timedelta(minutes=wait)
        assert row.last_error == "not_in_channel"
        clock.set(row.next_attempt_at - timedelta(seconds=1))
        assert send_due(rt.sessions, client, clock.now()) == sender.SendResult()  # not due yet
        clock.set(row.next_attempt_at)
    assert len(posts_of(fake, key)) == 3
    assert send_due(rt.sessions, client, clock.now()).sent == 1
    assert in_conversation(fake, "#deal-alerts") == {key: 1}
    assert rows(rt)[0].attempts == 4


def test_a_message_that_always_fails_is_parked_after_30_attempts_and_not_tried_again(rt, fake, client, clock, caplog):
    """After 30 failed attempts the row is parked: unsent, unclaimed, its error kept, never posted again."""
    [key] = queue(rt, 1, channel="#deal-alerts")
    refused_posts(fake, 40)
    for attempt in range(1, 31):
        assert send_due(rt.sessions, client, clock.now()).failed == 1
        [row] = rows(rt)
        assert row.attempts == attempt
        if attempt < 30:
            assert row.next_attempt_at - clock.now() == min(timedelta(minutes=2 ** (attempt - 1)), timedelta(hours=1))
            clock.set(row.next_attempt_at)
    assert (row.sent_at, row.claimed_at) == (None, None)
    assert row.last_error == "parked after 30 attempts: not_in_channel"
    assert row.next_attempt_at == clock.now() + timedelta(days=3650)
    [row_id] = [r.id for r in rows(rt)]
    said = [r.getMessage() for r in caplog.records]  # what an operator reads: the whole line
    assert f"giving up on outbox row {row_id} ({key}) after 30 attempts: not_in_channel" in said
    assert f"outbox row {row_id} ({key}) failed (attempt 29): not_in_channel" in said
    clock.advance(days=30)
    assert send_due(rt.sessions, client, clock.now()) == sender.SendResult()
    assert len(posts_of(fake, key)) == 30
    assert in_conversation(fake, "#deal-alerts") == {}


def dead_slack_client():
    """A client whose Web API address refuses connections."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return sender_client("xoxb-test", f"http://127.0.0.1:{port}/api/", retries=0)


def test_a_connection_error_is_an_unknown_outcome_looked_for_before_posting_again(rt, fake, client, clock):
    """A post (or a look in the history) that cannot reach Slack fails the attempt without
    crashing the sender; once Slack is reachable the history is read first and the message posted once."""
    [key] = queue(rt, 1)
    dead = dead_slack_client()
    assert send_due(rt.sessions, dead, clock.now()).failed == 1
    [row] = rows(rt)
    assert row.last_error.startswith(sender.UNKNOWN + "URLError"), row.last_error
    assert (row.attempts, row.claimed_at, row.next_attempt_at) == (1, None, clock.now() + timedelta(minutes=1))
    clock.set(row.next_attempt_at)
    assert send_due(rt.sessions, dead, clock.now()).failed == 1  # could not look either: still unknown
    [row] = rows(rt)
    assert row.last_error.startswith(sender.UNKNOWN + "URLError"), row.last_error
    assert (row.attempts, row.next_attempt_at) == (2, clock.now() + timedelta(minutes=2))
    clock.set(row.next_attempt_at)
    assert send_due(rt.sessions, client, clock.now()).sent == 1
    assert [c.args["channel"] for c in fake.calls("conversations.history")] == ["D" + ALICE]  # looked first
    assert in_conversation(fake, ALICE) == {key: 1}


def test_a_thread_reply_waits_for_the_post_that_starts_its_thread_then_replies_in_it(rt, fake, client, clock):
    """A deal's later alert in a channel replies in the thread of its first post, also shown in the
    channel (so the history look-up before a repeat finds it); while that first post is not out,
    the reply waits a minute, no attempt counted."""
    with rt.transaction() as session:
        first = enqueue(session, workspace_id="T0001", key="a", kind="alert", channel="#deal-alerts", reply=message("v1"), now=clock.now())
        enqueue(session, workspace_id="T0001", key="b", kind="alert", channel="#deal-alerts", reply=message("again"), now=clock.now(), thread_of=first.id)
    fake.fail("chat.postMessage", status=400, error="channel_not_found")  # the first post fails once, for sure
    result = send_due(rt.sessions, client, clock.now())
    assert (result.sent, result.failed, result.deferred) == (0, 1, 1)
    assert rows(rt)[1].attempts == 0
    clock.advance(minutes=5)
    send_due(rt.sessions, client, clock.now())
    anchor, reply = [c for c in fake.calls("chat.postMessage") if not c.failed]
    assert (reply.args["channel"], reply.args["thread_ts"], reply.args["reply_broadcast"], reply.args["text"]) == (
        anchor.response["channel"],
        anchor.response["ts"],
        True,
        "again",
    )
    assert "thread_ts" not in anchor.args
