"""Modals: the new-deal form, the edit form and the log form, opened and submitted as Slack does,
and the version check that keeps one person's edit from overwriting another's."""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.console.slack_api import TEAM_ID
from bot.core.errors import Conflict
from bot.deals import opportunities
from bot.deals.opportunities import DealInput
from bot.team.members import load_actor
from store.models import Activity, Event, Opportunity
from tests.conftest import payload_text
from tests.slackcheck import assert_valid_message, assert_valid_view


def state(db) -> tuple:
    counts = (db.count(Opportunity), db.count(Event), db.count(Activity))
    deals = [(d.number, d.title, d.amount, d.currency, d.stage, d.status, d.owner_id, d.expected_close, d.next_step, d.version) for d in db.deals()]
    return counts, deals


def opened(slack, *, trigger: str | None = None, callback: str) -> dict:
    """The modal just opened (checked against Slack's rules), opened with ``trigger``."""
    call = slack.fake.last("views.open")
    if trigger is not None:
        assert call.args["trigger_id"] == trigger
    view = call.args["view"]
    assert_valid_view(view)
    assert view["callback_id"] == callback
    return view


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def posted(fake) -> dict:
    """The last ephemeral message the app posted, checked."""
    call = fake.last("chat.postEphemeral")
    assert_valid_message(call.args)
    return call.args


def text_of(message: dict) -> str:
    return payload_text(message)


# --- new-deal modal ----------------------------------------------------------------------------


def test_new_without_text_opens_the_new_deal_modal(slack, db, fake):
    answer = slack.command("alice", "new")
    assert (answer.status, answer.body) == (200, "")  # an empty ack; the modal is the answer
    view = opened(slack, trigger="trigger.1", callback="deal_new")
    assert view["title"]["text"] == "New deal"
    assert json.loads(view["private_metadata"]) == {"channel": "C0SALES"}
    assert block(view, "title")["optional"] is False
    assert block(view, "owner")["element"]["initial_user"] == "U0ALICE"
    assert block(view, "stage")["element"]["initial_option"]["value"] == "lead"
    assert "initial_value" not in block(view, "title")["element"]
    assert db.count(Opportunity) == 0


def test_the_new_deal_modal_is_in_the_users_language(slack):
    slack.command("li", "new")
    view = opened(slack, callback="deal_new")
    assert view["title"]["text"] == "新建商机"
    assert block(view, "stage")["element"]["initial_option"]["text"]["text"] == "线索"
    slack.command("alice", "新建")
    assert opened(slack, callback="deal_new")["title"]["text"] == "新建商机"


def test_submitting_the_new_deal_modal_creates_the_deal_and_posts_its_card(slack, db, fake):
    slack.command("alice", "new")
    view = opened(slack, callback="deal_new")
    answer = slack.submit(
        "alice",
        view,
        {
            "title": "Acme ERP rollout",
            "account": "Acme Corp",
            "amount": "50万",
            "stage": "proposal",
            "expected_close": "2026-12-31",
            "owner": "U0BOB",
            "next_step": "Send quote",
            "next_step_due": "2026-12-02",
            "budget": "Approved",
            "tags": "hot， q4",
        },
    )
    assert answer.body == ""  # closes the modal
    deal = db.deal(1)
    assert (deal.title, deal.account, deal.amount, deal.currency) == ("Acme ERP rollout", "Acme Corp", Decimal("500000"), "CNY")
    assert (deal.stage, deal.expected_close, deal.next_step, deal.next_step_due) == ("proposal", date(2026, 12, 31), "Send quote", date(2026, 12, 2))
    assert (deal.budget, deal.tags, deal.contact) == ("Approved", ["hot", "q4"], None)
    assert (deal.owner.slack_user_id, deal.creator.slack_user_id) == ("U0BOB", "U0ALICE")
    assert [e.kind for e in db.events(1)] == ["created"]
    message = posted(fake)
    assert (message["channel"], message["user"]) == ("C0SALES", "U0ALICE")
    assert message["text"] == "Created #1 — #1 Acme ERP rollout"
    assert "*Owner*\n<@U0BOB>" in text_of(message)
    assert fake.calls("chat.postMessage") == []


def test_the_card_goes_by_direct_message_when_it_cannot_be_posted_in_the_channel(slack, db, fake):
    slack.command("alice", "new")
    view = opened(slack, callback="deal_new")
    fake.fail("chat.postEphemeral", error="channel_not_found")
    slack.submit("alice", view, {"title": "Acme"})
    assert db.deal(1).title == "Acme"
    dm = fake.last("chat.postMessage").args
    assert dm["channel"] == "U0ALICE"
    assert dm["text"].startswith("Created #1")


@pytest.mark.parametrize("amount", ["lots", "5 apples", "$50 CNY"])
def test_a_bad_amount_comes_back_as_an_inline_error_and_saves_nothing(slack, db, fake, amount):
    slack.command("alice", "new")
    view = opened(slack, callback="deal_new")
    answer = slack.submit("alice", view, {"title": "Acme", "amount": amount})
    body = answer.json
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == ["amount"]
    assert f"Couldn't read the amount “{amount}”" in body["errors"]["amount"]
    assert "`50万`" in body["errors"]["amount"]
    assert db.count(Opportunity) == db.count(Event) == 0
    assert fake.calls("chat.postEphemeral") == []


def test_a_title_over_the_limit_comes_back_as_an_inline_error(slack, db):
    slack.command("alice", "new")
    view = opened(slack, callback="deal_new")
    body = slack.submit("alice", view, {"title": "t" * 201}).json
    assert body == {"response_action": "errors", "errors": {"title": "“Title” is too long (201 characters); keep it to 200."}}
    assert db.count(Opportunity) == 0


def test_a_double_submitted_modal_creates_one_deal(slack, db, fake):
    slack.command("alice", "new")
    view = opened(slack, callback="deal_new")
    slack.submit("alice", view, {"title": "Acme", "amount": "50万"}, view_id="V0042")
    slack.submit("alice", view, {"title": "Acme", "amount": "50万"}, view_id="V0042")
    assert [d.number for d in db.deals()] == [1]
    assert db.count(Event) == 1
    first, second = fake.calls("chat.postEphemeral")
    assert first.args["text"].startswith("Created #1")
    assert second.args == first.args  # the second copy is answered as the first was (tests/test_replays.py)
    # another modal is another deal
    slack.submit("alice", view, {"title": "Acme", "amount": "50万"}, view_id="V0043")
    assert [d.number for d in db.deals()] == [1, 2]


# --- edit modal --------------------------------------------------------------------------------


@pytest.fixture
def acme(slack):
    slack.command("alice", "new Acme ERP rollout 50万 close 下周五 stage proposal account Acme Corp")


def test_edit_opens_a_modal_prefilled_with_the_deal(slack, db, acme):
    answer = slack.command("alice", "edit 1")
    assert (answer.status, answer.body) == (200, "")
    view = opened(slack, trigger="trigger.2", callback="deal_edit")
    assert view["title"]["text"] == "Edit #1"
    assert json.loads(view["private_metadata"]) == {"channel": "C0SALES", "number": 1, "version": db.deal(1).version}
    assert block(view, "title")["element"]["initial_value"] == "Acme ERP rollout"
    assert block(view, "account")["element"]["initial_value"] == "Acme Corp"
    assert block(view, "amount")["element"]["initial_value"] == "¥500000"
    assert block(view, "stage")["element"]["initial_option"]["value"] == "proposal"
    assert block(view, "expected_close")["element"]["initial_date"] == "2026-12-04"
    assert block(view, "owner")["element"]["initial_user"] == "U0ALICE"
    assert "initial_value" not in block(view, "contact")["element"]


def test_saving_the_edit_modal_writes_one_event_per_changed_field(slack, db, fake, acme):
    slack.command("alice", "edit 1")
    view = opened(slack, callback="deal_edit")
    slack.submit("alice", view, {"title": "Acme ERP phase 2", "amount": "60万", "next_step": "Book the demo"})
    deal = db.deal(1)
    assert (deal.title, deal.amount, deal.next_step) == ("Acme ERP phase 2", Decimal("600000"), "Book the demo")
    assert (deal.account, deal.stage, deal.expected_close) == ("Acme Corp", "proposal", date(2026, 12, 4))
    changes = [(e.kind, e.field, e.old, e.new, e.actor.slack_user_id) for e in db.events(1)[1:]]
    assert changes == [
        ("updated", "title", "Acme ERP rollout", "Acme ERP phase 2", "U0ALICE"),
        ("updated", "amount", "500000.00", "600000.00", "U0ALICE"),
        ("updated", "next_step", None, "Book the demo", "U0ALICE"),
    ]
    message = posted(fake)
    assert message["text"].startswith("Updated #1: Title, Amount, Next step")


def test_saving_the_edit_modal_unchanged_writes_nothing(slack, db, fake, acme):
    before = state(db)
    slack.command("alice", "edit 1")
    slack.submit("alice", opened(slack, callback="deal_edit"), {})
    assert state(db) == before
    assert posted(fake)["text"].startswith("Nothing changed on #1.")


def test_the_edit_modal_changes_stage_and_owner_and_clears_fields(slack, db, fake, acme):
    slack.command("alice", "edit 1")
    view = opened(slack, callback="deal_edit")
    slack.submit("alice", view, {"stage": "negotiation", "owner": "U0BOB", "account": "", "amount": ""})
    deal = db.deal(1)
    assert (deal.stage, deal.owner.slack_user_id, deal.account, deal.amount) == ("negotiation", "U0BOB", None, None)
    changes = {(e.kind, e.field, e.old, e.new) for e in db.events(1)[1:]}
    assert changes == {
        ("updated", "account", "Acme Corp", None),
        ("updated", "amount", "500000.00", None),
        ("updated", "owner", "U0ALICE", "U0BOB"),
        ("stage", "stage", "proposal", "negotiation"),
    }
    assert "*Owner*\n<@U0BOB>" in text_of(posted(fake))


def test_an_edit_made_on_a_stale_version_is_refused(slack, db, fake, acme):
    slack.command("alice", "edit 1")
    view = opened(slack, callback="deal_edit")
    slack.command("boss", "move 1 negotiation")  # someone moves the deal while the modal is open
    before = state(db)
    answer = slack.submit("alice", view, {"title": "Acme ERP (renamed)", "stage": "proposal"})
    body = answer.json
    assert body["response_action"] == "errors"
    assert body["errors"] == {"title": "Someone changed #1 while you were editing; your change was not saved. Reload it with `/opp edit 1` and try again."}
    assert state(db) == before
    assert (db.deal(1).title, db.deal(1).stage) == ("Acme ERP rollout", "negotiation")
    assert fake.calls("chat.postEphemeral") == []
    # reopened, it shows the new state and saves
    slack.command("alice", "edit 1")
    fresh = opened(slack, callback="deal_edit")
    assert block(fresh, "stage")["element"]["initial_option"]["value"] == "negotiation"
    slack.submit("alice", fresh, {"title": "Acme ERP (renamed)"})
    assert (db.deal(1).title, db.deal(1).stage) == ("Acme ERP (renamed)", "negotiation")


def test_the_edit_modal_error_is_in_chinese_for_a_chinese_user(slack, db):
    slack.command("li", "new 二期项目 80万")
    slack.command("li", "edit 1")
    view = opened(slack, callback="deal_edit")
    slack.command("li", "推进 1 方案提交")
    body = slack.submit("li", view, {"title": "二期项目（改）"}).json
    assert body["errors"]["title"].startswith("有人刚刚修改了 #1，你的修改没有保存。")


# --- log modal ---------------------------------------------------------------------------------


def test_the_log_button_opens_the_log_modal_and_saving_it_logs(slack, db, fake, acme):
    answer = slack.click("alice", "deal_log", "1")
    assert (answer.status, answer.body) == (200, "")
    view = opened(slack, trigger=f"trigger.{slack._n}", callback="deal_log")
    assert view["title"]["text"] == "Log activity #1"
    assert json.loads(view["private_metadata"]) == {"channel": "C0SALES", "number": 1}
    assert block(view, "kind")["element"]["initial_option"]["value"] == "note"
    slack.submit("alice", view, {"kind": "call", "text": "Discussed the budget", "next_step": "Send quote", "next_step_due": "2026-12-02"})
    deal = db.deal(1)
    assert (deal.next_step, deal.next_step_due) == ("Send quote", date(2026, 12, 2))
    with db.rt.sessions() as s:
        activity = s.scalars(select(Activity)).one()
    assert (activity.kind, activity.text) == ("call", "Discussed the budget")
    assert [(e.kind, e.field, e.new) for e in db.events(1)[1:]] == [
        ("activity", "call", "Discussed the budget"),
        ("updated", "next_step", "Send quote"),
        ("updated", "next_step_due", "2026-12-02"),
    ]
    message = posted(fake)
    assert message["text"].startswith("Logged activity on #1")
    assert "*Next step*\nSend quote" in text_of(message)


def test_an_empty_log_comes_back_as_an_inline_error(slack, db, acme):
    slack.click("alice", "deal_log", "1")
    view = opened(slack, callback="deal_log")
    before = state(db)
    body = slack.submit("alice", view, {"text": "   "}).json
    assert body["response_action"] == "errors"
    assert "Say what happened" in body["errors"]["text"]
    assert state(db) == before


def test_a_modal_slack_refuses_to_open_is_explained(slack, db, fake, acme):
    fake.fail("views.open", error="expired_trigger_id")
    slack.command("alice", "edit 1")
    (response,) = slack.responses()
    assert_valid_message(response)
    assert response["response_type"] == "ephemeral"
    assert "The form couldn't open" in response["text"]


# --- the version check in the service layer -----------------------------------------------------


def test_two_sessions_updating_the_same_deal_the_second_gets_a_conflict_or_waits(rt, slack, db, acme):
    """PostgreSQL: two overlapping write transactions; the one that read the older version is
    refused at commit. SQLite: a write transaction takes the write lock when it begins, so writers
    never overlap: each one waits its turn and builds on the one before (no update is lost)."""
    alice = load_actor(rt, workspace_id=TEAM_ID, slack_user_id="U0ALICE", fetch_profile=lambda _user: None)
    boss = load_actor(rt, workspace_id=TEAM_ID, slack_user_id="U0ADMIN", fetch_profile=lambda _user: None)
    before = db.deal(1).version
    if rt.sessions.kw["bind"].dialect.name == "sqlite":
        writers = [threading.Thread(target=rename, args=(rt, who, f"Title {i}")) for i, who in enumerate([alice, boss] * 4)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        deal = db.deal(1)
        assert deal.version == before + 8
        assert len([e for e in db.events(1) if e.field == "title"]) == 8
        return
    with pytest.raises(Conflict) as refused, rt.transaction() as second:
        stale = opportunities.get(second, actor=boss, number=1)
        assert stale.version == before
        with rt.transaction() as first:
            opportunities.get(first, actor=alice, number=1)
            opportunities.update(first, actor=alice, number=1, changes=DealInput(title="First"), config=rt.config, clock=rt.clock)
        opportunities.update(second, actor=boss, number=1, changes=DealInput(title="Second"), config=rt.config, clock=rt.clock)
    assert refused.value.key == "conflict"
    deal = db.deal(1)
    assert (deal.title, deal.version) == ("First", before + 1)
    assert [e.new for e in db.events(1) if e.field == "title"] == ["First"]


def rename(rt, actor, title: str) -> None:
    with rt.transaction() as session:
        opportunities.update(session, actor=actor, number=1, changes=DealInput(title=title), config=rt.config, clock=rt.clock)


def test_an_update_expecting_an_old_version_gets_a_conflict(rt, db, acme):
    alice = load_actor(rt, workspace_id=TEAM_ID, slack_user_id="U0ALICE", fetch_profile=lambda _user: None)
    version = db.deal(1).version
    with rt.transaction() as session:
        opportunities.update(session, actor=alice, number=1, changes=DealInput(title="First"), config=rt.config, clock=rt.clock, expected_version=version)
    with pytest.raises(Conflict) as refused, rt.transaction() as session:
        opportunities.update(session, actor=alice, number=1, changes=DealInput(title="Second"), config=rt.config, clock=rt.clock, expected_version=version)
    assert (refused.value.key, refused.value.params) == ("stale_edit", {"number": 1})
    assert db.deal(1).title == "First"


@pytest.mark.parametrize(
    ("who", "told"),
    [
        ("alice", "The form couldn't open: Slack is limiting oppbot's requests right now. Please try again in 30 s."),
        ("li", "表单没能打开：Slack 暂时限制了 oppbot 的请求频率。请 30 秒后再试。"),
    ],
    ids=["en", "zh"],
)
def test_a_form_slack_rate_limits_is_not_waited_for_and_the_person_hears_when_to_retry(slack, fake, monkeypatch, who, told):
    """views.open answered 429 with Retry-After 30: a form's trigger lasts 3 s, so the call is not
    repeated after 30 s (the answer would be half a minute late and the form could not open
    anyway); the person is told at once, in their language, when to try again."""
    import types

    from slack_sdk.http_retry import builtin_handlers

    slept = []
    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=slept.append))
    fake.fail("views.open", status=429, retry_after=30)
    slack.command(who, "new")
    (response,) = slack.responses()
    assert_valid_message(response)
    assert told in response["text"], response
    assert slept == [] and len(fake.calls("views.open")) == 1


def test_a_429_after_the_answer_is_still_waited_out_and_repeated(slack, fake, monkeypatch):
    """A Home tab redrawn after a change's answer, answered 429 with Retry-After 1: that call
    waits the second and goes again (nobody is kept waiting for it)."""
    import types

    from slack_sdk.http_retry import builtin_handlers

    from tests.test_home import open_home

    open_home(slack, "alice")
    slept = []
    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=slept.append))
    before = len(fake.calls("views.publish"))
    fake.fail("views.publish", status=429, retry_after=1)
    assert "Created #1" in slack.command("alice", "new Acme ERP 50万").text
    calls = fake.calls("views.publish")[before:]
    assert [c.failed for c in calls] == [True, False]
    assert len(slept) == 1 and 1 <= slept[0] < 2


def test_a_saved_forms_card_rate_limited_for_a_second_is_sent_after_that_second(slack, db, fake, monkeypatch):
    """The card a saved form posts, answered 429 with Retry-After 1: that wait still fits before
    the answer is due, so the post goes again after it."""
    import types

    from slack_sdk.http_retry import builtin_handlers

    slept = []
    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=slept.append))
    slack.command("alice", "new")
    view = opened(slack, callback="deal_new")
    fake.fail("chat.postEphemeral", status=429, retry_after=1)
    assert slack.submit("alice", view, {"title": "Acme ERP"}).body == ""  # closes the modal
    assert [c.failed for c in fake.calls("chat.postEphemeral")] == [True, False]
    assert len(slept) == 1 and 1 <= slept[0] < 2 and db.deal(1).title == "Acme ERP"


def test_a_saved_forms_card_rate_limited_for_half_a_minute_says_when_to_try_again(slack, db, fake, monkeypatch):
    """Retry-After 30 on the card a saved form posts (and on the DM tried instead): not waited for
    before the answer; the form says when to try again, not that nothing was changed."""
    import types

    from slack_sdk.http_retry import builtin_handlers

    slept = []
    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=slept.append))
    slack.command("li", "new")
    view = opened(slack, callback="deal_new")
    fake.fail("chat.postEphemeral", status=429, retry_after=30)
    fake.fail("chat.postMessage", status=429, retry_after=30)
    body = slack.submit("li", view, {"title": "恒通 WMS"}).json
    assert body["response_action"] == "errors"
    assert "Slack 暂时限制了 oppbot 的请求频率，这一步没能在 Slack 上完成。请 30 秒后再试。" in body["errors"]["title"], body
    assert slept == []
