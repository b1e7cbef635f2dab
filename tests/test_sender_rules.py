"""The sender's rules, seen at its front door (send_due with the Slack stand-in): which rows a pass
takes, in which order and how many, what a post asks of Slack, and what the outbox table holds
afterwards. Fixed clock; nothing sleeps."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from bot.blocks.kit import message
from bot.delivery.outbox import enqueue
from bot.worker.sender import CLAIM_TIMEOUT, claim, send_due, sender_client
from store.models import OutboxMessage
from tests.conftest import USERS

ALICE = USERS["alice"]["user_id"]


@pytest.fixture
def client(fake):
    return sender_client("xoxb-test", fake.api_url, retries=0)


def key_of(payload: dict) -> str | None:
    return ((payload.get("metadata") or {}).get("event_payload") or {}).get("key")


def posted_keys(fake) -> list[str]:
    """The keys of every chat.postMessage Slack received, in order, answered or not."""
    return [key_of(c.args) for c in fake.calls("chat.postMessage")]


def queue(rt, n: int, *, first: int = 0, **extra) -> list[tuple[int, str]]:
    with rt.transaction() as session:
        made = [
            enqueue(session, workspace_id="T0001", key=f"k{i}", kind="alert", channel=ALICE, reply=message(f"alert {i}"), now=rt.clock.now(), **extra)
            for i in range(first, first + n)
        ]
        return [(m.id, m.key) for m in made]


def rows(rt) -> dict[str, OutboxMessage]:
    with rt.sessions() as session:
        return {r.key: r for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}


# --- which rows a pass takes ---------------------------------------------------------------------


def test_a_pass_takes_the_oldest_rows_first_and_at_most_limit(rt, fake, client, clock):
    """Rows go out in the order they were queued (by id, not by when they fell due), and a pass
    sends at most ``limit`` of them; the rest wait for the next pass."""
    now = clock.now()
    with rt.transaction() as session:
        for i in range(3):  # the later a row was queued, the earlier it fell due
            enqueue(
                session, workspace_id="T0001", key=f"k{i}", kind="alert", channel=ALICE, reply=message(f"a{i}"), now=now, not_before=now - timedelta(minutes=i)
            )
    result = send_due(rt.sessions, client, now, limit=2)
    assert result.sent == 2
    assert posted_keys(fake) == ["k0", "k1"]
    assert rows(rt)["k2"].sent_at is None
    assert send_due(rt.sessions, client, now, limit=2).sent == 1
    assert posted_keys(fake) == ["k0", "k1", "k2"]


def test_rows_already_sent_do_not_take_a_place_in_the_next_pass(rt, fake, client, clock):
    """Only unsent rows are due: after two rows went out, a pass of two sends the third."""
    queue(rt, 3)
    assert send_due(rt.sessions, client, clock.now(), limit=2).sent == 2
    clock.advance(minutes=1)
    result = send_due(rt.sessions, client, clock.now(), limit=2)
    assert result.sent == 1
    assert posted_keys(fake) == ["k0", "k1", "k2"]


def test_a_pass_handles_200_rows_by_default(rt, clock):
    """Without a limit given, a pass takes at most 200 rows (here updates waiting for their
    original, which are deferred without calling Slack)."""
    now = clock.now()
    with rt.transaction() as session:
        original = enqueue(
            session, workspace_id="T0001", key="orig", kind="alert", channel=ALICE, reply=message("v1"), now=now, not_before=now + timedelta(hours=1)
        )
        for i in range(201):
            enqueue(session, workspace_id="T0001", key=f"u{i}", kind="alert_update", channel=ALICE, reply=message(f"v{i}"), now=now, update_of=original.id)
    result = send_due(rt.sessions, None, now)
    assert result.deferred == 200
    assert rows(rt)["u200"].next_attempt_at == now


def test_a_claim_exactly_claim_timeout_old_is_still_held(rt, fake, client, clock):
    """A claimed row is free again only once its claim is older than CLAIM_TIMEOUT: at exactly
    CLAIM_TIMEOUT it is neither taken over nor does it use up a place in the pass."""
    [(stuck, _), *_] = queue(rt, 3)
    t0 = clock.now()
    assert claim(rt.sessions, stuck, t0)  # a sender took it ... and died
    clock.advance(seconds=CLAIM_TIMEOUT.total_seconds())
    result = send_due(rt.sessions, client, clock.now(), limit=2)
    assert result.sent == 2
    assert posted_keys(fake) == ["k1", "k2"]
    assert rows(rt)["k0"].claimed_at == t0 and rows(rt)["k0"].sent_at is None
    assert claim(rt.sessions, stuck, t0 + CLAIM_TIMEOUT) is None  # another sender may not take it either
    clock.advance(seconds=1)  # now the claim is stale: the row is taken over
    assert send_due(rt.sessions, client, clock.now(), limit=2).sent == 1
    assert posted_keys(fake) == ["k1", "k2", "k0"]


def test_a_row_another_sender_took_meanwhile_is_skipped_and_the_pass_goes_on(rt, fake, client, clock):
    """If another sender claims a listed row while this pass is posting an earlier one, the pass
    leaves that row alone and still sends the rows after it."""
    ids = [i for i, _ in queue(rt, 3)]
    now = clock.now()
    taken = []

    def other_sender(call):
        if call.method == "chat.postMessage" and key_of(call.args) == "k0" and not taken:
            taken.append(claim(rt.sessions, ids[1], now))

    fake.listener = other_sender
    result = send_due(rt.sessions, client, now)
    fake.listener = None
    assert taken and taken[0] is not None
    assert result.sent == 2
    assert posted_keys(fake) == ["k0", "k2"]
    assert rows(rt)["k1"].sent_at is None and rows(rt)["k1"].claimed_at == now


def test_a_row_another_sender_delivered_meanwhile_is_not_posted_again(rt, fake, client, clock):
    """Two senders overlapping: rows the other one sent after this pass listed them are not
    posted a second time."""
    queue(rt, 3)
    now = clock.now()
    other = sender_client("xoxb-test", fake.api_url, retries=0)
    results = []

    def other_sender(call):
        if call.method == "chat.postMessage" and key_of(call.args) == "k0" and not results:
            results.append(None)
            results.append(send_due(rt.sessions, other, now))

    fake.listener = other_sender
    result = send_due(rt.sessions, client, now)
    fake.listener = None
    assert results[1].sent == 2
    assert result.sent == 1
    assert Counter(posted_keys(fake)) == {"k0": 1, "k1": 1, "k2": 1}
    assert all(r.sent_at == now for r in rows(rt).values())


# --- what a post asks of Slack, what the table keeps ----------------------------------------------


def test_posts_ask_slack_not_to_unfurl_links_or_media(rt, fake, client, clock):
    """Every post is sent with unfurl_links and unfurl_media set to false."""
    queue(rt, 1)
    send_due(rt.sessions, client, clock.now())
    args = fake.last("chat.postMessage").args
    assert args["unfurl_links"] is False
    assert args["unfurl_media"] is False


def test_a_sent_row_is_no_longer_claimed(rt, fake, client, clock):
    """Once a row is sent, the outbox keeps when, where and its ts, and its claim is cleared."""
    queue(rt, 1)
    send_due(rt.sessions, client, clock.now())
    row = rows(rt)["k0"]
    call = fake.last("chat.postMessage")
    assert row.sent_at == clock.now()
    assert (row.slack_channel, row.slack_ts) == (call.response["channel"], call.response["ts"])
    assert row.claimed_at is None and row.last_error is None


def test_a_reply_whose_thread_is_not_out_yet_waits_one_minute_without_using_an_attempt(rt, fake, client, clock):
    """A reply whose thread's first message is not posted yet is deferred by exactly one minute,
    without counting an attempt; each such reply is counted in the pass's ``deferred``."""
    now = clock.now()
    with rt.transaction() as session:
        anchor = enqueue(
            session, workspace_id="T0001", key="anchor", kind="alert", channel=ALICE, reply=message("first"), now=now, not_before=now + timedelta(hours=1)
        )
        anchor_id = anchor.id
    queue(rt, 2, thread_of=anchor_id)
    result = send_due(rt.sessions, client, now)
    assert (result.deferred, result.sent, result.failed) == (2, 0, 0)
    assert fake.calls("chat.postMessage") == []
    for key in ("k0", "k1"):
        row = rows(rt)[key]
        assert row.next_attempt_at == now + timedelta(minutes=1)
        assert row.attempts == 0 and row.claimed_at is None and row.last_error is None


def test_two_posts_found_in_the_conversation_count_as_two_recovered(rt, fake, client, clock):
    """Posts whose answer was lost but which Slack carried out are found in the conversation on the
    next pass; each is counted in ``recovered`` and none is posted again."""
    queue(rt, 2)
    fake.fail("chat.postMessage", status=500, accepted=True, times=2)
    result = send_due(rt.sessions, client, clock.now())
    assert result.failed == 2
    clock.advance(minutes=2)
    result = send_due(rt.sessions, client, clock.now())
    assert (result.sent, result.recovered) == (2, 2)
    assert posted_keys(fake) == ["k0", "k1"]


# --- the client ---------------------------------------------------------------------------------


def test_the_sender_client_leaves_a_rate_limited_post_to_the_sender_which_waits_retry_after(rt, fake, clock):
    """The worker's client does not repeat a 429: the row waits Slack's Retry-After, its attempt
    not counted, and goes out once after it."""
    client = sender_client("xoxb-test", fake.api_url)
    queue(rt, 1)
    fake.fail("chat.postMessage", status=429, retry_after=7)
    result = send_due(rt.sessions, client, clock.now())
    assert (result.sent, result.failed, result.deferred, result.rate_limited) == (0, 0, 1, 1)
    assert [c.error for c in fake.calls("chat.postMessage")] == ["ratelimited"]
    row = rows(rt)["k0"]
    assert (row.attempts, row.last_error, row.claimed_at) == (0, None, None)
    assert _utc(row.next_attempt_at) == clock.now() + timedelta(seconds=7)
    clock.advance(seconds=6)
    assert send_due(rt.sessions, client, clock.now()).sent == 0  # not before
    clock.advance(seconds=1)
    assert send_due(rt.sessions, client, clock.now()).sent == 1
    assert [c.error for c in fake.calls("chat.postMessage")] == ["ratelimited", None]


def _utc(at):
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def test_the_sender_client_gives_up_on_an_unanswered_call_after_30_seconds(fake):
    """A call Slack does not answer is abandoned after 30 seconds, so one post cannot hold up a pass."""
    assert sender_client("xoxb-test", fake.api_url).timeout == 30
