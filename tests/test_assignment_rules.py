"""Answering an offer as people see it: a declined responsibility passed on by the team's date,
accepting and declining (with a reason) in the person's language, and an offer no longer theirs."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.core.config import Rule
from bot.team import assignment
from store.models import AssignmentOffer
from tests.test_assignment import BACK_YESTERDAY, outbox, owner_of, set_member
from tests.test_permissions import set_role


def offers_made(rt) -> list[AssignmentOffer]:
    with rt.sessions() as s:
        return list(s.scalars(select(AssignmentOffer).order_by(AssignmentOffer.id)))


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


def decline_form(slack, made: AssignmentOffer) -> dict:
    slack.click("li", "offer_decline", str(made.id))
    return slack.opened_view()


def test_a_decline_needs_a_reason_and_says_so_on_the_form(slack, rt):
    """An empty reason leaves the offer open and the form says, in li's language, to give one."""
    made = offer_to_li(slack, rt)
    answer = slack.submit("li", decline_form(slack, made), {"reason": ""})
    assert answer.json["errors"] == {"reason": "请写明拒绝原因。"}
    assert offers_made(rt)[0].status == "offered"


def test_a_declined_offer_keeps_the_reason_and_tells_the_channel_and_the_person(slack, rt, db):
    """li declines #2 with a long reason: the offer keeps 500 characters of it, the history 400,
    the channel a clipped sentence in the team's language; li is told in Chinese."""
    made = offer_to_li(slack, rt)
    reason = "".join(chr(ord("a") + i % 26) for i in range(600))
    slack.submit("li", decline_form(slack, made), {"reason": reason})
    answered = offers_made(rt)[0]
    assert (answered.status, answered.reason) == ("declined", reason[:500])
    offer_events = [(e.kind, e.old, e.new) for e in db.events(2) if e.field == "offer"]
    assert offer_events == [("assigned", "offered", "declined: " + reason[:400])]
    assert f"<@U0LI> 拒绝了 #2（{reason[:199]}…）" in outbox(rt, "#sales-assign")
    assert slack.fake.last("chat.postMessage").args["text"] == "你拒绝了 #2，没有其他可分配的人，已退回公海。"


def test_a_reason_is_clipped_for_the_channel_only_past_200_characters():
    """200 characters are posted whole; 201 become 199 and an ellipsis."""
    assert assignment.clip_reason("x" * 200) == "x" * 200
    assert assignment.clip_reason("x" * 201) == "x" * 199 + "…"


def test_a_decline_sent_after_the_offer_was_answered_changes_nothing(slack, rt, db):
    """The decline form sent after li accepted (or by someone else) hears, in their language,
    that the offer was answered: the offer stays accepted and li keeps the deal."""
    made = offer_to_li(slack, rt)
    form = decline_form(slack, made)
    slack.click("li", "offer_accept", str(made.id))
    slack.submit("li", form, {"reason": "changed my mind"})
    assert slack.fake.last("chat.postMessage").args["text"] == "这个分配已经处理过了。"
    slack.submit("alice", form, {"reason": "not mine"})
    assert slack.fake.last("chat.postMessage").args["text"] == "That offer has already been answered or has passed on."
    assert [o.status for o in offers_made(rt)] == ["accepted"]
    assert (owner_of(rt, 2), [e.new for e in db.events(2) if e.field == "offer"]) == ("U0LI", ["accepted"])


def test_an_offer_names_the_assignees_role_and_why_and_the_channel_reads_the_teams_language(slack, rt, db):
    """nyc (who reads English) is offered responsibility for #1 as sales support: the DM names
    that role and carries the offer's explanation; the assignments channel reads the offer in the
    team's language, Chinese."""
    slack.command("alice", "new Acme 10万 stage proposal")
    slack.command("nyc", "show 1")
    set_role(rt, "U0NYC", "support")
    slack.command("alice", "move 1 tech_review")
    (made,) = offers_made(rt)
    assert made.explanation
    assert outbox(rt, "U0NYC") == [f"*#1 Acme* 分配给了你（销售支持）。{made.explanation}。请在 24 小时内接受或拒绝。"]
    assert outbox(rt, "#sales-assign") == [f"#1 Acme：{made.explanation}"]
