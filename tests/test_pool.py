"""The public pool: who may claim (pooled deals only, by BDRs, account managers and managers), what a
claim changes besides the owner (that deal's offers withdrawn, its version bumped), and on
PostgreSQL the row locks that make a second claim wait for the first."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.deals import permissions, pool
from store.models import AssignmentOffer, Event, Member, Opportunity
from tests.contention import contend
from tests.test_assignment import actor_for_slack
from tests.test_permissions import set_role


def pooled(rt, *numbers: int) -> None:
    with rt.transaction() as s:
        for opp in s.scalars(select(Opportunity).where(Opportunity.number.in_(numbers))).unique():
            opp.pooled_at, opp.responsible_id = rt.clock.now(), None


def snapshot(rt) -> tuple:
    """Every deal's owner, pool mark and version, and how many events and offers there are."""
    with rt.sessions() as s:
        deals = s.execute(select(Opportunity.number, Opportunity.owner_id, Opportunity.pooled_at, Opportunity.version).order_by(Opportunity.number)).all()
        return [tuple(d) for d in deals], s.scalar(select(func.count(Event.id))), s.scalar(select(func.count(AssignmentOffer.id)))


def test_a_role_that_may_not_claim_is_refused_and_nothing_changes(slack, rt, db):
    """Claiming needs a role in CLAIMERS (bdr, ae, manager): sales support is refused in Slack."""
    slack.command("alice", "new Pooled deal 10万")
    slack.command("li", "show 1")
    set_role(rt, "U0LI", "support")
    pooled(rt, 1)
    before = snapshot(rt)
    answer = slack.command("li", "claim 1")
    assert "can't claim #1" in answer.text or "不能认领 #1" in answer.text, answer.text
    assert snapshot(rt) == before
    assert db.deal(1).pooled_at is not None


def test_a_bdr_may_claim_a_pooled_deal(slack, rt, db):
    """The same refusal path lets a claimer role through (the rule is not simply "nobody")."""
    slack.command("alice", "new Pooled deal 10万")
    slack.command("li", "show 1")
    set_role(rt, "U0LI", "bdr")
    pooled(rt, 1)
    assert "你认领了 #1" in slack.command("li", "claim 1").text
    assert (db.deal(1).owner.slack_user_id, db.deal(1).pooled_at) == ("U0LI", None)


def test_a_deal_not_in_the_pool_cannot_be_claimed(slack, rt, db):
    """Only pooled deals may be claimed: in Slack the owner keeps it, and the rule itself says no."""
    slack.command("alice", "new Owned deal 10万")
    slack.command("bob", "show 1")
    before = snapshot(rt)
    answer = slack.command("bob", "claim 1")
    assert "You claimed" not in answer.text and "#1" in answer.text, answer.text
    assert snapshot(rt) == before and db.deal(1).owner.slack_user_id == "U0ALICE"
    bob = actor_for_slack(rt, "U0BOB")
    with rt.sessions() as s:
        deal = s.scalars(select(Opportunity).where(Opportunity.number == 1)).unique().one()
        assert not permissions.allowed(bob, "claim", deal)
        deal.pooled_at = rt.clock.now()  # not saved: the same deal, pooled
        assert permissions.allowed(bob, "claim", deal)


def offer(rt, number: int, slack_id: str, *, kind: str = "owner", status: str = "offered") -> int:
    """An offer of deal ``number`` to ``slack_id``, straight into the database; its id."""
    with rt.transaction() as s:
        opp = s.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one()
        member = s.scalars(select(Member).where(Member.slack_user_id == slack_id)).one()
        made = AssignmentOffer(
            workspace_id=opp.workspace_id,
            opportunity_id=opp.id,
            member_id=member.id,
            kind=kind,
            rule="default",
            explanation="test",
            status=status,
            passed_over=[],
            created_at=rt.clock.now(),
            expires_at=rt.clock.now(),
        )
        s.add(made)
        s.flush()
        return made.id


def test_a_claim_withdraws_only_that_deals_open_offers(slack, rt, db):
    """After a claim the claimed deal's pending offers are withdrawn; other deals' offers stay."""
    slack.command("alice", "new First 10万")
    slack.command("alice", "new Second 10万")
    slack.command("bob", "show 1")
    first, second = offer(rt, 1, "U0ALICE"), offer(rt, 2, "U0ALICE")
    pooled(rt, 1)
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    with rt.sessions() as s:
        statuses = {o.id: o.status for o in s.scalars(select(AssignmentOffer))}
    assert statuses == {first: "withdrawn", second: "offered"}


def test_an_edit_form_opened_before_a_claim_cannot_overwrite_it(slack, rt, db, fake):
    """A claim bumps the deal's version, so a form opened before it is refused as stale."""
    slack.command("alice", "new Pooled deal 10万")
    slack.command("bob", "show 1")
    pooled(rt, 1)
    slack.command("boss", "edit 1")
    view = fake.last("views.open").args["view"]
    version = db.deal(1).version
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    assert db.deal(1).version > version
    answer = slack.submit("boss", view, {"title": "Renamed by the admin"})
    assert answer.json.get("response_action") == "errors", answer.body
    assert "Someone changed #1" in answer.text
    deal = db.deal(1)
    assert (deal.title, deal.owner.slack_user_id, deal.pooled_at) == ("Pooled deal", "U0BOB", None)


# --- PostgreSQL: real row locks ------------------------------------------------------------------


def claim_by(slack_id: str, number: int):
    """A claim of deal ``number`` by ``slack_id``, for ``contend``: "claimed", or the refusal raised."""

    def claim(rt):
        with rt.transaction() as s:
            pool.claim(s, actor=actor_for_slack(rt, slack_id), number=number, config=rt.config, now=rt.clock.now())
        return "claimed"

    return claim


def test_a_second_claimer_of_the_same_deal_waits_for_the_first_and_is_refused(slack, rt, db, postgres_only):
    """PostgreSQL: the first claim's UPDATE holds the deal's row; the second waits, then loses."""
    slack.command("alice", "new Contested 10万")
    slack.command("bob", "show 1")
    slack.command("nyc", "show 1")
    pooled(rt, 1)
    out = contend(rt, claim_by("U0BOB", 1), claim_by("U0NYC", 1))
    assert out["blocked"] and out["first"] == "claimed", out
    assert getattr(out["second"], "key", None) == "pool_already_claimed", out
    assert db.deal(1).owner.slack_user_id == "U0BOB"
    assert [e.new for e in db.events(1) if e.field == "claim"] == ["U0BOB"]


def test_a_second_claim_by_a_full_claimer_waits_on_their_member_row_and_is_refused(slack, rt, db, postgres_only):
    """PostgreSQL: a claim locks the claimer's member row (FOR UPDATE) before its capacity-checked
    UPDATE, so their second claim at the same time waits, then sees the first and stops at capacity."""
    slack.command("alice", "new One 10万")
    slack.command("alice", "new Two 10万")
    slack.command("bob", "show 1")
    pooled(rt, 1, 2)
    with rt.transaction() as s:
        s.scalars(select(Member).where(Member.slack_user_id == "U0BOB")).one().capacity = 1
    out = contend(rt, claim_by("U0BOB", 1), claim_by("U0BOB", 2))
    assert out["blocked"] and out["first"] == "claimed", out
    assert getattr(out["second"], "key", None) == "as_at_capacity", out
    assert [d.pooled_at is None for d in db.deals()] == [True, False]
