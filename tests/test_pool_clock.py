"""The public pool (公海) on the team's clock: the daily claim limit counts from local midnight in
the team's timezone (Asia/Shanghai), not the server's; the person a deal last returned to the pool
from waits ``pool.reclaim_after_days`` (7) to claim it back, and is told from which local day; an
idle deal's warning names the local day it returns. Driven by signed `/opp claim N` commands, the
worker's own job and the injected clock, with the server's own clock on UTC."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.blocks.ids import Action
from store.models import Member, Opportunity
from tests.conftest import SHANGHAI
from tests.test_pool import offer, pooled
from tests.test_pool_recycle import dms, job, make_manager, texts

LIMIT_EN = "You have claimed {count} deals today, the daily limit of {limit}; claim again tomorrow."
WAIT_EN = "#{n} returned to the public pool from you; you can claim it back from {day}."


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def deals(slack, owner: str, count: int) -> None:
    for n in range(count):
        slack.command(owner, f"new Deal {n} 10万")


def claim(slack, who: str, number: int) -> str:
    return slack.command(who, f"claim {number}").text


def owner_of(db, number: int) -> str | None:
    deal = db.deal(number)
    return None if deal.pooled_at is not None else deal.owner.slack_user_id


def set_responsible(rt, number: int, slack_id: str) -> None:
    with rt.transaction() as s:
        deal = s.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one()
        deal.responsible_id = s.scalar(select(Member.id).where(Member.slack_user_id == slack_id))


# --- the daily limit counts from local midnight ----------------------------------------------------


def test_claims_before_local_midnight_do_not_count_and_claims_at_midnight_do(slack, rt, db, clock):
    """bob claims five deals at 23:59:59.999999 on the 25th (Shanghai) and five more at exactly
    00:00:00.000000 on the 26th: the first five were yesterday's. At 10:37:42.123456 the same day
    the five from midnight count, and his sixth is refused by the daily limit of five."""
    deals(slack, "alice", 11)
    slack.command("bob", "list")
    pooled(rt, *range(1, 12))
    clock.set(local(2026, 11, 25, 23, 59, 59, 999999))
    for n in range(1, 6):
        assert f"You claimed #{n}" in claim(slack, "bob", n)
    clock.set(local(2026, 11, 26, 0, 0, 0, 0))
    for n in range(6, 11):
        assert f"You claimed #{n}" in claim(slack, "bob", n)
    clock.set(local(2026, 11, 26, 10, 37, 42, 123456))
    answer = claim(slack, "bob", 11)
    assert LIMIT_EN.format(count=5, limit=5) in answer, answer
    assert owner_of(db, 11) is None
    assert [e for e in db.events(11) if e.field == "claim"] == []


def test_the_limit_counts_only_the_claimers_own_claims(slack, rt, db, clock):
    """nyc claimed five deals today; bob, who claimed none, may still claim."""
    deals(slack, "alice", 6)
    slack.command("bob", "list")
    pooled(rt, *range(1, 7))
    for n in range(1, 6):
        assert f"You claimed #{n}" in claim(slack, "nyc", n)
    clock.advance(minutes=5)
    assert "You claimed #6" in claim(slack, "bob", 6)
    assert owner_of(db, 6) == "U0BOB"


def test_accepting_offers_today_does_not_count_as_claiming(slack, rt, db, clock):
    """bob accepted five assignment offers this morning (each an assignment in the deal's
    history, by him); they are not claims from the pool, so he may still claim."""
    deals(slack, "alice", 6)
    slack.command("bob", "list")
    made = [offer(rt, n, "U0BOB") for n in range(1, 6)]
    for offer_id in made:
        slack.click("bob", Action.OFFER_ACCEPT, str(offer_id))
    assert all(any(e.kind == "assigned" and e.actor.slack_user_id == "U0BOB" for e in db.events(n)) for n in range(1, 6))
    pooled(rt, 6)
    clock.advance(minutes=5)
    assert "You claimed #6" in claim(slack, "bob", 6)
    assert owner_of(db, 6) == "U0BOB"


# --- waiting to claim back a deal that returned from you -------------------------------------------


def idle_return(rt, *, warn_at: datetime, return_at: datetime) -> None:
    """The worker's job warns at ``warn_at`` and returns the warned deal(s) at ``return_at``."""
    rt.clock.set(warn_at)
    assert job(rt) >= 1
    rt.clock.set(return_at)
    assert job(rt) >= 1


def test_the_last_return_decides_who_waits(slack, rt, db, clock):
    """#1 returned from alice, bob claimed it and it returned from him too: bob (the last) must
    wait; alice, whose return was weeks ago, may claim it."""
    deals(slack, "alice", 1)
    slack.command("bob", "list")
    idle_return(rt, warn_at=local(2026, 12, 6, 11, 0), return_at=local(2026, 12, 9, 11, 0))
    assert "You claimed #1" in claim(slack, "bob", 1)
    idle_return(rt, warn_at=local(2026, 12, 20, 12, 0), return_at=local(2026, 12, 23, 12, 0))
    assert [(e.field, e.old) for e in db.events(1) if e.kind == "assigned"] == [("pool", "U0ALICE"), ("claim", "pool"), ("pool", "U0BOB")]
    clock.set(local(2026, 12, 23, 13, 0))
    assert WAIT_EN.format(n=1, day="2026-12-30") in claim(slack, "bob", 1)
    assert owner_of(db, 1) is None
    assert "You claimed #1" in claim(slack, "alice", 1)
    assert owner_of(db, 1) == "U0ALICE"


def test_another_deals_return_does_not_make_anyone_wait(slack, rt, db, clock):
    """#1 (alice's) and #2 (bob's) returned in the same run, #2 last: bob may claim #1 at once,
    and alice #2."""
    deals(slack, "alice", 1)
    deals(slack, "bob", 1)
    idle_return(rt, warn_at=local(2026, 12, 6, 11, 0), return_at=local(2026, 12, 9, 11, 0))
    assert [owner_of(db, 1), owner_of(db, 2)] == [None, None]
    clock.advance(minutes=5)
    assert "You claimed #1" in claim(slack, "bob", 1)
    assert "You claimed #2" in claim(slack, "alice", 2)
    assert [owner_of(db, 1), owner_of(db, 2)] == ["U0BOB", "U0ALICE"]


def test_the_wait_follows_the_deals_return_not_its_later_assignments(slack, rt, db, clock):
    """#1 returned from alice with nyc still responsible for its stage (the return also records
    nyc leaving it): alice must wait, nyc, who is not the one it returned from, may claim it."""
    deals(slack, "alice", 1)
    slack.command("nyc", "list")
    set_responsible(rt, 1, "U0NYC")
    idle_return(rt, warn_at=local(2026, 12, 6, 11, 0), return_at=local(2026, 12, 9, 11, 0))
    assert [(e.field, e.old) for e in db.events(1) if e.kind == "assigned"] == [("pool", "U0ALICE"), ("responsible", "U0NYC")]
    clock.advance(hours=1)
    assert WAIT_EN.format(n=1, day="2026-12-16") in claim(slack, "alice", 1)
    assert owner_of(db, 1) is None
    assert "You claimed #1" in claim(slack, "nyc", 1)
    assert owner_of(db, 1) == "U0NYC"


def test_the_wait_ends_exactly_seven_days_after_the_return(slack, rt, db, clock):
    """Returned from alice at 11:00 on 12-09: a microsecond before 11:00 on 12-16 she still waits;
    at 11:00 sharp she may claim it back."""
    deals(slack, "alice", 1)
    idle_return(rt, warn_at=local(2026, 12, 6, 11, 0), return_at=local(2026, 12, 9, 11, 0))
    clock.set(local(2026, 12, 16, 11, 0) - timedelta(microseconds=1))
    assert WAIT_EN.format(n=1, day="2026-12-16") in claim(slack, "alice", 1)
    assert owner_of(db, 1) is None
    clock.set(local(2026, 12, 16, 11, 0))
    assert "You claimed #1" in claim(slack, "alice", 1)
    assert owner_of(db, 1) == "U0ALICE"


# --- days shown on the team's calendar -------------------------------------------------------------


def test_the_warning_and_the_wait_name_the_teams_local_day(slack, rt, db, clock, machine_in_utc):
    """Warned at 04:00 on 12-07 in Shanghai (still 12-06 in UTC): the DM says the deal returns on
    2026-12-10, the local day three days on (UTC would say 12-09). It returns at 04:00 on 12-10
    (20:00 UTC on 12-09); alice is told she may claim it back from 2026-12-17, not 12-16."""
    deals(slack, "alice", 1)
    clock.set(local(2026, 12, 7, 4, 0))
    assert job(rt) == 1
    [warning] = texts(rt, "U0ALICE")
    assert "returns to the public pool on 2026-12-10:" in warning, warning
    assert [e.new for e in db.events(1) if e.field == "warned"] == ["2026-12-10"]
    clock.set(local(2026, 12, 10, 4, 0))
    assert job(rt) == 1
    assert owner_of(db, 1) is None
    clock.advance(hours=1)
    assert WAIT_EN.format(n=1, day="2026-12-17") in claim(slack, "alice", 1)


def test_the_keep_request_names_the_teams_local_return_day(slack, rt, db, clock, machine_in_utc):
    """The manager asked to let alice keep the deal warned at 04:00 Shanghai reads the local
    return day, 2026-12-10."""
    deals(slack, "alice", 1)
    slack.command("bob", "list")
    make_manager(rt, "U0ALICE", "U0BOB")
    clock.set(local(2026, 12, 7, 4, 0))
    assert job(rt) == 1
    token = str(int(db.deal(1).pool_warned_at.timestamp()))
    slack.click("alice", Action.POOL_KEEP, f"1:{token}")
    [ask] = texts(rt, "U0BOB")
    assert ask.endswith("otherwise it returns to the public pool on 2026-12-10."), ask


@pytest.mark.parametrize("token", ["", "XXXX", "0"])
def test_keep_on_a_deal_never_warned_is_stale_whatever_its_token(slack, rt, db, token):
    """alice presses a Keep whose value carries no warning of the deal (it was never warned):
    refused as stale; her manager is not asked and nothing is recorded."""
    deals(slack, "alice", 1)
    slack.command("bob", "list")
    make_manager(rt, "U0ALICE", "U0BOB")
    slack.click("alice", Action.POOL_KEEP, f"1:{token}")
    assert slack.responses()[-1]["text"] == "⚠️ The request to keep #1 was already answered or is no longer needed."
    assert dms(rt, "U0BOB") == []
    assert [e.field for e in db.events(1) if e.kind == "pool"] == []
