"""A deal's messages over time, as Slack sees them: every episode in the alerts channel replies in
the thread of the deal's card there (bot.deals.threads), and each edit of a message (chat.update through the
outbox) goes out once per distinct text at a given moment. The clock is fixed; nothing sleeps."""

from __future__ import annotations

from datetime import date, datetime

from bot.core.i18n import t
from tests import test_alerts as base
from tests.conftest import SHANGHAI, payload_text
from tests.test_alerts import ALICE, CHANNEL, alert_id, edit, is_card, to_channel

client, run, deal = base.client, base.run, base.deal  # the fixtures of the alert tests


def updates_of(fake, ts):
    return [c for c in fake.calls("chat.update") if not c.failed and c.args["ts"] == ts]


def log_click(slack, rt, who):
    answer = slack.click(who, "alert_log", str(alert_id(rt)), ephemeral=False)
    assert answer.status == 200


def test_every_episode_replies_in_the_thread_of_the_deals_card_in_the_channel(rt, clock, deal, run, fake):
    """The deal's card is posted first and every episode, the first too, replies under it; a
    resolved episode's reply is edited, never the card's thread moved to a reply or an edit."""
    edit(rt, 1, amount=900_000, expected_close=date(2026, 11, 20))
    [first] = to_channel(run())
    [card] = [c for c in fake.calls("chat.postMessage") if is_card(c)]
    assert card.args["channel"] == CHANNEL and "thread_ts" not in card.args and "#1 Acme ERP" in payload_text(card.args)
    assert (first.response["channel"], first.args["thread_ts"], first.args["reply_broadcast"]) == (card.response["channel"], card.response["ts"], True)
    for slipped in (date(2026, 11, 21), date(2026, 11, 22)):
        clock.advance(minutes=5)
        edit(rt, 1, expected_close=date(2026, 12, 31))  # resolved: the episode's messages are edited
        assert run() == []
        clock.advance(minutes=5)
        edit(rt, 1, expected_close=slipped)  # slips again: a new episode
        [reply] = [p for p in run() if p.args["channel"] != ALICE]  # in the channel the first post went to
        assert (reply.args["thread_ts"], reply.args["reply_broadcast"]) == (card.response["ts"], True)
        assert reply.response["channel"] == card.response["channel"] and reply.response["ts"] != first.response["ts"]
    assert len(updates_of(fake, first.response["ts"])) == 1  # the first episode's reply was edited once, when resolved
    assert len([c for c in fake.calls("chat.postMessage") if is_card(c)]) == 1


def test_two_different_updates_in_the_same_instant_both_reach_the_message(rt, clock, deal, run, slack, fake):
    """Alice and the admin start logging from the alert at the same moment: the DM is edited twice,
    and ends up naming the admin."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [post] = run()
    clock.advance(minutes=1)
    log_click(slack, rt, "alice")
    log_click(slack, rt, "boss")
    assert run() == []
    texts = [payload_text(u.args) for u in updates_of(fake, post.response["ts"])]
    assert len(texts) == 2 and "U0ALICE" in texts[0] and "U0ADMIN" in texts[1]


def test_an_update_that_reads_like_an_earlier_one_is_sent_again_minutes_later(rt, clock, deal, run, slack, fake):
    """Alice logs, the admin logs a minute later, alice again a minute after: her DM is edited three
    times and ends up naming alice, though the third edit reads exactly like the first."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [post] = run()
    for who in ("alice", "boss", "alice"):
        clock.advance(minutes=1)
        log_click(slack, rt, who)
    assert run() == []
    texts = [payload_text(u.args) for u in updates_of(fake, post.response["ts"])]
    assert len(texts) == 3 and texts[0] == texts[2] != texts[1]
    assert "U0ALICE" in texts[-1] and "U0ADMIN" not in texts[-1]


def test_the_same_update_queued_twice_in_one_millisecond_is_sent_once(rt, clock, deal, run, slack, fake):
    """Alice presses Log activity twice within the same millisecond: the identical edit of her DM goes
    out once; a press a millisecond later is another edit."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [post] = run()
    clock.set(datetime(2026, 11, 25, 10, 1, 0, 499_200, tzinfo=SHANGHAI))
    log_click(slack, rt, "alice")
    clock.set(datetime(2026, 11, 25, 10, 1, 0, 499_800, tzinfo=SHANGHAI))  # the same millisecond
    log_click(slack, rt, "alice")
    assert run() == []
    assert len(updates_of(fake, post.response["ts"])) == 1
    clock.advance(microseconds=1000)  # the next millisecond
    log_click(slack, rt, "alice")
    assert run() == []
    [first, again] = updates_of(fake, post.response["ts"])
    assert payload_text(first.args) == payload_text(again.args)
    assert "U0ALICE" in payload_text(again.args)
    assert post.args["channel"] == ALICE and t("en", "alert_cleared") not in payload_text(again.args)
