"""Offers nobody answered in time: the moment they expire, who is told and what they read, what the
worker's job counts, the order it takes them in, and offers answered while the job is running."""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import select

from bot.team import assignment
from store.models import AssignmentOffer, Opportunity
from tests import test_assignment
from tests.test_assignment import actor_for_slack, east_deal, outbox, owner_of, set_member
from tests.test_permissions import make_member
from tests.test_pool_return import ActedOnMidJob

team_of = test_assignment.team_of  # the fixture: account managers U0AE1..U0AE5 under U0MGR, the pool manager


def expire(rt) -> int:
    return assignment.expire_offers(rt, rt.clock.now())


def offered(rt, team_of, title="Acme") -> int:
    """A new East-manufacturing deal, offered by the rules (U0AE1, then U0AE2, in turn); the offer's id."""
    opp = east_deal(rt, team_of, title)
    with rt.transaction() as s:
        assignment.assign_owner(s, rt.config, s.get(Opportunity, opp.id), by=team_of.member_id, now=rt.clock.now())
    with rt.sessions() as s:
        return s.scalars(select(AssignmentOffer.id).where(AssignmentOffer.opportunity_id == opp.id)).one()


def statuses(rt) -> list[str]:
    with rt.sessions() as s:
        return list(s.scalars(select(AssignmentOffer.status).order_by(AssignmentOffer.id)))


def test_an_offer_expires_exactly_when_its_hours_are_up(rt, team_of):
    """Offered for 24 hours: a second before, U0AE1 still has it; at the 24th hour it passes on."""
    offered(rt, team_of)
    rt.clock.advance(hours=24, seconds=-1)
    assert expire(rt) == 0
    rt.clock.advance(seconds=1)
    assert expire(rt) == 1
    assert statuses(rt) == ["expired", "offered"]
    assert owner_of(rt, 1) == "U0AE2"


def test_the_manager_of_whoever_let_an_offer_expire_hears_it_in_the_teams_language(rt, team_of):
    """U0AE1 reports to U0LEAD: U0LEAD reads which deal (its title escaped) went unanswered for
    how many hours; the pool manager, U0MGR, is not told."""
    with rt.transaction() as s:
        make_member(s, "U0LEAD", "manager", now=rt.clock.now())
    set_member(rt, "U0AE1", manager_id=actor_for_slack(rt, "U0LEAD").member_id)
    offered(rt, team_of, "A&B <ERP>")
    rt.clock.advance(hours=25)
    assert expire(rt) == 1
    assert outbox(rt, "U0LEAD") == ["<@U0AE1> 在 24 小时内没有回应 #1 A&amp;B &lt;ERP&gt; 的分配，已转给下一位 <@U0AE2>。"]
    assert not any("没有回应" in text for text in outbox(rt, "U0MGR"))


def test_the_job_counts_every_offer_it_expired(rt, team_of):
    """Two offers past their hours: the job says it expired two."""
    offered(rt, team_of, "One")
    offered(rt, team_of, "Two")
    rt.clock.advance(hours=25)
    assert expire(rt) == 2
    assert statuses(rt)[:2] == ["expired", "expired"]


def test_expired_offers_are_taken_in_the_order_they_were_made(rt, team_of):
    """The first offer was made for 48 hours, the second (an hour later, after the hours changed)
    for 24, so it expires first; once both are past, the first is still passed on first, and its
    assignee's manager hears of #1 before #2."""
    hours = lambda n: replace(rt.config, assignment=replace(rt.config.assignment, offer_hours=n))  # noqa: E731
    rt.config = hours(48)
    offered(rt, team_of, "One")
    rt.config = hours(24)
    rt.clock.advance(hours=1)
    offered(rt, team_of, "Two")
    rt.clock.advance(hours=48)
    assert expire(rt) == 2
    told = [text for text in outbox(rt, "U0MGR") if "没有回应" in text]
    assert [re.search(r"#(\d+)", text)[1] for text in told] == ["1", "2"], told


def test_an_offer_accepted_while_the_job_runs_stays_accepted(rt, team_of):
    """Listed as expired, then accepted before the job reached it: U0AE1 keeps the deal."""
    made = offered(rt, team_of)
    rt.clock.advance(hours=25)
    accepted = ActedOnMidJob(rt, lambda: assignment.accept(rt, actor_for_slack(rt, "U0AE1"), made))
    assert expire(accepted) == 0
    assert statuses(rt) == ["accepted"]
    assert owner_of(rt, 1) == "U0AE1"


def test_an_offer_the_job_skips_does_not_stop_it_expiring_the_next(rt, team_of):
    """The first offer is accepted after the job listed it; the second still expires."""
    first = offered(rt, team_of, "One")
    offered(rt, team_of, "Two")
    rt.clock.advance(hours=25)
    accepted = ActedOnMidJob(rt, lambda: assignment.accept(rt, actor_for_slack(rt, "U0AE1"), first))
    assert expire(accepted) == 1
    assert statuses(rt)[:2] == ["accepted", "expired"]
