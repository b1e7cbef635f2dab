"""Offers withdrawn when a deal's responsibility changes under them: a deal moved on into a stage of
another role while its responsible offer waits has that offer withdrawn (answered now), and the
person offered it is told it is gone; its owner offer, other deals' offers and offers already
answered stay as they were."""

from __future__ import annotations

from sqlalchemy import select

from store.models import AssignmentOffer, Member, Opportunity
from tests.test_permissions import set_role


def offers_of(rt, number: int) -> list[tuple[str, str, str, object]]:
    """(kind, assignee, status, answered_at) of the deal's offers, oldest first."""
    with rt.sessions() as s:
        rows = s.execute(
            select(AssignmentOffer.kind, Member.slack_user_id, AssignmentOffer.status, AssignmentOffer.answered_at)
            .join(Member, Member.id == AssignmentOffer.member_id)
            .join(Opportunity, Opportunity.id == AssignmentOffer.opportunity_id)
            .where(Opportunity.number == number)
            .order_by(AssignmentOffer.id)
        )
        return [tuple(row) for row in rows]


def offer_id(rt, number: int, slack_id: str, kind: str = "responsible") -> int:
    with rt.sessions() as s:
        return s.scalars(
            select(AssignmentOffer.id)
            .join(Member, Member.id == AssignmentOffer.member_id)
            .join(Opportunity, Opportunity.id == AssignmentOffer.opportunity_id)
            .where(Opportunity.number == number, Member.slack_user_id == slack_id, AssignmentOffer.kind == kind)
        ).one()


def test_moving_a_deal_on_withdraws_only_its_open_responsible_offer(slack, rt, db):
    """Deal #1 has an open owner offer, a responsible offer li declined and one passed to nyc;
    deal #2 waits on li. An hour later #1 moves back to a BDR stage: nyc's offer is withdrawn,
    answered at that moment, and nyc's Accept is told the offer is gone; #1's owner offer, li's
    declined offer and #2's offer are untouched."""
    slack.command("alice", "new Acme 10万 stage proposal")
    slack.command("alice", "new Other 10万 stage proposal")
    for who in ("li", "nyc"):
        slack.command(who, "show 1")
        set_role(rt, f"U0{who.upper()}", "support")
    slack.command("boss", "assign 1 auto")  # an owner offer, to alice
    slack.command("boss", "move 2 tech_review")  # li is offered #2
    slack.command("boss", "move 1 tech_review")  # nyc is offered #1, and declines: li is offered it
    declined_at = rt.clock.now()
    slack.click("nyc", "offer_decline", str(offer_id(rt, 1, "U0NYC")))
    slack.submit("nyc", slack.opened_view(), {"reason": "on leave"})
    assert db.deal(1).responsible.slack_user_id == "U0LI"
    before = offers_of(rt, 2)

    rt.clock.advance(hours=1)
    slack.command("boss", "move 1 lead")
    assert offers_of(rt, 1) == [
        ("owner", "U0ALICE", "offered", None),
        ("responsible", "U0NYC", "declined", declined_at),
        ("responsible", "U0LI", "withdrawn", rt.clock.now()),
    ]
    assert offers_of(rt, 2) == before == [("responsible", "U0LI", "offered", None)]
    slack.click("li", "offer_accept", str(offer_id(rt, 1, "U0LI")))
    assert slack.responses()[-1]["text"] == "这个分配已经处理过了。"
    assert offers_of(rt, 1)[2][2] == "withdrawn"
    assert db.deal(1).responsible_id is None
