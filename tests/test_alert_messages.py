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
from tests.test_alerts import ALICE, BOB, CHANNEL, at, dms, edit, member, open_alerts, posts, to_channel

client, run, deal = base.client, base.run, base.deal  # the fixtures of the alert tests


def updates(fake):
    return [c for c in fake.calls("chat.update") if not c.failed]


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


def test_monday_morning_on_the_demo_pipeline_is_one_message_per_deal_and_reader(rt, clock, client, fake):
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
    assert len(per_reader.get(BOB, [])) <= 1  # bob chose the daily bundle
    for reader, messages in per_reader.items():
        if reader != BOB:  # one message per deal, each about one deal
            assert all(len(m) == 1 for m in messages), (reader, [p.args["text"] for p in sent if p.args["channel"] == reader])
            deals = [next(iter(m)) for m in messages]
            assert len(deals) == len(set(deals)), reader
    assert preview[-1].endswith(", ".join(f"{who} {n}" for who, n in sorted(Counter(p.args["channel"] for p in sent).items())))
    assert int(preview[-1].split()[0]) == len(sent)


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
    assert [p.args["channel"] for p in run()] == [ALICE, CHANNEL]

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
