"""A logged activity or a move is written only onto the deal as its transaction read it: a deal
changed meanwhile by another transaction (its version moved on) refuses the change with a Conflict,
and nothing of the change is kept (its activity, its events). Row locks (PostgreSQL) and the one
writer at a time (SQLite) keep two requests from getting here; these tests change the row's
version behind the session's back instead."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.console.slack_api import TEAM_ID
from bot.core.errors import Conflict
from bot.deals import opportunities
from bot.team.members import load_actor
from store.models import Activity, Event, Opportunity

DEALS = Opportunity.__table__


@pytest.fixture
def acme(slack):
    slack.command("alice", "new Acme ERP 50万 stage proposal")


def alice(rt):
    return load_actor(rt, workspace_id=TEAM_ID, slack_user_id="U0ALICE", fetch_profile=lambda _user: None)


def changed_elsewhere(session, opp) -> None:
    """Someone else's change of ``opp``: its row's version moves on, ``opp`` keeps the one read."""
    session.connection().execute(DEALS.update().where(DEALS.c.id == opp.id).values(version=DEALS.c.version + 1))


def history_of(rt):
    with rt.sessions() as s:
        return (
            s.scalars(select(Activity.text).order_by(Activity.id)).all(),
            [(e.kind, e.field, e.new) for e in s.scalars(select(Event).order_by(Event.id)).unique()],
        )


def log(rt, session, actor):
    opportunities.log_activity(session, actor=actor, number=1, text="called them", kind="call", next_step="send quote", config=rt.config, clock=rt.clock)


def move(rt, session, actor):
    opportunities.move_stage(session, actor=actor, number=1, stage="negotiation", config=rt.config, clock=rt.clock)


@pytest.mark.parametrize("change", [log, move])
def test_a_change_of_a_deal_changed_since_the_session_read_it_is_a_conflict(rt, db, acme, change):
    actor, before, version = alice(rt), history_of(rt), db.deal(1).version
    with pytest.raises(Conflict) as refused, rt.transaction() as session:
        read = opportunities.get(session, actor=actor, number=1)  # kept: the session keeps it as read
        changed_elsewhere(session, read)
        change(rt, session, actor)
    assert refused.value.key == "conflict"
    assert history_of(rt) == before
    assert (db.deal(1).version, db.deal(1).stage, db.deal(1).next_step) == (version, "proposal", None)


@pytest.mark.parametrize("change", [log, move])
def test_a_change_of_a_deal_changed_while_it_is_made_is_a_conflict(rt, db, acme, change, monkeypatch):
    actor, before, version = alice(rt), history_of(rt), db.deal(1).version
    reassess = opportunities._reassess

    def reassess_then_changed(session, opp, *args, **kwargs):
        reassess(session, opp, *args, **kwargs)
        changed_elsewhere(session, opp)

    monkeypatch.setattr(opportunities, "_reassess", reassess_then_changed)
    with pytest.raises(Conflict) as refused, rt.transaction() as session:
        change(rt, session, actor)
    assert refused.value.key == "conflict"
    assert history_of(rt) == before
    assert (db.deal(1).version, db.deal(1).stage, db.deal(1).next_step) == (version, "proposal", None)


def test_a_log_and_a_move_each_move_the_version_on_once(slack, db, acme):
    version = db.deal(1).version
    slack.command("alice", "log 1 called the CFO next send quote by friday")
    assert db.deal(1).version == version + 1
    slack.command("alice", "move 1 negotiation")
    deal = db.deal(1)
    assert (deal.version, deal.stage, deal.next_step) == (version + 2, "negotiation", "send quote")


@pytest.mark.parametrize("change", [log, move])
def test_a_change_undone_by_a_savepoint_leaves_the_deal_as_the_database_has_it(rt, acme, change):
    actor = alice(rt)
    """Inside a savepoint the change goes through the ORM's flush, whose rollback restores the
    deal: a Core write would leave it in memory at a version the database never kept."""
    with rt.transaction() as session:
        opp = opportunities.get(session, actor=actor, number=1)
        with pytest.raises(RuntimeError), session.begin_nested():
            change(rt, session, actor)
            raise RuntimeError
        stored = session.connection().execute(select(Opportunity.version, Opportunity.stage, Opportunity.next_step).where(Opportunity.id == opp.id)).one()
        assert (opp.version, opp.stage, opp.next_step) == tuple(stored) == (1, "proposal", None)


def test_a_deal_created_in_a_savepoint_that_is_undone_is_gone_from_the_session(slack, rt):
    slack.command("alice", "help")  # alice is a member
    actor = alice(rt)
    with rt.transaction() as session:
        with pytest.raises(RuntimeError), session.begin_nested():
            opportunities.create(session, actor=actor, deal=opportunities.DealInput(title="Globex pilot"), config=rt.config, clock=rt.clock)
            raise RuntimeError
        assert not [o for o in session.identity_map.values() if isinstance(o, Opportunity)]
        assert session.scalar(select(Opportunity.id)) is None
