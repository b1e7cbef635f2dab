"""Claims from the public pool at the same instant: capacity holds however many arrive together,
on SQLite and PostgreSQL (real threads, signed requests)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.worker import jobs
from store.models import Event, Member, Opportunity
from tests.test_assignment import run_together


def pool_deals(slack, rt, n: int, *, capacity: int) -> None:
    """``n`` deals in the public pool; bob (an account manager) may hold ``capacity``."""
    slack.command("bob", "show 1")
    for i in range(n):
        slack.command("alice", f"new Pooled {i} 10万")
    with rt.transaction() as s:
        for opp in s.scalars(select(Opportunity)).unique():
            opp.pooled_at = rt.clock.now()
        s.scalars(select(Member).where(Member.slack_user_id == "U0BOB")).one().capacity = capacity


@pytest.mark.parametrize("capacity", [1, 3])
def test_parallel_claims_by_one_person_stop_at_their_capacity(slack, rt, db, capacity):
    pool_deals(slack, rt, 6, capacity=capacity)
    requests = [slack.command_request("bob", f"claim {number}") for number in range(1, 7)]
    results = run_together([lambda r=r: slack.send(r).text for r in requests])
    assert all(kind == "ok" for kind, _ in results), results
    texts = [text for _, text in results]
    claimed = [text for text in texts if "You claimed #" in text]
    refused = [text for text in texts if f"<@U0BOB> already holds {capacity} open deals, their capacity of {capacity}" in text]
    assert (len(claimed), len(refused)) == (capacity, 6 - capacity), texts
    held = [d for d in db.deals() if d.pooled_at is None]
    assert len(held) == capacity and {d.owner.slack_user_id for d in held} == {"U0BOB"}
    with rt.sessions() as s:
        assert len(s.scalars(select(Event.id).where(Event.field == "claim")).all()) == capacity


def test_parallel_claims_stop_at_the_daily_limit(slack, rt, db):
    """Shipped: five claims a day. Seven at once: five go through, two hear the limit."""
    pool_deals(slack, rt, 7, capacity=20)
    requests = [slack.command_request("bob", f"claim {number}") for number in range(1, 8)]
    results = run_together([lambda r=r: slack.send(r).text for r in requests])
    texts = [text for _, text in results]
    refused = [text for text in texts if "You have claimed 5 deals today, the daily limit of 5; claim again tomorrow." in text]
    assert (len([d for d in db.deals() if d.pooled_at is None]), len(refused)) == (5, 2), texts


def test_the_daily_limit_counts_from_midnight_workspace_time_in_both_languages(slack, rt, db, clock):
    pool_deals(slack, rt, 7, capacity=20)
    slack.command("li", "show 1")
    for number in range(1, 6):
        assert "You claimed" in slack.command("bob", f"claim {number}").text
    assert "You have claimed 5 deals today, the daily limit of 5; claim again tomorrow." in slack.command("bob", "claim 6").text
    assert "你认领了 #6。" in slack.command("li", "claim 6").text  # li's count is her own
    assert db.deal(7).pooled_at is not None
    clock.advance(hours=14)  # 10:00 + 14h: past midnight in Shanghai
    assert "You claimed #7." in slack.command("bob", "claim 7").text


def test_the_daily_limit_message_in_chinese(slack, rt, db):
    pool_deals(slack, rt, 6, capacity=20)
    slack.command("li", "show 1")
    for number in range(1, 6):
        slack.command("li", f"claim {number}")
    assert "你今天已认领 5 个商机，达到每日上限 5 个，明天再来认领。" in slack.command("li", "claim 6").text


def test_a_previous_owner_waits_before_claiming_back_a_deal_that_returned_from_them(slack, rt, db, clock):
    """Shipped: seven days. Others may claim it at once."""
    slack.command("bob", "new Mine 10万")
    clock.advance(days=11, hours=1)
    jobs.assignments(rt, None, clock.now())
    clock.advance(days=3)
    jobs.assignments(rt, None, clock.now())
    assert db.deal(1).pooled_at is not None
    slack.command("li", "show 1")
    assert "#1 returned to the public pool from you; you can claim it back from 2026-12-16." in slack.command("bob", "claim 1").text
    clock.advance(days=6, hours=23)
    assert "you can claim it back from" in slack.command("bob", "claim 1").text
    clock.advance(hours=2)
    assert "You claimed #1." in slack.command("bob", "claim 1").text


def test_someone_else_may_claim_a_returned_deal_at_once_and_the_wait_reads_in_chinese(slack, rt, db, clock):
    slack.command("li", "new 华东制造 10万")
    slack.command("bob", "show 1")
    clock.advance(days=11, hours=1)
    jobs.assignments(rt, None, clock.now())
    clock.advance(days=3)
    jobs.assignments(rt, None, clock.now())
    assert "#1 是从你手上退回公海的，2026-12-16 起你才能再次认领。" in slack.command("li", "claim 1").text
    assert "You claimed #1." in slack.command("bob", "claim 1").text
