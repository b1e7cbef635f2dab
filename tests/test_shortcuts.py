"""The shortcuts, through signed requests: Log to deal (记到商机) and Deal from message (从消息建商机)
on a message, New deal (新建商机) from the composer; the deal picker's options as a person types."""

from __future__ import annotations

import itertools
import json

import pytest
from slack_sdk.models.blocks import Option
from sqlalchemy import select

from bot.blocks.ids import DEAL_PICK, Form, Shortcut
from bot.console.signing import SlackRequests
from bot.console.slack_api import APP_ID, TEAM_URL
from store.models import Activity, Member, Opportunity
from tests.conftest import SECRET, USERS

_trigger = itertools.count(1)
TS = "1764036000.000200"


def use_on_message(slack, who: str, shortcut: str, text: str, *, author: str = "U0BOB", channel: str = "C0SALES", ts: str = TS):
    """``who`` uses a message shortcut on ``author``'s message ``text`` (as Slack sends it)."""
    message = {"type": "message", "user": author, "ts": ts, "text": text, "team": "T0001"}
    request = slack.requests.message_action(
        user=slack.user(who),
        callback_id=shortcut,
        channel={"id": channel, "name": "sales"},
        message=message,
        response_url=slack.fake.response_url(f"sc{next(_trigger)}"),
        trigger_id=f"trigger.sc{next(_trigger)}",
    )
    answer = slack.send(request)
    assert answer.status == 200, answer.body
    return answer


def use_global(slack, who: str, shortcut: str):
    answer = slack.send(slack.requests.shortcut(user=slack.user(who), callback_id=shortcut, trigger_id=f"trigger.g{next(_trigger)}"))
    assert answer.status == 200, answer.body
    return answer


def options(slack, who: str, typed: str, view: dict | None = None) -> list[dict]:
    """The deal picker's options for what ``who`` typed."""
    request = slack.requests.block_suggestion(user=slack.user(who), action_id=DEAL_PICK, block_id="deal", value=typed, view=view)
    answer = slack.send(request)
    assert answer.status == 200, answer.body
    assert set(answer.json) == {"options"}
    for found in answer.json["options"]:  # each one an option Slack takes (75 characters of text, 150 of value)
        Option.parse_all([found])[0].validate_json()
        assert len(found["text"]["text"]) <= 75 and len(found["value"]) <= 150
    return answer.json["options"]


def labels(found: list[dict]) -> list[str]:
    return [o["text"]["text"] for o in found]


def pick(number: int) -> dict:
    return {"value": str(number), "text": f"#{number}"}


def activities(rt, number: int) -> list[Activity]:
    with rt.sessions() as s:
        opp = s.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one()
        return list(s.scalars(select(Activity).where(Activity.opportunity_id == opp.id).order_by(Activity.id)).unique())


def set_role(rt, slack_id: str, role: str) -> None:
    with rt.transaction() as s:
        s.scalars(select(Member).where(Member.slack_user_id == slack_id)).one().role = role


# --- Log to deal --------------------------------------------------------------------------------


def test_log_to_deal_opens_the_form_with_the_message_its_author_and_link(slack, fake):
    use_on_message(slack, "alice", Shortcut.LOG_TO_DEAL, "Customer wants a demo &amp; a quote &lt;soon&gt;")
    link = fake.last("chat.getPermalink")
    assert link.args["channel"] == "C0SALES" and link.args["message_ts"] == TS
    call = fake.last("views.open")
    view = call.args["view"]
    assert call.args["trigger_id"].startswith("trigger.sc")
    assert view["callback_id"] == Form.LOG_MESSAGE
    assert view["title"]["text"] == "Log to deal"
    picker = next(b for b in view["blocks"] if b.get("block_id") == "deal")["element"]
    assert picker["type"] == "external_select" and picker["action_id"] == DEAL_PICK and picker["min_query_length"] == 1
    meta = json.loads(view["private_metadata"])
    assert meta == {
        "channel": "C0SALES",
        "author": "bob",
        "link": f"{TEAM_URL}archives/C0SALES/p{TS.replace('.', '')}",
        "text": "Customer wants a demo & a quote <soon>",
    }
    shown = view["blocks"][0]["text"]["text"]
    assert "Message from bob:" in shown and "&lt;soon&gt;" in shown  # user text escaped on screen


def test_the_picker_finds_deals_by_number_and_by_name_in_either_language(slack):
    slack.command("alice", "new Acme ERP 50万 account Acme Corp")
    slack.command("alice", "new 恒通 WMS 项目 五十万 客户 苏州恒通")
    slack.command("alice", "new Globex CRM 20万")
    assert labels(options(slack, "bob", "2")) == ["#2 恒通 WMS 项目 · 苏州恒通"]
    assert labels(options(slack, "bob", "#1")) == ["#1 Acme ERP · Acme Corp"]
    assert labels(options(slack, "bob", "恒通")) == ["#2 恒通 WMS 项目 · 苏州恒通"]
    assert labels(options(slack, "bob", "苏州")) == ["#2 恒通 WMS 项目 · 苏州恒通"]  # by account
    assert labels(options(slack, "bob", "acme corp")) == ["#1 Acme ERP · Acme Corp"]
    assert labels(options(slack, "bob", "crm")) == ["#3 Globex CRM"]
    assert options(slack, "bob", "nothing like it") == []
    assert [o["value"] for o in options(slack, "bob", "e")] == ["3", "1"]  # newest first


def test_the_picker_offers_at_most_twenty_deals_and_closed_ones_with_their_outcome(slack):
    for i in range(23):
        slack.command("alice", f"new Batch deal {i}")
    slack.command("alice", "won 23")
    found = options(slack, "alice", "Batch")
    assert len(found) == 20
    assert found[0]["text"]["text"] == "#23 Batch deal 22 (won)"
    assert options(slack, "li", "23")[0]["text"]["text"] == "#23 Batch deal 22 (已赢单)"


def test_the_picker_offers_only_deals_of_the_persons_workspace_and_no_merged_one(slack, rt):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "new Acme ERP phase 2 50万")
    slack.command("boss", "merge 2 into 1")
    other = SlackRequests(SECRET, team_id="T0OTHER", team_domain="other", app_id=APP_ID, token="legacy")
    command = other.command(
        user_id="U0ALICE",
        user_name="alice",
        channel_id="C0X",
        channel_name="x",
        text="new Acme secret deal",
        response_url=slack.fake.response_url("o"),
        trigger_id="t.other",
    )
    assert "Created #1" in slack.send(command).text
    assert labels(options(slack, "bob", "Acme")) == ["#1 Acme ERP"]


def test_a_logged_message_is_an_activity_with_its_text_author_and_link(slack, fake, db, rt):
    slack.command("alice", "new Acme ERP 50万")
    use_on_message(slack, "alice", Shortcut.LOG_TO_DEAL, "CFO approved the budget")
    view = slack.opened_view()
    fake.clear()
    slack.submit("alice", view, {"deal": pick(1), "note": "Good news"})
    (logged,) = activities(rt, 1)
    link = f"{TEAM_URL}archives/C0SALES/p{TS.replace('.', '')}"
    assert logged.text == f"Good news\n\nFrom a Slack message by bob:\nCFO approved the budget\n{link}"
    assert logged.kind == "note" and logged.member.slack_user_id == "U0ALICE"
    assert [e.kind for e in db.events(1)][-1] == "activity"
    said = fake.last("chat.postEphemeral").args
    assert said["channel"] == "C0SALES" and "The message is logged on #1" in said["text"]


def test_mentions_and_links_in_a_logged_message_are_kept_as_people_read_them(slack, rt):
    slack.command("alice", "new Acme ERP 50万")
    raw = "Ask <@U0LI> and <@U0NYC|nyc> in <#C0X|deals> &amp; see <https://acme.com/rfp|the RFP> or <https://acme.com> <!here>"
    use_on_message(slack, "alice", Shortcut.LOG_TO_DEAL, raw)
    view = slack.opened_view()
    said = "Ask @li and @nyc in #deals & see the RFP (https://acme.com/rfp) or https://acme.com @here"
    assert json.loads(view["private_metadata"])["text"] == said
    slack.submit("alice", view, {"deal": pick(1)})
    assert said in activities(rt, 1)[0].text


def test_a_double_submit_logs_once(slack, rt):
    slack.command("alice", "new Acme ERP 50万")
    use_on_message(slack, "alice", Shortcut.LOG_TO_DEAL, "Called them")
    view = slack.opened_view()
    slack.submit("alice", view, {"deal": pick(1)}, view_id="V0SAME")
    slack.submit("alice", view, {"deal": pick(1)}, view_id="V0SAME")
    assert len(activities(rt, 1)) == 1


def test_a_rep_may_not_log_to_anothers_deal(slack, rt, db):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("bob", "list")
    set_role(rt, "U0BOB", "ae")
    use_on_message(slack, "bob", Shortcut.LOG_TO_DEAL, "I heard they chose us")
    answer = slack.submit("bob", slack.opened_view(), {"deal": pick(1)})
    assert answer.json["response_action"] == "errors"
    assert answer.json["errors"]["deal"].startswith("You can't change #1: only its owner <@U0ALICE>")
    assert activities(rt, 1) == []


def test_a_chinese_rep_refused_is_told_in_chinese(slack, rt):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("li", "列表")
    set_role(rt, "U0LI", "ae")
    use_on_message(slack, "li", Shortcut.LOG_TO_DEAL, "客户说选了我们")
    answer = slack.submit("li", slack.opened_view(), {"deal": pick(1)})
    assert answer.json["errors"]["deal"].startswith("你不能修改 #1")


@pytest.mark.parametrize("chosen", [None, {"value": "not a deal", "text": "x"}, {"value": "", "text": "x"}])
def test_no_deal_or_a_garbage_one_is_answered_on_the_picker(slack, rt, chosen):
    slack.command("alice", "new Acme ERP 50万")
    use_on_message(slack, "alice", Shortcut.LOG_TO_DEAL, "Called them")
    answer = slack.submit("alice", slack.opened_view(), {"deal": chosen})
    assert answer.json == {"response_action": "errors", "errors": {"deal": "Pick a deal: type its number (e.g. 42) or a name, then choose it from the list."}}
    assert activities(rt, 1) == []


def test_a_deal_that_does_not_exist_is_answered_on_the_picker(slack):
    use_on_message(slack, "alice", Shortcut.LOG_TO_DEAL, "Called them")
    answer = slack.submit("alice", slack.opened_view(), {"deal": pick(99)})
    assert answer.json["response_action"] == "errors" and "#99" in answer.json["errors"]["deal"]


def test_a_form_whose_metadata_was_tampered_with_is_refused(slack, rt):
    slack.command("alice", "new Acme ERP 50万")
    use_on_message(slack, "alice", Shortcut.LOG_TO_DEAL, "Called them")
    view = {**slack.opened_view(), "private_metadata": json.dumps({"text": 5, "author": "x"})}
    answer = slack.submit("alice", view, {"deal": pick(1)})
    assert answer.json["response_action"] == "errors"
    assert activities(rt, 1) == []


def test_without_a_permalink_the_message_is_logged_all_the_same(slack, fake, rt):
    slack.command("alice", "new Acme ERP 50万")
    fake.fail("chat.getPermalink", error="channel_not_found")
    use_on_message(slack, "alice", Shortcut.LOG_TO_DEAL, "Met the CIO")
    view = slack.opened_view()
    assert json.loads(view["private_metadata"])["link"] is None
    assert "Slack gave no link to this message" in json.dumps(view["blocks"])
    slack.submit("alice", view, {"deal": pick(1)})
    assert activities(rt, 1)[0].text == "From a Slack message by bob:\nMet the CIO"


def test_a_long_message_is_cut_to_fit_the_forms_metadata_and_the_form_says_so(slack, rt):
    slack.command("alice", "new Acme ERP 50万")
    text = "很长的会议纪要\n" * 600  # 4,800 characters, quotes and newlines escaped in JSON
    use_on_message(slack, "alice", Shortcut.LOG_TO_DEAL, text)
    view = slack.opened_view()
    assert len(view["private_metadata"]) <= 3000
    meta = json.loads(view["private_metadata"])
    assert meta["clipped"] is True and text.strip().startswith(meta["text"][:100])
    assert f"its first {len(meta['text'])} of {len(text.strip())} characters are logged" in json.dumps(view["blocks"], ensure_ascii=False)
    slack.submit("alice", view, {"deal": pick(1)})
    logged = activities(rt, 1)[0].text
    assert logged.startswith("From a Slack message by bob:\n很长的会议纪要") and "…" in logged and len(logged) <= 3000


def test_a_chinese_user_gets_the_form_in_chinese(slack, fake):
    use_on_message(slack, "li", Shortcut.LOG_TO_DEAL, "客户要报价")
    view = slack.opened_view()
    assert view["title"]["text"] == "记到商机"
    assert view["submit"]["text"] == "记录"
    assert "bob 的消息" in view["blocks"][0]["text"]["text"]


# --- Deal from message and New deal -------------------------------------------------------------


def test_deal_from_message_opens_the_new_deal_form_filled_in_as_opp_new_reads_it(slack, fake):
    use_on_message(
        slack, "li", Shortcut.DEAL_FROM_MESSAGE, "恒通 WMS 项目 五十万 成交日 下周五 客户 苏州恒通 负责人 <@U0BOB> 标签 物流，需求:报表导出 下一步：发方案"
    )
    view = slack.opened_view()
    assert view["callback_id"] == Form.NEW_DEAL and view["title"]["text"] == "新建商机"
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["title"]["initial_value"] == "恒通 WMS 项目"
    assert fields["amount"]["initial_value"] == "¥500000"  # as the edit form shows an amount
    assert fields["expected_close"]["initial_date"] == "2026-12-04"  # Friday of next week, from Wednesday 2026-11-25
    assert fields["account"]["initial_value"] == "苏州恒通"
    assert fields["next_step"]["initial_value"] == "发方案"
    assert fields["owner"]["initial_user"] == "U0BOB"
    assert fields["tags"]["initial_value"] == "物流" and fields["needs"]["initial_value"] == "报表导出"
    assert json.loads(view["private_metadata"])["source"].endswith(f"/archives/C0SALES/p{TS.replace('.', '')}")


def test_a_deal_from_message_keeps_the_messages_link_as_its_first_note(slack, fake, db, rt):
    use_on_message(slack, "alice", Shortcut.DEAL_FROM_MESSAGE, "Acme ERP 50万 close next friday")
    answer = slack.submit("alice", slack.opened_view(), {})
    assert answer.body == ""
    deal = db.deal(1)
    assert deal.title == "Acme ERP" and deal.amount == 500000
    (note,) = activities(rt, 1)
    assert note.text == f"Created from a Slack message: {TEAM_URL}archives/C0SALES/p{TS.replace('.', '')}"
    assert "Created #1" in fake.last("chat.postEphemeral").args["text"]


def test_a_message_that_does_not_read_as_a_deal_gives_its_first_line_as_the_title(slack, fake, rt):
    use_on_message(slack, "alice", Shortcut.DEAL_FROM_MESSAGE, "Ping me about Globex stage whatever\nsecond line")
    fields = {b["block_id"]: b["element"] for b in slack.opened_view()["blocks"] if b["type"] == "input"}
    assert fields["title"]["initial_value"] == "Ping me about Globex stage whatever"
    assert "initial_value" not in fields["amount"]
    assert fields["owner"]["initial_user"] == "U0ALICE"  # whoever made it, as in the empty form


def test_without_a_permalink_a_deal_from_message_has_no_note(slack, fake, rt, db):
    fake.fail("chat.getPermalink", error="message_not_found")
    use_on_message(slack, "alice", Shortcut.DEAL_FROM_MESSAGE, "Acme ERP 50万")
    slack.submit("alice", slack.opened_view(), {})
    assert db.deal(1).title == "Acme ERP"
    assert activities(rt, 1) == []


def test_the_new_deal_shortcut_opens_the_empty_form_in_the_persons_language(slack, fake):
    use_global(slack, "alice", Shortcut.NEW_DEAL)
    view = slack.opened_view()
    assert view["callback_id"] == Form.NEW_DEAL and view["title"]["text"] == "New deal"
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert "initial_value" not in fields["title"]
    assert json.loads(view["private_metadata"]) == {}
    use_global(slack, "li", Shortcut.NEW_DEAL)
    assert slack.opened_view()["title"]["text"] == "新建商机"


def test_a_shortcut_whose_form_slack_refuses_is_said_by_dm(slack, fake):
    fake.fail("views.open", error="expired_trigger_id")
    use_global(slack, "alice", Shortcut.NEW_DEAL)
    assert "The form couldn't open" in fake.last("chat.postMessage").args["text"]
    assert fake.last("chat.postMessage").args["channel"] == USERS["alice"]["user_id"]


def test_help_mentions_the_shortcuts_in_each_language(slack):
    assert "*Log to deal* logs the message on a deal" in slack.command("alice", "help").text
    assert "「记到商机」把这条消息记到一个商机的跟进里" in slack.command("li", "帮助").text


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "message_action", "callback_id": "log_to_deal", "message": "text", "trigger_id": "t"},
        {"type": "shortcut", "callback_id": "new_deal", "trigger_id": 5},
        {"type": "block_suggestion", "action_id": DEAL_PICK, "block_id": "deal", "value": ["1"]},
    ],
)
def test_a_shortcut_or_options_request_of_the_wrong_shape_is_refused_before_it_runs(slack, fake, payload):
    answer = slack.interactive({**payload, "team": {"id": "T0001"}, "user": slack.user("alice")})
    assert answer.status == 400
    assert fake.calls("views.open") == []
