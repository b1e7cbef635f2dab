"""One message per deal and reader: every open condition of a deal in one message, updated in
place as conditions open and clear; the sign says how bad it is; a Monday morning on the demo
pipeline is a handful of messages, not a flood. The clock is fixed; nothing sleeps."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

from sqlalchemy import select

from bot.alerts import scan as watch
from bot.demo.pipeline import load_demo
from bot.worker.jobs import tick
from store.models import Member
from tests import test_alerts as base
from tests.conftest import SHANGHAI, payload_text
from tests.slackcheck import assert_valid_message
from tests.test_alerts import ALICE, BOB, CHANNEL, at, dms, edit, member, open_alerts, posts, to_channel, updates, where

client, run, deal = base.client, base.run, base.deal  # the fixtures of the alert tests


def test_one_message_per_deal_lists_every_condition_and_is_updated_in_place(slack, rt, clock, deal, run, fake):
    edit(rt, 1, amount=900_000, expected_close=date(2026, 11, 20))
    slack.command("boss", "risk 1 competitor they quoted 20% lower")
    sent = run()
    assert [p.args["text"] for p in dms(sent, ALICE)] == ["🔴 #1 Acme ERP: Risk, Close date passed"]
    assert [p.args["text"] for p in to_channel(sent)] == ["🔴 #1 Acme ERP：风险、预计成交日已过"]  # the workspace's language
    assert len(sent) == 2
    first = {p.args["channel"]: p.response["ts"] for p in sent}

    at(clock, "2026-12-07T10:00")  # Monday: now stalled too — the same two messages say so
    before = len(updates(fake))
    assert run() == []
    changed = updates(fake)[before:]
    assert sorted(u.args["ts"] for u in changed) == sorted(first.values())
    assert {u.args["text"] for u in changed} == {"🔴 #1 Acme ERP: Risk, Close date passed, Stalled", "🔴 #1 Acme ERP：风险、预计成交日已过、停滞"}
    for u in changed:
        assert_valid_message({"text": u.args["text"], "blocks": u.args["blocks"]})

    slack.command("alice", "risk 1 clear competitor")
    before = len(updates(fake))
    assert run() == []
    assert {u.args["text"] for u in updates(fake)[before:]} == {"🔴 #1 Acme ERP: Close date passed, Stalled", "🔴 #1 Acme ERP：预计成交日已过、停滞"}

    at(clock, "2026-12-07T11:00")
    edit(rt, 1, expected_close=date(2026, 12, 31), last_activity_at=clock.now())
    before = len(updates(fake))
    fresh = run()  # the customer has been silent for 14 days by now: the app flags it, a new episode
    assert sorted(p.args["text"] for p in fresh) == ["🔴 #1 Acme ERP: Risk", "🔴 #1 Acme ERP：风险"]
    assert not {p.response["ts"] for p in fresh} & set(first.values())
    [reply] = [p for p in fresh if p.args.get("thread_ts")]  # the channel's: in the deal's thread, shown in the channel too
    card = to_channel(sent)[0].args["thread_ts"]  # the thread under the deal's card, where the first episode went too
    assert (reply.args["thread_ts"], reply.args["reply_broadcast"], reply.args["text"]) == (card, True, "🔴 #1 Acme ERP：风险")
    assert card not in first.values()
    resolved = updates(fake)[before:]
    assert open_alerts(rt) == [(1, "risk")]
    assert {u.args["text"] for u in resolved} == {"#1 Acme ERP: Close date passed, Stalled", "#1 Acme ERP：预计成交日已过、停滞"}  # no sign once resolved
    assert all("Resolved" in payload_text(u.args) or "已解决" in payload_text(u.args) for u in resolved)


def test_a_small_overdue_deal_is_a_warning_and_a_big_stalled_one_is_not_red(rt, clock, deal, run):
    edit(rt, 1, expected_close=date(2026, 11, 20))  # small
    assert [p.args["text"] for p in run()] == ["⚠️ #1 Acme ERP: Close date passed"]
    edit(rt, 1, amount=900_000, expected_close=date(2026, 12, 31))
    at(clock, "2026-12-07T10:00")  # stalled only: not at risk or overdue
    texts = [p.args["text"] for p in run()]
    assert texts == ["⚠️ #1 Acme ERP: Stalled", "⚠️ #1 Acme ERP：停滞"]


def test_a_follow_up_due_today_says_today_not_zero_days(slack, rt, clock, deal, run):
    edit(rt, 1, next_touch_due=datetime(2026, 11, 25, 9, tzinfo=SHANGHAI))
    [dm] = run()
    assert "grade C deals need a touch by Wed 2026-11-25; due today" in payload_text(dm.args)
    assert "0 days" not in payload_text(dm.args)
    with rt.transaction() as session:  # already announced: the dry run has nothing new to say
        assert watch.scan(session, config=rt.config, workspace_id="T0001", now=clock.now(), dry_run=True).lines == ["0 messages; per recipient: nobody"]


def test_a_big_deals_follow_up_due_today_reads_today_in_the_channel_too(slack, rt, clock, deal, run):
    edit(rt, 1, amount=900_000, next_touch_due=datetime(2026, 11, 25, 9, tzinfo=SHANGHAI))
    [post] = to_channel(run())
    assert post.args["text"] == "🔴 #1 Acme ERP：未按时跟进"
    assert "C 级商机应在 2026-11-25 (周三) 前跟进，今天到期" in payload_text(post.args)


def alert_key(post) -> str:
    return (post.args.get("metadata") or {}).get("event_payload", {}).get("key", "")


def demo_monday(rt, clock):
    users = {"alice": ALICE, "bob": BOB, "li": "U0LI", "wang": "U0WANG"}
    assert load_demo(rt, "T0001", users) > 0
    at(clock, "2026-11-30T09:05")  # Monday, 09:05 team time


def test_monday_morning_on_the_demo_pipeline_is_at_most_one_dm_per_rep(rt, clock, client, fake):
    demo_monday(rt, clock)
    member(rt, BOB, alert_mode="bundle")
    with rt.transaction() as session:
        preview = watch.scan(session, config=rt.config, workspace_id="T0001", now=clock.now(), dry_run=True).lines
    before = len(posts(fake))
    tick(rt, client, clock.now())
    sent = [p for p in posts(fake)[before:] if alert_key(p).startswith(("deal:", "bundle:", "escalate:"))]  # not the digests
    assert sent, "the demo pipeline has something to say on a Monday morning"
    per_reader: dict[str, list[set[int]]] = {}
    for post in sent:
        numbers = {int(n) for n in re.findall(r"#(\d+)", payload_text(post.args))}
        per_reader.setdefault(post.args["channel"], []).append(numbers)
        assert_valid_message({"text": post.args["text"], "blocks": post.args["blocks"]})
        assert "_" not in post.args["text"]  # no internal key (close_passed...) reaches a person
    reps = {reader: messages for reader, messages in per_reader.items() if reader.startswith("U")}
    assert {reader: len(messages) for reader, messages in reps.items()} == dict.fromkeys(reps, 1)  # the default too: one DM each
    assert len(reps[ALICE][0]) > 1  # alice has several deals due: one DM lists them
    for reader, messages in per_reader.items():
        if reader not in reps:  # the alerts channel: one post per deal, each about one deal
            assert all(len(m) == 1 for m in messages), reader
            assert len(messages) == len({next(iter(m)) for m in messages}), reader
    counts = dict(Counter(where(p) for p in sent))
    assert preview[-1] == f"{len(sent)} messages; per recipient: " + ", ".join(f"{who} {n}" for who, n in sorted(counts.items()))


def test_several_deals_due_at_once_are_one_dm_most_pressing_first(slack, rt, clock, deal, run):
    for n in range(2, 8):
        slack.command("alice", f"new Deal {n} {n * 10}万")
    for n in range(1, 8):
        edit(rt, n, expected_close=date(2026, 11, 20))
    edit(rt, 6, amount=900_000)  # 🔴, the biggest
    with rt.transaction() as session:
        lines = watch.scan(session, config=rt.config, workspace_id="T0001", now=clock.now(), dry_run=True).lines
    sent = run()
    [dm] = dms(sent, ALICE)
    assert dm.args["text"] == "7 of your deals need attention"
    shown = re.findall(r"#(\d+) ", payload_text(dm.args))
    assert shown[:5] == ["6", "7", "5", "4", "3"]  # red first, then the biggest
    assert "and 2 more — `/opp list`" in payload_text(dm.args)
    assert f"-> dm {ALICE} post one DM about 7 deals: #6: Close date passed; #7: " in "\n".join(lines)
    assert len(sent) == len(to_channel(sent)) + 1
    assert lines[-1] == f"{len(sent)} messages; per recipient: {CHANNEL} {len(to_channel(sent))}, {ALICE} 1"
    assert_valid_message({"text": dm.args["text"], "blocks": dm.args["blocks"]})


def test_several_deals_read_in_chinese(slack, rt, clock, deal, run):
    member(rt, ALICE, locale="zh-CN")
    for n in range(2, 8):
        slack.command("alice", f"new Deal {n} {n * 10}万")
        edit(rt, n, expected_close=date(2026, 11, 20))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [dm] = dms(run(), ALICE)
    assert dm.args["text"] == "你有 7 个商机需要处理"
    assert "还有 2 个 — `/opp 列表`" in payload_text(dm.args)


def test_one_deal_alone_keeps_its_own_dm_updated_in_place(slack, rt, clock, deal, run, fake):
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [dm] = dms(run(), ALICE)
    assert dm.args["text"] == "⚠️ #1 Acme ERP: Close date passed"
    at(clock, "2026-12-07T10:00")  # now stalled too: the same DM says so
    before = len(updates(fake))
    assert run() == []
    [changed] = updates(fake)[before:]
    assert changed.args["ts"] == dm.response["ts"]
    assert changed.args["text"] == "⚠️ #1 Acme ERP: Close date passed, Stalled"


def test_dm_keeps_one_dm_per_deal(slack, rt, clock, deal, run):
    assert said(slack.command("alice", "alerts dm")) == "OK: you get one DM per deal when your deals need attention."
    slack.command("alice", "new Initech 30万")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    edit(rt, 2, expected_close=date(2026, 11, 20))
    assert sorted(p.args["text"] for p in dms(run(), ALICE)) == ["⚠️ #1 Acme ERP: Close date passed", "⚠️ #2 Initech: Close date passed"]
    assert said(slack.command("alice", "alerts default")).startswith("OK: back to the default")


def said(answer) -> str:
    """The reply's text (the first line: its blocks say the same)."""
    return answer.text.split("\n")[0]


def test_a_rep_chooses_how_they_hear_about_their_own_deals(slack, rt, clock, deal, run):
    assert said(slack.command("alice", "alerts bundle")) == "OK: your deal alerts come as one DM each working day at 09:00."
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [bundle] = run()  # 10:00: past the bundle time, so the day's bundle instead of a DM per deal
    assert bundle.args["channel"] == ALICE and bundle.args["text"] == "Today's deal alerts (1)"

    answer = slack.command("alice", "提醒设置 静音 3天")  # typed in Chinese: answered in Chinese
    assert said(answer) == "好的：2026-11-28 (周六) 10:00 之前不再私信你商机提醒。"
    assert said(slack.command("alice", "alerts dm")) == "OK: you get one DM per deal when your deals need attention."
    edit(rt, 1, next_step="send quote", next_step_due=date(2026, 11, 24))
    clock.advance(hours=1)
    assert run() == []  # muted
    assert said(slack.command("alice", "alerts unmute")) == "OK: unmuted; alert DMs are back on."
    edit(rt, 1, amount=900_000)
    clock.advance(days=1)
    slack.command("boss", "risk 1 competitor")
    assert [where(p) for p in run()] == [ALICE, CHANNEL]

    assert said(slack.command("alice", "提醒设置 频道")) == "好的：不再私信你商机提醒；大额或 A 级商机仍会发到提醒频道。"
    slack.command("alice", "new Initech 120万")
    edit(rt, 2, expected_close=date(2026, 11, 20))
    assert [p.args["text"] for p in run()] == ["🔴 #2 Initech：预计成交日已过"]  # the channel only
    assert said(slack.command("alice", "alerts dm-only")) == "OK: alerts about your deals come by DM only, never in a channel."
    with rt.sessions() as session:
        assert session.scalars(select(Member.alert_mode).where(Member.slack_user_id == ALICE)).one() == "dm_only"


def test_an_alert_preference_that_cannot_be_read_shows_how_to_say_it(slack):
    answer = slack.command("alice", "alerts mute forever")
    assert "Say how you want deal alerts" in answer.text and "`/opp alerts bundle`" in answer.text
    assert "例如：`/opp 提醒设置 汇总`" in slack.command("alice", "提醒设置 静音 100天").text  # at most 90 days
    assert "Reminder" not in slack.command("alice", "alerts").text  # `alerts` is not `remind`


def test_messages_posted_before_one_message_per_deal_are_still_updated_and_resolved(slack, rt, clock, deal, run, fake):
    """An upgrade finds alert messages keyed the old way (``alert:<alert id>:<round>:<target>``, one
    per condition): they belong to their deal and are updated like the new ones."""
    from store.models import Alert, OutboxMessage

    edit(rt, 1, amount=900_000, expected_close=date(2026, 11, 20))
    first = {p.args["channel"]: p.response["ts"] for p in run()}
    with rt.transaction() as session:  # as the previous version wrote them
        alert_id = session.scalars(select(Alert.id).where(Alert.condition == "close_passed")).one()
        for n, message in enumerate(session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("deal:%")))):
            message.key = f"alert:{alert_id}:0:target{n}"
    edit(rt, 1, expected_close=date(2026, 12, 31))  # the condition clears
    before = len(updates(fake))
    assert run() == []  # nothing posted anew
    resolved = updates(fake)[before:]
    assert sorted(u.args["ts"] for u in resolved) == sorted(first.values())
    assert all("Resolved" in payload_text(u.args) or "已解决" in payload_text(u.args) for u in resolved)
