"""Looking for a post whose answer was lost, before posting it again: every page of the history,
only since shortly before the row was queued, in the right conversation (a "#name" on any page of
conversations.list, live not archived, public or private; a U or W user's DM). Fixed clock."""

from __future__ import annotations

from datetime import timedelta

from bot.worker import sender
from bot.worker.jobs import tick
from bot.worker.sender import CLAIM_TIMEOUT, claim, send_due
from tests.test_worker import ALICE, client, in_conversation, key_of, posts_of, queue, rows

__all__ = ["client"]  # the fixture, shared with test_worker.py


# --- looking for a lost post: every page, only since the row was queued, the right conversation ---


def lose_then_look(rt, fake, client, clock, target: str, *, between=None) -> str:
    """Queue one row for ``target``; Slack posts it but its answer is lost (500); ``between()``
    runs next; two minutes later the worker looks for it. Returns the row's key."""
    [key] = queue(rt, 1, channel=target)
    fake.fail("chat.postMessage", status=500, accepted=True)
    tick(rt, client, clock.now())
    assert rows(rt)[0].last_error.startswith(sender.UNKNOWN)
    if between is not None:
        between()
    clock.advance(minutes=2)
    tick(rt, client, clock.now())
    return key


def assert_found_not_reposted(rt, fake, target: str, key: str) -> None:
    """The row's one post is in the conversation once, and the row is recorded as that message."""
    assert len(posts_of(fake, key)) == 1
    assert in_conversation(fake, target)[key] == 1
    [found] = [m for m in fake.messages(target) if key_of(m) == key]
    [row] = rows(rt)
    assert (row.sent_at, row.slack_ts, row.last_error) == (rt.clock.now(), found["ts"], None)


def test_an_earlier_post_is_found_on_a_later_page_of_the_history(rt, fake, client, clock, monkeypatch):
    """The history is read page by page, newest first, until the earlier post turns up, however
    much was said in the conversation after it."""
    monkeypatch.setattr(sender, "HISTORY_PAGE", 3)

    def chatter():
        for i in range(10):
            clock.advance(seconds=1)
            client.chat_postMessage(channel=ALICE, text=f"chat {i}")

    key = lose_then_look(rt, fake, client, clock, ALICE, between=chatter)
    assert_found_not_reposted(rt, fake, ALICE, key)
    assert [c.response["has_more"] for c in fake.calls("conversations.history")] == [True, True, True, False]  # 3+3+3+2


def test_messages_from_before_the_row_was_queued_are_not_taken_for_its_post(rt, fake, client, clock, monkeypatch):
    """Only the history since shortly before the row was queued is read: an older message carrying
    the same key (left by an earlier install) is not taken for this row's post, which goes out once."""
    monkeypatch.setattr(sender, "HISTORY_PAGE", 3)
    start = clock.now()
    clock.set(start - sender.HISTORY_MARGIN - timedelta(minutes=5))
    stale = {"event_type": sender.EVENT_TYPE, "event_payload": {"key": "test:0"}}
    client.chat_postMessage(channel=ALICE, text="an old alert", metadata=stale)
    for i in range(4):
        client.chat_postMessage(channel=ALICE, text=f"old chat {i}")
    clock.set(start)
    [key] = queue(rt, 1)
    [row] = rows(rt)
    assert claim(rt.sessions, row.id, clock.now())  # ... and the process dies before posting
    clock.advance(seconds=CLAIM_TIMEOUT.total_seconds() + 60)
    assert send_due(rt.sessions, client, clock.now()) == sender.SendResult(sent=1)
    [post] = [c for c in posts_of(fake, key) if c.args["text"] != "an old alert"]
    assert rows(rt)[0].slack_ts == post.response["ts"]
    assert in_conversation(fake, ALICE)[key] == 2  # the old one and this row's
    [looked] = fake.calls("conversations.history")  # one page, empty: nothing since then
    assert looked.response["messages"] == []


def test_a_channel_beyond_the_first_page_of_conversations_list_is_found(rt, fake, client, clock):
    """A "#name" is looked up page by page, 1000 channels a page: made after 1000 others, the
    channel is on the second page, and the earlier post in it is found."""
    for i in range(1000):
        fake.add_channel(f"team-{i}")
    listed = []
    key = lose_then_look(rt, fake, client, clock, "#deal-alerts", between=lambda: listed.extend(fake.calls("conversations.list")))
    assert_found_not_reposted(rt, fake, "#deal-alerts", key)
    pages = [c for c in fake.calls("conversations.list") if c not in listed]
    assert len(pages) == 2 and len(pages[0].response["channels"]) == 1000  # (the worker's pass posted the day's digest to a channel too)
    assert "deal-alerts" in {channel["name"] for channel in pages[1].response["channels"]}


def test_an_archived_channel_of_the_same_name_is_not_where_the_post_is_looked_for(rt, fake, client, clock):
    """An archived channel keeps its name: the history read is the live channel's, where the post is."""
    archived = fake.add_channel("deal-alerts", archived=True)
    key = lose_then_look(rt, fake, client, clock, "#deal-alerts")
    assert_found_not_reposted(rt, fake, "#deal-alerts", key)
    assert archived not in [c.args["channel"] for c in fake.calls("conversations.history")]


def test_a_post_to_a_private_channel_is_looked_for_there(rt, fake, client, clock):
    """A "#name" may be a private channel (conversations.list lists public ones unless asked)."""
    private = fake.add_channel("deal-alerts", private=True)
    key = lose_then_look(rt, fake, client, clock, "#deal-alerts")
    assert_found_not_reposted(rt, fake, "#deal-alerts", key)
    assert [c.args["channel"] for c in fake.calls("conversations.history")] == [private]


def test_a_post_to_an_enterprise_user_is_looked_for_in_their_dm(rt, fake, client, clock):
    """A user id starting with W (Enterprise Grid) is a DM too: the history read is that DM's."""
    key = lose_then_look(rt, fake, client, clock, "W0GRID")
    assert_found_not_reposted(rt, fake, "W0GRID", key)
    assert [c.args["channel"] for c in fake.calls("conversations.history")] == ["DW0GRID"]


# --- what a tick counts, and what an unclear refusal means ---


def test_an_internal_error_may_have_posted_so_the_history_is_read_first(rt, fake, client, clock):
    """ok:false with internal_error is an answer that may hide a post: the next try looks first."""
    [key] = queue(rt, 1, channel="#deal-alerts")
    fake.fail("chat.postMessage", error="internal_error")
    send_due(rt.sessions, client, clock.now())
    assert rows(rt)[0].last_error == sender.UNKNOWN + "internal_error"
    clock.advance(minutes=2)
    send_due(rt.sessions, client, clock.now())
    assert len(fake.calls("conversations.list")) == 1  # looked for the channel (not there yet: nothing posted)
    assert in_conversation(fake, "#deal-alerts") == {key: 1}


def test_a_tick_counts_every_failure_and_every_update_and_keeps_2000_characters_of_an_error(rt, fake, client, clock):
    """Two failures in one tick count two; an error is kept to 2,000 characters; two edits count
    two, each made once."""
    from bot.blocks.kit import message
    from bot.delivery.outbox import enqueue

    queue(rt, 2, channel="#deal-alerts")
    fake.fail("chat.postMessage", error="x" * 2500, times=2)
    assert send_due(rt.sessions, client, clock.now()).failed == 2
    assert [len(r.last_error) for r in rows(rt)] == [2000, 2000]
    clock.advance(minutes=1)
    assert send_due(rt.sessions, client, clock.now()).sent == 2
    with rt.transaction() as session:
        for first in rows(rt):
            enqueue(
                session,
                workspace_id="T0001",
                key=f"{first.key}:u",
                kind="alert_update",
                channel=first.channel,
                reply=message("v2"),
                now=clock.now(),
                update_of=first.id,
            )
    assert send_due(rt.sessions, client, clock.now()).sent == 2
    clock.set(clock.now() + CLAIM_TIMEOUT + timedelta(minutes=1))
    assert send_due(rt.sessions, client, clock.now()) == sender.SendResult()  # the edits are recorded as made
    assert len(fake.calls("chat.update")) == 2
