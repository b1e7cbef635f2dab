"""What a claim from the public pool leaves behind: the deal's record (owner, responsible person,
activity, history), its offers, the channel's post; what a claimer who loses the race to another
hears; and how a claim is tried again while SQLite is busy with another writer."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import object_session

from bot.deals import permissions, pool, recycle
from store.models import Member, Opportunity
from tests.test_assignment import outbox
from tests.test_pool import offer, pooled
from tests.test_pool_rules import offers_by_id


def member_id(rt, slack_id: str) -> int:
    with rt.sessions() as s:
        return s.scalar(select(Member.id).where(Member.slack_user_id == slack_id))


# --- the deal's record ---------------------------------------------------------------------------


def test_a_claim_records_who_took_the_deal_from_the_pool_and_when(slack, rt, db, clock):
    """The claimed deal changed now, counts as active now, and its history says bob took it from
    the pool."""
    slack.command("alice", "new Pooled deal 10万")
    slack.command("bob", "show 1")
    pooled(rt, 1)
    clock.advance(hours=3)
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    deal = db.deal(1)
    assert (deal.updated_at, deal.last_activity_at) == (clock.now(), clock.now())
    claims = [(e.kind, e.old, e.new, e.actor_id, e.at) for e in db.events(1) if e.field == "claim"]
    assert claims == [("assigned", "pool", "U0BOB", member_id(rt, "U0BOB"), clock.now())]


def test_a_freshly_claimed_deal_does_not_go_back_to_the_pool_for_its_old_idleness(slack, rt, db, clock):
    """Nothing was logged on #1 for 20 days, but bob claimed it 10 days ago: the idle deals' job
    (14 days) leaves it with him."""
    slack.command("alice", "new Quiet deal 10万")
    slack.command("bob", "show 1")
    clock.advance(days=10)
    pooled(rt, 1)
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    clock.advance(days=10)
    assert recycle.warn_idle_deals(rt, clock.now()) == recycle.return_idle_deals(rt, clock.now()) == 0
    assert (db.deal(1).owner.slack_user_id, db.deal(1).pooled_at) == ("U0BOB", None)


def test_a_claim_takes_the_stage_from_whoever_was_responsible_while_the_deal_was_pooled(slack, rt, db):
    """A deal can be pooled with someone still responsible for its stage (nyc here); the claimer
    takes it whole: nobody else stays responsible, and `/opp who` names bob."""
    slack.command("alice", "new Pooled deal 10万")
    slack.command("bob", "show 1")
    slack.command("nyc", "show 1")
    nyc = member_id(rt, "U0NYC")
    with rt.transaction() as s:
        deal = s.scalars(select(Opportunity).where(Opportunity.number == 1)).unique().one()
        deal.pooled_at, deal.responsible_id = rt.clock.now(), nyc
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    assert db.deal(1).responsible_id is None
    who = slack.command("bob", "who 1").text
    assert "Responsible now (R, BDR): <@U0BOB>" in who and "<@U0NYC>" not in who, who


# --- offers and the channel ----------------------------------------------------------------------


def test_a_claim_withdraws_the_deals_open_offers_now_and_leaves_answered_ones(slack, rt, clock):
    """The claimed deal's open offers, of ownership or of its stage, are withdrawn (answered now);
    an offer already declined stays declined, and another deal's offer stays open."""
    slack.command("alice", "new First 10万")
    slack.command("alice", "new Second 10万")
    slack.command("bob", "show 1")
    owner, responsible = offer(rt, 1, "U0ALICE"), offer(rt, 1, "U0BOB", kind="responsible")
    declined, other = offer(rt, 1, "U0ALICE", status="declined"), offer(rt, 2, "U0ALICE")
    pooled(rt, 1)
    clock.advance(hours=1)
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    assert offers_by_id(rt) == {
        owner: ("withdrawn", clock.now()),
        responsible: ("withdrawn", clock.now()),
        declined: ("declined", None),
        other: ("offered", None),
    }


def test_the_channel_hears_who_claimed_which_deal(slack, rt):
    """The assignments channel reads, in the team's language, who claimed the deal, its number
    and its title (escaped)."""
    slack.command("alice", "new A&B <ERP> 10万")
    slack.command("bob", "show 1")
    pooled(rt, 1)
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    assert outbox(rt, "#sales-assign")[-1] == "<@U0BOB> 从公海认领了 #1 A&amp;B &lt;ERP&gt;"


# --- losing the race -----------------------------------------------------------------------------


def a_rival_claims_first(monkeypatch, slack_id: str) -> None:
    """Another claim of the same deal, by ``slack_id``, lands after this claim read the deal and
    before its UPDATE, as two claims at once can on PostgreSQL. SQLite runs one writer at a time,
    so the rival's change is made inside the claim's own transaction, right after the permission
    check."""
    check = permissions.require

    def require(actor, action, opp, config=None):
        check(actor, action, opp, config)
        if action == "claim":
            session = object_session(opp)
            rival = session.scalar(select(Member.id).where(Member.slack_user_id == slack_id))
            won = update(Opportunity).where(Opportunity.id == opp.id).values(owner_id=rival, pooled_at=None)
            session.execute(won.execution_options(synchronize_session=False))

    monkeypatch.setattr(permissions, "require", require)


def test_a_claimer_who_loses_the_race_hears_who_won_it(slack, rt, db, monkeypatch):
    """nyc's claim of #2 lands first: bob hears that #2 was claimed, and by nyc (not by alice, who
    owns #1, nor by anyone else), and no claim of bob's is recorded or announced."""
    slack.command("alice", "new Kept 10万")
    slack.command("alice", "new Contested 10万")
    slack.command("bob", "show 1")
    slack.command("nyc", "show 1")
    pooled(rt, 2)
    posted = outbox(rt, "#sales-assign")
    a_rival_claims_first(monkeypatch, "U0NYC")
    answer = slack.command("bob", "claim 2")
    assert "#2 was already claimed by <@U0NYC>." in answer.text, answer.text
    assert "You claimed" not in answer.text
    assert [e for e in db.events(2) if e.field == "claim"] == []
    assert outbox(rt, "#sales-assign") == posted


# --- trying again while SQLite is busy -----------------------------------------------------------


def busy(message: str) -> OperationalError:
    return OperationalError("UPDATE opportunities SET ...", {}, sqlite3.OperationalError(message))


class Work:
    """A unit of work that fails with ``errors`` in turn, then returns "done"."""

    def __init__(self, *errors: Exception):
        self.errors, self.calls = list(errors), 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The pauses ``retrying`` takes between tries (recorded, not slept)."""
    taken: list[float] = []
    monkeypatch.setattr(pool.time, "sleep", taken.append)
    return taken


def test_work_that_finds_the_database_locked_is_tried_again_with_growing_pauses(waits):
    work = Work(busy("database is locked"), busy("database table is locked"))
    assert pool.retrying(work) == "done"
    assert work.calls == 3
    assert waits == pytest.approx([0.02, 0.04])


@pytest.mark.parametrize("message", ["database is busy", "SQLITE_BUSY: Database Busy"])
def test_work_that_finds_the_database_busy_is_tried_again(waits, message):
    """ "busy" in any case counts as well as "locked"."""
    work = Work(busy(message))
    assert pool.retrying(work) == "done"
    assert (work.calls, waits) == (2, pytest.approx([0.02]))


def test_a_database_locked_five_times_gives_up_and_raises(waits):
    """Five tries by default, pausing 20, 40, 60 and 80 ms between them; the fifth error is raised."""
    work = Work(*(busy("database is locked") for _ in range(5)), busy("never reached"))
    with pytest.raises(OperationalError, match="database is locked"):
        pool.retrying(work)
    assert work.calls == 5
    assert waits == pytest.approx([0.02, 0.04, 0.06, 0.08])


def test_the_number_of_tries_can_be_chosen(waits):
    work = Work(*(busy("database is locked") for _ in range(3)))
    with pytest.raises(OperationalError):
        pool.retrying(work, attempts=2)
    assert (work.calls, len(waits)) == (2, 1)


@pytest.mark.parametrize("error", [busy("no such table: opportunities"), busy("disk I/O error"), ValueError("database is locked")])
def test_other_errors_are_raised_at_once(waits, error):
    """An OperationalError that is not about a busy database, or another error, is not tried again."""
    work = Work(error)
    with pytest.raises(type(error)):
        pool.retrying(work)
    assert (work.calls, waits) == (1, [])
