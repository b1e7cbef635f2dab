"""A handover that stands still alerts like a stalled deal: an open handover (not yet accepted) with
nothing ticked for `[handover] stall_days` goes, through the worker's scan and the outbox, to its
delivery owner and the deal's owner, once, saying which steps are left; it keeps the alerts' noise
rules (working time, one message per deal and reader, updated in place, escalation). The clock is
fixed and advanced by hand (Wednesday 2026-11-25 10:00, Shanghai); nothing sleeps."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from bot.alerts import scan as watch
from bot.console.slack_workspace import FakeWorkspace
from store.models import Alert, OutboxMessage
from tests import test_alerts as base
from tests.conftest import SHANGHAI, USERS, payload_text
from tests.slackcheck import assert_valid_message

ALICE, BOB, LI = (USERS[n]["user_id"] for n in ("alice", "bob", "li"))
STEPS_EN = "Requirements handed over, Scope confirmed, Key dates agreed, Customer acceptance"


client, run = base.client, base.run  # the alert tests' worker pass: scan, bundles, send


@pytest.fixture
def handed_over(slack, rt, run):
    """#1 Acme ERP (¥5万, alice's) won on Wednesday and handed over to li (delivery, reads
    Chinese); the handover's own post and DM already sent."""
    for who in ("bob", "li"):
        slack.command(who, "help")
    slack.command("boss", f"team set <@{LI}> role:delivery")
    slack.command("alice", "new Acme ERP 5万 stage negotiation")
    slack.command("alice", "won 1")
    slack.submit("alice", slack.opened_view(), {"delivery_owner": LI, "scope": "MES"})
    assert sorted(p.args["channel"] for p in run()) == sorted([FakeWorkspace._name_id("delivery"), LI])  # the post: in the deal's thread there
    return 1


def at(clock, text):
    clock.set(datetime.fromisoformat(text).replace(tzinfo=SHANGHAI))


def open_alerts(rt):
    with rt.sessions() as session:
        return session.execute(select(Alert.opportunity_id, Alert.condition).where(Alert.cleared_at.is_(None))).all()


def texts(posts, user):
    return [payload_text(p.args) for p in posts if p.args["channel"] == user]


def test_a_handover_with_no_progress_for_its_stall_days_alerts_the_delivery_owner_and_the_deal_owner_once(rt, clock, handed_over, run):
    at(clock, "2026-12-02T10:00")  # exactly 7 days: not yet
    assert run() == [] and open_alerts(rt) == []
    at(clock, "2026-12-02T10:01")
    posts = run()
    assert sorted(p.args["channel"] for p in posts) == sorted([ALICE, LI])  # the small deal stays out of the alerts channel
    for post in posts:
        assert_valid_message(post.args)
    [to_alice] = texts(posts, ALICE)
    assert "⚠️ #1 Acme ERP: Handover stalled" in to_alice
    assert f"no progress on the handover for 7 days (7 allowed); still to do: {STEPS_EN} — `/opp handover 1`" in to_alice
    [to_li] = texts(posts, LI)
    assert "交接停滞" in to_li and "未完成：需求交接、实施范围确认、时间节点确认、客户验收 — `/opp 交接 1`" in to_li
    assert open_alerts(rt) == [(1, "handover_stalled")]
    clock.advance(hours=3)
    assert run() == []  # never twice


def test_a_big_deals_stalled_handover_stays_out_of_the_alerts_channel(slack, rt, clock, handed_over, run):
    base.edit(rt, 1, amount=rt.config.alerts.channel_min_amount * 10, grade="A")
    at(clock, "2026-12-03T10:00")
    assert sorted(p.args["channel"] for p in run()) == sorted([ALICE, LI])


def test_the_alert_names_only_the_steps_left_and_waits_for_working_time(slack, rt, clock, handed_over, run):
    at(clock, "2026-11-28T10:00")  # Saturday
    slack.command("li", "交接 1 完成 实施范围确认")
    at(clock, "2026-12-05T11:00")  # the next Saturday: stalled, not a working day
    assert run() == []
    assert open_alerts(rt) == [(1, "handover_stalled")]
    at(clock, "2026-12-07T09:30")  # Monday
    [to_alice] = texts(run(), ALICE)
    assert "still to do: Requirements handed over, Key dates agreed, Customer acceptance" in to_alice


def test_a_tick_clears_it_and_every_copy_reads_resolved(slack, rt, clock, handed_over, run, fake):
    at(clock, "2026-12-03T10:00")
    posted = {p.args["channel"]: p.response["ts"] for p in run()}
    slack.click("li", "handover_tick_0", "1:requirements")
    clock.advance(minutes=5)
    assert run() == [] and open_alerts(rt) == []
    resolved = [c.args for c in fake.calls("chat.update") if c.args["ts"] in {posted[ALICE], posted[LI]}]
    assert {u["ts"] for u in resolved if "✅" in payload_text(u)} == {posted[ALICE], posted[LI]}
    at(clock, "2026-12-10T10:06")  # a week on from the tick: stalled again, a new message
    assert sorted(p.args["channel"] for p in run()) == sorted([ALICE, LI])


def test_an_accepted_handover_never_alerts(slack, rt, clock, handed_over, run):
    slack.command("alice", "handover 1 accepted today")
    at(clock, "2027-01-06T10:00")
    assert run() == [] and open_alerts(rt) == []


def test_nobody_acting_on_it_escalates_it_to_the_owners_manager(slack, rt, clock, handed_over, run):
    slack.command("boss", f"team set <@{ALICE}> manager:<@{BOB}>")
    at(clock, "2026-12-03T10:00")
    run()
    at(clock, "2026-12-07T10:00")  # escalate_after_days later
    assert [p.args["channel"] for p in run()] == [BOB]
    assert run() == []


def test_the_delivery_owners_mute_keeps_their_dm_but_not_the_owners(slack, rt, clock, handed_over, run):
    slack.command("li", "提醒设置 静音 30天")
    at(clock, "2026-12-03T10:00")
    assert [p.args["channel"] for p in run()] == [ALICE]


def test_the_dry_run_names_the_condition_and_changes_nothing(rt, clock, handed_over):
    at(clock, "2026-12-03T10:00")
    with rt.transaction() as session:
        result = watch.scan(session, config=rt.config, workspace_id="T0001", now=clock.now(), dry_run=True)
    assert any("#1 Acme ERP: Handover stalled — no progress on the handover for 8 days" in line for line in result.lines), result.lines
    assert "-> dm U0ALICE post #1: Handover stalled" in result.lines
    assert "-> delivery U0LI post #1: Handover stalled" in result.lines  # the delivery owner's DM
    assert open_alerts(rt) == []
    with rt.sessions() as session:
        assert not session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "alert")).all()
