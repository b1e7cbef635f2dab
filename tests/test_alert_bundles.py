"""The daily bundle, as a member who chose it reads it in Slack: one DM a working day at the bundle
time listing their own deals whose alerts were announced since the last bundle time, and nothing
else — not other people's deals, not alerts that have cleared or are snoozed, not what the member
caused themself, and nothing already in yesterday's bundle. The clock is fixed; nothing sleeps."""

from __future__ import annotations

import re
from datetime import date

from tests import test_alerts as base
from tests.conftest import payload_text
from tests.test_alerts import ALICE, BOB, at, dms, edit, member, open_alerts, to_channel

client, run, deal = base.client, base.run, base.deal  # the fixtures of the alert tests


def bundled(post) -> list[int]:
    """The deal numbers a bundle DM lists, in its order."""
    return [int(n) for n in re.findall(r"\*[^*\n]*#(\d+) ", payload_text(post.args))]


def bundle_of(posts, user=ALICE):
    [post] = dms(posts, user)
    assert post.args["text"].startswith("Today's deal alerts"), post.args["text"]
    return post


def test_the_bundle_lists_only_the_members_own_deals(slack, rt, clock, deal, run):
    """Bob's deal is overdue at the same time as alice's: bob hears about his, alice's bundle lists only hers."""
    member(rt, ALICE, alert_mode="bundle")
    slack.command("bob", "new Initech 5万")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    edit(rt, 2, expected_close=date(2026, 11, 20))
    posts = run()  # 10:00: past the bundle time
    assert [p.args["text"] for p in dms(posts, BOB)] == ["⚠️ #2 Initech: Close date passed"]
    bundle = bundle_of(posts)
    assert bundle.args["text"] == "Today's deal alerts (1)"
    assert bundled(bundle) == [1] and "Initech" not in payload_text(bundle.args)


def test_an_alert_that_cleared_before_the_bundle_time_is_not_in_the_bundle(slack, rt, clock, deal, run):
    """Both of alice's deals are announced at 08:30; #1's close date is moved at 08:45, so the 09:00 bundle lists #2 only."""
    member(rt, ALICE, alert_mode="bundle")
    slack.command("alice", "new Second deal 20万")
    at(clock, "2026-11-25T08:30")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    edit(rt, 2, expected_close=date(2026, 11, 20))
    assert run() == []
    at(clock, "2026-11-25T08:45")
    edit(rt, 1, expected_close=date(2026, 12, 31))
    assert run() == [] and open_alerts(rt) == [(2, "close_passed")]
    at(clock, "2026-11-25T09:00")
    bundle = bundle_of(run())
    assert bundle.args["text"] == "Today's deal alerts (1)" and bundled(bundle) == [2]


def test_an_alert_snoozed_before_the_bundle_time_is_not_in_the_bundle(slack, rt, clock, deal, run):
    """Alice snoozes her big deal's alert from the alerts channel at 08:40: the 09:00 bundle lists only her other deal."""
    member(rt, ALICE, alert_mode="bundle")
    slack.command("alice", "new Second deal 20万")
    edit(rt, 1, amount=900_000)
    at(clock, "2026-11-25T08:30")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    edit(rt, 2, expected_close=date(2026, 11, 20))
    [post] = to_channel(run())  # the big deal in the channel; nothing to alice before 09:00
    buttons = next(b for b in post.args["blocks"] if b["type"] == "actions")["elements"]
    snooze = next(e for e in buttons if e["action_id"] == "alert_snooze_3")
    at(clock, "2026-11-25T08:40")
    assert slack.click("alice", "alert_snooze_3", snooze["value"], ephemeral=False).status == 200
    at(clock, "2026-11-25T09:00")
    bundle = bundle_of(run())
    assert bundle.args["text"] == "Today's deal alerts (1)" and bundled(bundle) == [2]


def test_a_condition_the_member_caused_themself_is_left_out_of_the_bundle(slack, rt, clock, deal, run):
    """On Thursday alice sets a next step due yesterday on #1 (her own doing) while #2's close date has passed: the bundle lists #2 only."""
    member(rt, ALICE, alert_mode="bundle")
    slack.command("alice", "new Second deal 20万")
    clock.advance(days=1)  # Thursday 10:00
    slack.command("alice", "log 1 called them next send quote by 2026-11-25")
    edit(rt, 2, expected_close=date(2026, 11, 20))
    bundle = bundle_of(run())
    assert sorted(open_alerts(rt)) == [(1, "next_step_overdue"), (2, "close_passed")]
    assert bundle.args["text"] == "Today's deal alerts (1)" and bundled(bundle) == [2]
    assert "send quote" not in payload_text(bundle.args)


def test_yesterdays_alerts_are_not_repeated_in_todays_bundle(slack, rt, clock, deal, run):
    """#1 announced Wednesday 08:30 is in Wednesday's bundle; Thursday's lists only #2, announced Thursday morning."""
    member(rt, ALICE, alert_mode="bundle")
    slack.command("alice", "new Second deal 20万")
    at(clock, "2026-11-25T08:30")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert run() == []
    at(clock, "2026-11-25T09:00")
    assert bundled(bundle_of(run())) == [1]
    at(clock, "2026-11-26T08:30")
    edit(rt, 2, expected_close=date(2026, 11, 20))
    assert run() == []
    at(clock, "2026-11-26T09:00")
    bundle = bundle_of(run())
    assert bundle.args["text"] == "Today's deal alerts (1)" and bundled(bundle) == [2]


def test_an_alert_announced_exactly_at_the_bundle_time_is_not_repeated_the_next_day(slack, rt, clock, deal, run):
    """#1 is announced at 09:00 sharp on Wednesday, in the same pass as Wednesday's bundle that lists it;
    Thursday's bundle covers what came after Wednesday 09:00, so it lists only #2."""
    member(rt, ALICE, alert_mode="bundle")
    slack.command("alice", "new Second deal 20万")
    at(clock, "2026-11-25T09:00")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert bundled(bundle_of(run())) == [1]
    at(clock, "2026-11-26T08:30")
    edit(rt, 2, expected_close=date(2026, 11, 20))
    assert run() == []
    at(clock, "2026-11-26T09:00")
    bundle = bundle_of(run())
    assert bundle.args["text"] == "Today's deal alerts (1)" and bundled(bundle) == [2]
