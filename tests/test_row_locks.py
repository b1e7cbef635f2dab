"""On PostgreSQL, the row locks that make a second transaction wait for the first and then act on
what it committed: an offer's row (accept, decline and the worker's expiry each lock it before
reading its status), a deal's row while an answered offer passes it on, and a deal's row while the
worker decides to return it to the public pool. Each test holds the first transaction open (its
locks held) and checks the second was blocked until it committed."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from bot.core.errors import PermissionDenied
from bot.core.i18n import t
from bot.deals import opportunities, recycle
from bot.team import assignment
from store.models import AssignmentOffer, Event, OutboxMessage
from tests import test_assignment
from tests.contention import HeldOpen, contend, hold_after_first
from tests.test_assignment import actor_for_slack, events_of, owner_of
from tests.test_offer_expiry import offered, statuses
from tests.test_pool_return import warned_and_due

team_of = test_assignment.team_of  # account managers U0AE1..U0AE5 under U0MGR; the rule offers to U0AE1, then U0AE2

pytestmark = pytest.mark.usefixtures("postgres_only")


def text_of(reply) -> str:
    return reply.text if hasattr(reply, "text") else reply


def offer_events(rt) -> list[str]:
    with rt.sessions() as s:
        return list(s.scalars(select(Event.new).where(Event.kind == "assigned", Event.field == "offer").order_by(Event.id)))


def owners(rt, number: int) -> list[tuple[str, str]]:
    return [(e.old, e.new) for e in events_of(rt, number) if e.kind == "assigned" and e.field == "owner"]


def offers_made(rt) -> int:
    with rt.sessions() as s:
        return len(s.scalars(select(AssignmentOffer.id)).all())


# --- the offer's row: accept, decline, expiry ---------------------------------------------------


def test_an_accept_at_the_moment_the_offer_expires_waits_and_is_refused_and_the_deal_passes_on_once(rt, team_of):
    """The worker's expiry holds U0AE1's expired offer (and has passed the deal to U0AE2); U0AE1's
    Accept at that moment waits for the offer's lock, then reads that it is no longer open."""
    made = offered(rt, team_of)
    rt.clock.advance(hours=25)
    ae1 = actor_for_slack(rt, "U0AE1")

    out = contend(rt, lambda held: assignment.expire_offers(held, rt.clock.now()), lambda rt: assignment.accept(rt, ae1, made))
    assert out["blocked"] and out["first"] == 1, out
    assert text_of(out["second"]) == t(ae1.lang, "as_offer_gone"), out
    assert statuses(rt) == ["expired", "offered"] and offers_made(rt) == 2  # one new offer, to U0AE2
    assert offer_events(rt) == ["expired"]
    assert owner_of(rt, 1) == "U0AE2" and owners(rt, 1)[1:] == [("U0AE1", "U0AE2")]


def test_a_decline_while_an_accept_holds_the_offer_waits_and_is_refused_and_the_accepter_keeps_the_deal(rt, team_of):
    """U0AE1's Accept holds the offer; a Decline of the same offer (a second click) waits, then is
    refused, and nothing passes on."""
    made = offered(rt, team_of)
    ae1 = actor_for_slack(rt, "U0AE1")

    out = contend(rt, lambda held: assignment.accept(held, ae1, made), lambda rt: assignment.decline(rt, ae1, made, "too busy"))
    assert out["blocked"] and "#1" in text_of(out["first"]), out
    assert text_of(out["second"]) == t(ae1.lang, "as_offer_gone"), out
    assert statuses(rt) == ["accepted"] and offer_events(rt) == ["accepted"]
    assert owner_of(rt, 1) == "U0AE1" and owners(rt, 1)[1:] == []


def test_the_expiry_while_an_accept_holds_the_offer_waits_and_leaves_the_deal_with_the_accepter(rt, team_of):
    """The job listed U0AE1's offer as expired; U0AE1's Accept holds it; the job's expiry waits for
    the offer's lock, then finds it answered and passes nothing on."""
    made = offered(rt, team_of)
    rt.clock.advance(hours=25)
    ae1 = actor_for_slack(rt, "U0AE1")

    out = contend(rt, lambda held: assignment.accept(held, ae1, made), lambda rt: assignment.expire_offers(rt, rt.clock.now()))
    assert out["blocked"] and "#1" in text_of(out["first"]), out
    assert out["second"] == 0, out
    assert statuses(rt) == ["accepted"] and offer_events(rt) == ["accepted"]
    assert owner_of(rt, 1) == "U0AE1" and owners(rt, 1)[1:] == []


# --- the deal's row while an offer passes it on ----------------------------------------------------


def test_a_log_on_a_deal_being_passed_on_waits_for_the_pass_on_and_then_sees_the_new_owner(rt, team_of, monkeypatch):
    """U0AE1 declines; while the pass-on, the deal locked, is choosing the next person, U0AE1 logs a
    call on the deal: the log waits for the deal's lock, then finds the deal is U0AE2's and is
    refused, and the decline is not undone by the log's change."""
    made = offered(rt, team_of)
    ae1 = actor_for_slack(rt, "U0AE1")
    held = HeldOpen(rt)
    choose = assignment.decide

    def decide_while_held(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            held.hold()  # inside pass_on, after it locked the deal: the log starts now
        return choose(*args, **kwargs)

    monkeypatch.setattr(assignment, "decide", decide_while_held)

    def log_call(rt):
        with rt.transaction() as s:
            opportunities.log_activity(s, actor=ae1, number=1, text="called them", kind="call", config=rt.config, clock=rt.clock)
        return "logged"

    out = contend(rt, lambda held: assignment.decline(held, ae1, made, "too busy"), log_call, held=held)
    assert out["blocked"], out
    assert "#1" in text_of(out["first"]), out
    assert isinstance(out["second"], PermissionDenied), out
    assert statuses(rt) == ["declined", "offered"] and owner_of(rt, 1) == "U0AE2"
    assert owners(rt, 1)[1:] == [("U0AE1", "U0AE2")]


# --- the deal's row while the worker returns it to the pool -----------------------------------------


def test_a_return_to_the_pool_waits_for_the_owners_call_and_then_keeps_the_deal(slack, rt, db):
    """alice's deal is warned and due; she logs a call, her transaction still open (the deal locked),
    as the worker returns idle deals: the job listed the deal, waits for its lock, then checks again,
    finds the call, and leaves the deal with her."""
    slack.command("alice", "new Quiet 10万")
    warned_and_due(rt)
    alice = actor_for_slack(rt, "U0ALICE")

    def log_call(held):
        with held.transaction() as s:
            opportunities.log_activity(s, actor=alice, number=1, text="called the buyer", kind="call", config=held.config, clock=held.clock)
        return "logged"

    out = contend(rt, log_call, lambda rt: recycle.return_idle_deals(rt, rt.clock.now()))
    assert out["blocked"] and out["first"] == "logged", out
    assert out["second"] == 0, out
    deal = db.deal(1)
    assert (deal.pooled_at, deal.owner.slack_user_id) == (None, "U0ALICE")
    assert [e.field for e in db.events(1) if e.field == "pool"] == []


# --- a target set by two people at once ------------------------------------------------------------


def test_two_people_setting_the_same_target_at_once_leave_one_in_force(slack, rt, db, monkeypatch):
    """The admin sets the team's December target; while that transaction is open, a manager sets it
    too: the second waits for the first, then replaces it. One target is in force, the other is in
    its history (without the wait, both would be in force and the reports would count both)."""
    from bot.reporting import targets
    from store.models import Target

    slack.command("boss", "team set <@U0BOB> role:manager")
    held = HeldOpen(rt)
    hold_after_first(monkeypatch, targets, "_replace", held)  # the first to get there holds its transaction open
    out = contend(
        rt, lambda _held: slack.command("boss", "target team 2026-12 100万").text, lambda _rt: slack.command("bob", "target team 2026-12 120万").text, held=held
    )
    assert out["blocked"], out
    assert "¥1M" in out["first"] and "the earlier ¥1M stays in the history" in out["second"], out
    with rt.sessions() as s:
        rows = s.execute(select(Target.amount, Target.replaced_at.is_(None)).where(Target.period == "2026-12").order_by(Target.id)).all()
    assert [(int(amount), current) for amount, current in rows] == [(1_000_000, False), (1_200_000, True)]


# --- two reps creating the same customer's deal at once (撞单) ---------------------------------------


@pytest.mark.duplicates
def test_two_reps_creating_the_same_customers_deal_at_once_the_second_is_asked_first(slack, rt, db, monkeypatch):
    """alice creates 苏州恒通's deal; while her transaction is open (the deal written, not yet
    committed), li creates a deal for the same customer: li's waits for alice's, then finds it and
    is asked first, nothing created (without the wait, both found no open deal like theirs, and
    two deals for one customer were made, neither told of the other)."""
    held = HeldOpen(rt)
    hold_after_first(monkeypatch, opportunities, "create", held)  # the first to get there holds its transaction open
    out = contend(
        rt,
        lambda _held: slack.command("alice", "new 苏州恒通 WMS 50万 客户 苏州恒通").text,
        lambda _rt: slack.command("li", "新建 恒通仓储二期 客户 苏州恒通有限公司").text,
        held=held,
    )
    assert out["blocked"], out
    assert "#1" in out["first"], out
    assert "可能撞单" in out["second"] and "#1" in out["second"], out
    assert [(d.number, d.owner.slack_user_id) for d in db.deals()] == [(1, "U0ALICE")]


# --- two deals created at once: the workspace's counter --------------------------------------------


def test_two_deals_created_at_once_take_the_next_numbers_in_turn(slack, rt, db, monkeypatch):
    """alice creates a deal; while her transaction is open (her number taken, not yet committed), li
    creates another: li's waits for the workspace's counter, then takes the next number. #1 and #2,
    never one number twice (the duplicate check, which would make li wait first, is off here)."""
    for who in ("alice", "li"):
        slack.command(who, "help")
    held = HeldOpen(rt)
    hold_after_first(monkeypatch, opportunities, "create", held)
    out = contend(rt, lambda _held: slack.command("alice", "new Acme ERP").text, lambda _rt: slack.command("li", "新建 Globex CRM").text, held=held)
    assert out["blocked"], out
    assert "#1" in out["first"] and "#2" in out["second"], out
    assert [(d.number, d.title, d.owner.slack_user_id) for d in db.deals()] == [(1, "Acme ERP", "U0ALICE"), (2, "Globex CRM", "U0LI")]


# --- a review meeting called by two people at once ----------------------------------------------------


def test_two_people_calling_a_review_meeting_at_once_the_second_is_told_it_was_called(slack, rt, clock, monkeypatch):
    """bob (alice's manager) calls a review meeting on lost #1; while his transaction is open, the
    admin calls it too: the admin's waits for bob's, then is told it was already called today, and
    one meeting is posted (without the wait, both found none called; the second failed on the
    message's key with an error instead of that answer)."""
    from bot.deals import reviews
    from tests.test_reviews import outbox, story

    story(slack, rt, clock)
    held = HeldOpen(rt)
    hold_after_first(monkeypatch, reviews, "_record", held)  # the first to call the meeting holds its transaction open
    out = contend(rt, lambda _held: slack.command("bob", "review 1 meeting").text, lambda _rt: slack.command("boss", "review 1 meeting").text, held=held)
    assert out["blocked"], out
    assert out["first"].startswith("Asked the team for a review meeting on #1"), out
    assert out["second"].startswith("⚠️ A review meeting on #1 was already called in #sales-digest today."), out
    assert len(outbox(rt, "review_meeting")) == 1


# --- the review meeting's agenda posted by two people at once -----------------------------------------


def test_two_people_posting_the_agenda_at_once_the_second_is_told_it_was_posted(slack, rt, monkeypatch):
    """li (a manager) posts the week's agenda; while that transaction is open, the admin posts it
    too: the admin's waits for li's, then is told it was posted today, and one agenda is queued
    (without the wait, both found none queued; the second failed on the message's key with an
    error instead of that answer)."""
    from dataclasses import replace

    from bot.reporting import meeting
    from tests.test_meeting import CHANNEL
    from tests.test_permissions import set_role

    for who in ("li", "boss"):
        slack.command(who, "help")
    set_role(rt, "U0LI", "manager")
    rt.config = replace(rt.config, channels={**rt.config.channels, "meeting": CHANNEL})
    held = HeldOpen(rt)
    hold_after_first(monkeypatch, meeting, "enqueue", held)  # the first to get there holds its transaction open
    out = contend(rt, lambda _held: slack.command("li", "meeting").text, lambda _rt: slack.command("boss", "meeting").text, held=held)
    assert out["blocked"], out
    assert "已把评审会议程发到" in out["first"], out
    assert out["second"].startswith(f"⚠️ The agenda was already posted to {CHANNEL} today."), out
    with rt.sessions() as s:
        assert len(s.scalars(select(OutboxMessage.id).where(OutboxMessage.kind == "meeting_agenda")).all()) == 1


# --- a round-robin rule's first assignment, twice at once ------------------------------------------


def test_a_rules_first_two_assignments_at_once_go_round_and_neither_fails(rt, team_of, monkeypatch):
    """The East-manufacturing rule has never assigned a deal. Two deals are assigned under it at
    the same moment: the first makes the rule's place in the round and holds it; the second waits
    for it (instead of making a second one and failing on the first's at commit), then takes the
    next person in turn."""
    from bot.team import rules
    from store.models import Opportunity

    first_deal, second_deal = (test_assignment.east_deal(rt, team_of, title) for title in ("Acme", "Globex"))
    held = HeldOpen(rt)
    hold_after_first(monkeypatch, rules, "cursor_for", held)  # the first to get there holds its transaction open

    def assign(deal):
        def run(rt):
            with rt.transaction() as s:
                assignment.assign_owner(s, rt.config, s.get(Opportunity, deal.id), by=team_of.member_id, now=rt.clock.now())
            return "assigned"

        return run

    out = contend(rt, assign(first_deal), assign(second_deal), held=held)
    assert out["blocked"] and out["first"] == out["second"] == "assigned", out
    with rt.sessions() as s:
        offered_to = s.execute(
            select(Opportunity.number, AssignmentOffer.member_id)
            .join(AssignmentOffer, AssignmentOffer.opportunity_id == Opportunity.id)
            .order_by(Opportunity.number)
        ).all()
    names = {a.member_id: a.slack_user_id for a in (actor_for_slack(rt, u) for u in ("U0AE1", "U0AE2"))}
    assert [(number, names.get(member)) for number, member in offered_to] == [(1, "U0AE1"), (2, "U0AE2")]


# --- two deals assigned at once under a rule with room for one more --------------------------------


def test_two_deals_assigned_at_once_to_a_rule_with_room_for_one_give_the_second_to_the_pool(slack, rt, team_of, monkeypatch):
    """U0AE1 is the rule's only eligible person, with room for one more deal. The manager assigns
    #1 by the rules; while that transaction is open (U0AE1 counted and chosen, not yet committed),
    #2 is assigned too: it waits for the rule's turn, then counts U0AE1 full and goes to the pool
    (without the wait, both counted U0AE1 with room and U0AE1 got both, past their capacity)."""
    from bot.team import rules
    from tests.test_assignment import east_deal, set_member

    for number in (1, 2):
        east_deal(rt, team_of, f"Acme {number}")
    set_member(rt, "U0AE1", capacity=1)
    set_member(rt, "U0AE2", capacity=0)
    held = HeldOpen(rt)
    hold_after_first(monkeypatch, rules, "candidates", held)  # the first holds once it has counted the loads
    out = contend(rt, lambda _held: slack.command("boss", "assign 1 auto").text, lambda _rt: slack.command("boss", "assign 2 auto").text, held=held)
    assert out["blocked"], out
    assert owner_of(rt, 1) == "U0AE1" and owner_of(rt, 2) is None, out
