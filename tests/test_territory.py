"""Assignment that follows territory and tells the truth: a rule's people filtered by the deal's
region and industry (one deal and an import alike), an offer that expires or is declined passing to
the rule's next eligible person or the public pool with the manager told which, and `/opp team
load` counting the offers of the last 30 days."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import func, select

from bot.core.config import Rule
from bot.team import assignment
from bot.worker import jobs
from store.models import AssignmentOffer, Member, Opportunity
from tests import test_assignment
from tests.test_assignment import actor_for_slack, east_deal, outbox, owner_of, set_member
from tests.test_import import imported
from tests.test_permissions import set_role

team_of = test_assignment.team_of  # U0AE1..U0AE5 under U0MGR (U0AE5 away), rule 华东制造: U0AE1, U0AE2

NOBODY = "#1 Acme 进入公海：规则「华东制造」没有可分配的人（都在休假、已满或不负责该区域/行业）"


def offered_to(rt) -> list[tuple[str, str]]:
    with rt.sessions() as s:
        rows = s.execute(select(AssignmentOffer.status, Member.slack_user_id).join(Member, Member.id == AssignmentOffer.member_id).order_by(AssignmentOffer.id))
        return [tuple(r) for r in rows]


def rule_of(rt, *people: str) -> None:
    rule = Rule(name="华东制造", strategy="round_robin", regions=("华东",), industries=("制造",), people=people, role="ae")
    rt.config = replace(rt.config, assignment=replace(rt.config.assignment, rules=(rule,)))


def tick(rt, hours: int = 25) -> int:
    rt.clock.advance(hours=hours)
    return jobs.assignments(rt, None, rt.clock.now())


# --- territory ------------------------------------------------------------------------------------


def test_an_east_deal_is_never_offered_to_the_north_rep(slack, rt, team_of):
    """U0AE1 covers 华北: both East-manufacturing deals go to U0AE2 (no territory), none to U0AE1."""
    set_member(rt, "U0AE1", regions=["华北"])
    east_deal(rt, team_of, "Acme")
    east_deal(rt, team_of, "Beta")
    slack.command("boss", "assign 1 auto")
    slack.command("boss", "assign 2 auto")
    assert (owner_of(rt, 1), owner_of(rt, 2)) == ("U0AE2", "U0AE2")
    assert offered_to(rt) == [("offered", "U0AE2"), ("offered", "U0AE2")]


def test_a_rep_whose_territory_covers_the_deal_gets_it_in_turn(slack, rt, team_of):
    """U0AE1 covers 华北 and 华东 and manufacturing (any case): round robin starts with U0AE1."""
    set_member(rt, "U0AE1", regions=["华北", "华东"], industries=["制造"])
    east_deal(rt, team_of)
    slack.command("boss", "assign 1 auto")
    assert owner_of(rt, 1) == "U0AE1"


def test_an_industry_outside_the_reps_territory_leaves_them_out(slack, rt, team_of):
    """U0AE1 covers 华东 but only retail: the manufacturing deal goes to U0AE2."""
    set_member(rt, "U0AE1", regions=["华东"], industries=["零售"])
    east_deal(rt, team_of)
    slack.command("boss", "assign 1 auto")
    assert owner_of(rt, 1) == "U0AE2"


def test_nobody_in_the_rules_territory_sends_the_deal_to_the_pool_saying_so(slack, rt, team_of):
    """Both of the rule's people cover 华北 only: the deal goes to the pool, and the channel and the
    pool manager read why."""
    for who in ("U0AE1", "U0AE2"):
        set_member(rt, who, regions=["华北"])
    east_deal(rt, team_of)
    slack.command("boss", "assign 1 auto")
    assert owner_of(rt, 1) is None
    assert outbox(rt, "#sales-assign") == [NOBODY]
    assert outbox(rt, "U0MGR") == [NOBODY]


def test_an_import_follows_territory_as_one_deal_does(rt, team_of, tmp_path):
    """Imported East-manufacturing deals all go to U0AE2, none to U0AE1 (华北); a South deal
    (no rule: the default, all account managers) may go to U0AE1."""
    set_member(rt, "U0AE1", regions=["华北"])
    path = tmp_path / "deals.csv"
    path.write_text("title,amount,region,industry\nOne,30万,华东,制造\nTwo,30万,华东,制造\nThree,30万,华东,制造\n", encoding="utf-8")
    result = imported(rt, path)
    assert result.pooled == 0
    assert [owner_of(rt, n) for n in (1, 2, 3)] == ["U0AE2", "U0AE2", "U0AE2"]


def test_an_import_with_nobody_in_territory_pools_the_deal(rt, team_of, tmp_path):
    for who in ("U0AE1", "U0AE2"):
        set_member(rt, who, regions=["华北"])
    path = tmp_path / "deals.csv"
    path.write_text("title,amount,region,industry\nOne,30万,华东,制造\n", encoding="utf-8")
    result = imported(rt, path)
    assert (result.pooled, result.assigned) == (1, {})
    assert owner_of(rt, 1) is None


# --- an offer that expires -------------------------------------------------------------------------


def test_an_expired_offer_goes_to_the_next_eligible_person_and_the_manager_reads_who(slack, rt, db, team_of):
    """Rule people U0AE1, U0AE2 (华北 only), U0AE3: U0AE1 lets it lapse, U0AE2 is outside the
    territory, so U0AE3 is offered it; the manager reads exactly that; the history has each step."""
    rule_of(rt, "U0AE1", "U0AE2", "U0AE3")
    set_member(rt, "U0AE2", regions=["华北"])
    east_deal(rt, team_of)
    slack.command("boss", "assign 1 auto")
    assert tick(rt) == 1
    assert owner_of(rt, 1) == "U0AE3"
    assert offered_to(rt) == [("expired", "U0AE1"), ("offered", "U0AE3")]
    assert outbox(rt, "U0MGR") == ["<@U0AE1> 在 24 小时内没有回应 #1 Acme 的分配，已转给下一位 <@U0AE3>。"]
    steps = [(e.field, e.old, e.new) for e in db.events(1) if e.kind == "assigned"]
    assert steps == [("owner", "U0MGR", "U0AE1"), ("offer", "offered", "expired"), ("owner", "U0AE1", "U0AE3")]


def test_an_expired_offer_skips_people_away_or_full(slack, rt, team_of):
    """U0AE2 is full and U0AE5 away: after U0AE1 the deal goes to U0AE3."""
    rule_of(rt, "U0AE1", "U0AE2", "U0AE5", "U0AE3")
    set_member(rt, "U0AE2", capacity=0)
    east_deal(rt, team_of)
    slack.command("boss", "assign 1 auto")
    assert owner_of(rt, 1) == "U0AE1"
    tick(rt)
    assert offered_to(rt) == [("expired", "U0AE1"), ("offered", "U0AE3")]


def test_an_expired_offer_with_nobody_left_goes_to_the_pool_and_says_so(slack, rt, db, team_of):
    """U0AE2 is full: U0AE1's lapsed offer sends the deal to the pool; the manager reads that it
    returned to the pool, never that it was reassigned; the channel says why."""
    set_member(rt, "U0AE2", capacity=0)
    east_deal(rt, team_of)
    slack.command("boss", "assign 1 auto")
    assert tick(rt) == 1
    assert owner_of(rt, 1) is None
    assert db.deal(1).pooled_at == rt.clock.now()
    pooled = "#1 Acme 进入公海：规则「华东制造」没有其他可分配的人"
    told = "<@U0AE1> 在 24 小时内没有回应 #1 Acme 的分配，没有其他可分配的人，已退回公海。"
    assert outbox(rt, "U0MGR")[-2:] == [pooled, told]
    assert outbox(rt, "#sales-assign")[-1] == pooled
    steps = [(e.field, e.old, e.new) for e in db.events(1) if e.kind == "assigned"]
    assert steps[1:] == [("offer", "offered", "expired"), ("pool", "U0AE1", "pool")]


def test_an_expired_responsibility_with_nobody_left_pools_the_deal_and_clears_the_responsible(slack, rt, db):
    """A BDR's deal enters an account-manager stage: bob, the only account manager, lets it lapse.
    The deal goes to the pool, nobody is responsible (not the BDR), and the admin and alice read so."""
    rt.config = replace(rt.config, assignment=replace(rt.config.assignment, pool_manager="U0ADMIN"))
    slack.command("alice", "new Lead 10万 stage lead")
    slack.command("bob", "show 1")
    slack.command("boss", "show 1")
    set_role(rt, "U0ALICE", "bdr")
    set_role(rt, "U0ADMIN", "admin")
    slack.command("alice", "move 1 needs")
    assert db.deal(1).responsible.slack_user_id == "U0BOB"
    assert tick(rt) == 1
    deal = db.deal(1)
    assert (deal.responsible_id, deal.pooled_at) == (None, rt.clock.now())
    told = outbox(rt, "U0ADMIN")
    assert told[-1] == "<@U0BOB> 在 24 小时内没有回应 #1 Lead 的分配，没有其他可分配的人，已退回公海。"
    assert outbox(rt, "U0ALICE")[-1] == "#1 Lead 已退回公海：规则「默认」没有其他可分配的人。"
    steps = [(e.field, e.old, e.new) for e in db.events(1) if e.kind == "assigned"]
    assert steps == [("responsible", None, "U0BOB"), ("offer", "offered", "expired"), ("pool", "U0ALICE", "pool"), ("responsible", "U0BOB", None)]
    assert "公海" in slack.command("li", "who 1").text


# --- an offer declined -----------------------------------------------------------------------------


def decline_as(slack, who: str, reason: str = "too busy"):
    [offer_id] = [str(o.id) for o in _open_offers(slack.rt)]
    slack.click(who, "offer_decline", offer_id)
    return slack.submit(who, slack.opened_view(), {"reason": reason})


def _open_offers(rt) -> list[AssignmentOffer]:
    with rt.sessions() as s:
        return list(s.scalars(select(AssignmentOffer).where(AssignmentOffer.status == "offered")))


def three_reps(slack, rt) -> None:
    """li, bob (华北 only) and nyc in the East-manufacturing rule; alice's deal #1 offered by it."""
    slack.command("alice", "new Acme 30万 region 华东 industry 制造")
    for who in ("li", "bob", "nyc", "boss"):
        slack.command(who, "show 1")
    set_member(rt, "U0BOB", regions=["华北"])
    rule = Rule(name="华东制造", strategy="round_robin", regions=("华东",), industries=("制造",), people=("U0LI", "U0BOB", "U0NYC"), role="ae")
    rt.config = replace(rt.config, channels={**rt.config.channels, "assignments": "#sales-assign"}, assignment=replace(rt.config.assignment, rules=(rule,)))
    slack.command("boss", "assign 1 auto")


def test_a_declined_offer_goes_to_the_next_eligible_person_and_the_decliner_reads_who(slack, rt, db):
    """li declines: bob is outside the territory, nyc is offered it; li reads so in Chinese."""
    three_reps(slack, rt)
    assert owner_of(rt, 1) == "U0LI"
    decline_as(slack, "li")
    assert owner_of(rt, 1) == "U0NYC"
    assert offered_to(rt) == [("declined", "U0LI"), ("offered", "U0NYC")]
    assert slack.fake.last("chat.postMessage").args["text"] == "你拒绝了 #1，已转给 <@U0NYC>。"
    steps = [(e.field, e.old, e.new) for e in db.events(1) if e.kind == "assigned"]
    assert steps[1:] == [("offer", "offered", "declined: too busy"), ("owner", "U0LI", "U0NYC")]


def test_declined_by_everyone_eligible_the_deal_goes_to_the_pool_and_the_decliner_reads_so(slack, rt, db):
    """li then nyc decline: bob never gets it; nyc reads (in English) that it went to the pool."""
    three_reps(slack, rt)
    decline_as(slack, "li")
    decline_as(slack, "nyc", "no time")
    assert owner_of(rt, 1) is None
    assert offered_to(rt) == [("declined", "U0LI"), ("declined", "U0NYC")]
    assert slack.fake.last("chat.postMessage").args["text"] == "You declined #1; it returned to the public pool (nobody else eligible)."


# --- /opp team load --------------------------------------------------------------------------------


def offer_next(slack, rt, team_of, title: str) -> int:
    """A new East-manufacturing deal offered by the rules; the open offer's id."""
    east_deal(rt, team_of, title)
    with rt.sessions() as s:
        count = s.scalar(select(func.max(Opportunity.number)))
    slack.command("boss", f"assign {count} auto")
    [made] = _open_offers(rt)
    return made.id


def test_team_load_counts_offers_of_the_last_30_days_and_time_away(slack, rt, team_of):
    """The rule is U0AE1's alone. An offer 40 days old (expired) is not counted; of the four since,
    one is accepted, one declined, one expired and one open; U0AE1 holds the accepted deal and the
    open one. U0AE3 is away. The same in Chinese."""
    rule_of(rt, "U0AE1")
    offer_next(slack, rt, team_of, "Old")
    tick(rt, hours=40 * 24)
    ae1 = actor_for_slack(rt, "U0AE1")
    assignment.accept(rt, ae1, offer_next(slack, rt, team_of, "Taken"))
    assignment.decline(rt, ae1, offer_next(slack, rt, team_of, "Declined"), "busy")
    offer_next(slack, rt, team_of, "Lapsed")
    tick(rt)
    offer_next(slack, rt, team_of, "Open")
    set_member(rt, "U0AE3", away_until=date(2027, 3, 1))
    load = slack.command("boss", "team load").text
    assert "*Workload* (open of capacity · amount · overdue · offers in the last 30 days)" in load
    assert "<@U0AE1> · 2 of 20 open · ¥600k · 0 overdue · offered 4: 1 accepted, 1 declined, 1 expired\n" in load + "\n", load
    assert "<@U0AE2> · 0 of 20 open · ¥0 · 0 overdue · offered 0: 0 accepted, 0 declined, 0 expired\n" in load + "\n", load
    assert "<@U0AE3> · 0 of 20 open · ¥0 · 0 overdue · offered 0: 0 accepted, 0 declined, 0 expired · away until 2027-03-01" in load
    zh = slack.command("li", "团队 负载").text
    assert "<@U0AE1> · 进行中 2/20 · ¥60万 · 逾期 0 · 分配 4：接受 1、拒绝 1、超时 1\n" in zh + "\n", zh
    assert "capacity=" not in load and "{" not in load + zh
