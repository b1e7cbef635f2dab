"""Who may talk to the app, who may change which deal, and user text that must never ping anyone."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlencode

import pytest

from bot.console.signing import SlackRequests
from bot.console.slack_api import TEAM_ID
from store.models import Activity, Event, Opportunity
from tests.conftest import USERS, payload_text
from tests.slackcheck import MESSAGE_METHODS, VIEW_METHODS, assert_valid_message
from tests.test_home import open_home


def state(db) -> tuple:
    counts = (db.count(Opportunity), db.count(Event), db.count(Activity))
    deals = [(d.number, d.title, d.stage, d.status, d.owner_id, d.next_step, d.lost_reason, d.version) for d in db.deals()]
    return counts, deals


def click_payload(who: str, action_id: str, value: str) -> dict:
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": USERS[who]["user_id"], "username": who, "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "trigger.forged",
        "channel": {"id": "C0SALES", "name": "sales"},
        "container": {"type": "message", "channel_id": "C0SALES", "is_ephemeral": True, "message_ts": "1.1"},
        "response_url": "https://hooks.slack.com/actions/forged",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b",
                "type": "static_select",
                "action_ts": "1.2",
                "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
            }
        ],
    }


def last_response(slack) -> dict:
    key = f"act{slack._n}"
    sent = [r for r in slack.responses() if r["_key"] == key]
    assert len(sent) == 1, sent
    message = {k: v for k, v in sent[0].items() if k != "_key"}
    assert_valid_message(message)
    return message


# --- request signing ---------------------------------------------------------------------------


@pytest.fixture
def acme(slack):
    slack.command("alice", "new Acme ERP 50万 stage proposal")


def test_a_forged_signature_is_rejected(slack, db, fake, acme):
    before, calls = state(db), len(fake.calls())
    answer = slack.command("alice", "new Forged deal 50万", signature="v0=" + "0" * 64)
    assert answer.status == 401
    assert "Created" not in answer.body
    answer = slack.interactive(click_payload("alice", "deal_move", "1:contract"), signature="v0=" + "f" * 64)
    assert answer.status == 401
    assert state(db) == before
    assert fake.calls()[calls:] == []


def test_a_request_signed_with_another_secret_is_rejected(slack, db, fake, acme):
    before = state(db)
    body = urlencode({"payload": json.dumps(click_payload("alice", "deal_move", "1:contract"))})
    forged = SlackRequests("not-our-secret", team_id=TEAM_ID, team_domain="fake", app_id="A0001").sign(body)
    headers = forged.headers
    answer = slack.post(body, headers["content-type"], signature=headers["x-slack-signature"], timestamp=headers["x-slack-request-timestamp"])
    assert answer.status == 401
    assert state(db) == before


def test_a_stale_timestamp_is_rejected_even_when_correctly_signed(slack, db, fake, acme):
    before, calls = state(db), len(fake.calls())
    stale = str(int(time.time()) - 6 * 60)  # Slack's window is five minutes
    assert slack.command("alice", "move 1 contract", timestamp=stale).status == 401
    assert slack.interactive(click_payload("alice", "deal_move", "1:contract"), timestamp=stale).status == 401
    assert state(db) == before
    assert db.deal(1).stage == "proposal"
    assert fake.calls()[calls:] == []
    # the same request with a fresh timestamp goes through
    assert slack.command("alice", "move 1 contract").status == 200
    assert db.deal(1).stage == "contract"


def test_healthz(slack):
    answer = slack.get("/healthz")
    assert (answer.status, answer.body) == (200, "ok\n")


# --- permissions -------------------------------------------------------------------------------

NOT_ALLOWED = "You can't change #1: only its owner <@U0ALICE> or an admin can."
# logging an activity is also open to the roles consulted in the stage (proposal: sales support)
LOG_NOT_ALLOWED = "You can't change #1: only its owner <@U0ALICE>, the sales support consulted in this stage or an admin can."


@pytest.mark.parametrize("text", ["move 1 contract", "log 1 called them", "edit 1", "won 1", "lost 1 price", "推进 1 合同签订"])
def test_bob_may_not_change_alices_deal_by_command(slack, db, fake, acme, text):
    before = state(db)
    answer = slack.command("bob", text)
    assert answer.json["response_type"] == "ephemeral"
    expected = "你不能修改 #1：只有负责人 <@U0ALICE> 或管理员可以修改。" if "推进" in text else LOG_NOT_ALLOWED if "log" in text else NOT_ALLOWED
    assert answer.json["text"] == "⚠️ " + expected
    assert state(db) == before
    assert fake.calls("views.open") == []


@pytest.mark.parametrize("action,value", [("deal_move", "1:contract"), ("deal_edit", "1"), ("deal_log", "1")])
def test_bob_may_not_change_alices_deal_by_button(slack, db, fake, acme, action, value):
    before = state(db)
    if action == "deal_move":
        slack.click("bob", action, selected=value)
    else:
        slack.click("bob", action, value)
    message = last_response(slack)
    assert (message["response_type"], message["replace_original"]) == ("ephemeral", False)
    assert message["text"] == "⚠️ " + (LOG_NOT_ALLOWED if action == "deal_log" else NOT_ALLOWED)
    assert fake.calls("views.open") == []
    assert state(db) == before


def test_bob_may_not_save_a_form_for_alices_deal(slack, db, fake, acme):
    slack.command("alice", "edit 1")
    edit_view = slack.opened_view()
    slack.click("alice", "deal_log", "1")
    log_view = slack.opened_view()
    before = state(db)
    body = slack.submit("bob", edit_view, {"title": "Bob's now"}).json
    assert body == {"response_action": "errors", "errors": {"title": NOT_ALLOWED}}
    body = slack.submit("bob", log_view, {"text": "bob was here"}).json
    assert body == {"response_action": "errors", "errors": {"text": LOG_NOT_ALLOWED}}
    assert state(db) == before
    assert fake.calls("chat.postEphemeral") == []


def test_bob_may_still_look(slack, db, acme):
    before = state(db)
    assert "*#1 Acme ERP*" in slack.command("bob", "show 1").text
    assert "History of #1" in slack.command("bob", "history 1").text
    slack.click("bob", "deal_history", "1")
    assert "History of #1" in payload_text(last_response(slack))
    assert state(db) == before


def test_an_admin_may_change_anyones_deal(slack, db, fake, acme):
    assert "Moved #1 to Contract" in slack.command("boss", "move 1 contract").text
    assert "Logged activity on #1" in slack.command("boss", "log 1 checked the paperwork").text
    slack.click("boss", "deal_move", selected="1:negotiation")
    assert last_response(slack)["replace_original"] is True
    slack.command("boss", "edit 1")
    slack.submit("boss", slack.opened_view(), {"title": "Acme ERP (checked)"})
    assert "🎉 #1 won!" in slack.command("boss", "won 1").text
    deal = db.deal(1)
    assert (deal.title, deal.stage, deal.status, deal.owner.slack_user_id) == ("Acme ERP (checked)", "negotiation", "won", "U0ALICE")
    assert {e.actor.slack_user_id for e in db.events(1)[1:]} == {"U0ADMIN"}


def test_after_handing_a_deal_over_the_creator_may_no_longer_change_it(slack, db, fake, acme):
    slack.command("alice", "edit 1")
    slack.submit("alice", slack.opened_view(), {"owner": "U0BOB"})
    assert db.deal(1).owner.slack_user_id == "U0BOB"
    assert "Logged activity on #1" in slack.command("bob", "log 1 took it over").text  # the new owner
    before = state(db)
    for who in ("alice", "nyc"):  # the creator, a stranger
        answer = slack.command(who, "won 1")
        assert answer.json["text"] == "⚠️ You can't change #1: only its owner <@U0BOB> or an admin can."
    assert state(db) == before


def test_a_deal_created_for_someone_else_is_theirs(slack, db):
    slack.command("alice", "new Globex 20万 owner <@U0LI|li>")
    assert "#1 已推进到「方案提交」" in slack.command("li", "move 1 proposal").text
    assert "You can't change #1" in slack.command("alice", "move 1 negotiation").text  # the creator
    assert "You can't change #1" in slack.command("bob", "move 1 contract").text
    assert db.deal(1).stage == "proposal"


def test_a_manager_changes_their_teams_deals_and_the_refusal_names_them(slack, db, rt, acme):
    from sqlalchemy import select

    from store.models import Member

    slack.command("bob", "show 1")
    with rt.transaction() as session:
        members = {m.slack_user_id: m for m in session.scalars(select(Member))}
        members["U0ALICE"].manager_id = members["U0BOB"].id
        members["U0BOB"].role = "manager"
    answer = slack.command("nyc", "move 1 contract")
    assert answer.json["text"] == "⚠️ You can't change #1: only its owner <@U0ALICE>, their manager <@U0BOB> or an admin can."
    assert "Moved #1 to Negotiation" in slack.command("bob", "move 1 negotiation").text
    assert "#1 grade pinned to A" in slack.command("bob", "grade 1 A").text


# --- mrkdwn injection --------------------------------------------------------------------------

TYPED = "<!channel> <@U123> &"
AS_SLACK_SENDS = "&lt;!channel&gt; &lt;@U123&gt; &amp;"  # how Slack delivers what was typed
ESCAPED = "&lt;!channel&gt; &lt;@U123&gt; &amp;"


def test_user_text_is_stored_as_typed_and_shown_escaped_everywhere(slack, db, fake):
    answers = []
    open_home(slack, "alice")  # her Home is open: every change redraws it, with the text in it

    def say(who, text):
        answer = slack.command(who, text)
        assert answer.status == 200
        answers.append(answer.json)
        return answer

    card = say("alice", f"new {AS_SLACK_SENDS} 50万 account {AS_SLACK_SENDS} next call {AS_SLACK_SENDS} by friday")
    deal = db.deal(1)
    assert (deal.title, deal.account, deal.next_step) == (TYPED, TYPED, f"call {TYPED}")
    assert card.json["text"] == f"Created #1 — #1 {ESCAPED}"
    assert f"*#1 {ESCAPED}*\n{ESCAPED}" in card.text
    assert f"*Next step*\ncall {ESCAPED}" in card.text

    assert ESCAPED in say("bob", "show 1").text
    assert ESCAPED in say("alice", "list").text
    assert ESCAPED in say("bob", "find &lt;!channel&gt;").text
    say("alice", f"log 1 {AS_SLACK_SENDS}")
    assert f"logged a note: {ESCAPED}" in say("alice", "history 1").text
    assert f"There is no stage “{ESCAPED}”" in say("alice", f"move 1 {AS_SLACK_SENDS}").text
    assert "There is no `/opp &lt;!channel&gt;` command" in say("alice", f"{AS_SLACK_SENDS} 1").text
    assert f"Couldn't read the amount “{ESCAPED}”" in say("alice", f"new X amount {AS_SLACK_SENDS}").text

    # the edit form holds the real text (a plain-text input), so saving it keeps the title intact
    say("alice", "edit 1")
    view = slack.opened_view()
    assert view["blocks"][0]["element"]["initial_value"] == TYPED
    answers.append(slack.submit("alice", view, {"title": f"{TYPED} v2"}).json)
    assert db.deal(1).title == f"{TYPED} v2"
    assert db.deal(1).account == TYPED
    assert f"changed Title from {ESCAPED} to {ESCAPED} v2" in say("alice", "history 1").text

    slack.click("alice", "deal_move", selected="1:proposal")
    slack.click("alice", "deal_history", "1")
    slack.click("alice", "deal_log", "1")
    answers.append(slack.submit("alice", slack.opened_view(), {"text": TYPED}).json)

    calls = [c for c in fake.calls() if c.method in MESSAGE_METHODS | VIEW_METHODS]
    assert {c.method for c in calls} == {"views.open", "response_url", "chat.postEphemeral", "views.publish"}
    texts = [payload_text(a) for a in answers] + [payload_text(c.args) for c in calls]
    shown = "\n".join(texts)
    assert shown.count(ESCAPED) >= 10
    for text in texts:
        assert "<!channel>" not in text
        assert "<@U123>" not in text
        # the only <...> sequences are mentions of real people the app put there
        for sequence in re.findall(r"<[^>]*>", text):
            assert re.fullmatch(r"<@U0[A-Z]+>", sequence), f"{sequence!r} in {text!r}"
