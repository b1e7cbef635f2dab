"""Buttons and menus on deal cards and lists: what goes back through response_url or opens as a
modal, and what changes in the database."""

from __future__ import annotations

import json

import pytest

from store.models import Activity, Event, Opportunity
from tests.conftest import payload_text
from tests.slackcheck import assert_valid_message, assert_valid_view


def state(db) -> tuple:
    counts = (db.count(Opportunity), db.count(Event), db.count(Activity))
    deals = [(d.number, d.title, d.stage, d.status, d.owner_id, d.next_step, d.version) for d in db.deals()]
    return counts, deals


def response(slack) -> dict:
    """The one message the last click sent back through its response_url, checked."""
    key = f"act{slack._n}"
    sent = [r for r in slack.responses() if r["_key"] == key]
    assert len(sent) == 1, sent
    message = {k: v for k, v in sent[0].items() if k != "_key"}
    assert_valid_message(message)
    return message


def elements(message: dict) -> list[dict]:
    """The card's own buttons and menus (not its key actions' buttons)."""
    return next(b for b in message["blocks"] if b.get("block_id", "").startswith("deal_actions_"))["elements"]


@pytest.fixture
def acme(slack):
    slack.command("alice", "new Acme ERP 50万 close 下周五 stage proposal")


def test_the_move_menu_updates_the_card_in_place(slack, db, fake, acme):
    card = slack.command("alice", "show 1").json
    menu = elements(card)[0]
    assert menu["action_id"] == "deal_move"
    assert "1:negotiation" in [o["value"] for o in menu["options"]]
    answer = slack.click("alice", "deal_move", selected="1:negotiation")
    assert (answer.status, answer.body) == (200, "")
    message = response(slack)
    assert message["replace_original"] is True
    assert message["text"] == "Moved #1 to Negotiation — #1 Acme ERP"
    assert "*Stage*\nNegotiation (0 days in stage)" in payload_text(message)
    values = [o["value"] for o in elements(message)[0]["options"]]
    assert "1:negotiation" not in values and "1:proposal" in values
    deal = db.deal(1)
    assert (deal.stage, deal.version) == ("negotiation", 2)
    assert [(e.kind, e.old, e.new) for e in db.events(1)][-1] == ("stage", "proposal", "negotiation")
    assert fake.calls("chat.postMessage") == fake.calls("chat.update") == []


def test_the_move_menu_answers_in_chinese_for_a_chinese_user(slack, db):
    slack.command("li", "new 二期项目 80万")
    slack.click("li", "deal_move", selected="1:contract")
    message = response(slack)
    assert message["text"].startswith("#1 已推进到「合同签订」")
    assert db.deal(1).stage == "contract"


@pytest.mark.parametrize(
    "value,expected",
    [
        ("1:proposal", "#1 is already in that stage."),  # a stale card
        ("9:negotiation", "There is no deal #9."),
    ],
)
def test_a_move_that_cannot_happen_is_explained_and_the_card_stays(slack, db, acme, value, expected):
    before = state(db)
    slack.click("alice", "deal_move", selected=value)
    message = response(slack)
    assert message["response_type"] == "ephemeral"
    assert message["replace_original"] is False
    assert message["text"].startswith("⚠️ " + expected)
    assert state(db) == before


def test_moving_a_closed_deal_from_an_old_card_is_refused(slack, db, acme):
    slack.command("alice", "won 1")
    before = state(db)
    slack.click("alice", "deal_move", selected="1:contract")
    message = response(slack)
    assert message["replace_original"] is False
    assert "#1 is already won; it can't be moved or closed again." in message["text"]
    assert state(db) == before


def test_the_edit_button_opens_the_prefilled_modal(slack, db, fake, acme):
    answer = slack.click("alice", "deal_edit", "1")
    assert (answer.status, answer.body) == (200, "")
    call = fake.last("views.open")
    assert call.args["trigger_id"] == f"trigger.{slack._n}"
    view = call.args["view"]
    assert_valid_view(view)
    assert view["callback_id"] == "deal_edit"
    assert json.loads(view["private_metadata"]) == {"channel": "C0SALES", "number": 1, "version": 1}
    assert view["blocks"][0]["element"]["initial_value"] == "Acme ERP"
    assert slack.responses() == []
    slack.submit("alice", view, {"title": "Acme ERP v2"})
    assert db.deal(1).title == "Acme ERP v2"


def test_the_log_button_opens_the_log_modal(slack, fake, acme):
    slack.click("alice", "deal_log", "1")
    call = fake.last("views.open")
    assert call.args["trigger_id"] == f"trigger.{slack._n}"
    assert_valid_view(call.args["view"])
    assert call.args["view"]["callback_id"] == "deal_log"
    assert call.args["view"]["title"]["text"] == "Log activity #1"


def test_the_history_button_answers_ephemerally(slack, db, acme):
    slack.command("alice", "move 1 negotiation")
    before = state(db)
    answer = slack.click("bob", "deal_history", "1")
    assert (answer.status, answer.body) == (200, "")
    message = response(slack)
    assert (message["response_type"], message["replace_original"]) == ("ephemeral", False)
    text = payload_text(message)
    assert "History of #1 (newest first)" in text
    assert text.index("moved the stage from Proposal to Negotiation") < text.index("created the deal")
    assert state(db) == before


def test_the_open_button_on_a_list_shows_the_card_ephemerally(slack, db, acme):
    slack.command("alice", "new Globex CRM 20万")
    listing = slack.command("alice", "list").json
    buttons = {b["accessory"]["value"]: b["accessory"] for b in listing["blocks"] if b.get("accessory")}
    assert buttons["2"]["action_id"] == "deal_open"
    before = state(db)
    slack.click("alice", "deal_open", buttons["2"]["value"])
    message = response(slack)
    assert (message["response_type"], message["replace_original"]) == ("ephemeral", False)
    assert message["text"] == "#2 Globex CRM"
    assert "*Amount*\n¥200k" in payload_text(message)
    assert [e["action_id"] for e in elements(message)] == ["deal_move", "deal_log", "deal_edit", "deal_history", "deal_ask", "deal_risk"]
    assert state(db) == before


@pytest.mark.parametrize("action", ["deal_open", "deal_history", "deal_edit", "deal_log"])
def test_buttons_for_a_deal_that_does_not_exist(slack, db, fake, acme, action):
    before = state(db)
    slack.click("li", action, "42")
    message = response(slack)
    assert (message["response_type"], message["replace_original"]) == ("ephemeral", False)
    assert message["text"].startswith("⚠️ 找不到商机 #42。")
    assert fake.calls("views.open") == []
    assert state(db) == before


def test_the_flag_risk_menu_on_the_card_raises_a_risk(slack, db, rt):
    from sqlalchemy import select

    from store.models import Risk

    card = slack.command("alice", "new Acme ERP 50万")
    overflow = next(e for b in card.json["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "deal_risk")
    assert [o["value"] for o in overflow["options"]] == ["1:silent", "1:champion-left", "1:budget-cut", "1:competitor"]
    slack.click("alice", "deal_risk", selected="1:competitor")
    assert "Competitor" in slack.responses()[-1]["text"] or "competitor" in slack.responses()[-1]["text"].lower()
    with rt.sessions() as s:
        assert [r.kind for r in s.scalars(select(Risk))] == ["competitor"]
    slack.click("bob", "deal_risk", selected="1:silent")  # not bob's deal
    assert "You can't change #1" in slack.responses()[-1]["text"]
    with rt.sessions() as s:
        assert len(s.scalars(select(Risk)).all()) == 1
    assert any(e.kind == "risk" for e in db.events(1))
