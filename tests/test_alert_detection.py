"""Which deals the worker's scan finds stalled or in need of a follow-up, at the edges: the exact
moment a condition begins, and deals that are no longer open. The clock is fixed; nothing sleeps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests import test_alerts as base
from tests.conftest import payload_text
from tests.test_alerts import ALICE, dms, edit, open_alerts

client, run, deal = base.client, base.run, base.deal  # the fixtures of the alert tests


def test_a_deal_exactly_its_stall_days_without_activity_is_not_yet_stalled(rt, clock, deal, run):
    """Stalled means MORE than the stage's stall_days (proposal: 10) since the last activity."""
    edit(rt, 1, last_activity_at=clock.now() - timedelta(days=10))
    assert run() == []
    assert open_alerts(rt) == []
    clock.advance(seconds=1)  # now just past the 10 days
    posts = run()
    assert open_alerts(rt) == [(1, "stalled")]
    assert len(dms(posts, ALICE)) == 1 and "Stalled" in payload_text(posts[0].args)


def test_a_follow_up_due_exactly_now_is_not_yet_missed(rt, clock, deal, run):
    """A follow-up is missed once next_touch_due is strictly in the past."""
    edit(rt, 1, next_touch_due=clock.now())
    assert run() == []
    assert open_alerts(rt) == []
    clock.advance(seconds=1)
    posts = run()
    assert open_alerts(rt) == [(1, "follow_up")]
    assert len(dms(posts, ALICE)) == 1 and "need a touch by" in payload_text(posts[0].args)


@pytest.mark.parametrize("close", ["won 1", "lost 1 price"])
def test_a_closed_deal_is_never_stalled(slack, rt, clock, deal, run, close):
    """Only open deals stall: a won or lost deal long without activity raises no alert."""
    assert "#1" in slack.command("alice", close).text
    edit(rt, 1, last_activity_at=clock.now() - timedelta(days=60))
    assert run() == []
    assert open_alerts(rt) == []


@pytest.mark.parametrize("close", ["won 1", "lost 1 price"])
def test_a_closed_deal_never_needs_a_follow_up(slack, rt, clock, deal, run, close):
    """Only open deals need a follow-up: a won or lost deal whose next touch is past due raises no alert."""
    assert "#1" in slack.command("alice", close).text
    edit(rt, 1, next_touch_due=clock.now() - timedelta(days=3))
    assert run() == []
    assert open_alerts(rt) == []
