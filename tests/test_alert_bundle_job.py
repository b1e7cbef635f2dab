"""The daily bundle job as the worker runs it: what it reports (the DMs it queued: none before the
bundle time), every bundle-mode member with something to show getting their DM even when a member
before them has nothing, a member whose Slack locale the app does not speak reading it in the
team's language, a bundle covering the last day only, who is left out (muted members until their
mute ends, members of other workspaces) and the order of the deals in it. The clock is fixed;
nothing sleeps."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.worker.jobs import daily_bundles, scan_all, send_outbox
from store.models import Member, Opportunity, Workspace
from tests import test_alerts as base
from tests.conftest import SHANGHAI, payload_text
from tests.test_alert_bundles import bundle_of, bundled
from tests.test_alerts import ALICE, BOB, at, dms, edit, member

client, run, deal = base.client, base.run, base.deal  # the fixtures of the alert tests


def test_the_job_reports_no_dm_before_the_bundle_time_and_one_per_member_after(slack, rt, clock, client, fake, deal):
    """Alice's overdue deal is announced at 08:30: the job queues nothing then and says 0; at 09:00 it queues her one DM and says 1."""
    member(rt, ALICE, alert_mode="bundle")
    at(clock, "2026-11-25T08:30")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    scan_all(rt, client, clock.now())
    assert daily_bundles(rt, client, clock.now()) == 0
    assert send_outbox(rt, client, clock.now()).sent == 0
    at(clock, "2026-11-25T09:00")
    assert daily_bundles(rt, client, clock.now()) == 1
    send_outbox(rt, client, clock.now())
    assert bundled(bundle_of(base.posts(fake))) == [1]


def test_a_member_with_nothing_to_show_does_not_stop_the_next_members_bundle(slack, rt, clock, client, deal, run):
    """Alice and bob both chose the bundle; only bob's deal is overdue: alice gets nothing, bob his bundle, and the job says 1."""
    member(rt, ALICE, alert_mode="bundle")
    member(rt, BOB, alert_mode="bundle")
    slack.command("bob", "new Initech 5万")
    edit(rt, 2, expected_close=date(2026, 11, 20))
    scan_all(rt, client, clock.now())  # 10:00: past the bundle time
    assert daily_bundles(rt, client, clock.now()) == 1
    posts = run()
    assert dms(posts, ALICE) == []
    assert bundled(bundle_of(posts, BOB)) == [2]


def test_a_member_whose_locale_the_app_does_not_speak_gets_the_bundle_in_the_teams_language(slack, rt, clock, deal, run):
    """Alice's Slack is in French: her bundle reads in the team's language, Chinese."""
    member(rt, ALICE, alert_mode="bundle", locale="fr-FR")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [post] = dms(run(), ALICE)
    assert post.args["text"] == "今日商机提醒（1 条）"
    assert "预计成交日已过" in payload_text(post.args)


def test_the_bundle_covers_the_last_day_not_the_day_before(slack, rt, clock, deal, run):
    """#1 is announced on Tuesday at 10:00 while alice is on the default mode; she then chooses the bundle.
    Thursday's bundle covers what came after Wednesday 09:00, so #1 (still open) is not in it, only #2."""
    at(clock, "2026-11-24T10:00")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert [p.args["text"] for p in dms(run(), ALICE)] == ["⚠️ #1 Acme ERP: Close date passed"]
    member(rt, ALICE, alert_mode="bundle")
    at(clock, "2026-11-26T08:30")
    slack.command("alice", "new Second deal 20万")
    edit(rt, 2, expected_close=date(2026, 11, 20))
    assert run() == []
    at(clock, "2026-11-26T09:00")
    bundle = bundle_of(run())
    assert bundle.args["text"] == "Today's deal alerts (1)" and bundled(bundle) == [2]


def _tick(rt, client, fake):
    """One worker pass: scan, bundles, send. Returns what the bundle job reported and the messages posted."""
    now = rt.clock.now()
    before = len(base.posts(fake))
    scan_all(rt, client, now)
    queued = daily_bundles(rt, client, now)
    send_outbox(rt, client, now)
    return queued, base.posts(fake)[before:]


def test_a_member_muted_until_the_bundle_time_gets_the_bundle_at_that_moment(slack, rt, clock, client, fake, deal):
    """Alice chose the bundle and is muted until 09:00 sharp: #1 announced at 08:30 reaches her in the 09:00 bundle."""
    member(rt, ALICE, alert_mode="bundle", muted_until=datetime.fromisoformat("2026-11-25T09:00").replace(tzinfo=SHANGHAI))
    at(clock, "2026-11-25T08:30")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert _tick(rt, client, fake) == (0, [])
    at(clock, "2026-11-25T09:00")
    queued, posts = _tick(rt, client, fake)
    assert queued == 1 and bundled(bundle_of(posts)) == [1]


def test_a_member_still_muted_at_the_bundle_time_gets_no_bundle(slack, rt, clock, client, fake, deal):
    """#1 is announced at 08:30 for alice, who chose the bundle; at 08:45 she mutes alerts until 09:30: at 09:00 the job queues her nothing."""
    member(rt, ALICE, alert_mode="bundle")
    at(clock, "2026-11-25T08:30")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert _tick(rt, client, fake) == (0, [])
    member(rt, ALICE, muted_until=datetime.fromisoformat("2026-11-25T09:30").replace(tzinfo=SHANGHAI))
    at(clock, "2026-11-25T09:00")
    assert _tick(rt, client, fake) == (0, [])


def test_a_bundle_member_of_another_workspace_is_not_in_this_workspaces_bundles(slack, rt, clock, client, fake, deal):
    """Bob and his overdue deal #2 belong to another workspace, where he chose the bundle: the job
    queues his one DM there only, so it reports 1 for the two workspaces, and he reads #2 once."""
    slack.command("bob", "new Initech 5万")
    with rt.transaction() as session:
        session.add(Workspace(id="T0002", next_number=1, created_at=clock.now()))
        session.flush()
        bob = session.scalars(select(Member).where(Member.slack_user_id == BOB)).one()
        bob.workspace_id, bob.alert_mode = "T0002", "bundle"
        session.scalars(select(Opportunity).where(Opportunity.number == 2)).one().workspace_id = "T0002"
    edit(rt, 2, expected_close=date(2026, 11, 20))
    queued, posts = _tick(rt, client, fake)  # 10:00: past the bundle time
    assert queued == 1
    assert bundled(bundle_of(posts, BOB)) == [2]


def test_the_bundle_lists_high_severity_deals_first_then_bigger_amounts_then_small_amounts_before_none(slack, rt, clock, client, fake, deal):
    """Alice's bundle: #1 (600,000, overdue: 🔴) comes before #2 (900,000 but only stalled: ⚠️); then by
    amount, so #3 (amount 0.5, overdue) comes before #4 (no amount, overdue)."""
    member(rt, ALICE, alert_mode="bundle")
    for title in ("Second", "Third", "Fourth"):
        slack.command("alice", f"new {title} deal 20万 stage proposal")
    edit(rt, 1, amount=600_000, expected_close=date(2026, 11, 20))
    edit(rt, 2, amount=900_000, last_activity_at=clock.now() - timedelta(days=20))
    edit(rt, 3, amount=Decimal("0.5"), expected_close=date(2026, 11, 20))
    edit(rt, 4, amount=None, expected_close=date(2026, 11, 20))
    queued, posts = _tick(rt, client, fake)  # 10:00: past the bundle time
    assert queued == 1
    assert bundled(bundle_of(posts)) == [1, 2, 3, 4]
