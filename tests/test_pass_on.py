"""An offer declined or left to expire passes the deal on within the rule the offer was made under:
the next eligible person of that rule (for a responsible person, also of the stage's role), even
when the deal now matches another rule; the deal's rule now when config no longer has that one;
and with nobody left, the public pool, saying why."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.core.config import Rule
from bot.worker import jobs
from store.models import AssignmentOffer
from tests.test_assignment import outbox, owner_of
from tests.test_permissions import set_role

EAST = Rule(name="east", strategy="round_robin", regions=("华东",), people=("U0BOB", "U0LI"), role="ae")
SOUTH = Rule(name="south", strategy="round_robin", regions=("华南",), people=("U0NYC",), role="ae")


def use_rules(rt, *rules: Rule) -> None:
    rt.config = replace(rt.config, assignment=replace(rt.config.assignment, rules=rules))


def offers_made(rt) -> list[AssignmentOffer]:
    with rt.sessions() as s:
        return list(s.scalars(select(AssignmentOffer).order_by(AssignmentOffer.id)))


def offers_to(rt, slack_id: str) -> list[str]:
    """The offer DMs ``slack_id`` was sent (they carry Accept and Decline)."""
    return [text for text in outbox(rt, slack_id) if "分配给了你" in text]


def set_region(slack, number: int, region: str) -> None:
    """The deal's region changed through its edit form (by the admin)."""
    slack.command("boss", f"edit {number}")
    slack.submit("boss", slack.opened_view(), {"region": region})


def decline(slack, who: str, made: AssignmentOffer, reason: str = "too busy") -> None:
    slack.click(who, "offer_decline", str(made.id))
    slack.submit(who, slack.opened_view(), {"reason": reason})


# --- the owner ---------------------------------------------------------------------------------------


def east_deal_offered_to_bob(slack, rt) -> AssignmentOffer:
    """Deal #1 (East) is alice's; the admin has the rules give it: "east" offers it to bob."""
    slack.command("alice", "new Acme 30万 region 华东")
    for who in ("bob", "li", "nyc"):
        slack.command(who, "show 1")
    use_rules(rt, EAST, SOUTH)
    slack.command("boss", "assign 1 auto")
    [made] = offers_made(rt)
    assert (made.kind, made.rule, owner_of(rt, 1)) == ("owner", "east", "U0BOB")
    return made


def test_a_declined_owner_offer_passes_within_its_rule_after_the_deal_moved_region(slack, rt, db):
    """The deal was moved to 华南 (rule "south", nyc's) after bob's offer; bob declines: li, the
    next of "east", is offered it and owns it, and the new offer is recorded under "east"."""
    made = east_deal_offered_to_bob(slack, rt)
    set_region(slack, 1, "华南")
    assert db.deal(1).region == "华南"
    decline(slack, "bob", made)
    assert owner_of(rt, 1) == "U0LI"
    assert len(offers_to(rt, "U0LI")) == 1 and offers_to(rt, "U0NYC") == []
    assert [(o.member_id, o.rule, o.status) for o in offers_made(rt)] == [
        (db.member("U0BOB").id, "east", "declined"),
        (db.member("U0LI").id, "east", "offered"),
    ]


def test_an_expired_owner_offer_passes_within_its_rule_when_another_rule_now_comes_first(slack, rt, db):
    """A rule for every region, nyc's, was put ahead of "east" after bob's offer; the offer expires
    at the worker's tick: li, the next of "east", gets it, under "east"."""
    made = east_deal_offered_to_bob(slack, rt)
    use_rules(rt, replace(SOUTH, name="everywhere", regions=()), EAST)
    rt.clock.advance(hours=25)
    assert jobs.assignments(rt, None, rt.clock.now()) == 1
    assert owner_of(rt, 1) == "U0LI"
    assert len(offers_to(rt, "U0LI")) == 1 and offers_to(rt, "U0NYC") == []
    assert [(o.member_id, o.rule, o.status) for o in offers_made(rt)] == [
        (made.member_id, "east", "expired"),
        (db.member("U0LI").id, "east", "offered"),
    ]


def test_a_declined_owner_offer_whose_rule_is_gone_passes_by_the_deals_rule_now(slack, rt, db):
    """Config no longer has "east" (now "east 2", nyc's): bob declines and nyc, of the deal's rule
    now, is offered it under "east 2"."""
    made = east_deal_offered_to_bob(slack, rt)
    use_rules(rt, replace(EAST, name="east 2", people=("U0NYC",)))
    decline(slack, "bob", made)
    assert owner_of(rt, 1) == "U0NYC"
    assert len(offers_to(rt, "U0NYC")) == 1
    assert [(o.rule, o.member_id) for o in offers_made(rt)][1:] == [("east 2", db.member("U0NYC").id)]


# --- the person responsible for a stage ---------------------------------------------------------------

EAST_SUPPORT = Rule(name="east support", strategy="round_robin", regions=("华东",), people=("U0LI", "U0BOB", "U0NYC"), role="support")
ANY_SUPPORT = Rule(name="any support", strategy="round_robin", people=("U0ADMIN",), role="support")


def tech_review_offered_to_li(slack, rt, *rules: Rule) -> AssignmentOffer:
    """Alice's East deal #1 enters tech review (a support stage); li and nyc are support, bob an
    account manager (joined between them), the admin support too; "east support" makes li
    responsible."""
    slack.command("alice", "new Acme 10万 stage proposal region 华东")
    for who in ("li", "bob", "nyc", "boss"):
        slack.command(who, "show 1")
    for slack_id in ("U0LI", "U0NYC", "U0ADMIN"):
        set_role(rt, slack_id, "support")
    use_rules(rt, *rules)
    slack.command("alice", "move 1 tech_review")
    [made] = offers_made(rt)
    assert (made.kind, made.rule, owner_of(rt, 1)) == ("responsible", "east support", "U0ALICE")
    return made


def responsible(db) -> str | None:
    deal = db.deal(1)
    return deal.responsible.slack_user_id if deal.responsible_id else None


def test_a_declined_responsibility_passes_to_the_next_of_the_stages_role_in_its_rule(slack, rt, db):
    """bob, next in "east support" by turn, is no support person: li declines and nyc is made
    responsible and offered it, under "east support"."""
    made = tech_review_offered_to_li(slack, rt, EAST_SUPPORT, ANY_SUPPORT)
    assert responsible(db) == "U0LI"
    decline(slack, "li", made)
    assert responsible(db) == "U0NYC"
    assert len(offers_to(rt, "U0NYC")) == 1 and offers_to(rt, "U0BOB") == []
    assert [(o.kind, o.rule, o.member_id, o.status) for o in offers_made(rt)] == [
        ("responsible", "east support", db.member("U0LI").id, "declined"),
        ("responsible", "east support", db.member("U0NYC").id, "offered"),
    ]


def test_an_expired_responsibility_passes_within_its_rule_after_the_deal_moved_region(slack, rt, db):
    """The deal was moved to 华南 (for support: "any support", the admin's) after li's offer; it
    expires at the worker's tick and nyc, of "east support" and of the support role, is made
    responsible, under "east support"."""
    made = tech_review_offered_to_li(slack, rt, EAST_SUPPORT, ANY_SUPPORT)
    set_region(slack, 1, "华南")
    rt.clock.advance(hours=25)
    assert jobs.assignments(rt, None, rt.clock.now()) == 1
    assert responsible(db) == "U0NYC"
    assert len(offers_to(rt, "U0NYC")) == 1 and offers_to(rt, "U0ADMIN") == [] and offers_to(rt, "U0BOB") == []
    assert [(o.rule, o.member_id, o.status) for o in offers_made(rt)] == [
        ("east support", made.member_id, "expired"),
        ("east support", db.member("U0NYC").id, "offered"),
    ]


def test_a_declined_responsibility_whose_rule_is_gone_passes_by_the_deals_rule_for_that_role(slack, rt, db):
    """Config no longer has "east support"; an account managers' rule for every deal comes first:
    li declines and the admin, of the deal's support rule ("any support"), is made responsible."""
    made = tech_review_offered_to_li(slack, rt, EAST_SUPPORT, ANY_SUPPORT)
    use_rules(rt, Rule(name="all ae", strategy="round_robin", people=("U0BOB",), role="ae"), ANY_SUPPORT)
    decline(slack, "li", made)
    assert responsible(db) == "U0ADMIN"
    assert len(offers_to(rt, "U0ADMIN")) == 1 and offers_to(rt, "U0BOB") == []
    assert [(o.rule, o.member_id) for o in offers_made(rt)][1:] == [("any support", db.member("U0ADMIN").id)]


def test_a_declined_responsibility_with_nobody_left_goes_to_the_pool_saying_why(slack, rt, db):
    """li was the only support person of "east support": she declines, the deal goes to the pool,
    and the channel, the pool manager (the admin) and alice, the owner, read why."""
    made = tech_review_offered_to_li(slack, rt, replace(EAST_SUPPORT, people=("U0LI",)), ANY_SUPPORT)
    decline(slack, "li", made)
    assert db.deal(1).pooled_at is not None and responsible(db) is None
    why = "规则「east support」没有其他可分配的人"
    said = f"#1 Acme 进入公海：{why}"
    assert said in outbox(rt, "#sales-assign")
    assert said in outbox(rt, "U0ADMIN")
    assert f"#1 Acme 已退回公海：{why}。" in outbox(rt, "U0ALICE")
