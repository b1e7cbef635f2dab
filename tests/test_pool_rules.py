"""The pool's finer rules: the listing's order and limit, which refusal a claimer hears for a deal
that is not in the pool, and a hand-over (`/opp assign`) — who hears what, which offers it
withdraws, and when it is refused."""

from __future__ import annotations

from sqlalchemy import select

from store.models import AssignmentOffer, Event, Opportunity, OutboxMessage
from tests.test_pool import offer, pooled


def outbox(rt) -> dict[str, list[str]]:
    """The texts queued for Slack, by channel (a user id for a DM)."""
    told: dict[str, list[str]] = {}
    with rt.sessions() as s:
        for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)):
            told.setdefault(m.channel, []).append(m.text)
    return told


def offers_by_id(rt) -> dict[int, tuple[str, object]]:
    with rt.sessions() as s:
        return {o.id: (o.status, o.answered_at) for o in s.scalars(select(AssignmentOffer))}


# --- the listing ---------------------------------------------------------------------------------


def test_the_pool_lists_the_longest_pooled_first(slack, rt, clock):
    """`/opp pool` lists the deal that went to the pool first at the top, whatever its number."""
    slack.command("alice", "new First 10万")
    slack.command("alice", "new Second 10万")
    pooled(rt, 2)
    clock.advance(days=1)
    pooled(rt, 1)
    text = slack.command("bob", "pool").text
    assert "*Public pool* (2)" in text
    assert text.index("*#2* Second") < text.index("*#1* First"), text


def test_deals_pooled_at_the_same_instant_are_listed_by_number(slack, rt):
    """Deals pooled together are listed by number, not in the order the table happens to hold
    them (here the rows are stored against their numbers, as PostgreSQL may after updates)."""
    slack.command("alice", "new Stored first 10万")
    slack.command("alice", "new Stored second 10万")
    with rt.transaction() as s:  # the first row takes number 2, the second number 1
        first, second = s.scalars(select(Opportunity).order_by(Opportunity.id)).unique().all()
        first.number = 99
        s.flush()
        second.number = 1
        s.flush()
        first.number = 2
    pooled(rt, 1, 2)
    text = slack.command("bob", "pool").text
    assert text.index("*#1* Stored second") < text.index("*#2* Stored first"), text


def test_the_pool_lists_at_most_25_deals_but_counts_them_all(slack, rt):
    """With 26 deals in the pool, the listing shows 25 (25 Claim buttons) and says there are 26."""
    for i in range(26):
        slack.command("alice", f"new Pooled {i:02d} 1万")
    pooled(rt, *range(1, 27))
    answer = slack.command("bob", "pool")
    assert "*Public pool* (26)" in answer.text
    assert "Pooled 24" in answer.text and "Pooled 25" not in answer.text
    assert answer.json["text"].count("· pooled ") == 25 and answer.text.count("Claim #") == 25, answer.text


# --- a claim of a deal that is not in the pool --------------------------------------------------


def test_a_claimed_deal_is_still_claimed_after_its_new_owner_changes_it(slack, rt):
    """After bob claims #1 and moves it on, a second claimer hears it was claimed (by bob), not that
    it was never in the pool: the last *assignment* of the deal decides, not its last change."""
    slack.command("alice", "new Contested 10万")
    slack.command("bob", "show 1")
    pooled(rt, 1)
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    assert "#1" in slack.command("bob", "move 1 proposal").text
    with rt.sessions() as s:
        assert s.scalars(select(Event.kind).order_by(Event.id.desc()).limit(1)).first() != "assigned"
    assert "#1 was already claimed by <@U0BOB>" in slack.command("nyc", "claim 1").text


def test_a_deal_never_pooled_is_not_in_the_pool_even_after_another_deals_claim(slack, rt):
    """A claim of #2 (never pooled) says it is not in the pool and names its owner, though the
    latest assignment anywhere was bob's claim of #1."""
    slack.command("alice", "new Pooled 10万")
    slack.command("alice", "new Kept 10万")
    slack.command("bob", "show 1")
    pooled(rt, 1)
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    answer = slack.command("nyc", "claim 2")
    assert "#2 is not in the public pool (owner <@U0ALICE>)" in answer.text, answer.text


# --- a hand-over: `/opp assign 1 @someone` ------------------------------------------------------


def test_a_hand_over_tells_the_new_owner_and_the_channel_who_gave_what(slack, rt, db):
    """The new owner's DM and the channel post (in the team's language) name who assigned which
    deal (its title escaped) to whom, and who had it before."""
    slack.command("alice", "new A&B <ERP> 10万")
    slack.command("bob", "show 1")
    answer = slack.command("boss", "assign 1 <@U0BOB|bob>")
    assert "#1 assigned to <@U0BOB>" in answer.text, answer.text
    assert (db.deal(1).owner.slack_user_id, db.deal(1).pooled_at) == ("U0BOB", None)
    told = outbox(rt)
    assert told["U0BOB"] == ["<@U0ADMIN> 把 *#1 A&amp;B &lt;ERP&gt;* 分配给了你。"]
    assert told["#sales-assign"][-1] == "<@U0ADMIN> 把 #1 A&amp;B &lt;ERP&gt; 分配给了 <@U0BOB>（原负责人 <@U0ALICE>）"


def test_a_hand_over_of_a_pooled_deal_takes_it_out_of_the_pool(slack, rt, db):
    """A pooled deal may be handed to anyone, its last owner too; the post says it came from the pool."""
    slack.command("alice", "new Pooled deal 10万")
    pooled(rt, 1)
    answer = slack.command("boss", "assign 1 <@U0ALICE|alice>")
    assert "#1 assigned to <@U0ALICE>" in answer.text, answer.text
    assert (db.deal(1).owner.slack_user_id, db.deal(1).pooled_at) == ("U0ALICE", None)
    assert outbox(rt)["#sales-assign"][-1] == "<@U0ADMIN> 把公海里的 #1 Pooled deal 分配给了 <@U0ALICE>"  # no owner to name


def test_handing_a_deal_to_its_owner_is_refused_and_changes_nothing(slack, rt, db):
    """Assigning an owned deal to the person who owns it says so; no event, no message."""
    slack.command("alice", "new Owned deal 10万")
    before = (db.deal(1).version, len(db.events(1)), outbox(rt))
    answer = slack.command("boss", "assign 1 <@U0ALICE|alice>")
    assert answer.json["text"] == "⚠️ <@U0ALICE> already owns #1.", answer.text
    assert (db.deal(1).version, len(db.events(1)), outbox(rt)) == before


def test_a_hand_over_withdraws_only_that_deals_open_owner_offers(slack, rt, db, clock):
    """Open owner offers of the handed-over deal are withdrawn (answered now); its responsibility
    offers, its already answered offers and other deals' offers are left as they were."""
    slack.command("alice", "new First 10万")
    slack.command("alice", "new Second 10万")
    slack.command("bob", "show 1")
    mine = offer(rt, 1, "U0ALICE")
    responsible = offer(rt, 1, "U0BOB", kind="responsible")
    declined = offer(rt, 1, "U0BOB", status="declined")
    other = offer(rt, 2, "U0ALICE")
    clock.advance(hours=1)
    assert "#1 assigned to <@U0BOB>" in slack.command("boss", "assign 1 <@U0BOB|bob>").text
    statuses = offers_by_id(rt)
    assert statuses[mine] == ("withdrawn", clock.now())
    assert {k: statuses[k] for k in (responsible, declined, other)} == {responsible: ("offered", None), declined: ("declined", None), other: ("offered", None)}
