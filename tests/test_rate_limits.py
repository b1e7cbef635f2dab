"""Slack's rate limits: the limiter's token buckets (in one process, and shared through Redis by
several), and the worker's sender keeping within them against a Web API stand-in that enforces
them as Slack does. Fixed clock; a sender's short waits advance it; nothing sleeps.

The Redis tests use the server at OPPBOT_TEST_REDIS_URL (default redis://127.0.0.1:6379/0) under a
random key prefix, deleted after; without a server they are skipped, except in CI (CI=true), where
they fail."""

from __future__ import annotations

import os
import secrets
from collections import Counter
from datetime import timedelta

import pytest
import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.blocks.kit import message
from bot.delivery.outbox import enqueue
from bot.team.members import ensure_workspace
from bot.worker.jobs import send_outbox, tick
from bot.worker.limits import PASS_SLEEP, Limiter, MemoryBuckets, RedisBuckets, limiter_from_env
from bot.worker.sender import send_due, sender_client
from store.models import OutboxMessage

T0 = 1_800_000_000.0


def about(seconds: float):
    return pytest.approx(seconds, abs=0.002)  # seconds since 2027 in a float: microseconds at best


REDIS_URL = os.environ.get("OPPBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def redis_server():
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        reason = f"Redis not reachable at {REDIS_URL} ({type(exc).__name__}: {exc}); start redis-server or set OPPBOT_TEST_REDIS_URL"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    yield client
    client.close()


@pytest.fixture
def prefix(redis_server):
    """A key prefix of this test's own; its keys are deleted after."""
    name = f"oppbot:test:{secrets.token_hex(6)}:"
    yield name
    keys = list(redis_server.scan_iter(match=name + "*"))
    if keys:
        redis_server.delete(*keys)


@pytest.fixture(params=["memory", "redis"])
def limiter(request):
    if request.param == "memory":
        return Limiter(MemoryBuckets())
    return Limiter(RedisBuckets(request.getfixturevalue("redis_server"), request.getfixturevalue("prefix")))


# --- the buckets -------------------------------------------------------------------------------


def test_a_tier_3_method_goes_in_a_burst_of_five_then_one_every_1_2_seconds(limiter):
    assert [limiter.acquire("T1", "chat.update", T0) for _ in range(5)] == [0.0] * 5
    assert limiter.acquire("T1", "chat.update", T0) == about(1.2)
    assert limiter.acquire("T1", "chat.update", T0 + 1.0) == about(0.2)  # a wait takes nothing
    assert limiter.acquire("T1", "chat.update", T0 + 1.2) == 0.0  # refilled one token
    assert limiter.acquire("T1", "chat.update", T0 + 1.2) == about(1.2)
    assert [limiter.acquire("T1", "chat.update", T0 + 60) for _ in range(6)][-2:] == [0.0, about(1.2)]  # full again after a while, no more


def test_a_tier_2_method_waits_three_seconds_past_its_burst(limiter):
    assert [limiter.acquire("T1", "conversations.archive", T0) for _ in range(3)] == [0.0] * 3
    assert limiter.acquire("T1", "conversations.archive", T0) == about(3.0)


def test_posts_go_one_a_second_per_channel_each_channel_on_its_own(limiter):
    assert limiter.acquire("T1", "chat.postMessage", T0, channel="#deals") == 0.0
    assert limiter.acquire("T1", "chat.postMessage", T0, channel="#deals") == about(1.0)
    assert limiter.acquire("T1", "chat.postMessage", T0, channel="#other") == 0.0
    assert limiter.acquire("T1", "chat.postMessage", T0 + 0.5, channel="#deals") == about(0.5)
    assert limiter.acquire("T1", "chat.postMessage", T0 + 1, channel="#deals") == 0.0


def test_a_post_refused_by_its_channel_takes_nothing_from_the_workspace(limiter):
    assert limiter.acquire("T1", "chat.postMessage", T0, channel="#deals") == 0.0
    assert limiter.acquire("T1", "chat.postMessage", T0, channel="#deals") > 0  # refused: all or nothing
    answers = [limiter.acquire("T1", "chat.postMessage", T0, channel=f"U{i:03d}") for i in range(20)]
    assert answers[:19] == [0.0] * 19 and answers[19] == about(0.2)  # the workspace's 20 at once, then 300 a minute


def test_each_workspace_has_its_own_budget(limiter):
    assert [limiter.acquire("T1", "conversations.archive", T0) for _ in range(4)][-1] > 0
    assert limiter.acquire("T2", "conversations.archive", T0) == 0.0
    assert limiter.acquire("T1", "chat.update", T0) == 0.0  # and each method


def test_a_429_holds_the_method_for_retry_after_then_lets_one_through_at_a_time(limiter):
    limiter.hold("T1", "chat.postMessage", 7, T0)
    assert limiter.acquire("T1", "chat.postMessage", T0, channel="#a") == about(7.0)
    assert limiter.acquire("T1", "chat.postMessage", T0 + 6.5, channel="#a") == about(0.5)
    assert limiter.acquire("T1", "chat.postMessage", T0 + 7, channel="#a") == 0.0
    assert limiter.acquire("T1", "chat.postMessage", T0 + 7, channel="#b") == about(0.2)  # no burst right after
    assert limiter.acquire("T2", "chat.postMessage", T0, channel="#a") == 0.0  # another workspace is not held
    limiter.hold("T1", "chat.update", 2, T0 + 100)
    limiter.hold("T1", "chat.update", 1, T0 + 100)  # a shorter hold does not shorten it
    assert limiter.acquire("T1", "chat.update", T0 + 101) == about(1.0)


def test_two_processes_share_one_budget_through_redis(redis_server, prefix):
    first = Limiter(RedisBuckets(redis.Redis.from_url(REDIS_URL), prefix))
    second = Limiter(RedisBuckets(redis.Redis.from_url(REDIS_URL), prefix))
    answers = [(first if i % 2 else second).acquire("T1", "chat.update", T0) for i in range(10)]
    assert answers.count(0.0) == 5  # one burst between them, not one each
    assert second.acquire("T1", "chat.postMessage", T0, channel="#deals") == 0.0
    assert first.acquire("T1", "chat.postMessage", T0, channel="#deals") == about(1.0)
    first.hold("T1", "views.publish", 30, T0)
    assert second.acquire("T1", "views.publish", T0 + 10) == about(20.0)
    assert Limiter(MemoryBuckets()).acquire("T1", "chat.update", T0) == 0.0  # (a process of its own shares nothing)


def test_the_shared_limiter_comes_from_the_environment(redis_server):
    assert isinstance(limiter_from_env({}).buckets, MemoryBuckets)
    assert isinstance(limiter_from_env({"OPPBOT_LIMITS_URL": "memory", "CELERY_BROKER_URL": REDIS_URL}).buckets, MemoryBuckets)
    assert isinstance(limiter_from_env({"OPPBOT_LIMITS_URL": REDIS_URL}).buckets, RedisBuckets)
    assert isinstance(limiter_from_env({"CELERY_BROKER_URL": REDIS_URL}).buckets, RedisBuckets)  # the queue's broker, when it is Redis
    assert isinstance(limiter_from_env({"CELERY_BROKER_URL": "amqp://guest@127.0.0.1//"}).buckets, MemoryBuckets)
    with pytest.raises(ValueError, match="OPPBOT_LIMITS_URL"):
        limiter_from_env({"OPPBOT_LIMITS_URL": "http://nowhere"})


# --- the sender, against a stand-in that enforces Slack's limits -----------------------------------


def queue(rt, channels: list[str], workspace_id: str = "T0001") -> list[str]:
    keys = [f"burst:{workspace_id}:{i}" for i in range(len(channels))]
    with rt.transaction() as session:
        ensure_workspace(session, workspace_id, rt.clock)  # the worker serves the workspaces it knows
        for key, channel in zip(keys, channels, strict=True):
            enqueue(session, workspace_id=workspace_id, key=key, kind="alert", channel=channel, reply=message(f"alert {key}"), now=rt.clock.now())
    return keys


def rows(rt) -> dict[str, OutboxMessage]:
    with rt.sessions() as session:
        return {row.key: row for row in session.scalars(select(OutboxMessage))}


def delivered(fake) -> Counter:
    return Counter(c.args["metadata"]["event_payload"]["key"] for c in fake.calls("chat.postMessage") if not c.failed)


@pytest.fixture
def client(fake):
    return sender_client("xoxb-test", fake.api_url, retries=0)


@pytest.fixture
def sleep(clock):
    """The sender's sleeper: the fixed clock moves on instead."""
    slept: list[float] = []

    def sleeper(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds=seconds)

    sleeper.slept = slept
    return sleeper


def test_a_monday_burst_goes_out_at_slacks_pace_with_no_429_and_each_message_once(rt, fake, client, clock, sleep):
    fake.enforce_limits()
    dms = [f"U9{i:04d}" for i in range(30)]
    keys = queue(rt, [x for pair in zip(dms, ["#deal-alerts"] * 30, strict=True) for x in pair])  # 30 DMs and 30 posts to one channel
    limiter = Limiter(MemoryBuckets())
    passes = []
    while any(row.sent_at is None for row in rows(rt).values()) and len(passes) < 20:
        passes.append(send_outbox(rt, client, clock.now(), limiter=limiter, sleep=sleep))
        clock.advance(seconds=20)  # the send job's interval
    assert fake.limits.refused == 0 and not [c for c in fake.calls() if c.failed]
    assert delivered(fake) == {key: 1 for key in keys}
    assert sum(p.sent for p in passes) == 60 and sum(p.failed for p in passes) == 0
    assert sum(p.deferred for p in passes) > 0 and sum(p.rate_limited for p in passes) == 0  # spread over passes, not hammered
    assert all(row.attempts == 1 and row.last_error is None for row in rows(rt).values())  # a deferral is no attempt
    assert max(sleep.slept) <= 1.5 and sum(sleep.slept) <= PASS_SLEEP * len(passes)
    channel_posts = [c.at for c in fake.calls("chat.postMessage") if c.args["channel"] == "#deal-alerts"]
    assert len(channel_posts) == 30


def test_without_the_limiter_the_stand_in_answers_429_and_rows_wait_without_failing(rt, fake, client, clock, sleep):
    """The same burst, unpaced: Slack's 429s come back, and each row waits Retry-After instead of
    failing; still nothing is sent twice."""
    fake.enforce_limits()
    keys = queue(rt, ["#deal-alerts"] * 10)
    result = send_due(rt.sessions, client, clock.now())
    assert fake.limits.refused > 0 and result.rate_limited == result.deferred == 10 - result.sent and result.failed == 0
    for _ in range(30):
        clock.advance(seconds=1)
        send_due(rt.sessions, client, clock.now())
    assert delivered(fake) == {key: 1 for key in keys}
    assert all(row.attempts == 1 for row in rows(rt).values())


def test_a_429_with_retry_after_7_defers_the_row_7_seconds_and_holds_the_workspace(rt, fake, client, clock, sleep):
    fake.enforce_limits()
    keys = queue(rt, ["#deal-alerts", "U90001"])
    fake.fail("chat.postMessage", status=429, retry_after=7)
    limiter = Limiter(MemoryBuckets())
    now = clock.now()
    result = send_outbox(rt, client, now, limiter=limiter, sleep=sleep)
    assert (result.sent, result.failed, result.deferred, result.rate_limited) == (0, 0, 2, 1)
    assert len(fake.calls("chat.postMessage")) == 1  # the second row was not tried: the limiter holds posts for 7 s
    for row in rows(rt).values():
        assert (row.attempts, row.last_error, row.claimed_at) == (0, None, None)
        assert row.next_attempt_at == now + timedelta(seconds=7)
    clock.advance(seconds=6)
    assert send_outbox(rt, client, clock.now(), limiter=limiter, sleep=sleep).sent == 0
    clock.advance(seconds=1)
    tick(rt, client, clock.now(), limiter=limiter, sleep=sleep)  # the worker's pass (the day's digests go out too)
    assert {key: n for key, n in delivered(fake).items() if key in keys} == {key: 1 for key in keys} and fake.limits.refused == 0
    assert all(row.attempts == 1 and row.sent_at for row in rows(rt).values())


def test_a_pass_for_one_workspace_sends_only_that_workspaces_rows(rt, fake, client, clock):
    mine, theirs = queue(rt, ["#deal-alerts"], "T0002"), queue(rt, ["#deal-alerts"], "T0001")
    result = send_due(rt.sessions, client, clock.now(), workspace_id="T0002")
    assert result.sent == 1 and delivered(fake) == {mine[0]: 1}
    assert rows(rt)[theirs[0]].sent_at is None


def test_replies_in_a_channels_threads_share_its_budget_with_the_posts_to_it_by_name(rt, fake, client, clock, sleep):
    """A deal's card goes to "#deal-alerts" by name and its alerts reply in its thread by the
    channel's id: one channel to Slack, so one budget of a post a second, and no 429."""
    fake.enforce_limits()
    keys = queue(rt, ["#deal-alerts"])
    with rt.transaction() as session:
        card = session.scalars(select(OutboxMessage)).one()
        for i in range(8):  # alternately: a post of its own, a reply in the card's thread
            keys += [f"post:{i}", f"reply:{i}"]
            enqueue(session, workspace_id="T0001", key=keys[-2], kind="alert", channel="#deal-alerts", reply=message(f"post {i}"), now=clock.now())
            enqueue(
                session,
                workspace_id="T0001",
                key=keys[-1],
                kind="alert",
                channel="#deal-alerts",
                reply=message(f"reply {i}"),
                now=clock.now(),
                thread_of=card.id,
            )
    limiter = Limiter(MemoryBuckets())
    for _ in range(20):
        if all(row.sent_at for row in rows(rt).values()):
            break
        send_outbox(rt, client, clock.now(), limiter=limiter, sleep=sleep)
        clock.advance(seconds=20)
    assert delivered(fake) == {key: 1 for key in keys}
    assert len({c.response["channel"] for c in fake.calls("chat.postMessage") if not c.failed}) == 1 and fake.limits.refused == 0


# --- the stand-in -------------------------------------------------------------------------------


def test_the_stand_in_answers_429_like_slack_past_a_tier_per_token_and_a_post_a_second_per_channel(fake, clock):
    one, two = (WebClient(token=token, base_url=fake.api_url, retry_handlers=[]) for token in ("xoxb-one", "xoxb-two"))
    for _ in range(25):
        one.conversations_list()  # off by default: no limits
    fake.enforce_limits()
    for _ in range(20):
        one.conversations_list()  # Tier 2: a minute's worth at once ...
    with pytest.raises(SlackApiError) as refused:
        one.conversations_list()
    assert refused.value.response.status_code == 429 and refused.value.response["error"] == "ratelimited"
    assert {k.lower(): v for k, v in refused.value.response.headers.items()}["retry-after"] == "3"  # ... then one every 3 s
    two.conversations_list()  # another workspace's token has its own
    clock.advance(seconds=3)
    one.conversations_list()
    channel = fake.add_channel("deals")
    for target in ("#deals", channel, "#deals"):  # a name and its id are one channel: three at once ...
        one.chat_postMessage(channel=target, text="hi")
    with pytest.raises(SlackApiError):
        one.chat_postMessage(channel=channel, text="hi")  # ... then one a second
    one.chat_postMessage(channel="U0ALICE", text="hi")  # another conversation
    clock.advance(seconds=1)
    one.chat_postMessage(channel="#deals", text="hi")
    assert fake.limits.refused == 2 and len(fake.messages("#deals")) == 4
