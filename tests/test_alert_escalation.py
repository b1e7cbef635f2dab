"""Announcing a deal's new conditions (a new post for a reader without a message of the episode,
an edit of the message for one who has it; each alert remembers the first message that announced
it) and escalating alerts nobody acted on to the owner's manager: which alerts, which deals, and
the count the scan reports. Through the worker's pass and what Slack received; the clock is fixed,
nothing sleeps."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.console.slack_api import TEAM_ID
from bot.core.i18n import t
from bot.worker.jobs import daily_bundles, scan_all, send_outbox
from store.models import Alert, OutboxMessage, Workspace
from tests import test_alerts as base
from tests.conftest import USERS, payload_text
from tests.test_alerts import ALICE, BOB, CHANNEL, alert_id, at, dms, edit, member, posts, updates, where

client, deal = base.client, base.deal  # the fixtures of the alert tests
BOSS = USERS["boss"]["user_id"]


@pytest.fixture
def tick(rt, client, fake):
    """One worker pass at the clock's time: (the scan results, one per workspace; the messages posted)."""

    def go():
        now = rt.clock.now()
        before = len(posts(fake))
        results = scan_all(rt, client, now)
        daily_bundles(rt, client, now)
        send_outbox(rt, client, now)
        return results, posts(fake)[before:]

    return go


def escalated(results):
    return [r.escalated for r in results]


# --- announcing ----------------------------------------------------------------------------------


def test_an_alert_remembers_the_first_of_the_messages_that_announced_it_and_keeps_it(rt, clock, deal, tick):
    """A big deal's passed close date goes to alice by DM and to the channel: the alert keeps the
    DM (the first post) as its message, and still does after a snooze ends and it is posted anew."""
    edit(rt, 1, expected_close=date(2026, 11, 20), amount=1_200_000)
    _, sent = tick()
    assert [where(p) for p in sent] == [ALICE, CHANNEL]
    with rt.sessions() as session:
        first = session.scalars(select(OutboxMessage.id).where(OutboxMessage.key.like("deal:%")).order_by(OutboxMessage.id)).first()
        assert session.scalars(select(Alert.outbox_id)).one() == first


def test_a_snoozed_alert_announced_again_keeps_its_first_message(rt, clock, deal, tick, slack):
    """After the snooze ends the alert is announced in new messages; it still names its first one."""
    edit(rt, 1, expected_close=date(2026, 11, 20), amount=1_200_000)
    tick()
    with rt.sessions() as session:
        first = session.scalars(select(Alert.outbox_id)).one()
    assert first is not None
    slack.click("alice", "alert_snooze_1", f"{alert_id(rt)}:1")
    clock.advance(days=1)
    _, sent = tick()
    assert len(sent) == 2 and len(dms(sent, ALICE)) == 1  # announced again, in new posts (the channel's in its thread)
    with rt.sessions() as session:
        assert session.scalars(select(Alert.outbox_id)).one() == first


def test_a_new_condition_edits_the_readers_message_and_posts_for_a_new_reader_without_editing_that_post(rt, clock, deal, tick, fake):
    """Alice has a DM about the deal; it grows big and its next step is overdue: her DM is edited
    to list both conditions, the channel (a new reader) gets a post, and that post is not edited."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    _, [dm] = tick()
    clock.advance(hours=1)
    edit(rt, 1, amount=1_200_000, next_step="send quote", next_step_due=date(2026, 11, 24))
    _, sent = tick()
    assert [where(p) for p in sent] == [CHANNEL]
    tick()
    edits = updates(fake)
    assert [u.args["ts"] for u in edits] == [dm.response["ts"]]
    text = payload_text(edits[0].args)
    assert "send quote" in text and "Close date passed" in text


# --- escalating ----------------------------------------------------------------------------------


def test_the_scan_counts_the_deals_escalated(rt, clock, deal, tick):
    """One deal nobody acted on for two days: one note to bob, and the scan says one escalated."""
    member(rt, ALICE, manager_id=member(rt, BOB))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    results, _ = tick()
    assert escalated(results) == [0]
    clock.advance(days=2)
    results, sent = tick()
    assert escalated(results) == [1] and [p.args["channel"] for p in sent] == [BOB]


def test_a_deal_whose_owner_has_no_manager_is_skipped_and_the_next_is_escalated(rt, clock, deal, tick, slack):
    """#1 is alice's (no manager), #2 is bob's (his manager is the admin): only #2 is escalated."""
    slack.command("bob", "new Initech 5万")
    member(rt, BOB, manager_id=member(rt, BOSS))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    edit(rt, 2, expected_close=date(2026, 11, 20))
    tick()
    clock.advance(days=2)
    results, sent = tick()
    notes = dms(sent, BOSS)
    assert escalated(results) == [1] and len(notes) == 1 and "#2 Initech" in notes[0].args["text"]


def test_a_deal_the_manager_made_overdue_themself_is_skipped_and_the_next_is_escalated(rt, clock, deal, tick, slack):
    """The admin, alice's manager, sets #1's next step due yesterday (alice is told, the admin is not
    escalated to about it); #2's close date passed on its own: the admin hears about #2 only."""
    member(rt, ALICE, manager_id=member(rt, BOSS))
    slack.command("alice", "new Second deal 5万")
    clock.advance(days=1)  # Thursday
    answer = slack.command("boss", "log 1 called them next send quote by 2026-11-25")
    assert "#1" in answer.text, answer.text
    edit(rt, 2, expected_close=date(2026, 11, 20))
    _, sent = tick()
    assert [p.args["channel"] for p in sent] == [ALICE]  # both deals, in one DM
    clock.advance(days=2)  # Saturday: quiet
    at(clock, "2026-11-30T10:00")  # Monday
    results, sent = tick()
    notes = dms(sent, BOSS)
    assert escalated(results) == [1] and len(notes) == 1 and "#2 Second deal" in notes[0].args["text"]


def test_only_this_workspaces_alerts_are_escalated_by_its_scan(rt, clock, deal, tick):
    """Another workspace is scanned first: it escalates nothing; this workspace's scan escalates
    its own deal, and the note is queued in this workspace."""
    with rt.transaction() as session:
        session.add(Workspace(id="T0000", next_number=1, created_at=clock.now()))
    member(rt, ALICE, manager_id=member(rt, BOB))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    tick()
    clock.advance(days=2)
    results, sent = tick()
    assert escalated(results) == [0, 1] and [p.args["channel"] for p in sent] == [BOB]
    with rt.sessions() as session:
        assert session.scalars(select(OutboxMessage.workspace_id).where(OutboxMessage.key.like("escalate:%"))).all() == [TEAM_ID]


def test_an_alert_that_cleared_is_not_escalated(rt, clock, deal, tick):
    """The close date passed, alice moved it the next day: two days on, bob hears nothing."""
    member(rt, ALICE, manager_id=member(rt, BOB))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    tick()
    clock.advance(days=1)
    edit(rt, 1, expected_close=date(2026, 12, 31))
    tick()
    clock.advance(days=1)
    results, sent = tick()
    assert escalated(results) == [0] and dms(sent, BOB) == []


def test_an_alert_someone_started_acting_on_is_not_escalated(rt, clock, deal, tick, slack):
    """Alice pressed "Log activity" on the alert (not a snooze): two days on, bob hears nothing."""
    member(rt, ALICE, manager_id=member(rt, BOB))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    tick()
    slack.click("alice", "alert_log", str(alert_id(rt)), ephemeral=False)
    clock.advance(days=2)
    results, sent = tick()
    assert escalated(results) == [0] and dms(sent, BOB) == []


def test_one_dm_about_several_deals_is_in_the_workspaces_language_for_a_member_without_a_locale(rt, clock, deal, tick, slack):
    """Alice has no Slack locale; two of her deals need attention in one scan: one DM lists both,
    in the workspace's language (Chinese)."""
    slack.command("alice", "new Second deal 5万")
    member(rt, ALICE, locale=None)
    edit(rt, 1, expected_close=date(2026, 11, 20))
    edit(rt, 2, expected_close=date(2026, 11, 20))
    _, sent = tick()
    assert [p.args["text"] for p in sent] == [t("zh", "alert_burst_title", count=2)]


def test_two_deals_escalated_at_once_are_counted_two_and_written_down_by_kind(rt, clock, deal, tick, slack):
    """Two of alice's deals nobody acted on for two days: the scan counts 2; the outbox holds her DM
    about both and the escalations under the kinds an operator looks them up by."""
    member(rt, ALICE, manager_id=member(rt, BOB))
    slack.command("alice", "new Second deal 20万")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    edit(rt, 2, expected_close=date(2026, 11, 20))
    tick()
    clock.advance(days=2)
    results, sent = tick()
    assert escalated(results) == [2]
    with rt.sessions() as session:
        kinds = {key.split(":")[0]: kind for key, kind in session.execute(select(OutboxMessage.key, OutboxMessage.kind))}
    assert kinds == {"bundle": "alert_bundle", "escalate": "alert"}


def test_an_escalation_note_is_in_the_managers_language(rt, clock, deal, tick, slack):
    """li manages alice; Slack told us no locale for li: the note is in the workspace's language
    (Chinese), the deal's view in it too."""
    member(rt, ALICE, manager_id=member(rt, USERS["li"]["user_id"], locale=None))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    tick()
    clock.advance(days=2)
    _, sent = tick()
    [note] = [p for p in sent if p.args["channel"] == USERS["li"]["user_id"]]
    assert "预计成交日已过" in payload_text(note.args) and "Close date passed" not in payload_text(note.args)


def test_a_deals_own_message_and_its_updates_are_written_down_by_kind(rt, clock, deal, tick):
    edit(rt, 1, expected_close=date(2026, 11, 20), amount=1_200_000)  # to alice and to the channel
    tick()
    clock.advance(hours=1)
    edit(rt, 1, next_step="send the quote", next_step_due=date(2026, 11, 21))  # a second condition: both messages updated
    tick()
    with rt.sessions() as session:
        kinds = {key.split(":")[0]: kind for key, kind in session.execute(select(OutboxMessage.key, OutboxMessage.kind))}
    assert kinds == {"deal": "alert", "update": "alert_update", "card": "deal_card"}  # the card: the parent of the deal's thread in the channel
