"""When an alert's snooze ends: at the worker's first tick at or after its end the alert is armed
again — announced anew, its message no longer saying who snoozed it, and escalated again if nobody
acts — while an alert that cleared during the snooze keeps its record, and another workspace's
scan leaves this workspace's snoozes alone. Through the worker's tick, the buttons and what the
Slack stand-in received; the clock is fixed, nothing sleeps."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from store.models import Alert, Workspace
from tests import test_alert_escalation
from tests import test_alerts as base
from tests.conftest import payload_text
from tests.test_alerts import ALICE, BOB, alert_id, at, dms, edit, member, updates

client, deal = base.client, base.deal  # the fixtures of the alert tests
tick = test_alert_escalation.tick  # one worker pass


def the_alert(rt) -> Alert:
    with rt.sessions() as session:
        return session.scalars(select(Alert)).one()


def test_a_snooze_ends_exactly_at_its_end_and_the_new_message_does_not_say_who_snoozed_it(rt, clock, deal, tick, slack):
    """Alice snoozes her DM for a day: exactly a day later the alert is announced to her again, in
    a message that does not say she snoozed it, and it records no action any more."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    _, [first] = tick()
    assert slack.click("alice", "alert_snooze_1", f"{alert_id(rt)}:1", ephemeral=False).status == 200
    assert "<@U0ALICE> snoozed this for 1 day" in payload_text(slack.responses()[-1])
    clock.advance(days=1)
    _, sent = tick()
    [again] = dms(sent, ALICE)
    text = payload_text(again.args)
    assert "Close date" in text and "snoozed" not in text, text
    alert = the_alert(rt)
    assert (alert.snoozed_until, alert.action, alert.acted_by_id, alert.acted_at) == (None, None, None, None)
    assert alert.notified_at is not None and alert.cleared_at is None


def test_an_alert_escalated_then_snoozed_is_escalated_again_when_nobody_acts_after_the_snooze(rt, clock, deal, tick, slack):
    """Nobody acts for two days: bob, alice's manager, hears. Alice then snoozes it for a day; it
    comes back on Monday, and two more days without action bring it to bob again."""
    member(rt, ALICE, manager_id=member(rt, BOB))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    tick()
    clock.advance(days=2)  # Friday
    results, sent = tick()
    assert [r.escalated for r in results] == [1] and [p.args["channel"] for p in sent] == [BOB]
    slack.click("alice", "alert_snooze_1", f"{alert_id(rt)}:1")
    at(clock, "2026-11-30T10:00")  # Monday: the snooze is over, the close date still passed
    _, sent = tick()
    assert [p.args["channel"] for p in sent] == [ALICE]
    clock.advance(days=1)
    results, sent = tick()
    assert [r.escalated for r in results] == [0] and dms(sent, BOB) == []
    clock.advance(days=1)  # Wednesday: two days without action since it came back
    results, sent = tick()
    assert [r.escalated for r in results] == [1] and [p.args["channel"] for p in sent] == [BOB]


def test_an_alert_that_cleared_while_snoozed_keeps_who_snoozed_it_after_the_snooze_ends(rt, clock, deal, tick, slack):
    """Alice snoozes the alert, then moves the close date on: the alert clears. When the snooze's
    time has passed it still records alice's snooze, and nothing is announced."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    tick()
    slack.click("alice", "alert_snooze_1", f"{alert_id(rt)}:1")
    alice = member(rt, ALICE)
    edit(rt, 1, expected_close=date(2026, 12, 31))
    clock.advance(hours=1)
    tick()
    snoozed = the_alert(rt)
    assert snoozed.cleared_at is not None
    clock.advance(days=2)
    _, sent = tick()
    assert sent == []
    alert = the_alert(rt)
    assert (alert.action, alert.acted_by_id, alert.snoozed_until, alert.notified_at) == ("snooze:1", alice, snoozed.snoozed_until, snoozed.notified_at)


def test_another_workspaces_scan_leaves_this_workspaces_snoozes_alone(rt, clock, deal, tick, slack, fake):
    """Another workspace is scanned first. Alice's deal had two conditions; she snoozed it and
    fixed one; when the snooze ends the fixed one clears, and her DM is updated to show the other
    still snoozed (not resolved) before it is announced again."""
    with rt.transaction() as session:
        session.add(Workspace(id="T0000", next_number=1, created_at=clock.now()))
    edit(rt, 1, expected_close=date(2026, 11, 20), next_step="send quote", next_step_due=date(2026, 11, 24))
    _, [dm] = tick()
    slack.click("alice", "alert_snooze_1", f"{first_alert(rt)}:1", ephemeral=False)
    edit(rt, 1, next_step_due=date(2026, 12, 31))
    before = len(updates(fake))
    clock.advance(days=1, minutes=1)
    tick()
    *_, edited = [payload_text(u.args) for u in updates(fake)[before:] if u.args["ts"] == dm.response["ts"]]  # after the snooze's own update
    assert "Close date passed" in edited and "<@U0ALICE> snoozed this for 1 day" in edited, edited
    assert "Next step" not in edited and "resolved" not in edited.lower(), edited


def first_alert(rt) -> int:
    with rt.sessions() as session:
        return min(session.scalars(select(Alert.id)))
