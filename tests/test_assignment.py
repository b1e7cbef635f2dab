"""Assignment: rules, fairness over 1,000 deals, offers (accept, decline, expiry), responsibility
per stage, the public pool (return, claim, concurrent claims) and concurrent re-assignment."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.console.slack_api import TEAM_ID
from bot.core.config import AssignmentSettings, ConfigError, Rule, parse_config
from bot.core.errors import Conflict, UserError
from bot.deals import opportunities, pool, recycle
from bot.deals.opportunities import DealInput
from bot.team import assignment, batch, rules
from bot.team.members import actor_for, ensure_workspace
from handlers import team
from handlers.args import Request
from store.models import AssignmentOffer, Event, Member, Opportunity, OutboxMessage
from tests.test_permissions import make_member, set_role

TODAY = date(2026, 11, 25)
BACK_YESTERDAY = date(2026, 11, 24)  # away until the day before the clock's Shanghai date


def cand(i, open_=0, capacity=None, away=None):
    return rules.Candidate(i, f"U{i}", "ae", capacity, away, open_)


# --- the pure rules --------------------------------------------------------------------------


def test_rules_match_on_region_industry_source_amount_and_tag():
    rule = Rule(name="华东制造", strategy="round_robin", regions=("华东",), industries=("制造",), min_amount=100000, max_amount=1000000, role="ae")
    assert rules.matches(rule, region="华东", industry="制造", amount=Decimal(500000))
    assert not rules.matches(rule, region="华南", industry="制造", amount=Decimal(500000))
    assert not rules.matches(rule, region="华东", industry="制造", amount=Decimal(50000))
    assert not rules.matches(rule, region="华东", industry="制造", amount=None)
    tagged = Rule(name="expo", strategy="least_loaded", sources=("expo",), tags=("hot",), role="bdr")
    assert rules.matches(tagged, source="Expo", tags=["hot", "x"])
    assert not rules.matches(tagged, source="expo", tags=["cold"])


def test_the_first_matching_rule_decides_else_the_default():
    ordered = (Rule(name="big", strategy="least_loaded", min_amount=1e6, role="ae"), Rule(name="east", strategy="round_robin", regions=("华东",), role="ae"))
    cfg = type("C", (), {"assignment": AssignmentSettings(rules=ordered)})()
    deal = type("D", (), dict(region="华东", industry=None, source=None, amount=Decimal(2e6), tags=[]))()
    assert rules.rule_for(cfg, deal).name == "big"
    deal.amount = Decimal(10)
    assert rules.rule_for(cfg, deal).name == "east"
    deal.region = "华北"
    assert rules.rule_for(cfg, deal).name == "default"
    assert rules.rule_for(cfg, deal, "support").role == "support"


def test_round_robin_over_1000_deals_is_fair_and_skips_people_who_are_away():
    people = [cand(i) for i in range(1, 6)] + [cand(6, away=TODAY + timedelta(days=3))]
    last, given = None, Counter()
    for _ in range(1000):
        chosen = rules.pick("round_robin", rules.eligible(people, TODAY), last)
        chosen.open += 1
        last = chosen.member_id
        given[chosen.member_id] += 1
    assert given[6] == 0
    assert max(given.values()) - min(given[i] for i in range(1, 6)) <= 1


def test_least_loaded_over_1000_deals_never_exceeds_capacity():
    people = [cand(1, 5, 10), cand(2, 0, 300), cand(3, 250, 400), cand(4, 0, 100, away=TODAY), cand(5, 0, None)]
    pooled = 0
    for _ in range(1000):
        chosen = rules.pick("least_loaded", rules.eligible(people, TODAY))
        if chosen is None:
            pooled += 1
            continue
        chosen.open += 1
        assert chosen.capacity is None or chosen.open <= chosen.capacity
    assert people[3].open == 0  # away
    assert [p.open for p in people[:3]] == [10, 300, 400]


def test_config_rejects_a_bad_rule_in_one_line():
    import tomllib

    from tests.conftest import ROOT

    raw = tomllib.loads((ROOT / "config.toml").read_text())
    raw["assignment"]["rules"] = [{"name": "x", "strategy": "fastest", "role": "ae"}]
    with pytest.raises(ConfigError, match=r"^config.toml: assignment.rules\[0\].strategy: must be one of round_robin, least_loaded, manual, got 'fastest'$"):
        parse_config(raw)
    raw["assignment"]["rules"] = [{"name": "x", "strategy": "round_robin"}]
    with pytest.raises(ConfigError, match="needs people"):
        parse_config(raw)
    raw["assignment"]["rules"] = []
    raw["team"] = [{"user": "li", "role": "ae"}]
    with pytest.raises(ConfigError, match=r"team\[0\].user: must be a Slack user id"):
        parse_config(raw)


# --- through the database ----------------------------------------------------------------------


@pytest.fixture
def team_of(rt):
    """Five account managers (U0AE1..U0AE5, reporting to U0MGR; U0AE5 away), a support person,
    the manager, and an East-manufacturing rule for U0AE1 and U0AE2 at capacity 20."""
    rules = (Rule(name="华东制造", strategy="round_robin", regions=("华东",), industries=("制造",), people=("U0AE1", "U0AE2"), role="ae"),)
    rt.config = replace(
        rt.config, channels={**rt.config.channels, "assignments": "#sales-assign"}, assignment=replace(rt.config.assignment, rules=rules, pool_manager="U0MGR")
    )
    now = rt.clock.now()
    with rt.transaction() as s:
        ensure_workspace(s, TEAM_ID, rt.clock)
        mgr = make_member(s, "U0MGR", "manager", now=now)
        for i in range(1, 6):
            make_member(s, f"U0AE{i}", "ae", manager=mgr, now=now, capacity=20, away_until=date(2026, 12, 10) if i == 5 else None)
        make_member(s, "U0SUP", "support", manager=mgr, now=now)
        actor = actor_for(mgr, rt.config)
    return actor


def new_deal(rt, actor, title="Deal", **kw) -> Opportunity:
    with rt.transaction() as s:
        opp, _ = opportunities.create(s, actor=actor, deal=DealInput(title=title, **kw), config=rt.config, clock=rt.clock)
        return opp


def owner_of(rt, number):
    with rt.sessions() as s:
        opp = s.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one()
        return None if opp.pooled_at else opp.owner.slack_user_id


def test_1000_assignments_through_the_database_are_fair(rt, team_of):
    with rt.transaction() as s:
        system = assignment.system_member(s, TEAM_ID, rt.clock.now())
        for i in range(1000):
            opp = Opportunity(
                workspace_id=TEAM_ID,
                number=i + 1,
                title=f"d{i}",
                currency="CNY",
                stage="lead",
                status="open",
                owner_id=system.id,
                creator_id=system.id,
                tags=[],
                created_at=rt.clock.now(),
                updated_at=rt.clock.now(),
                last_activity_at=rt.clock.now(),
                stage_entered_at=rt.clock.now(),
                pooled_at=rt.clock.now(),
            )
            s.add(opp)
        s.flush()
        opps = s.scalars(select(Opportunity).order_by(Opportunity.number)).unique().all()
        for opp in opps[:100]:  # one by one, as offers
            assignment.assign_owner(s, rt.config, opp, by=system.id, now=rt.clock.now())
        batch.assign_batch(s, rt.config, list(opps[100:]), by=system.id, now=rt.clock.now())
    with rt.sessions() as s:
        counts = Counter(s.scalars(select(Member.slack_user_id).join(Opportunity, Opportunity.owner_id == Member.id).where(Opportunity.pooled_at.is_(None))))
        pooled = s.query(Opportunity).filter(Opportunity.pooled_at.is_not(None)).count()
    assert counts["U0AE5"] == 0  # away
    assert set(counts) == {"U0AE1", "U0AE2", "U0AE3", "U0AE4"}
    assert all(n == 20 for n in counts.values())  # capacity 20 each, handed out evenly
    assert pooled == 1000 - 80


def test_an_offer_is_explained_declined_passed_on_accepted_and_expires(rt, team_of, fake):

    opp = new_deal(rt, team_of, "Acme 华东", region="华东", industry="制造", amount=Decimal(300000))
    with rt.transaction() as s:
        opp = s.get(Opportunity, opp.id)
        assignment.assign_owner(s, rt.config, opp, by=team_of.member_id, now=rt.clock.now())
    assert owner_of(rt, 1) == "U0AE1"
    with rt.sessions() as s:
        offer = s.scalars(select(AssignmentOffer)).one()
        posts = {m.channel: m for m in s.scalars(select(OutboxMessage))}
    assert offer.explanation == "按规则「华东制造」分配给 <@U0AE1> — 轮流分配，1/20 个进行中"
    assert "#sales-assign" in posts and "U0AE1" in posts
    assert [e["action_id"] for e in posts["U0AE1"].blocks[1]["elements"]] == ["offer_accept", "offer_decline"]
    assert [e["value"] for e in posts["U0AE1"].blocks[1]["elements"]] == [str(offer.id)] * 2  # the buttons answer this offer
    assert "#1 Acme 华东" in posts["U0AE1"].text and "24 小时" in posts["U0AE1"].text  # in the team's language
    assert "#1 Acme 华东" in posts["#sales-assign"].text and offer.explanation in posts["#sales-assign"].text
    assert {m.kind for m in posts.values()} == {"assignment"}
    assert offer.expires_at == rt.clock.now() + timedelta(hours=24)
    rt.clock.advance(hours=23)
    assert assignment.expire_offers(rt, rt.clock.now()) == 0  # still open within its hours
    rt.clock.advance(hours=-23)

    # U0AE1 declines with a reason: the rule's next person gets it
    ae1 = actor_for_slack(rt, "U0AE1")
    with pytest.raises(UserError):
        assignment.decline(rt, ae1, offer.id, "  ")
    assert "declined #1" in assignment.decline(rt, replace(ae1, lang="en"), offer.id, "no capacity this month").text
    assert owner_of(rt, 1) == "U0AE2"
    assert "already been answered" in assignment.accept(rt, replace(ae1, lang="en"), offer.id).text

    # no answer within the hours: passes on (nobody left in the rule: to the pool) and the manager hears
    rt.clock.advance(hours=25)
    assert assignment.expire_offers(rt, rt.clock.now()) == 1
    assert owner_of(rt, 1) is None
    with rt.sessions() as s:
        statuses = [o.status for o in s.scalars(select(AssignmentOffer).order_by(AssignmentOffer.id))]
        to_mgr = [m.text for m in s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "U0MGR"))]
    assert statuses == ["declined", "expired"]
    assert any("did not answer" in t or "没有回应" in t for t in to_mgr)
    assert assignment.expire_offers(rt, rt.clock.now()) == 0
    owner_fields = [(e.field, e.old, e.new) for e in events_of(rt, 1) if e.kind == "assigned"]
    assert owner_fields[0] == ("owner", "U0MGR", "U0AE1") and ("owner", "U0AE1", "U0AE2") in owner_fields and owner_fields[-1][0] == "pool"


def test_nothing_is_sent_to_the_system_member_or_to_nobody(rt, team_of):
    """Deals the system owns (imports, the pool) have nobody to tell: no DM is queued for them."""
    from bot.blocks.kit import message
    from bot.team import offers

    with rt.transaction() as s:
        for user in (rules.SYSTEM_USER, "", "U0AE1"):
            offers.dm(s, TEAM_ID, user, f"k:{user}", message("hello"), rt.clock.now())
    with rt.sessions() as s:
        assert [m.channel for m in s.scalars(select(OutboxMessage))] == ["U0AE1"]


def test_accept_by_button_and_decline_through_the_form(rt, team_of, fake):
    from tests.conftest import SlackClient

    with rt.transaction() as s:
        s.add(Member(workspace_id=TEAM_ID, slack_user_id="U0ALICE", display_name="alice", role="ae", created_at=rt.clock.now()))
    rt.config = replace(
        rt.config, assignment=replace(rt.config.assignment, rules=(Rule(name="alice only", strategy="round_robin", people=("U0ALICE", "U0AE3"), role="ae"),))
    )
    slack = SlackClient(rt, fake)
    for title in ("One", "Two"):
        opp = new_deal(rt, team_of, title)
        with rt.transaction() as s:
            assignment.assign_owner(s, rt.config, s.get(Opportunity, opp.id), by=team_of.member_id, now=rt.clock.now())
    with rt.sessions() as s:
        mine = [
            o
            for o in s.scalars(
                select(AssignmentOffer).where(AssignmentOffer.member_id == select(Member.id).where(Member.slack_user_id == "U0ALICE").scalar_subquery())
            )
        ]
    assert len(mine) == 1
    slack.click("alice", "offer_accept", str(mine[0].id))
    assert "You accepted" in slack.responses()[-1]["text"]
    with rt.sessions() as s:
        assert s.get(AssignmentOffer, mine[0].id).status == "accepted"
    slack.click("alice", "offer_decline", str(mine[0].id))  # already answered
    assert "already been answered" in slack.responses()[-1]["text"]


def test_entering_a_stage_of_another_role_makes_a_person_of_that_role_responsible(slack, rt, db, team_of):
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.command("alice", "move 1 tech_review")
    deal = db.deal(1)
    assert deal.responsible.slack_user_id == "U0SUP"
    with rt.sessions() as s:
        dms = {m.channel for m in s.scalars(select(OutboxMessage))}
    assert {"U0SUP", "U0ALICE"} <= dms
    who = slack.command("alice", "who 1").text
    assert "Responsible now (R, sales support): <@U0SUP>" in who
    assert "Next stage, Negotiation, is the account manager's: still <@U0ALICE>" in who
    # support may move it on (responsible); back in an ae stage the owner is responsible again
    with rt.transaction() as s:
        sup = s.scalars(select(Member).where(Member.slack_user_id == "U0SUP")).one()
        opportunities.move_stage(s, actor=actor_for(sup, rt.config), number=1, stage="negotiation", config=rt.config, clock=rt.clock)
    assert db.deal(1).responsible_id is None
    assert [(e.old, e.new) for e in db.events(1) if e.field == "responsible"] == [(None, "U0SUP"), ("U0SUP", None)]


def test_idle_deals_return_to_the_pool_and_are_claimed_from_it(slack, rt, db, team_of):
    slack.command("alice", "new Quiet deal 10万")
    slack.command("bob", "new Busy deal 10万")
    rt.clock.advance(days=10)
    slack.command("bob", "log 2 call: still talking")
    rt.clock.advance(days=1, hours=1)
    assert recycle.warn_idle_deals(rt, rt.clock.now()) == 1  # alice's, due in three days
    rt.clock.advance(days=3)
    assert recycle.return_idle_deals(rt, rt.clock.now()) == 1
    assert db.deal(1).pooled_at is not None and db.deal(2).pooled_at is None
    with rt.sessions() as s:
        told = {m.channel: m.text for m in s.scalars(select(OutboxMessage))}
    assert "went back to the public pool" in told["U0ALICE"] or "已退回公海" in told["U0ALICE"]
    assert "#sales-assign" in told and "U0MGR" in told
    listing = slack.command("bob", "pool")
    assert "*Public pool* (1)" in listing.text and "Quiet deal" in listing.text
    assert "You can't change #1" in slack.command("alice", "log 1 me again").text  # no longer hers
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    assert db.deal(1).owner.slack_user_id == "U0BOB"
    assert "#1 was already claimed by <@U0BOB>" in slack.command("nyc", "claim 1").text
    assert [(e.field, e.new) for e in db.events(1) if e.kind == "assigned"] == [("pool", "pool"), ("claim", "U0BOB")]
    assert "The public pool is empty" in slack.command("bob", "pool").text


def test_a_claim_respects_capacity(slack, rt, db, team_of):
    slack.command("alice", "new Pooled 10万")
    slack.command("bob", "show 1")
    with rt.transaction() as s:
        s.scalars(select(Opportunity)).unique().one().pooled_at = rt.clock.now()
    with rt.transaction() as s:
        s.scalars(select(Member).where(Member.slack_user_id == "U0BOB")).one().capacity = 0
    assert "already holds 0 open deals, their capacity of 0" in slack.command("bob", "claim 1").text
    assert db.deal(1).pooled_at is not None


def actor_for_slack(rt, slack_id):
    with rt.sessions() as s:
        return actor_for(s.scalars(select(Member).where(Member.slack_user_id == slack_id)).one(), rt.config)


def events_of(rt, number):
    with rt.sessions() as s:
        opp = s.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one()
        return list(s.scalars(select(Event).where(Event.opportunity_id == opp.id).order_by(Event.id)).unique())


def run_together(jobs):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = ("ok", job())
        except Conflict as exc:
            results[i] = ("conflict", exc)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            results[i] = ("error", exc)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


def test_concurrent_claims_leave_exactly_one_owner(rt, team_of):
    opp = new_deal(rt, team_of, "Contested")
    with rt.transaction() as s:
        s.get(Opportunity, opp.id).pooled_at = rt.clock.now()
    claimers = [actor_for_slack(rt, f"U0AE{i}") for i in range(1, 5)] + [team_of]
    results = run_together([lambda a=a: team.claim_number(Request(rt, replace(a, lang="en"), None, None), 1).text for a in claimers])
    kinds = Counter(kind for kind, _ in results)
    assert kinds == {"ok": 1, "conflict": 4}, results
    winner = next(i for i, (kind, _) in enumerate(results) if kind == "ok")
    assert owner_of(rt, 1) == claimers[winner].slack_user_id
    for kind, value in results:
        if kind == "conflict":
            assert (value.key, value.params["user"]) == ("pool_already_claimed", claimers[winner].slack_user_id)
    assert [e.new for e in events_of(rt, 1) if e.field == "claim"] == [claimers[winner].slack_user_id]


def test_concurrent_reassignments_leave_exactly_one_owner(rt, team_of):
    new_deal(rt, team_of, "Contested")  # owned by the manager
    targets = [actor_for_slack(rt, f"U0AE{i}") for i in range(1, 5)]

    def reassign(to):
        def work():
            with rt.transaction() as s:
                opportunities.update(s, actor=team_of, number=1, changes=DealInput(owner_id=to.member_id), config=rt.config, clock=rt.clock)
            return to.slack_user_id

        return pool.retrying(work)

    results = run_together([lambda to=to: reassign(to) for to in targets])
    assert all(kind in ("ok", "conflict") for kind, _ in results), results
    done = [value for kind, value in results if kind == "ok"]
    assert done
    owner_events = [(e.old, e.new) for e in events_of(rt, 1) if e.field == "owner"]
    assert len(owner_events) == len(done)
    assert owner_of(rt, 1) == owner_events[-1][1]
    assert all(old == prev for (old, _), (_, prev) in zip(owner_events[1:], owner_events, strict=False))  # an unbroken chain


def test_team_commands_show_and_change_people(slack, rt, db, team_of):
    slack.command("alice", "new Acme 10万")
    slack.command("bob", "show 1")
    refused = slack.command("alice", "team set <@U0BOB|bob> capacity:5")
    assert "Only a manager or an admin can change the team" in refused.text
    slack.command("boss", "show 1")
    done = slack.command("boss", "team set <@U0BOB|bob> role:bdr region:华东,华南 capacity:5 manager:<@U0ALICE|alice>")
    assert "Updated <@U0BOB>: role BDR, regions 华东, 华南, capacity 5, manager <@U0ALICE>" in done.text  # no internal key
    bob = db.member("U0BOB")
    assert (bob.role, bob.regions, bob.capacity, bob.manager_id) == ("bdr", ["华东", "华南"], 5, db.member("U0ALICE").id)
    assert "<@U0ALICE> is away until 2026-12-10" in slack.command("alice", "team away <@U0ALICE|alice> until 12月10日").text
    assert db.member("U0ALICE").away_until == date(2026, 12, 10)
    listing = slack.command("boss", "team").text
    assert "<@U0BOB> · BDR · manager <@U0ALICE> · 华东/华南 · 0/5" in listing
    assert "away until 2026-12-10" in listing
    load = slack.command("boss", "team load").text
    assert "<@U0ALICE> · 1 open (no limit) · ¥100k · 0 overdue · offered 0: 0 accepted, 0 declined, 0 expired" in load  # money as every card shows it
    assert "¥10万" in slack.command("li", "团队 负载").text
    assert "团队" in slack.command("li", "团队").text


def test_the_worker_job_passes_on_idle_deals_and_stale_offers(slack, rt, db, team_of):
    from bot.worker import jobs

    slack.command("alice", "new Quiet deal 10万")
    assert jobs.assignments(rt, None, rt.clock.now()) == 0
    rt.clock.advance(days=15)
    assert jobs.assignments(rt, None, rt.clock.now()) == 1  # the warning
    assert db.deal(1).pooled_at is None
    rt.clock.advance(days=3)
    assert jobs.assignments(rt, None, rt.clock.now()) == 1  # the return
    assert db.deal(1).pooled_at is not None


# --- loads count responsible deals; responsibility kept and passed on ------------------------------


def deal_with_responsible(slack, rt, slack_id: str, capacity: int) -> None:
    """Deal #1 is alice's (a manager), and ``slack_id`` (an account manager) is responsible for it."""
    slack.command("alice", "new Held 10万 stage proposal")
    set_role(rt, "U0ALICE", "manager")
    with rt.transaction() as s:
        person = s.scalars(select(Member).where(Member.slack_user_id == slack_id)).one()
        person.capacity = capacity
        s.scalars(select(Opportunity).where(Opportunity.number == 1)).unique().one().responsible_id = person.id


def test_responsible_deals_fill_a_claimers_capacity(slack, rt, db):
    """A claim's capacity counts the deals the claimer is responsible for, not only those they own."""
    slack.command("bob", "show 1")
    deal_with_responsible(slack, rt, "U0BOB", capacity=1)
    slack.command("alice", "new Pooled 10万")
    with rt.transaction() as s:
        s.scalars(select(Opportunity).where(Opportunity.number == 2)).unique().one().pooled_at = rt.clock.now()
    assert "<@U0BOB> already holds 1 open deals, their capacity of 1" in slack.command("bob", "claim 2").text
    assert db.deal(2).pooled_at is not None


def test_responsible_deals_fill_capacity_when_the_rules_assign(slack, rt, db, tmp_path):
    """The rules' load counts responsible deals: a person full with them gets no imported deal."""
    from tests.test_import import imported

    slack.command("bob", "show 1")
    deal_with_responsible(slack, rt, "U0BOB", capacity=1)
    path = tmp_path / "deals.csv"
    path.write_text("title,amount\nImported,10万\n", encoding="utf-8")
    result = imported(rt, path)
    assert (result.pooled, result.assigned) == (1, {})
    assert db.deal(2).pooled_at is not None
    load = slack.command("alice", "team load").text
    assert "<@U0BOB> · 1 of 1 open · full" in load, load


def test_the_responsible_person_is_kept_into_a_next_stage_of_the_same_role(slack, rt, db):
    """A BDR's deal entering account-manager stages gets one responsible account manager, who
    stays responsible into the next such stage (no new choice, event or offer)."""
    slack.command("alice", "new Lead deal 10万 stage lead")
    slack.command("bob", "show 1")
    slack.command("nyc", "show 1")
    set_role(rt, "U0ALICE", "bdr")
    slack.command("alice", "move 1 needs")
    assert db.deal(1).responsible.slack_user_id == "U0BOB"
    slack.command("alice", "move 1 proposal")
    assert (db.deal(1).stage, db.deal(1).responsible.slack_user_id) == ("proposal", "U0BOB")
    assert [(e.old, e.new) for e in db.events(1) if e.field == "responsible"] == [(None, "U0BOB")]
    with rt.sessions() as s:
        made = [(o.kind, o.status) for o in s.scalars(select(AssignmentOffer))]
    assert made == [("responsible", "offered")]


def test_a_declined_then_expired_responsible_offer_passes_on(slack, rt, db):
    """Declined in Slack, the responsible person's offer passes to the next of that role; expired
    at the worker's tick with nobody left, nobody is responsible."""
    from bot.worker import jobs

    slack.command("alice", "new Acme 10万 stage proposal")
    for who in ("li", "nyc"):
        slack.command(who, "show 1")
        set_role(rt, f"U0{who.upper()}", "support")
    slack.command("alice", "move 1 tech_review")
    assert db.deal(1).responsible.slack_user_id == "U0LI"
    with rt.sessions() as s:
        first = s.scalars(select(AssignmentOffer)).one()
    slack.click("li", "offer_decline", str(first.id))
    slack.submit("li", slack.opened_view(), {"reason": "on leave"})
    assert db.deal(1).responsible.slack_user_id == "U0NYC"
    rt.clock.advance(hours=25)
    assert jobs.assignments(rt, None, rt.clock.now()) == 1
    assert db.deal(1).responsible_id is None
    assert [(e.old, e.new) for e in db.events(1) if e.field == "responsible"] == [(None, "U0LI"), ("U0LI", "U0NYC"), ("U0NYC", None)]
    with rt.sessions() as s:
        made = [(o.kind, o.status, o.member_id) for o in s.scalars(select(AssignmentOffer).order_by(AssignmentOffer.id))]
    assert made == [("responsible", "declined", db.member("U0LI").id), ("responsible", "expired", db.member("U0NYC").id)]


def outbox(rt, channel: str) -> list[str]:
    with rt.sessions() as s:
        return [m.text for m in s.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id))]


def set_member(rt, slack_id: str, **values) -> None:
    with rt.transaction() as s:
        member = s.scalars(select(Member).where(Member.slack_user_id == slack_id)).one()
        for name, value in values.items():
            setattr(member, name, value)


def east_deal(rt, actor, title="Acme") -> Opportunity:
    return new_deal(rt, actor, title, region="华东", industry="制造", amount=Decimal(300000))


# --- to the pool, and why -----------------------------------------------------------------------


def test_a_deal_nobody_can_take_goes_to_the_pool_naming_the_rule(slack, rt, team_of):
    """Everyone in the rule at capacity: the channel and the pool manager read, in the team's
    language, that the deal went to the pool because nobody is eligible under that rule."""
    for who in ("U0AE1", "U0AE2"):
        set_member(rt, who, capacity=0)
    east_deal(rt, team_of)
    slack.command("boss", "assign 1 auto")
    assert owner_of(rt, 1) is None
    said = "#1 Acme 进入公海：规则「华东制造」没有可分配的人（都在休假、已满或不负责该区域/行业）"
    assert outbox(rt, "#sales-assign") == [said]
    assert outbox(rt, "U0MGR") == [said]


def test_a_manual_rule_sends_the_deal_to_the_pool_saying_it_assigns_by_hand(slack, rt, team_of):
    """A rule that assigns by hand puts its deals in the pool with that reason, not 'nobody eligible'."""
    manual = Rule(name="手动", strategy="manual", regions=("华东",), role="ae")
    rt.config = replace(rt.config, assignment=replace(rt.config.assignment, rules=(manual,)))
    east_deal(rt, team_of)
    slack.command("boss", "assign 1 auto")
    assert owner_of(rt, 1) is None
    assert outbox(rt, "#sales-assign") == ["#1 Acme 进入公海：规则「手动」为手动分配"]


def test_a_pooled_deal_given_by_the_rules_records_it_came_from_the_pool(slack, rt, db, team_of):
    """Assigning a deal from the public pool records the owner change as from 'pool'."""
    east_deal(rt, team_of)
    with rt.transaction() as s:
        s.scalars(select(Opportunity)).unique().one().pooled_at = rt.clock.now()
    slack.command("boss", "assign 1 auto")
    assert owner_of(rt, 1) == "U0AE1"
    assert [(e.old, e.new) for e in db.events(1) if e.field == "owner"] == [("pool", "U0AE1")]


# --- the day, in the team's time zone -------------------------------------------------------------


def test_someone_back_today_in_the_teams_time_zone_gets_the_deal(slack, rt, team_of):
    """At 07:00 in Shanghai (still yesterday in UTC) a person away until yesterday is back."""
    set_member(rt, "U0AE1", away_until=BACK_YESTERDAY)
    rt.clock.advance(hours=-3)
    east_deal(rt, team_of)
    slack.command("boss", "assign 1 auto")
    assert owner_of(rt, 1) == "U0AE1"


def offer_to_ae1_then(rt, team_of, change) -> None:
    """Deal #1 is offered to U0AE1 by the rules; ``change(session, deal)`` then happens to it."""
    opp = east_deal(rt, team_of)
    with rt.transaction() as s:
        assignment.assign_owner(s, rt.config, s.get(Opportunity, opp.id), by=team_of.member_id, now=rt.clock.now())
    with rt.transaction() as s:
        change(s, s.get(Opportunity, opp.id))
    assert owner_of(rt, 1) != "U0AE2"


def test_a_declined_offer_for_a_deal_given_to_someone_else_passes_nothing_on(rt, team_of):
    """After the manager gave the deal to U0AE3, U0AE1 declining the old offer leaves U0AE3 the owner."""
    ae3 = actor_for_slack(rt, "U0AE3")
    offer_to_ae1_then(rt, team_of, lambda s, opp: setattr(opp, "owner_id", ae3.member_id))
    with rt.sessions() as s:
        made = s.scalars(select(AssignmentOffer)).one()
    assignment.decline(rt, actor_for_slack(rt, "U0AE1"), made.id, "not mine any more")
    assert owner_of(rt, 1) == "U0AE3"
    with rt.sessions() as s:
        assert [o.status for o in s.scalars(select(AssignmentOffer))] == ["declined"]


def test_an_offer_expiring_on_a_won_deal_passes_nothing_on(rt, team_of):
    """The deal was won while its offer waited: the offer expires and U0AE1 stays the owner."""
    offer_to_ae1_then(rt, team_of, lambda s, opp: setattr(opp, "status", "won"))
    rt.clock.advance(hours=25)
    assert assignment.expire_offers(rt, rt.clock.now()) == 1
    assert owner_of(rt, 1) == "U0AE1"
    with rt.sessions() as s:
        assert [o.status for o in s.scalars(select(AssignmentOffer))] == ["expired"]
