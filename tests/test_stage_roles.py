"""Who is responsible when a deal enters a stage: a person of the stage's role when it is not the
owner's (a legacy "rep" owner counts as an account manager), a responsible person of another role
replaced, and nobody — recorded in the deal's history — when no one of that role can take it. The
day someone is back from leave is the team's day. Through signed /opp commands; the clock is fixed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from store.models import AssignmentOffer, Member, OutboxMessage
from tests.test_permissions import set_role


def responsible_events(db, number: int) -> list[tuple]:
    return [(e.actor_id, e.at, e.old, e.new) for e in db.events(number) if e.field == "responsible"]


def offers(rt) -> list[tuple[str, str, str]]:
    with rt.sessions() as s:
        rows = s.execute(
            select(AssignmentOffer.kind, AssignmentOffer.status, Member.slack_user_id)
            .join(Member, Member.id == AssignmentOffer.member_id)
            .order_by(AssignmentOffer.id)
        )
        return [tuple(r) for r in rows]


def li_responsible_for_a_bdrs_deal(slack, rt, db) -> None:
    """Alice (a BDR) creates deal #1 and moves it into Technical review: li (sales support) is responsible."""
    slack.command("alice", "new Acme ERP 10万 stage lead")
    slack.command("li", "show 1")
    set_role(rt, "U0LI", "support")
    set_role(rt, "U0ALICE", "bdr")
    slack.command("alice", "move 1 tech_review")
    assert db.deal(1).responsible.slack_user_id == "U0LI"


def test_a_legacy_rep_owner_stays_responsible_in_account_manager_stages(slack, rt, db):
    """Alice's role is the old name "rep": moving her deal into Needs confirmed (an account
    manager's stage) leaves her responsible; no account manager is chosen, offered or told."""
    slack.command("alice", "new Acme ERP 10万 stage lead")
    slack.command("bob", "show 1")  # bob, an account manager, could be chosen
    set_role(rt, "U0ALICE", "rep")
    slack.command("alice", "move 1 needs")
    deal = db.deal(1)
    assert (deal.stage, deal.responsible_id) == ("needs", None)
    assert responsible_events(db, 1) == []
    assert offers(rt) == []
    with rt.sessions() as s:
        assert s.scalars(select(OutboxMessage.channel).where(OutboxMessage.channel == "U0BOB")).all() == []


def test_a_responsible_person_of_another_role_is_replaced_by_one_of_the_new_stages_role(slack, rt, db):
    """A BDR's deal in Technical review has li (sales support) responsible; moved to Needs
    confirmed (an account manager's stage) bob, an account manager, takes over from li."""
    li_responsible_for_a_bdrs_deal(slack, rt, db)
    slack.command("bob", "show 1")
    slack.command("alice", "move 1 needs")
    assert db.deal(1).responsible.slack_user_id == "U0BOB"
    assert [(old, new) for _, _, old, new in responsible_events(db, 1)] == [(None, "U0LI"), ("U0LI", "U0BOB")]
    assert offers(rt) == [("responsible", "withdrawn", "U0LI"), ("responsible", "offered", "U0BOB")]


def test_with_nobody_of_the_new_role_the_responsible_person_is_removed_in_the_deals_history(slack, rt, db, clock):
    """Li (sales support) is responsible; the deal moves to an account manager's stage and there
    is no account manager: li is no longer responsible, li's offer is withdrawn, and the deal's
    history records alice removing li at that moment."""
    li_responsible_for_a_bdrs_deal(slack, rt, db)
    clock.advance(hours=1)
    slack.command("alice", "move 1 needs")
    deal = db.deal(1)
    assert (deal.stage, deal.responsible_id) == ("needs", None)
    alice = db.member("U0ALICE").id
    assert [(actor, old, new) for actor, _, old, new in responsible_events(db, 1)] == [(alice, None, "U0LI"), (alice, "U0LI", None)]
    assert offers(rt) == [("responsible", "withdrawn", "U0LI")]
    history = slack.command("alice", "history 1").text
    assert "`2026-11-25 11:00` <@U0ALICE> changed responsible from U0LI to —" in history, history


def test_someone_back_from_leave_today_in_the_teams_time_zone_becomes_responsible(slack, rt, db, clock, machine_in_utc):
    """At 07:00 in Shanghai (still the day before in UTC, the machine's zone) li, on leave until
    yesterday, is back: moving the deal into Technical review makes li responsible."""
    slack.command("alice", "new Acme ERP 10万 stage proposal")
    slack.command("li", "show 1")
    set_role(rt, "U0LI", "support")
    with rt.transaction() as s:
        s.scalars(select(Member).where(Member.slack_user_id == "U0LI")).one().away_until = date(2026, 11, 24)
    clock.advance(hours=-3)
    slack.command("alice", "move 1 tech_review")
    assert db.deal(1).responsible.slack_user_id == "U0LI"


def test_when_everyone_of_the_stages_role_is_away_the_admin_is_told_why_in_the_teams_language(slack, rt, db):
    """Li, the only sales support, is on leave: moving the deal into Technical review leaves nobody
    responsible, and the admin (no pool manager is set) gets one DM naming the deal and the rule
    nobody could be found under, in the team's language."""
    slack.command("alice", "new Acme ERP 10万 stage proposal")
    slack.command("li", "show 1")
    set_role(rt, "U0LI", "support")
    with rt.transaction() as s:
        s.scalars(select(Member).where(Member.slack_user_id == "U0LI")).one().away_until = date(2026, 12, 31)
    slack.command("alice", "move 1 tech_review")
    assert (db.deal(1).stage, db.deal(1).responsible_id) == ("tech_review", None)
    with rt.sessions() as s:
        told = s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "U0ADMIN", OutboxMessage.key.like("resp-none:%"))).all()
    assert [m.text for m in told] == ["#1 Acme ERP: 规则「默认」没有可分配的人（都在休假、已满或不负责该区域/行业）"]


def test_the_owner_is_told_who_is_responsible_for_the_new_stage_in_the_teams_language(slack, rt, db):
    """Alice (an account manager) moves her deal into Technical review: li (sales support) becomes
    responsible, and alice gets one DM saying so, in the team's language (Chinese)."""
    slack.command("alice", "new Acme ERP 10万 stage proposal")
    slack.command("li", "show 1")
    set_role(rt, "U0LI", "support")
    slack.command("alice", "move 1 tech_review")
    assert db.deal(1).responsible.slack_user_id == "U0LI"
    with rt.sessions() as s:
        told = s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "U0ALICE", OutboxMessage.key.like("stage-owner:%"))).all()
    assert [m.text for m in told] == ["#1 Acme ERP 进入「技术交流」，由 <@U0LI>（销售支持）负责这一阶段。"]
