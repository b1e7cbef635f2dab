"""A won deal handed over to delivery (交接), as the team sees it in Slack: the form the win opens,
the handover posted to the delivery channel and sent to its delivery owner through the outbox,
the checklist ticked from those messages' buttons or with `/opp handover 42`, the customer's
acceptance, who may do what, and bad input answered in the person's language with nothing
changed. The clock is fixed (Wednesday 2026-11-25 10:00, Shanghai); nothing sleeps."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from bot.console.slack_workspace import FakeWorkspace
from bot.worker.jobs import send_outbox
from store.models import Event, Handover, OutboxMessage
from tests import test_alerts as base
from tests.conftest import USERS, payload_text
from tests.slackcheck import assert_valid_message, assert_valid_view
from tests.test_alerts import is_card

ALICE, BOB, LI, NYC, BOSS = (USERS[n]["user_id"] for n in ("alice", "bob", "li", "nyc", "boss"))
DELIVERY = "#delivery"
DELIVERY_ID = FakeWorkspace._name_id("delivery")  # what the stand-in calls it


client = base.client  # the worker's sender, as the alert tests make it


@pytest.fixture(autouse=True)
def no_big_deal_threads(rt):
    """These deals are big enough ([rooms] big_deal) for their moves to be told in the alerts
    channel (tests/test_deal_rooms.py); here only the delivery channel and people are watched."""
    rt.config = replace(rt.config, rooms=replace(rt.config.rooms, big_deal=0))


@pytest.fixture
def send(rt, client, fake):
    """The worker's sender, once, at the clock's time: the chat.postMessage calls it made."""

    def go():
        before = len(fake.calls("chat.postMessage"))
        send_outbox(rt, client, rt.clock.now())
        return [named(c) for c in fake.calls("chat.postMessage")[before:] if not c.failed and not is_card(c)]

    return go


def named(call):
    """The delivery channel by its name, though the handover replies there by its id (in the deal's
    thread, under its card: bot.deals.threads; the card itself is left out of these tests)."""
    return replace(call, args={**call.args, "channel": DELIVERY if call.args["channel"] == DELIVERY_ID else call.args["channel"]})


def edits(fake):
    """Edits of the handover's messages (not of the deal's card, kept current in its thread)."""
    cards = {c.response["ts"] for c in fake.calls("chat.postMessage") if not c.failed and is_card(c)}
    return [c for c in fake.calls("chat.update") if c.args["ts"] not in cards]


@pytest.fixture
def won(slack):
    """#1 Acme ERP, alice's, ¥50万 for Acme Corp, won; li has the delivery role; #2 is open."""
    for who in ("bob", "li", "nyc"):
        slack.command(who, "help")  # they exist as members
    assert "Updated <@U0LI>: role delivery" in slack.command("boss", f"team set <@{LI}> role:delivery").text
    slack.command("alice", "new Acme ERP 50万 account Acme Corp stage negotiation")
    slack.command("alice", "new Globex CRM 20万")
    answer = slack.command("alice", "won 1")
    assert "🎉 #1 won!" in answer.text, answer.text
    return 1


def form(slack) -> dict:
    """The handover form the app just opened, checked against Slack's rules."""
    view = slack.opened_view()
    assert_valid_view(view)
    assert view["callback_id"] == "handover_form"
    return view


def submit(slack, who="alice", **values) -> None:
    """Fill in and send the handover form last opened (its values by block: delivery_owner, scope, key_dates, notes)."""
    slack.submit(who, form(slack), values)


def handed_over(slack, **values) -> None:
    defaults = dict(delivery_owner=LI, scope="MES rollout, 3 lines", key_dates="kickoff 12月7日, go-live 2027-03-31", notes="CIO wants weekly reports")
    submit(slack, **{**defaults, **values})


def handover_row(rt) -> Handover | None:
    with rt.sessions() as s:
        return s.scalars(select(Handover)).one_or_none()


def handover_events(rt, number=1) -> list[tuple]:
    with rt.sessions() as s:
        rows = s.scalars(select(Event).where(Event.kind == "handover").order_by(Event.id)).unique()
        return [(e.actor.slack_user_id, e.field, e.old, e.new) for e in rows]


def state(rt) -> tuple:
    """Everything a refused request must leave as it was."""
    with rt.sessions() as s:
        handovers = [(h.delivery_owner_id, h.scope, h.key_dates, h.notes, dict(h.checklist), h.accepted_on, h.progress_at) for h in s.scalars(select(Handover))]
        events = len(s.scalars(select(Event.id)).all())
        outbox = len(s.scalars(select(OutboxMessage.id)).all())
    return handovers, events, outbox


def buttons(payload: dict) -> list[tuple[str, str]]:
    return [(e["action_id"], e.get("value")) for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


def ephemeral(fake) -> dict:
    call = fake.last("chat.postEphemeral")
    assert_valid_message(call.args)
    return call.args


# --- the form a win opens -------------------------------------------------------------------------


def test_winning_a_deal_opens_the_handover_form_with_the_win_said(slack, rt, won):
    view = form(slack)
    assert slack.fake.last("views.open").args["trigger_id"] == "trigger.7"  # the won command's own trigger
    assert view["title"]["text"] == "Handover #1"
    assert json.loads(view["private_metadata"]) == {"channel": "C0SALES", "number": 1}
    assert "*#1 Acme ERP* · ¥500k · Acme Corp" in payload_text({"blocks": view["blocks"]})
    inputs = {b["block_id"]: b["element"]["type"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs == {
        "delivery_owner": "users_select",
        "scope": "plain_text_input",
        "key_dates": "plain_text_input",
        "notes": "plain_text_input",
        "payment_plan": "plain_text_input",  # 回款, optional (tests/test_payments.py)
    }
    assert all(b["optional"] for b in view["blocks"] if b["type"] == "input")
    assert handover_row(rt) is None  # nothing is made until the form is sent


def test_a_win_typed_in_chinese_opens_the_form_in_chinese(slack, rt):
    slack.command("alice", "new Acme ERP 50万")
    answer = slack.command("alice", "赢单 1")
    assert "🎉 #1 赢单！" in answer.text
    view = form(slack)
    assert view["title"]["text"] == "交接 #1"
    assert "请填写交接单，交给交付团队。" in payload_text({"blocks": view["blocks"]})


def test_someone_who_may_close_but_not_hand_over_reads_the_win_alone(slack, rt):
    """nyc (sales support) is responsible for #1 in 技术评审 and may close it; the handover is its
    owner's, the delivery owner's, their managers' and the admins'."""
    slack.command("nyc", "help")
    slack.command("boss", f"team set <@{NYC}> role:support")
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    assert "Moved #1 to Technical review" in slack.command("alice", "move 1 tech_review").text
    answer = slack.command("nyc", "won 1")
    assert "🎉 #1 won!" in answer.text
    assert slack.fake.calls("views.open") == []


# --- saving it: the handover, its event, one post and one DM -----------------------------------


def test_the_form_makes_the_handover_posts_it_to_delivery_and_dms_the_delivery_owner(slack, rt, won, send, fake):
    handed_over(slack)
    row = handover_row(rt)
    assert (row.scope, row.key_dates, row.notes, row.checklist, row.accepted_on) == (
        "MES rollout, 3 lines",
        "kickoff 12月7日, go-live 2027-03-31",
        "CIO wants weekly reports",
        {},
        None,
    )
    assert row.progress_at == row.created_at == rt.clock.now()
    assert handover_events(rt) == [(ALICE, "opened", None, LI)]
    said = ephemeral(fake)
    assert said["channel"] == "C0SALES" and said["user"] == ALICE
    assert payload_text(said).startswith("#1 is handed over to delivery: <@U0LI> delivers it.")

    posts = send()
    assert sorted(p.args["channel"] for p in posts) == sorted([DELIVERY, LI])
    channel = next(p.args for p in posts if p.args["channel"] == DELIVERY)
    dm = next(p.args for p in posts if p.args["channel"] == LI)
    for message in (channel, dm):  # the team's language in the channel, li's own (Chinese) in the DM
        assert_valid_message(message)
        text = payload_text(message)
        for shown in ("📦 交接：#1 Acme ERP", "¥50万", "Acme Corp", "<@U0ALICE>", "<@U0LI>", "MES rollout, 3 lines", "kickoff 12月7日, go-live 2027-03-31"):
            assert shown in text, shown
        assert "*交接清单*（0/4）\n⬜ 需求交接\n⬜ 实施范围确认\n⬜ 时间节点确认\n⬜ 客户验收" in text
        assert buttons(message) == [
            ("handover_tick_0", "1:requirements"),
            ("handover_tick_1", "1:scope"),
            ("handover_tick_2", "1:timeline"),
            ("handover_tick_3", "1:acceptance"),
            ("handover_edit", "1"),
        ]
    assert send() == []  # each is sent once


def test_the_same_form_sent_again_changes_nothing_and_sends_nothing_more(slack, rt, won, send, fake):
    view = form(slack)
    values = dict(delivery_owner=LI, scope="MES")
    slack.submit("alice", view, values, view_id="V0DOUBLE")
    slack.submit("alice", view, values, view_id="V0DOUBLE")  # a double click on Save: answered as the first
    slack.submit("alice", view, values)  # the same form sent again later
    assert payload_text(ephemeral(fake)).startswith("Nothing changed in #1's handover.")
    assert len(handover_events(rt)) == 1
    assert len(send()) == 2  # the post and the DM, once each
    assert edits(fake) == []


def test_left_empty_the_assignment_rules_choose_someone_with_the_delivery_role(slack, rt, won, send):
    submit(slack, scope="MES")
    assert handover_events(rt) == [(ALICE, "opened", None, LI)]
    assert sorted(p.args["channel"] for p in send()) == sorted([DELIVERY, LI])


def test_with_nobody_in_delivery_the_handover_is_posted_and_says_to_choose_someone(slack, rt, fake, send):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "won 1")
    submit(slack, scope="MES")
    assert handover_row(rt).delivery_owner_id is None
    assert "nobody with the delivery role could take it" in payload_text(ephemeral(fake))
    [post] = send()
    assert post.args["channel"] == DELIVERY
    assert "交付负责人*\n暂无（`/opp 交接 1 编辑` 指定）" in payload_text(post.args)


def test_sending_the_form_again_edits_the_same_handover_and_updates_its_messages(slack, rt, won, send, fake):
    handed_over(slack)
    first = {p.args["channel"]: p.response["ts"] for p in send()}
    slack.click("alice", "handover_edit", "1")
    view = form(slack)
    assert [b["element"].get("initial_user") or b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"] == [
        LI,
        "MES rollout, 3 lines",
        "kickoff 12月7日, go-live 2027-03-31",
        "CIO wants weekly reports",
        None,  # the payment plan: /opp pay 1 shows it; typed here, it replaces it
    ]
    rt.clock.advance(hours=1)
    slack.submit("alice", view, dict(delivery_owner=BOB, scope="MES rollout, 4 lines", notes=""))
    assert payload_text(ephemeral(fake)).startswith("Updated #1's handover: Delivery owner, Scope, Notes.")
    with rt.sessions() as s:
        assert len(s.scalars(select(Handover)).all()) == 1
    assert handover_events(rt)[1:] == [
        (ALICE, "delivery_owner", LI, BOB),
        (ALICE, "scope", "MES rollout, 3 lines", "MES rollout, 4 lines"),
        (ALICE, "notes", "CIO wants weekly reports", None),
    ]
    assert [p.args["channel"] for p in send()] == [BOB]  # the new delivery owner gets it; the others are updated
    updated = {c.args["ts"]: payload_text(c.args) for c in edits(fake)}
    assert set(updated) == set(first.values())
    assert all("<@U0BOB>" in text and "MES rollout, 4 lines" in text and "CIO wants" not in text for text in updated.values())
    history = slack.command("alice", "history 1").text
    assert "changed the handover's Delivery owner from <@U0LI> to <@U0BOB>" in history
    assert "changed the handover's Scope from MES rollout, 3 lines to MES rollout, 4 lines" in history


def test_a_won_deal_without_a_handover_gets_its_form_from_the_handover_command(slack, rt, won):
    slack.fake.clear()
    assert slack.command("alice", "handover 1").body == ""  # the form is the answer
    assert form(slack)["title"]["text"] == "Handover #1"
    slack.command("alice", "交接 1")
    assert form(slack)["title"]["text"] == "交接 #1"


# --- ticking the checklist ---------------------------------------------------------------------------


def test_a_steps_button_ticks_it_and_every_copy_shows_who_ticked_what(slack, rt, won, send, fake):
    handed_over(slack)
    posted = {p.args["channel"]: p.response["ts"] for p in send()}
    rt.clock.advance(days=1)
    slack.click("li", "handover_tick_1", "1:scope", ephemeral=False)
    replaced = slack.responses()[-1]
    assert replaced["replace_original"] is True
    assert "✅ 实施范围确认 — <@U0LI>，2026-11-26 (周四)" in payload_text(replaced)  # the clicker's language
    assert ("handover_tick_1", "1:scope") not in buttons(replaced)
    row = handover_row(rt)
    assert row.checklist == {"scope": rt.clock.now().isoformat()}
    assert row.progress_at == rt.clock.now()
    assert handover_events(rt)[-1] == (LI, "step", None, "scope")

    send()
    updates = {c.args["ts"]: c.args for c in edits(fake)}
    assert set(updates) == set(posted.values())  # the channel post and li's DM, in place
    for message in updates.values():
        assert "*交接清单*（1/4）\n⬜ 需求交接\n✅ 实施范围确认 — <@U0LI>，2026-11-26 (周四)" in payload_text(message)
    assert "ticked the handover step “Scope confirmed”" in slack.command("alice", "history 1").text


def test_steps_are_ticked_by_command_by_key_or_by_name_in_either_language(slack, rt, won):
    handed_over(slack)
    answer = slack.command("alice", "handover 1 done scope").text
    assert answer.startswith("Ticked “Scope confirmed” on #1's handover.")
    assert "✅ Scope confirmed — <@U0ALICE>, Wed 2026-11-25" in answer
    answer = slack.command("alice", "交接 1 完成 时间节点确认").text
    assert answer.startswith("已勾选 #1 交接的「时间节点确认」。")
    assert "*交接清单*（2/4）" in answer
    slack.command("li", "handover 1 done requirements handed over")  # an English name, spaces and case as typed
    assert set(handover_row(rt).checklist) == {"scope", "timeline", "requirements"}
    assert [e[1:] for e in handover_events(rt)[1:]] == [("step", None, "scope"), ("step", None, "timeline"), ("step", None, "requirements")]


def test_the_handover_command_shows_it_with_its_buttons_in_the_readers_language(slack, rt, won):
    handed_over(slack)
    slack.command("alice", "handover 1 done scope")
    shown = slack.command("alice", "handover 1")
    assert "📦 Handover: #1 Acme ERP" in shown.text and "*Checklist* (1 of 4)" in shown.text
    assert [v for _, v in buttons(shown.json)] == ["1:requirements", "1:timeline", "1:acceptance", "1"]
    assert "*交接清单*（1/4）" in slack.command("li", "交接 1").text


# --- acceptance ------------------------------------------------------------------------------------


def test_acceptance_on_a_day_as_typed_closes_the_handover(slack, rt, won, send, fake):
    handed_over(slack)
    send()
    rt.clock.advance(hours=2)
    answer = slack.command("alice", "handover 1 accepted yesterday").text
    assert answer.startswith("Recorded the customer's acceptance of #1 on Tue 2026-11-24; the handover is closed.")
    row = handover_row(rt)
    assert row.accepted_on == date(2026, 11, 24)
    assert row.checklist == {"acceptance": rt.clock.now().isoformat()}  # the acceptance step is ticked with it
    assert row.progress_at == rt.clock.now()
    assert handover_events(rt)[-1] == (ALICE, "accepted", None, "2026-11-24")
    send()
    for update in edits(fake):
        assert "✅ 客户已于 2026-11-24 (周二) 验收，交接完成。" in payload_text(update.args)
        assert buttons(update.args) == []  # nothing left to tick
    assert "recorded the customer's acceptance on 2026-11-24, closing the handover" in slack.command("alice", "history 1").text


def test_acceptance_in_chinese_and_the_acceptance_steps_button(slack, rt, won):
    handed_over(slack)
    assert slack.command("li", "交接 1 验收 2026-11-20").text.startswith("已记录 #1 的客户验收（2026-11-20 (周五)），交接完成。")
    assert handover_row(rt).accepted_on == date(2026, 11, 20)


def test_the_acceptance_steps_button_records_the_acceptance_today(slack, rt, won):
    handed_over(slack)
    slack.click("li", "handover_tick_3", "1:acceptance")
    assert handover_row(rt).accepted_on == date(2026, 11, 25)
    assert handover_events(rt)[-1] == (LI, "accepted", None, "2026-11-25")
    assert "✅ 客户已于 2026-11-25 (周三) 验收，交接完成。" in payload_text(slack.responses()[-1])


# --- who may ----------------------------------------------------------------------------------------


def test_the_delivery_owners_manager_and_an_admin_may_tick_someone_else_may_not(slack, rt, won, fake):
    handed_over(slack)
    slack.command("boss", f"team set <@{LI}> manager:<@{NYC}>")
    slack.command("nyc", "handover 1 done scope")
    slack.command("boss", "handover 1 done timeline")
    assert [e[:2] for e in handover_events(rt)[1:]] == [(NYC, "step"), (BOSS, "step")]
    before = state(rt)
    answer = slack.command("bob", "handover 1 done requirements").text
    assert "You can't change #1's handover: only its owner <@U0ALICE>, its delivery owner <@U0LI>, their manager <@U0NYC> or an admin can." in answer
    slack.click("bob", "handover_tick_0", "1:requirements")
    refusal = slack.responses()[-1]
    assert refusal["replace_original"] is False and "You can't change #1's handover" in payload_text(refusal)
    assert "You can't change #1's handover" in slack.command("bob", "handover 1 edit").text
    assert state(rt) == before


def test_someone_who_may_not_hand_over_is_refused_the_form_and_its_submission(slack, rt, won, fake):
    view = form(slack)
    before = state(rt)
    answer = slack.submit("bob", view, dict(delivery_owner=BOB, scope="mine now"))
    assert "You can't change #1's handover: only its owner <@U0ALICE>" in payload_text(answer.json)
    assert answer.json["response_action"] == "errors" and list(answer.json["errors"]) == ["scope"]
    assert state(rt) == before
    slack.command("bob", "handover 1")
    assert fake.last("views.open").args["view"] == view  # no new form for bob


# --- bad input: a clear answer in the person's language, nothing changed ------------------------------


@pytest.mark.parametrize(
    "who, text, said",
    [
        ("alice", "handover 1 done foo", "The handover checklist has no step “foo”; nothing was changed. Steps: `requirements` Requirements handed over,"),
        ("alice", "交接 1 完成 不存在", "交接清单里没有「不存在」，什么都没有修改。可选：`需求交接`、`实施范围确认`、`时间节点确认`、`客户验收`。"),
        ("alice", "handover 1 done", "Say which step is done, e.g. `/opp handover 1 done scope`."),
        ("alice", "handover 1 accepted someday soonish", "Couldn't read the date “someday soonish”."),
        ("li", "交接 1 验收 某个时候", "看不懂日期「某个时候」。"),
        ("alice", "handover 1 accepted 2027-01-05", "The acceptance date 2027-01-05 is after today; nothing was changed."),
        ("li", "交接 1 验收 2027-01-05", "验收日期 2027-01-05 晚于今天，什么都没有修改。"),
        ("alice", "handover 2", "#2 is open: only a won deal is handed over to delivery. Mark it won first (`/opp won 2`)."),
        ("li", "交接 2 完成 实施范围确认", "#2 进行中：只有赢单的商机才交接给交付。赢单后（`/opp 赢单 2`）再交接。"),
        ("alice", "handover 1 finished", "`/opp handover 1` shows the handover (or opens its form);"),
        ("alice", "handover 9", "There is no deal #9."),
    ],
)
def test_bad_input_is_answered_in_the_persons_language_and_changes_nothing(slack, rt, won, who, text, said):
    handed_over(slack)
    before = state(rt)
    assert said in slack.command(who, text).text
    assert state(rt) == before


def test_a_step_ticked_already_or_a_closed_handover_is_refused_saying_so(slack, rt, won):
    handed_over(slack)
    slack.command("li", "handover 1 done scope")
    before = state(rt)
    assert (
        "“Scope confirmed” on #1's handover was ticked already (by <@U0LI>, 2026-11-25); nothing was changed."
        in slack.command("alice", "handover 1 done scope").text
    )
    assert state(rt) == before
    slack.command("alice", "handover 1 accepted today")
    before = state(rt)
    assert (
        "#1's handover was closed by the customer's acceptance on 2026-11-25; nothing was changed." in slack.command("alice", "handover 1 done timeline").text
    )
    assert "#1 的交接已在 2026-11-25 客户验收后完成，什么都没有修改。" in slack.command("alice", "交接 1 验收 昨天").text
    assert state(rt) == before


def test_a_step_before_there_is_a_handover_is_refused(slack, rt, won):
    before = state(rt)
    assert "#1 has no handover yet: `/opp handover 1` opens its form." in slack.command("alice", "handover 1 done scope").text
    assert "#1 还没有交接单：`/opp 交接 1` 打开交接表单。" in slack.command("li", "交接 1 验收").text
    assert state(rt) == before


def test_a_scope_longer_than_its_field_keeps_is_refused_on_that_field(slack, rt, won):
    view = form(slack)
    answer = slack.submit("alice", view, dict(delivery_owner=LI, scope="x" * 2001))
    assert list(answer.json["errors"]) == ["scope"]
    assert "“Scope” is too long (2001 characters); keep it to 2000." in answer.json["errors"]["scope"]
    assert handover_row(rt) is None


def test_the_longest_texts_the_form_takes_are_shown_whole_within_slacks_limits(slack, rt, won, send):
    texts = dict(scope="范" * 2000, key_dates="d" * 500, notes="n" * 2000)
    handed_over(slack, **texts)
    for post in send():
        assert_valid_message(post.args)
        shown = payload_text(post.args)
        assert all(text in shown for text in texts.values())
        assert "…" not in shown
