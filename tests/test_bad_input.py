"""Bad input never reaches a 500 or an internal error: a malformed request is answered 400, a
mistake a person made is answered in their language, and neither changes anything. Text people
type is stored without NUL bytes (PostgreSQL refuses them) or bidi controls (they make a stored
title read backwards); a form that can't be read is refused, never saved as something else."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from datetime import date
from urllib.parse import quote

import pytest
from sqlalchemy import select

from bot.console.signing import FORM, JSON
from bot.core.config import Rule
from bot.worker.jobs import scan_all
from bot.worker.sender import sender_client
from store.models import Activity, Alert, AssignmentOffer, Event, Opportunity, Reminder, Risk
from tests.conftest import payload_text

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"


def snapshot(db) -> tuple:
    counts = tuple(db.count(model) for model in (Opportunity, Event, Activity, Risk, Reminder))
    deals = [(d.number, d.title, d.account, d.stage, d.status, d.expected_close, d.next_step_due, d.version, d.request_key) for d in db.deals()]
    return counts, deals


def errors_logged(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
def acme(slack):
    slack.command("alice", "new Acme ERP 50万 stage proposal")


# --- malformed HTTP requests: 400, before anything runs -------------------------------------------


def raw_post(slack, body: bytes, content_type: str, *, timestamp: str = "1", length: str | None = None):
    """A request built by hand, for what the signed-request builder can't make (bytes that aren't UTF-8)."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)) if length is None else length,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "3000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": timestamp,
        "HTTP_X_SLACK_SIGNATURE": "v0=" + "0" * 64,
    }
    return slack._call(environ)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("payload=%7Bnot", FORM),  # an interactive payload that isn't JSON
        ("payload=" + quote("[1, 2]"), FORM),  # JSON, but not an object
        ("payload=" + quote('"text"'), FORM),
        ("[1, 2]", JSON),  # an event body that is a JSON array
        ("{not json", JSON),
        ("12", JSON),
    ],
)
def test_a_body_that_cannot_be_read_is_answered_400_and_changes_nothing(slack, db, fake, acme, caplog, body, content_type):
    before, calls = snapshot(db), len(fake.calls())
    answer = slack.post(body, content_type)
    assert answer.status == 400
    assert "Traceback" not in answer.body
    assert snapshot(db) == before
    assert fake.calls()[calls:] == []
    assert errors_logged(caplog) == []


def interactive_body(payload: dict) -> str:
    return "payload=" + quote(json.dumps(payload))


ALICE = {"id": "U0ALICE", "team_id": "T0001"}
TEAM = {"id": "T0001"}
FORM_VIEW = {"id": "V1", "type": "modal", "callback_id": "deal_new", "private_metadata": "{}"}


@pytest.mark.parametrize(
    "body",
    [
        interactive_body({"type": "block_actions", "user": ALICE, "team": TEAM, "actions": "x"}),
        interactive_body({"type": "block_actions", "user": ALICE, "team": TEAM, "actions": [{}]}),
        interactive_body({"type": "block_actions", "user": ALICE, "team": TEAM, "actions": [{"action_id": "deal_open", "value": 1}]}),
        interactive_body({"type": "block_actions", "user": ALICE, "team": TEAM, "actions": [{"action_id": "deal_move", "selected_option": "1:lead"}]}),
        interactive_body({"type": "block_actions", "user": "U0ALICE", "team": TEAM, "actions": [{"action_id": "deal_open", "value": "1"}]}),
        interactive_body({"type": "block_actions", "user": ALICE, "team": "T0001", "actions": [{"action_id": "deal_open", "value": "1"}]}),
        interactive_body({"type": "view_submission", "user": ALICE, "team": TEAM, "view": "x"}),
        interactive_body({"type": "view_submission", "user": ALICE, "team": TEAM, "view": {"callback_id": "deal_new"}}),
        interactive_body({"type": "view_submission", "user": ALICE, "team": TEAM, "view": {**FORM_VIEW, "state": "x"}}),
        interactive_body({"type": "view_submission", "user": ALICE, "team": TEAM, "view": {**FORM_VIEW, "state": {"values": {"title": "x"}}}}),
        interactive_body({"type": "view_submission", "user": {"id": "U" * 200}, "team": TEAM, "view": FORM_VIEW}),
        interactive_body({"type": ["view_submission"]}),
        "command=/opp&text=help",
        "command=/opp&text=help&user_id=U0ALICE",
        "command=/opp&text=new+Acme&team_id=T0001&user_id=" + "U" * 100,
        "command=/opp&text=help&user_id=U0ALICE&team_id=" + "T" * 100,
    ],
)
def test_a_payload_not_shaped_as_slack_shapes_it_is_answered_400(slack, db, fake, acme, caplog, body):
    before, calls = snapshot(db), len(fake.calls())
    assert slack.post(body, FORM).status == 400
    assert snapshot(db) == before
    assert fake.calls()[calls:] == []
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    "event",
    [
        {"type": "event_callback", "team_id": "T0001", "event": "x"},
        {"type": "event_callback", "team_id": "T0001", "event": {"type": "app_home_opened", "user": ["U0ALICE"]}},
        {"type": "event_callback", "team_id": "T" * 50, "event": {"type": "app_home_opened", "user": "U0ALICE"}},
        {"type": "url_verification", "challenge": 5},
    ],
)
def test_an_event_not_shaped_as_slack_shapes_it_is_answered_400(slack, fake, caplog, event):
    assert slack.post(json.dumps(event), JSON).status == 400
    assert fake.calls("views.publish") == []
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("timestamp", ["abc", "123.5", "", " 1", "１２３"])
def test_a_timestamp_header_that_is_not_a_whole_number_is_answered_400(slack, db, fake, acme, caplog, timestamp):
    before, calls = snapshot(db), len(fake.calls())
    answer = slack.command("alice", "move 1 contract", timestamp=timestamp or " ")
    assert answer.status == 400
    assert snapshot(db) == before
    assert fake.calls()[calls:] == []
    assert errors_logged(caplog) == []


def test_a_body_that_is_not_utf8_or_a_length_that_is_not_a_number_is_answered_400(slack, db, acme, caplog):
    before = snapshot(db)
    assert raw_post(slack, b"payload=\xff\xfe", FORM).status == 400
    assert raw_post(slack, b"text=hello", FORM, length="ten").status == 400
    assert snapshot(db) == before
    assert errors_logged(caplog) == []


def test_a_well_formed_request_still_goes_through(slack, db, acme):
    assert slack.command("alice", "move 1 contract").status == 200
    assert db.deal(1).stage == "contract"


# --- buttons carrying values that are not what we put there ----------------------------------------


def click(slack, who: str, action: dict) -> str:
    """Press ``action`` (a dict as Slack sends it) as ``who``; what the clicker was told."""
    slack._n += 1
    request = slack.requests.block_actions(
        user=slack.user(who),
        actions=[{"block_id": "b", "action_ts": "1.2", **action}],
        channel={"id": "C0SALES", "name": "sales"},
        container={"type": "message", "channel_id": "C0SALES", "is_ephemeral": True, "message_ts": "1.1"},
        response_url=slack.fake.response_url(f"act{slack._n}"),
        trigger_id=f"trigger.{slack._n}",
    )
    answer = slack.send(request)
    assert answer.status == 200
    told = [payload_text(r) for r in slack.responses() if r["_key"] == f"act{slack._n}"]
    told += [payload_text(c.args) for c in slack.fake.calls("chat.postMessage") if c.args.get("channel") == slack.user(who)["id"]]
    return "\n".join(told)


def select_action(action_id: str, value: str) -> dict:
    return {"action_id": action_id, "type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value}}


def button_action(action_id: str, value: str | None) -> dict:
    return {"action_id": action_id, "type": "button", "value": value}


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (button_action("alert_snooze_1", "1:x"), "“x” is not a deal number"),
        (button_action("alert_snooze_1", "x:1"), "“x” is not a deal number"),
        (select_action("home_deal", "open:x"), "“x” is not a deal number"),
        (select_action("home_deal", "log:"), "“” is not a deal number"),
        ({"action_id": "alert_reassign", "type": "users_select", "block_id": "zzz", "selected_user": "U0BOB"}, "“zzz” is not a deal number"),
        (button_action("offer_accept", "x"), "“x” is not a deal number"),
        (button_action("offer_decline", "x"), "“x” is not a deal number"),
        (button_action("pool_claim", "x"), "“x” is not a deal number"),
        (button_action("pool_claim", None), "“” is not a deal number"),
        (select_action("deal_move", "1:bogus"), "There is no stage “bogus”"),
        (select_action("deal_move", "x:proposal"), "“x” is not a deal number"),
        (select_action("deal_risk", "1:bogus"), "Risks:"),
        (button_action("report_share", "bogus this-month"), "There is no “bogus” report"),
        (button_action("report_share", None), "There is no “” report"),
        (button_action("report_share", "funnel junk"), "Couldn't read the period “junk”"),
        (button_action("report_share", "funnel 0000-01"), "“0000-01” is out of reach"),
        (button_action("report_share", "funnel 9999-12"), "“9999-12” is out of reach"),
    ],
)
def test_a_button_value_that_is_not_ours_gets_a_clear_answer_and_changes_nothing(slack, db, fake, acme, caplog, action, expected):
    before = snapshot(db)
    told = click(slack, "alice", action)
    assert expected in told
    assert "error ref" not in told
    assert snapshot(db) == before
    assert errors_logged(caplog) == []


def test_a_menu_without_a_selected_option_gets_a_clear_answer(slack, db, acme, caplog):
    before = snapshot(db)
    told = click(slack, "alice", {"action_id": "deal_move", "type": "static_select"})
    assert "There is no stage “”" in told
    assert snapshot(db) == before
    assert errors_logged(caplog) == []


def test_a_reassign_menu_naming_something_that_is_not_a_slack_user_is_refused(slack, db, acme, caplog):
    before = snapshot(db)
    told = click(slack, "boss", {"action_id": "alert_reassign", "type": "users_select", "block_id": "alert_1", "selected_user": "U" * 200})
    assert "is not a Slack user" in told
    assert db.member("U" * 200) is None
    assert snapshot(db) == before
    assert errors_logged(caplog) == []


@pytest.fixture
def alert(slack, rt, fake, acme) -> int:
    """An open alert on #1 (its close date has passed), as the worker raises it."""
    with rt.transaction() as session:
        session.scalars(select(Opportunity)).unique().one().expected_close = date(2026, 11, 20)
    scan_all(rt, sender_client("xoxb-test", fake.api_url, retries=0), rt.clock.now())
    with rt.sessions() as session:
        return session.scalars(select(Alert.id)).one()


@pytest.mark.parametrize("reason", ["bogus", "x" * 200, ""])
def test_marking_lost_from_an_alert_with_a_reason_that_is_not_configured_is_refused(slack, db, alert, caplog, reason):
    before = snapshot(db)
    told = click(slack, "alice", select_action("alert_lost", f"{alert}:{reason}"))
    assert "is not a loss reason" in told or "Say why it was lost" in told
    assert snapshot(db) == before
    with db.rt.sessions() as session:
        assert session.get(Alert, alert).action is None
    assert errors_logged(caplog) == []


# --- report periods -----------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["0000-01", "0001-01", "9999-12", "1979-12", "2100-06"])
def test_a_report_month_out_of_reach_is_refused_with_an_example(slack, caplog, period):
    answer = slack.command("alice", f"report funnel {period}")
    assert answer.status == 200
    assert f"“{period}” is out of reach" in answer.text
    assert "`2026-11`" in answer.text
    assert "error ref" not in answer.text
    assert slack.fake.calls("files.getUploadURLExternal") == []
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("period", ["2026-00", "2026-13", "2026-1x"])
def test_a_month_that_does_not_exist_cannot_be_read(slack, caplog, period):
    answer = slack.command("alice", f"report funnel {period}")
    assert f"Couldn't read the period “{period}”" in answer.text
    assert errors_logged(caplog) == []


def test_a_month_from_1980_to_ten_years_ahead_is_reported(slack):
    assert "Funnel · 1980-01" in slack.command("alice", "report funnel 1980-01").text
    assert "Funnel · 2016-11" in slack.command("alice", "report funnel 2016-11").text
    assert "Funnel · 2036-11" in slack.command("alice", "report funnel 2036-11").text
    assert "“2036-12” is out of reach" in slack.command("alice", "report funnel 2036-12").text
    assert "「0000-01」超出范围：报表看 1980 年以来、到今天往后十年内的月份，例如 `2026-11`。" in slack.command("li", "报表 漏斗 0000-01").text


# --- NUL bytes and bidi controls in what people type ------------------------------------------------


def test_nul_bytes_and_bidi_controls_are_stripped_from_a_typed_deal(slack, db, caplog):
    answer = slack.command("alice", f"new Acme\x00 ERP{BIDI} 50万 account Ac\x00me{BIDI[4]} Corp tags hot\x00,{BIDI[0]}big")
    assert answer.text.startswith("Created #1"), answer.text
    deal = db.deal(1)
    assert (deal.title, deal.account, deal.tags) == ("Acme ERP", "Acme Corp", ["hot", "big"])
    assert errors_logged(caplog) == []


def test_nul_bytes_and_bidi_controls_are_stripped_from_the_deal_form(slack, db, caplog):
    slack.command("alice", "new")
    view = slack.opened_view()
    answer = slack.submit("alice", view, {"title": "\u202eAcme\x00 ERP", "account": "Ac\x00me\u2066", "next_step": "send\x00 quote\u200f", "tags": "a\x00b"})
    assert "errors" not in answer.json
    deal = db.deal(1)
    assert (deal.title, deal.account, deal.next_step, deal.tags) == ("Acme ERP", "Acme", "send quote", ["ab"])
    assert all("\x00" not in (e.new or "") and "\u202e" not in (e.new or "") for e in db.events(1))
    assert errors_logged(caplog) == []


def test_a_title_of_nothing_but_control_characters_is_no_title(slack, db):
    slack.command("alice", "new")
    answer = slack.submit("alice", slack.opened_view(), {"title": f"\x00{BIDI}\x00"})
    assert answer.json["response_action"] == "errors"
    assert "Give the deal a title" in answer.json["errors"]["title"]
    assert db.count(Opportunity) == 0


def test_nul_bytes_are_stripped_from_a_logged_activity_by_command_and_form(slack, db, acme, caplog):
    answer = slack.command("alice", "log 1 called\x00 the CFO\u202e next send\x00 quote by friday")
    assert answer.text.startswith("Logged activity on #1"), answer.text
    slack.click("alice", "deal_log", "1")
    slack.submit("alice", slack.opened_view(), {"text": "met\x00 them\u2067", "next_step": "sign\x00"})
    with db.rt.sessions() as s:
        texts = [a.text for a in s.scalars(select(Activity).where(Activity.kind != "stage_change").order_by(Activity.id))]
    assert texts == ["called the CFO", "met them"]
    assert db.deal(1).next_step == "sign"
    assert errors_logged(caplog) == []


def test_nul_bytes_are_stripped_from_risk_notes_and_reminders(slack, db, acme, caplog):
    assert "#1" in slack.command("alice", "risk 1 competitor they quoted\x00 20% lower\u202e").text
    assert "I'll remind you" in slack.command("alice", "remind 1 tomorrow 10am call\x00 the CFO\u2066").text
    with db.rt.sessions() as s:
        assert [r.note for r in s.scalars(select(Risk))] == ["they quoted 20% lower"]
        assert [r.text for r in s.scalars(select(Reminder))] == ["call the CFO"]
    assert errors_logged(caplog) == []


def test_nul_bytes_are_stripped_from_team_settings(slack, db, caplog):
    answer = slack.command("boss", "team set <@U0LI|li> region:华\x00东,华南\u202e industry:制造\x00")
    assert "error ref" not in answer.text
    li = db.member("U0LI")
    assert (li.regions, li.industries) == (["华东", "华南"], ["制造"])
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("assign 1 <@U{long}>", "is not a Slack user"),
        ("new Beta owner <@U{long}>", "is not a Slack user"),
        ("list owner:<@U{long}>", "is not a Slack user"),
        ("team set <@U{long}|x> role:ae", "Usage: `/opp team set @someone"),
    ],
)
def test_a_mention_longer_than_any_slack_id_is_not_a_user(slack, db, acme, caplog, text, expected):
    before = snapshot(db)
    answer = slack.command("boss", text.format(long="X" * 100))
    assert expected in answer.text
    assert snapshot(db) == before
    assert db.member("U" + "X" * 100) is None
    assert errors_logged(caplog) == []


def test_a_search_for_a_nul_byte_is_a_search_for_nothing(slack, acme, caplog):
    assert "Say what to look for" in slack.command("alice", "find \x00").text
    assert "Acme ERP" in slack.command("alice", "find Ac\x00me").text
    assert "error ref" not in slack.command("alice", "list \x00").text
    assert errors_logged(caplog) == []


def test_a_decline_reason_is_stored_without_nul_bytes_or_bidi_controls(slack, rt, db, caplog):
    slack.command("alice", "help")  # alice is a member
    rules = (Rule(name="alice only", strategy="round_robin", people=("U0ALICE",), role="ae"),)
    rt.config = replace(rt.config, assignment=replace(rt.config.assignment, rules=rules))
    slack.command("boss", "new Acme ERP 50万")
    slack.command("boss", "assign 1 auto")
    with rt.sessions() as session:
        offer = session.scalars(select(AssignmentOffer.id)).one()
    slack.click("alice", "offer_decline", str(offer))
    slack.submit("alice", slack.opened_view(), {"reason": "no\x00 capacity\u202e"})
    with rt.sessions() as session:
        assert session.get(AssignmentOffer, offer).reason == "no capacity"
    assert [e.new for e in db.events(1) if e.field == "offer"] == ["declined: no capacity"]
    assert errors_logged(caplog) == []


# --- view ids and private_metadata ----------------------------------------------------------------


def test_a_view_id_longer_than_the_stored_key_still_saves_once(slack, db, caplog):
    slack.command("alice", "new")
    view = slack.opened_view()
    long_id = "V" + "x" * 150
    for _ in range(2):
        answer = slack.submit("alice", view, {"title": "Acme"}, view_id=long_id)
        assert "errors" not in answer.json
    slack.submit("alice", view, {"title": "Acme"}, view_id="V" + "x" * 149 + "y")
    deals = db.deals()
    assert [d.number for d in deals] == [1, 2]
    assert all(len(d.request_key) <= 100 for d in deals)
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("metadata", ["{not json", "[1]", '{"number": "1"}', '{"number": true}', '{"number": null, "version": 1}', ""])
def test_an_edit_whose_private_metadata_cannot_be_read_is_refused_and_creates_nothing(slack, db, acme, caplog, metadata):
    slack.command("alice", "edit 1")
    view = {**slack.opened_view(), "private_metadata": metadata}
    before = snapshot(db)
    body = slack.submit("alice", view, {"title": "Acme renamed"}).json
    assert body["response_action"] == "errors"
    assert "This form can no longer be read" in body["errors"]["title"]
    assert snapshot(db) == before
    assert errors_logged(caplog) == []


def test_a_new_deal_form_carrying_a_deal_number_still_creates_a_new_deal(slack, db, acme):
    slack.command("alice", "new")
    view = {**slack.opened_view(), "private_metadata": json.dumps({"channel": "C0SALES", "number": 1, "version": 1})}
    slack.submit("alice", view, {"title": "Another"})
    assert [(d.number, d.title) for d in db.deals()] == [(1, "Acme ERP"), (2, "Another")]


def test_a_log_form_whose_metadata_names_no_deal_is_refused(slack, db, acme, caplog):
    slack.click("alice", "deal_log", "1")
    view = {**slack.opened_view(), "private_metadata": '{"number": "1"}'}
    before = snapshot(db)
    body = slack.submit("alice", view, {"text": "called"}).json
    assert body["response_action"] == "errors"
    assert "This form can no longer be read" in body["errors"]["text"]
    assert snapshot(db) == before
    assert errors_logged(caplog) == []


# --- dates picked in a form -----------------------------------------------------------------------


@pytest.mark.parametrize("picked", ["0001-01-01", "9999-12-31", "2016-11-01", "2036-12-31"])
def test_a_picked_date_more_than_ten_years_away_is_an_inline_error(slack, db, caplog, picked):
    slack.command("alice", "new")
    body = slack.submit("alice", slack.opened_view(), {"title": "Acme", "expected_close": picked}).json
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["expected_close"]
    assert f"{picked} is more than ten years from today" in body["errors"]["expected_close"]
    assert "pick a date between 2016-11-24 and 2036-11-25" in body["errors"]["expected_close"]  # today (2026-11-25) ± 3,653 days
    assert db.count(Opportunity) == 0
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("picked", ["2026-02-30", "tomorrow", "2026-1-5"])
def test_a_picked_date_that_is_not_a_date_is_an_inline_error(slack, db, picked):
    slack.command("alice", "new")
    body = slack.submit("alice", slack.opened_view(), {"title": "Acme", "next_step_due": picked}).json
    assert body["response_action"] == "errors"
    assert f"Couldn't read the date “{picked}”" in body["errors"]["next_step_due"]
    assert db.count(Opportunity) == 0


def test_a_picked_date_within_reach_is_saved(slack, db):
    slack.command("alice", "new")
    slack.submit("alice", slack.opened_view(), {"title": "Acme", "expected_close": "2036-11-01", "next_step_due": "2017-01-01"})
    assert (str(db.deal(1).expected_close), str(db.deal(1).next_step_due)) == ("2036-11-01", "2017-01-01")


def test_a_picked_date_exactly_ten_years_away_is_within_reach(slack, db):
    """Today is 2026-11-25: 3,653 days either way (2036-11-25 and 2016-11-24) are the last days allowed."""
    slack.command("alice", "new")
    slack.submit("alice", slack.opened_view(), {"title": "Acme", "expected_close": "2036-11-25", "next_step_due": "2016-11-24"})
    assert (str(db.deal(1).expected_close), str(db.deal(1).next_step_due)) == ("2036-11-25", "2016-11-24")


def test_the_edit_and_log_forms_refuse_a_far_date_too(slack, db, acme):
    slack.command("alice", "edit 1")
    before = snapshot(db)
    body = slack.submit("alice", slack.opened_view(), {"expected_close": "9999-12-31"}).json
    assert list(body["errors"]) == ["expected_close"]
    slack.click("alice", "deal_log", "1")
    body = slack.submit("alice", slack.opened_view(), {"text": "called", "next_step_due": "0001-01-01"}).json
    assert list(body["errors"]) == ["next_step_due"]
    assert snapshot(db) == before


def test_a_far_date_is_explained_in_chinese_to_a_chinese_user(slack, db):
    slack.command("li", "新建")
    body = slack.submit("li", slack.opened_view(), {"title": "二期", "expected_close": "9999-12-31"}).json
    assert "9999-12-31 离今天超过十年" in body["errors"]["expected_close"]
    assert db.count(Opportunity) == 0


@pytest.mark.parametrize(
    "who, text, example",
    [
        ("li", "查看 第一个", "`/opp 查看 42`"),
        ("li", "跟进", "`/opp 跟进 42`"),
        ("li", "推进 abc 方案", "`/opp 推进 42`"),
        ("alice", "show first", "`/opp show 42`"),
        ("alice", "log", "`/opp log 42`"),
    ],
)
def test_a_missing_or_unreadable_deal_number_shows_the_command_as_the_person_types_it(slack, who, text, example):
    """A Chinese rep who typed 查看 is shown `/opp 查看 42`, not the English command."""
    answer = slack.command(who, text).text
    assert example in answer, answer


@pytest.mark.parametrize(
    "who, text, said",
    [
        ("alice", "qualify 1 money:approved", "“money:approved” is not a qualification criterion with its answer. Criteria: `budget` Budget"),
        ("li", "评估 1 五十万万:已批准", "「五十万万:已批准」不是评估项和它的选项。评估项：`预算`"),
        ("alice", "qualify 1 approved", "“approved” is not a qualification criterion with its answer."),
    ],
)
def test_a_qualification_word_that_names_no_criterion_says_which_criteria_there_are(slack, db, who, text, said):
    slack.command("alice", "new Acme ERP 5万")
    answer = slack.command(who, text).text
    assert said in answer, answer
    assert db.deal(1).version == 1
