"""Claims from the public pool at the same instant: capacity holds however many arrive together,
on SQLite and PostgreSQL (real threads, signed requests)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

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
