"""Asking support (求助) through Slack: `/opp ask 42 …` and the card's Ask support button send the
question to the role the deal's stage consults (sales support when it consults nobody there is),
within the deal's territory; the worker's tick delivers it; an answer through the Answer form, or
an activity logged by a person of that role, closes it, is logged on the deal and reaches the
person who asked. Bad input is refused in the asker's language and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from store.models import Activity, Event, OutboxMessage, SupportRequest
from tests import test_handover
from tests.conftest import payload_text
from tests.slackcheck import assert_valid_message, assert_valid_view
from tests.test_handover import ALICE, BOB, LI, NYC, buttons

client, send = test_handover.client, test_handover.send  # fixtures: the sender's client, one pass of it


def set_role(slack, user: str, role: str, *extra: str) -> None:
    assert "Updated" in slack.command("boss", f"team set <@{user}> role:{role} {' '.join(extra)}".strip()).text


@pytest.fixture
def people(slack):
    """bob, li (who reads Chinese) and nyc exist; alice makes deals."""
    for who in ("bob", "li", "nyc"):
        slack.command(who, "help")


def requests(rt) -> list[SupportRequest]:
    with rt.sessions() as s:
        return list(s.scalars(select(SupportRequest).order_by(SupportRequest.id)))


def dms(posts, user: str) -> list[dict]:
    return [p.args for p in posts if p.args["channel"] == user]


def test_asked_by_command_the_consulted_role_hears_and_answers_through_the_form(slack, rt, db, fake, clock, people, send):
    set_role(slack, BOB, "support")
    set_role(slack, LI, "support")
    slack.command("alice", "new Acme ERP 50万 account Acme Corp stage proposal")  # proposal consults support
    answer = slack.command("alice", "ask 1 Can we do single sign-on with <!channel> SAML?")
    assert "Asked sales support about #1 (sent to 2); the answer will come to you by DM." in answer.text
    (request,) = requests(rt)
    assert (request.role, request.question, request.answered_at) == ("support", "Can we do single sign-on with <!channel> SAML?", None)
    assert [(e.kind, e.field, e.new) for e in db.events(1)][-1] == ("support", "asked", request.question)

    posts = send()
    assert sorted(p.args["channel"] for p in posts) == [BOB, LI]
    to_bob, to_li = dms(posts, BOB)[0], dms(posts, LI)[0]
    for message in (to_bob, to_li):
        assert_valid_message(message)
        assert "&lt;!channel&gt;" in payload_text(message) and "<!channel>" not in payload_text(message)  # escaped: pings nobody
        assert buttons(message) == [("support_answer", str(request.id))]
    assert "<@U0ALICE> asks sales support for help:\n*#1 Acme ERP* · Acme Corp · Proposal" in payload_text(to_bob)
    assert "<@U0ALICE> 向销售支持求助：" in payload_text(to_li)  # li reads Chinese
    assert send() == []  # once

    clock.advance(hours=3)
    slack.click("li", "support_answer", str(request.id))
    view = slack.opened_view()
    assert_valid_view(view)
    assert "Can we do single sign-on" in payload_text({"blocks": view["blocks"]})
    slack.submit("li", view, {"answer": "支持，SAML 2.0 和 OIDC 都可以"})

    (request,) = requests(rt)
    assert request.answered_at == clock.now() and request.answer == "支持，SAML 2.0 和 OIDC 都可以"
    assert request.answered_at - request.asked_at == timedelta(hours=3)  # the response time the KPIs read
    assert db.member(LI).id == request.answered_by_id
    with rt.sessions() as s:
        logged = s.scalars(select(Activity).where(Activity.member_id == request.answered_by_id)).all()
    assert [(a.kind, a.text) for a in logged] == [("note", "支持，SAML 2.0 和 OIDC 都可以")]
    assert "<@U0LI> answered a support question: 支持，SAML 2.0 和 OIDC 都可以" in slack.command("alice", "history 1").text

    posts = send()
    (to_alice,) = dms(posts, ALICE)
    assert_valid_message(to_alice)
    assert "<@U0LI> answered your question about #1" in payload_text(to_alice) and "支持，SAML 2.0" in payload_text(to_alice)
    updates = [c.args for c in fake.calls("chat.update") if not c.failed]
    assert len(updates) == 2  # each request message now says who answered, without the button
    for update in updates:
        assert buttons(update) == [] and "<@U0LI>" in payload_text(update)

    slack.click("bob", "support_answer", str(request.id))  # a second click on the old message
    said = payload_text(slack.responses()[-1])
    assert "This question about #1 was already answered by <@U0LI> at 2026-11-25 13:00." in said
    assert len(requests(rt)) == 1 and requests(rt)[0].answered_by_id == db.member(LI).id


def test_asked_from_the_cards_button_through_its_form(slack, rt, db, people, send):
    set_role(slack, BOB, "support")
    card = slack.command("alice", "new Acme ERP 50万 stage proposal")
    assert ("deal_ask", "1") in buttons(card.json)
    slack.click("alice", "deal_ask", "1")
    view = slack.opened_view()
    assert_valid_view(view)
    assert view["callback_id"] == "support_ask_form"
    slack.submit("alice", view, {"question": "Is there an on-premise option?"})
    (request,) = requests(rt)
    assert (request.question, request.asked_by_id) == ("Is there an on-premise option?", db.member(ALICE).id)
    assert [p.args["channel"] for p in send()] == [BOB]
    assert "Asked sales support about #1" in payload_text(slack.fake.last("chat.postEphemeral").args)


@pytest.mark.parametrize(
    "stage, roles, asked",
    [
        ("proposal", {BOB: "support", NYC: "manager"}, "support"),  # proposal consults support
        ("negotiation", {BOB: "support", NYC: "manager"}, "manager"),  # negotiation consults managers
        ("negotiation", {BOB: "support"}, "support"),  # no manager: sales support
        ("lead", {BOB: "support", NYC: "manager"}, "support"),  # lead consults nobody
        ("needs", {BOB: "bdr", NYC: "support"}, "bdr"),  # needs consults BDRs
    ],
)
def test_the_stages_consulted_role_is_asked_else_sales_support(slack, rt, people, send, stage, roles, asked):
    for user, role in roles.items():
        set_role(slack, user, role)
    slack.command("alice", f"new Acme ERP 50万 stage {stage}")
    slack.command("alice", "ask 1 Who can join the demo?")
    assert requests(rt)[0].role == asked
    expected = sorted(user for user, role in roles.items() if role == asked)
    assert sorted(p.args["channel"] for p in send()) == expected


def test_people_whose_territory_covers_the_deal_are_asked_else_everyone_of_the_role(slack, rt, people, send):
    set_role(slack, BOB, "support", "region:华东")
    set_role(slack, LI, "support", "region:华北")
    slack.command("alice", "new East deal 50万 stage proposal region 华东")
    slack.command("alice", "new West deal 50万 stage proposal region 西南")
    slack.command("alice", "ask 1 Demo next week?")
    assert [p.args["channel"] for p in send()] == [BOB]
    slack.command("alice", "ask 2 Demo next week?")  # nobody covers 西南: all of them
    assert sorted(p.args["channel"] for p in send()) == [BOB, LI]


def test_an_activity_logged_by_the_role_asked_answers_it_and_others_do_not(slack, rt, db, clock, people, send):
    set_role(slack, BOB, "support")
    set_role(slack, NYC, "ae")
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.command("alice", "ask 1 Can we do SSO?")
    send()
    clock.advance(hours=2)
    slack.command("alice", "log 1 chased the customer")  # the asker's own note answers nothing
    assert requests(rt)[0].answered_at is None
    clock.advance(hours=1)
    slack.command("bob", "log 1 SSO works with their Azure AD")
    (request,) = requests(rt)
    assert (request.answered_by_id, request.answered_at, request.answer) == (db.member(BOB).id, clock.now(), "SSO works with their Azure AD")
    (to_alice,) = dms(send(), ALICE)
    assert "<@U0BOB> answered your question about #1" in payload_text(to_alice) and "SSO works with their Azure AD" in payload_text(to_alice)
    assert ("support", "answered", "SSO works with their Azure AD") in [(e.kind, e.field, e.new) for e in db.events(1)]


def test_only_the_role_asked_answers(slack, rt, people, send):
    set_role(slack, BOB, "support")
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.command("alice", "ask 1 Can we do SSO?")
    slack.click("nyc", "support_answer", str(requests(rt)[0].id))
    said = payload_text(slack.responses()[-1])
    assert "This question about #1 is for sales support: only sales support or an admin can answer it." in said
    assert requests(rt)[0].answered_at is None


@pytest.mark.parametrize(
    "who, command, said",
    [
        ("alice", "ask 1", "Write your question after the deal number, e.g. `/opp ask 1 Can we do single sign-on?`"),
        ("alice", "求助 1", "请写下问题，例如 `/opp 求助 1 客户要求单点登录，我们支持吗？`"),
        ("alice", "ask", "Give a deal number, e.g. `/opp ask 42`."),
        ("alice", "ask 9 Can we?", "There is no deal #9."),
        ("alice", "求助 9 可以吗", "找不到商机 #9。"),
        ("alice", "ask 2 Can we?", "#2 is already won: ask for support on an open deal."),
        ("alice", "求助 2 可以吗", "#2 已赢单：求助只用于进行中的商机。"),
        ("alice", "ask 3 Can we?", "Nobody can answer about #3 at this stage: the team has no sales support yet."),
        ("alice", "求助 3 可以吗", "#3 这个阶段没有人可以回答：团队里还没有销售支持。"),
        ("alice", "ask 1 " + "x" * 2001, "is too long (2001 characters); keep it to 2000."),
    ],
)
def test_bad_input_is_refused_in_the_askers_language_and_changes_nothing(slack, rt, db, people, who, command, said):
    set_role(slack, BOB, "support")
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.command("alice", "new Won deal 20万")
    slack.command("alice", "won 2")
    slack.command("alice", "new Lonely deal 20万 stage proposal")
    set_role(slack, BOB, "ae")  # now nobody is in sales support for #3 (#1's tests ask before this matters)
    if command.startswith(("ask 1", "求助 1")):
        set_role(slack, BOB, "support")
    with rt.sessions() as s:
        before = (s.scalars(select(Event.id)).all(), s.scalars(select(OutboxMessage.id)).all())
    answer = slack.command(who, command)
    assert answer.text.startswith("⚠️") and said in answer.text, answer.text
    assert requests(rt) == []
    with rt.sessions() as s:
        assert (s.scalars(select(Event.id)).all(), s.scalars(select(OutboxMessage.id)).all()) == before


def test_an_empty_answer_is_sent_back_to_the_form(slack, rt, people):
    set_role(slack, BOB, "support")
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.command("alice", "ask 1 Can we do SSO?")
    slack.click("bob", "support_answer", str(requests(rt)[0].id))
    answer = slack.submit("bob", slack.opened_view(), {"answer": "   "})
    assert answer.json["errors"] == {"answer": "Write your answer."}
    assert requests(rt)[0].answered_at is None


@pytest.mark.parametrize("metadata", ['{"request": "1"}', '{"request": true}', "[1]", "not json", '{"request": 99}'])
def test_an_answer_form_whose_request_cannot_be_read_is_refused_and_nothing_is_saved(slack, rt, people, metadata):
    set_role(slack, BOB, "support")
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.command("alice", "ask 1 Can we do SSO?")
    slack.click("bob", "support_answer", str(requests(rt)[0].id))
    view = {**slack.opened_view(), "private_metadata": metadata}
    answer = slack.submit("bob", view, {"answer": "Yes"})
    assert list(answer.json["errors"]) == ["answer"]
    assert requests(rt)[0].answered_at is None


def test_the_ask_form_of_a_deal_closed_meanwhile_is_refused_in_the_form(slack, rt, people):
    set_role(slack, BOB, "support")
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.click("alice", "deal_ask", "1")
    view = slack.opened_view()
    slack.command("alice", "lost 1 price")
    answer = slack.submit("alice", view, {"question": "Still worth a demo?"})
    assert answer.json["errors"] == {"question": "#1 is already lost: ask for support on an open deal."}
    assert requests(rt) == []
