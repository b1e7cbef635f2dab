"""Assignment decisions as people see them: why a deal went to the pool, the day a person is back
counted in the team's time zone, answering an offer (accept, decline with a reason, an offer no
longer theirs) in the person's language, and offers that no longer decide anything."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bot.core.config import Rule
from bot.deals import opportunities
from bot.deals.opportunities import DealInput
from bot.team import assignment
from store.models import AssignmentOffer, Member, Opportunity, OutboxMessage
from tests.test_assignment import actor_for_slack, new_deal, owner_of, team_of  # noqa: F401 - a fixture
from tests.test_permissions import set_role

BACK_YESTERDAY = date(2026, 11, 24)  # away until the day before the clock's Shanghai date


def outbox(rt, channel: str) -> list[str]:
    with rt.sessions() as s:
        return [m.text for m in s.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id))]


def offers_made(rt) -> list[AssignmentOffer]:
    with rt.sessions() as s:
        return list(s.scalars(select(AssignmentOffer).order_by(AssignmentOffer.id)))


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
    said = "#1 Acme 进入公海：规则「华东制造」没有可分配的人（都在休假或已满）"
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


def test_a_declined_responsibility_passes_to_someone_back_today_in_the_teams_time_zone(slack, rt, db):
    """At 07:00 in Shanghai li declines being responsible; nyc, away until yesterday, is back and
    takes it. The declined offer records when it was answered."""
    slack.command("alice", "new Acme 10万 stage proposal")
    for who in ("li", "nyc"):
        slack.command(who, "show 1")
        set_role(rt, f"U0{who.upper()}", "support")
    set_member(rt, "U0NYC", away_until=BACK_YESTERDAY)
    rt.clock.advance(hours=-3)
    slack.command("alice", "move 1 tech_review")
    assert db.deal(1).responsible.slack_user_id == "U0LI"
    slack.click("li", "offer_decline", str(offers_made(rt)[0].id))
    slack.submit("li", slack.opened_view(), {"reason": "on leave"})
    assert db.deal(1).responsible.slack_user_id == "U0NYC"
    first = offers_made(rt)[0]
    assert (first.status, first.answered_at) == ("declined", rt.clock.now())


# --- answering an offer -----------------------------------------------------------------------------


def offer_to_li(slack, rt) -> AssignmentOffer:
    """Deals #1 and #2 are alice's; the rules offer #2 to li (whose Slack speaks Chinese)."""
    slack.command("li", "show 1")
    slack.command("alice", "new One 10万")
    slack.command("alice", "new Two 10万")
    li_only = Rule(name="li", strategy="round_robin", people=("U0LI",), role="ae")
    rt.config = replace(rt.config, channels={**rt.config.channels, "assignments": "#sales-assign"}, assignment=replace(rt.config.assignment, rules=(li_only,)))
    slack.command("boss", "assign 2 auto")
    [made] = offers_made(rt)
    return made


def test_an_accepted_offer_is_answered_in_the_persons_language_and_recorded(slack, rt, db):
    """li accepts #2's offer: told in Chinese which deal, and the deal's history records it; a
    second click hears, in Chinese, that the offer was answered already."""
    made = offer_to_li(slack, rt)
    slack.click("li", "offer_accept", str(made.id))
    assert slack.responses()[-1]["text"] == "你接受了 #2。"
    offer_events = [(e.kind, e.field, e.old, e.new, e.actor_id) for e in db.events(2) if e.field == "offer"]
    assert offer_events == [("assigned", "offer", "offered", "accepted", db.member("U0LI").id)]
    slack.click("li", "offer_accept", str(made.id))
    assert slack.responses()[-1]["text"] == "这个分配已经处理过了。"
