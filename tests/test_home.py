"""The App Home tab: opened -> views.publish, for a rep and for a manager, and its buttons."""

from __future__ import annotations

import json

from bot.console.slack_api import TEAM_ID
from bot.demo.generated import generate, insert_all
from store.models import Alert
from tests.conftest import NOW, USERS, payload_text


def open_home(slack, who: str) -> dict:
    body = {
        "token": "legacy",
        "team_id": TEAM_ID,
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": f"Ev{who}",
        "event_time": 1,
        "event": {"type": "app_home_opened", "user": USERS[who]["user_id"], "channel": "D0HOME", "tab": "home", "event_ts": "1.1"},
    }
    before = len(slack.fake.calls("views.publish"))
    answer = slack.post(json.dumps(body), "application/json")
    assert answer.status == 200
    calls = slack.fake.calls("views.publish")
    assert len(calls) == before + 1
    call = calls[-1]
    assert call.args["user_id"] == USERS[who]["user_id"]
    view = call.args["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    return view


def text_of(view: dict) -> str:
    return payload_text({"blocks": view["blocks"]})


def test_a_rep_sees_their_pipeline_and_their_day(slack, db):
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.command("alice", "new Globex 20万 close 2026-11-20")  # overdue (close date passed)
    slack.command("alice", "log 1 called next send quote by 2026-11-25")  # due today
    slack.command("bob", "new Bob's deal 10万")
    view = open_home(slack, "alice")
    text = text_of(view)
    assert "My deals" in text and "Team dashboard" not in text
    assert "Proposal: 1 · ¥500k" in text and "Lead: 1 · ¥200k" in text
    assert "*Due and overdue* (2): 1 overdue, 1 due today" in text
    assert "• *#2* Globex — ¥200k · @alice · due Fri 2026-11-20" in text  # the day it was due, overdue first
    assert "• *#1* Acme ERP — ¥500k · @alice · due Wed 2026-11-25" in text
    assert text.index("#2* Globex") < text.index("#1* Acme ERP")
    assert "Bob's deal" not in text
    assert "New deal" in text


def test_a_manager_sees_the_team_forecast_alerts_and_reps(slack, rt):
    g = generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=30, deals=600, activities=500, seed=2)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
        session.add(Alert(workspace_id=TEAM_ID, opportunity_id=1, condition="stalled", opened_at=NOW))
        session.add(Alert(workspace_id=TEAM_ID, opportunity_id=2, condition="stalled", opened_at=NOW))
        session.add(Alert(workspace_id=TEAM_ID, opportunity_id=3, condition="overdue", opened_at=NOW, cleared_at=NOW))
    view = open_home(slack, "boss")  # an admin in config
    text = text_of(view)
    assert "Team dashboard" in text
    open_count = sum(1 for d in g.deals if d["status"] == "open")
    assert f"Total: {open_count} ·" in text
    assert "This month (2026-11)" in text and "target ¥5M" in text
    assert "*Alerts waiting*: 2" in text
    assert "*By rep*" in text and "• @rep1: " in text


def test_home_is_in_the_users_language(slack):
    slack.command("li", "new 华为项目 50万")
    text = text_of(open_home(slack, "li"))
    assert "我的商机" in text and "线索：1 个 · ¥50万" in text


def test_home_buttons_open_the_new_deal_form_the_log_form_and_the_card(slack, fake):
    slack.command("alice", "new Acme ERP 50万 close 2026-11-20")
    open_home(slack, "alice")
    home_click(slack, "alice", "home_new", None)
    assert fake.last("views.open").args["view"]["callback_id"] == "deal_new"
    home_click(slack, "alice", "home_deal", "log:1")
    log_form = fake.last("views.open").args["view"]
    assert log_form["callback_id"] == "deal_log"
    assert json.loads(log_form["private_metadata"])["number"] == 1  # the form logs on deal #1
    assert "#1" in log_form["title"]["text"]
    home_click(slack, "alice", "home_deal", "open:1")
    dm = fake.last("chat.postMessage").args
    assert dm["channel"] == "U0ALICE" and "Acme ERP" in payload_text(dm)


def home_click(slack, who, action_id, selected, *, value="new"):
    action = {"action_id": action_id, "block_id": "b", "action_ts": "1.2"}
    if selected is None:
        action.update(type="button", value=value)
    else:
        action.update(type="overflow", selected_option={"text": {"type": "plain_text", "text": "x"}, "value": selected})
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": USERS[who]["user_id"], "username": who, "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "trigger.home",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "blocks": []},
        "actions": [action],
    }
    answer = slack.interactive(payload)
    assert answer.status == 200


def test_the_morning_brief_is_turned_on_and_off_from_home_and_by_command(slack, db, fake):
    slack.command("alice", "new Acme ERP 50万")
    view = open_home(slack, "alice")
    assert "Turn on morning brief" in text_of(view)
    home_click(slack, "alice", "home_brief", None, value="on")
    assert db.member("U0ALICE").brief_enabled
    refreshed = fake.last("views.publish").args["view"]  # the tab is redrawn after the click
    assert "Turn off morning brief" in text_of(refreshed)
    assert "Morning brief off" in slack.command("alice", "brief off").text
    assert not db.member("U0ALICE").brief_enabled
    assert "已开启早报：每个工作日北京时间 08:30" in slack.command("li", "早报 开").text
    assert db.member("U0LI").brief_enabled
    assert "Your morning brief is off" in slack.command("alice", "brief").text
    assert "isn't on or off" in slack.command("alice", "brief maybe").text


def test_the_home_tab_is_redrawn_after_the_user_saves_a_form(slack, db):
    open_home(slack, "alice")  # her Home is open: a change redraws it
    slack.command("alice", "new")
    slack.submit("alice", slack.opened_view(), {"title": "Fresh from the form", "amount": "5万"})
    published = slack.fake.last("views.publish").args
    assert published["user_id"] == "U0ALICE"
    assert "Lead: 1 · ¥50k" in str(published["view"]["blocks"])  # the new deal counts
    slack.fake.fail("views.publish", error="not_enabled")  # Slack refuses: the save still stands
    slack.command("alice", "edit 1")
    answer = slack.submit("alice", slack.opened_view(), {"title": "Renamed"})
    assert answer.body == "" and db.deal(1).title == "Renamed"


def test_a_managers_home_puts_the_teams_deals_needing_action_first_then_the_pipeline_then_their_own(slack, rt):
    slack.command("alice", "new Acme ERP 50万 stage proposal close 2026-11-20")  # overdue
    slack.command("bob", "new Globex 20万")
    slack.command("boss", "risk 2 competitor")
    text = text_of(open_home(slack, "boss"))
    order = [
        text.index(part)
        for part in (
            "\nToday\n",
            "\nThis week",
            "\nTeam\n",
            "*Needing attention* (2): 1 at risk, 0 stalled, 1 overdue",
            "*Alerts waiting*",
            "*Pipeline by stage*",
            "*By rep*",
            "*My pipeline*",
        )
    ]
    assert order == sorted(order), text
    assert "• *#1* Acme ERP — ¥500k · @alice · due Fri 2026-11-20" in text  # overdue: its date
    assert "• *#2* Globex — ¥200k · @bob · 🔴" in text  # at risk: its flag
    assert "Proposal: 1 ·" in text and "Negotiation:" not in text  # stages with no deal are left out
    rep = text_of(open_home(slack, "bob"))
    assert rep.index("\nToday\n") < rep.index("*My pipeline*") and "Team dashboard" not in rep and "\nTeam\n" not in rep
