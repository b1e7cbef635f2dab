"""Reviews (复盘) of won and lost deals, through the front door: the close asks for one in its own
transaction (a lost deal's form opens at once, a won deal's card has the button), the form writes
it, Skip skips it, the worker reminds the owner once when it is still missing, and a manager calls a
review meeting posted once to the team channel. Refusals are in the person's language and change
nothing. Signed commands, clicks and form submissions, the Web API stand-in, the injected clock."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.blocks.ids import Action, Form
from bot.worker import jobs
from bot.worker.jobs import tick
from store.models import Event, Member, Opportunity, OutboxMessage, Review
from tests import test_alerts
from tests.conftest import USERS, payload_text
from tests.slackcheck import assert_valid_message
from tests.test_pool_recycle import make_manager

client = test_alerts.client  # the worker's sender, talking to the Web API stand-in

LESSON = "Send the quote within a day"
FILLED = {"competitor": "用友", "worked": "A demo on their own data", "didnt": "The quote took a week", "lesson": LESSON}


def review(rt, number: int) -> Review | None:
    with rt.sessions() as s:
        query = select(Review).join(Opportunity, Opportunity.id == Review.opportunity_id).where(Opportunity.number == number)
        return s.scalars(query).one_or_none()


def views(fake) -> list[dict]:
    return [c.args["view"] for c in fake.calls("views.open")]


def actions(payload: dict) -> list[tuple[str, str, str]]:
    """(label, action_id, value) of every button of a message."""
    return [
        (e["text"]["text"], e["action_id"], e.get("value"))
        for block in payload["blocks"]
        if block["type"] == "actions"
        for e in block["elements"]
        if e["type"] == "button"
    ]


def block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def review_events(db, number: int) -> list[tuple[str, str | None]]:
    return [(e.field, e.new) for e in db.events(number) if e.kind == "review"]


def last_reply(slack) -> str:
    return slack.responses()[-1]["text"]


def saved_text(fake) -> str:
    """What a submitted form said to the person (ephemeral where they opened it)."""
    return fake.last("chat.postEphemeral").args["text"]


def outbox(rt, kind: str) -> list[OutboxMessage]:
    with rt.sessions() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def snapshot(rt, db) -> tuple:
    """What a refusal must leave alone: the reviews, every event, the outbox, the deals' reasons."""
    with rt.sessions() as s:
        rows = [
            (r.opportunity_id, r.status, r.reason, r.competitor, r.worked, r.didnt, r.lesson, r.done_at, r.author_id)
            for r in s.scalars(select(Review).order_by(Review.id))
        ]
        sent = len(s.scalars(select(OutboxMessage.id)).all())
    return rows, db.count(Event), sent, [(d.status, d.lost_reason, d.won_reason, d.version) for d in db.deals()]


# --- the close asks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, command, outcome, reason, note",
    [
        ("alice", "lost 1 price they went cheaper", "lost", "Price", "📝 This deal's review is waiting"),
        ("li", "输单 1 价格 对方更便宜", "已输单", "价格", "📝 这一单还没有复盘"),
    ],
)
def test_a_lost_close_asks_for_a_review_and_opens_its_form_at_once(slack, rt, fake, clock, who, command, outcome, reason, note):
    slack.command(who, "new Acme ERP 50万")
    answer = slack.command(who, command)
    asked = review(rt, 1)
    assert (asked.outcome, asked.status, asked.reason, asked.asked_at, asked.done_at) == ("lost", "asked", "price", clock.now(), None)
    assert note in answer.text
    assert [a[1:] for a in actions(answer.json)][-3:] == [(Action.REVIEW_WRITE, "1"), (Action.REVIEW_SKIP, "1"), (Action.REVIEW_MEETING, "1")]
    [view] = views(fake)
    assert view["callback_id"] == Form.REVIEW
    assert json.loads(view["private_metadata"]) == {"channel": "C0SALES", "number": 1}
    assert f"*#1 Acme ERP* · {outcome}" in payload_text({"blocks": view["blocks"]})
    chosen = block(view, "reason")
    assert chosen["optional"] is False
    assert chosen["element"]["initial_option"] == {"text": {"type": "plain_text", "text": reason, "emoji": True}, "value": "price"}
    assert [block(view, name)["element"].get("initial_value") for name in ("competitor", "worked", "didnt", "lesson")] == [None] * 4


def test_a_won_close_asks_for_a_review_by_its_button_and_opens_the_handover_form_instead(slack, rt, fake):
    slack.command("alice", "new Acme ERP 50万")
    answer = slack.command("alice", "won 1 relationship")
    assert [v["callback_id"] for v in views(fake)] == [Form.HANDOVER]  # a win's form is the handover (tests/test_handover.py)
    asked = review(rt, 1)
    assert (asked.outcome, asked.status, asked.reason) == ("won", "asked", "relationship")
    assert ("Write the review", Action.REVIEW_WRITE, "1") in actions(answer.json)
    slack.click("alice", Action.REVIEW_WRITE, "1")
    view = views(fake)[-1]
    chosen = block(view, "reason")
    assert chosen["optional"] is True  # a win's reason is optional, as at the close
    assert [o["value"] for o in chosen["element"]["options"]] == [r.key for r in rt.config.won_reasons]
    assert chosen["element"]["initial_option"]["value"] == "relationship"


def test_a_close_that_is_refused_asks_for_no_review(slack, rt, db, fake):
    slack.command("alice", "new Acme ERP 50万")
    assert "Say why it was lost" in slack.command("alice", "lost 1").text
    assert "You can't change #1" in slack.command("bob", "won 1").text
    assert (review(rt, 1), views(fake), db.deal(1).status) == (None, [], "open")


# --- the form writes it --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, lost, saved, history",
    [
        ("alice", "lost 1 price", "Saved the review of #1; it is in the lessons base now", f"wrote the review: {LESSON}"),
        ("li", "输单 1 价格", "已保存 #1 的复盘，已收进经验库", f"写了复盘：{LESSON}"),
    ],
)
def test_the_form_writes_the_review_and_the_deal_records_it(slack, rt, db, fake, clock, who, lost, saved, history):
    slack.command(who, "new Acme ERP 50万")
    slack.command(who, lost)
    clock.advance(hours=2)
    slack.submit(who, slack.opened_view(), FILLED)
    written = review(rt, 1)
    author = db.member(USERS[who]["user_id"]).id
    assert (written.status, written.reason, written.done_at, written.author_id) == ("done", "price", clock.now(), author)
    assert {name: getattr(written, name) for name in FILLED} == FILLED
    assert saved in saved_text(fake)
    assert review_events(db, 1) == [("done", LESSON)]
    assert history in slack.command(who, "history 1").text
    card = slack.command(who, "show 1").json
    assert [a[1] for a in actions(card)][-2:] == [Action.REVIEW_WRITE, Action.REVIEW_MEETING]  # no Skip once written
    assert "📝" not in payload_text(card)


def test_a_reason_changed_in_the_review_becomes_the_deals_reason(slack, rt, db):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "lost 1 price")
    slack.submit("alice", slack.opened_view(), {"reason": "competitor", "lesson": LESSON})
    assert (db.deal(1).lost_reason, review(rt, 1).reason) == ("competitor", "competitor")
    assert [(e.kind, e.field, e.old, e.new) for e in db.events(1)][-2:] == [("updated", "lost_reason", "price", "competitor"), ("review", "done", None, LESSON)]
    assert "changed Lost reason from Price to Competitor" in slack.command("alice", "history 1").text


def test_writing_it_again_changes_it_from_the_form_prefilled(slack, rt, db, fake, clock):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "won 1")
    slack.command("alice", "review 1")
    slack.submit("alice", slack.opened_view(), {"worked": "The pilot", "lesson": LESSON})
    clock.advance(days=1)
    assert slack.command("alice", "review 1").body == ""
    view = slack.opened_view()
    assert [block(view, name)["element"].get("initial_value") for name in ("competitor", "worked", "didnt", "lesson")] == [None, "The pilot", None, LESSON]
    assert "initial_option" not in block(view, "reason")["element"]  # won without a reason
    slack.submit("alice", view, {"reason": "service", "lesson": "Offer the pilot first"})
    changed = review(rt, 1)
    assert (changed.worked, changed.lesson, changed.reason, changed.done_at) == ("The pilot", "Offer the pilot first", "service", clock.now())
    assert db.deal(1).won_reason == "service"
    assert saved_text(fake) == "Updated the review of #1."
    assert review_events(db, 1) == [("done", LESSON), ("edited", "Offer the pilot first")]


# --- refused: nothing changes --------------------------------------------------------------------

EMPTY = {"competitor": "", "worked": "", "didnt": "", "lesson": ""}


@pytest.mark.parametrize(
    "who, values, field, message",
    [
        ("alice", EMPTY, "lesson", "Write at least one of what worked, what didn't or one lesson — or choose Skip."),
        ("li", {**EMPTY, "competitor": "用友"}, "lesson", "请至少写一项：做得好的、不足的或一条经验；不想写可以点「跳过」。"),
        ("alice", {"lesson": "  \n "}, "lesson", "Write at least one of what worked"),
        ("alice", {"lesson": "x" * 1001}, "lesson", "“One lesson” is too long (1001 characters); keep it to 1000."),
        ("alice", {"worked": "w" * 1001, "lesson": LESSON}, "worked", "“What worked” is too long (1001 characters); keep it to 1000."),
        ("li", {"competitor": "对" * 101, "lesson": LESSON}, "competitor", "「竞争对手」太长了（101 个字符），最多 100 个字符。"),
        ("li", {"didnt": "慢" * 1001, "lesson": LESSON}, "didnt", "「不足的」太长了（1001 个字符），最多 1000 个字符。"),
        ("alice", {"reason": "bribery", "lesson": LESSON}, "reason", "“bribery” is not a loss reason."),
    ],
)
def test_a_form_that_says_nothing_or_too_much_is_refused_on_its_field(slack, rt, db, fake, who, values, field, message):
    slack.command(who, "new Acme ERP 50万")
    slack.command(who, "lost 1 price" if who == "alice" else "输单 1 价格")
    before = snapshot(rt, db)
    answer = slack.submit(who, slack.opened_view(), values)
    assert answer.json["response_action"] == "errors"
    assert list(answer.json["errors"]) == [field]
    assert message in answer.json["errors"][field]
    assert snapshot(rt, db) == before
    assert fake.calls("chat.postEphemeral") == []


@pytest.mark.parametrize("who, message", [("alice", "A lost deal's review needs its reason: choose one."), ("li", "输单复盘需要原因，请选一个。")])
def test_a_lost_deals_review_without_a_reason_is_refused(slack, rt, db, who, message):
    slack.command(who, "new Acme ERP 50万")
    slack.command(who, "lost 1 price")
    view = slack.opened_view()
    del block(view, "reason")["element"]["initial_option"]  # nothing picked
    before = snapshot(rt, db)
    answer = slack.submit(who, view, {"lesson": LESSON})
    assert answer.json["errors"] == {"reason": message}
    assert snapshot(rt, db) == before


@pytest.mark.parametrize(
    "who, command, message",
    [("alice", "review 1", "#1 is open: a deal is reviewed once it is won or lost."), ("li", "复盘 1", "#1 目前进行中，赢单或输单之后才能复盘。")],
)
def test_an_open_deal_has_no_review_to_write(slack, rt, db, fake, who, command, message):
    slack.command(who, "new Acme ERP 50万")
    before = snapshot(rt, db)
    answer = slack.command(who, command)
    assert answer.text == f"⚠️ {message}\n⚠️ {message}"
    assert views(fake) == []
    assert "⚠️ " + message in slack.command(who, command.replace("1", "1 skip" if who == "alice" else "1 跳过")).text
    assert snapshot(rt, db) == before and review(rt, 1) is None


def test_a_form_sent_for_a_deal_that_is_not_closed_saves_nothing(slack, rt, db):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "new Globex CRM 20万")
    slack.command("alice", "lost 1 price")
    view = slack.opened_view()
    forged = {**view, "private_metadata": json.dumps({"channel": "C0SALES", "number": 2})}
    before = snapshot(rt, db)
    answer = slack.submit("alice", forged, FILLED)
    assert answer.json["errors"] == {"lesson": "#2 is open: a deal is reviewed once it is won or lost."}
    assert snapshot(rt, db) == before and review(rt, 2) is None
    unreadable = slack.submit("alice", {**view, "private_metadata": "{}"}, FILLED)
    assert "This form can no longer be read" in unreadable.json["errors"]["lesson"]
    assert snapshot(rt, db) == before


def test_someone_who_may_not_change_the_deal_can_neither_open_write_nor_skip_its_review(slack, rt, db, fake):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "lost 1 price")
    view = slack.opened_view()
    before = snapshot(rt, db)
    assert slack.command("bob", "review 1").text.startswith("⚠️ You can't change #1: only its owner <@U0ALICE>")
    assert slack.command("li", "复盘 1").text.startswith("⚠️ 你不能修改 #1：只有")
    assert len(views(fake)) == 1  # alice's form only
    answer = slack.submit("bob", view, FILLED)
    assert answer.json["errors"]["lesson"].startswith("You can't change #1")
    slack.click("bob", Action.REVIEW_SKIP, "1")
    assert last_reply(slack).startswith("⚠️ You can't change #1")
    slack.click("li", Action.REVIEW_WRITE, "1")
    assert last_reply(slack).startswith("⚠️ 你不能修改 #1")
    assert snapshot(rt, db) == before
    slack.submit("boss", view, FILLED)  # an admin may
    assert review(rt, 1).status == "done"


def test_a_review_command_with_a_word_it_does_not_know_says_how_to_use_it(slack, rt, db):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "lost 1 price")
    before = snapshot(rt, db)
    assert "Use `/opp review 42` to write the review" in slack.command("alice", "review 1 later").text
    assert "用法：`/opp 复盘 42` 写复盘" in slack.command("li", "复盘 1 以后").text
    assert snapshot(rt, db) == before


# --- skipping ------------------------------------------------------------------------------------


def test_skip_sets_the_review_skipped_once_and_it_can_still_be_written(slack, rt, db):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "won 1")
    slack.click("alice", Action.REVIEW_SKIP, "1")
    assert last_reply(slack) == "Skipped the review of #1; no reminder will come. To write it later: `/opp review 1`."
    assert (review(rt, 1).status, review_events(db, 1)) == ("skipped", [("skipped", None)])
    assert "skipped the review" in slack.command("alice", "history 1").text
    slack.click("alice", Action.REVIEW_SKIP, "1")
    assert last_reply(slack) == "⚠️ The review of #1 was already skipped."
    card = slack.command("alice", "show 1").json
    assert [a[1] for a in actions(card)][-2:] == [Action.REVIEW_WRITE, Action.REVIEW_MEETING]
    slack.command("alice", "review 1")
    slack.submit("alice", slack.opened_view(), {"lesson": LESSON})
    assert review(rt, 1).status == "done"
    slack.click("alice", Action.REVIEW_SKIP, "1")
    assert last_reply(slack) == "⚠️ The review of #1 is already written, so there is nothing to skip. Change it with `/opp review 1`."
    assert review_events(db, 1) == [("skipped", None), ("done", LESSON)]


def test_skip_in_chinese(slack, rt):
    slack.command("li", "新建 恒通 WMS 50万")
    slack.command("li", "赢单 1")
    assert (
        slack.command("li", "复盘 1 跳过").text
        == "已跳过 #1 的复盘，不会再提醒。以后想写：`/opp 复盘 1`。\n已跳过 #1 的复盘，不会再提醒。以后想写：`/opp 复盘 1`。"
    )
    assert review(rt, 1).status == "skipped"
    assert slack.command("li", "复盘 1 跳过").text.startswith("⚠️ #1 的复盘已经跳过了。")


def test_a_deal_closed_before_reviews_were_asked_can_still_be_reviewed(slack, rt, db):
    """A deal closed with no review row (imported closed, or closed before reviews): the form
    opens and writing it asks and writes it at once."""
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "lost 1 no_budget")
    with rt.transaction() as s:
        s.delete(s.scalars(select(Review)).one())
    card = slack.command("alice", "show 1").json
    assert [a[1] for a in actions(card)][-2:] == [Action.REVIEW_WRITE, Action.REVIEW_MEETING]
    slack.command("alice", "review 1")
    assert block(slack.opened_view(), "reason")["element"]["initial_option"]["value"] == "no_budget"
    slack.submit("alice", slack.opened_view(), {"lesson": LESSON})
    assert (review(rt, 1).status, review(rt, 1).outcome, review(rt, 1).reason) == ("done", "lost", "no_budget")


# --- the owner's reminder ------------------------------------------------------------------------


def test_the_owner_is_reminded_once_when_the_review_is_still_missing(slack, rt, db, client, fake, clock):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "lost 1 price")
    closed = clock.now()
    slack.command("li", "新建 恒通 WMS 30万")
    slack.command("li", "赢单 2")
    slack.command("alice", "new Written 10万")
    slack.command("alice", "lost 3 timing")
    slack.submit("alice", slack.opened_view(), {"lesson": LESSON})  # written: never reminded
    slack.command("alice", "new Skipped 10万")
    slack.command("alice", "won 4")
    slack.click("alice", Action.REVIEW_SKIP, "4")  # skipped: never reminded
    days = rt.config.after.review_remind_days
    assert days == 3
    clock.set(closed + timedelta(days=days) - timedelta(seconds=1))
    assert jobs.review_reminders(rt, client, clock.now()) == 0
    clock.set(closed + timedelta(days=days))
    assert jobs.review_reminders(rt, client, clock.now()) == 2
    sent = {m.channel: m for m in outbox(rt, "review_remind")}
    assert set(sent) == {"U0ALICE", "U0LI"}
    assert sent["U0ALICE"].text == "📝 #1 Acme ERP was lost 3 days ago and has no review yet: what worked, what didn't, one lesson — a minute's work."
    assert sent["U0LI"].text == "📝 #2 恒通 WMS（已赢单）已经过去 3 天，还没有复盘：做得好的、不足的、一条经验，一分钟就好。"
    for message in sent.values():
        assert_valid_message({"text": message.text, "blocks": message.blocks})
    assert [a[1:] for a in actions({"blocks": sent["U0LI"].blocks})] == [(Action.REVIEW_WRITE, "2"), (Action.REVIEW_SKIP, "2")]
    assert [a[0] for a in actions({"blocks": sent["U0LI"].blocks})] == ["写复盘", "跳过"]
    jobs.send_outbox(rt, client, clock.now())

    def reminded() -> list[str]:
        return sorted(c.args["channel"] for c in fake.calls("chat.postMessage") if not c.failed and c.args["text"].startswith("📝"))

    assert reminded() == ["U0ALICE", "U0LI"]
    for _ in range(3):  # never twice, however often the worker passes
        clock.advance(days=2)
        assert jobs.review_reminders(rt, client, clock.now()) == 0
        tick(rt, client, clock.now())
    assert reminded() == ["U0ALICE", "U0LI"]
    assert (review(rt, 1).reminded_at, review(rt, 3).reminded_at, review(rt, 4).reminded_at) == (closed + timedelta(days=days), None, None)
    slack.click("alice", Action.REVIEW_WRITE, "1")  # the DM's button opens the form
    assert slack.opened_view()["callback_id"] == Form.REVIEW


def test_a_review_written_before_the_reminder_is_due_is_not_reminded(slack, rt, client, clock):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "lost 1 price")
    clock.advance(days=2)
    slack.command("alice", "review 1")
    slack.submit("alice", slack.opened_view(), {"lesson": LESSON})
    clock.advance(days=5)
    assert jobs.review_reminders(rt, client, clock.now()) == 0
    assert outbox(rt, "review_remind") == []


# --- the review meeting --------------------------------------------------------------------------


def story(slack, rt, clock) -> None:
    """alice's #1: created 2026-11-25 in 线索, 初步接触 on the 27th, 方案提交 on the 30th, a call and
    a note, lost to a competitor on 1 December and reviewed; bob manages alice."""
    slack.command("alice", "new Acme ERP 50万 industry 制造")
    slack.command("bob", "help")
    make_manager(rt, USERS["alice"]["user_id"], USERS["bob"]["user_id"])
    clock.advance(days=2)
    slack.command("alice", "move 1 contacted")
    clock.advance(days=3)
    slack.command("alice", "move 1 proposal")
    slack.command("alice", "log 1 call: talked price")
    slack.command("alice", "log 1 sent the quote")
    clock.advance(days=1)
    slack.command("alice", "lost 1 competitor")
    slack.submit("alice", slack.opened_view(), FILLED)


MEETING_ZH = [
    "*🗣 复盘会：#1 Acme ERP（已输单）*",
    "<@U0BOB> 请大家和负责人 <@U0ALICE> 一起复盘这一单。",
    "金额 ¥50万 · 跟进 2 次 · 2026-12-01 已输单",
    "*阶段*：线索 2026-11-25 → 初步接触 2026-11-27 → 方案提交 2026-11-30",
    "*原因*：竞争对手",
    "*竞争对手*：用友",
    "*做得好的*：A demo on their own data",
    "*不足的*：The quote took a week",
    f"*一条经验*：{LESSON}",
]


def test_a_manager_calls_a_review_meeting_posted_once_to_the_team_channel(slack, rt, db, client, fake, clock):
    story(slack, rt, clock)
    answer = slack.command("bob", "review 1 meeting")
    assert answer.text.startswith("Asked the team for a review meeting on #1 in #sales-digest.")
    [post] = outbox(rt, "review_meeting")
    assert post.channel == rt.config.channels["digest"] == "#sales-digest"
    assert_valid_message({"text": post.text, "blocks": post.blocks})
    assert payload_text({"blocks": post.blocks}).split("\n")[1:] == MEETING_ZH  # the team's language
    assert review_events(db, 1)[-1] == ("meeting", "#sales-digest")
    assert "called a review meeting in #sales-digest" in slack.command("bob", "history 1").text
    jobs.send_outbox(rt, client, clock.now())
    posted = [c for c in fake.calls("chat.postMessage") if not c.failed and c.args.get("blocks") == post.blocks]
    assert len(posted) == 1
    before = snapshot(rt, db)
    again = slack.command("bob", "review 1 meeting")
    assert again.text.startswith("⚠️ A review meeting on #1 was already called in #sales-digest today.")
    assert snapshot(rt, db) == before
    clock.advance(days=1)
    slack.click("bob", Action.REVIEW_MEETING, "1")  # the card's button, the next day
    assert last_reply(slack) == "Asked the team for a review meeting on #1 in #sales-digest."
    assert len(outbox(rt, "review_meeting")) == 2


def test_a_meeting_on_a_deal_not_yet_reviewed_says_so_and_an_admin_may_call_it_in_chinese(slack, rt, clock):
    slack.command("li", "新建 恒通 WMS 30万")
    slack.command("li", "赢单 1 客户关系")
    assert slack.command("boss", "复盘 1 复盘会").text.startswith("已在 #sales-digest 发起 #1 的复盘会。")
    [post] = outbox(rt, "review_meeting")
    text = payload_text({"blocks": post.blocks})
    assert "*🗣 复盘会：#1 恒通 WMS（已赢单）*" in text and "*原因*：客户关系" in text
    assert "复盘还没写（`/opp 复盘 1`）。" in text and "一条经验" not in text


@pytest.mark.parametrize(
    "who, command, message",
    [
        ("alice", "review 1 meeting", "⚠️ Only a manager of #1's owner, or an admin, can call a review meeting."),  # the owner herself
        ("li", "复盘 1 复盘会", "⚠️ 只有 #1 负责人的经理或管理员可以发起复盘会。"),
        ("nyc", "review 1 meeting", "⚠️ Only a manager of #1's owner, or an admin, can call a review meeting."),  # a manager, not alice's
        ("bob", "review 2 meeting", "⚠️ #2 is open: a deal is reviewed once it is won or lost."),
        ("bob", "review 9 meeting", "⚠️ There is no deal #9."),
    ],
)
def test_a_review_meeting_is_refused_to_others_and_for_open_deals(slack, rt, db, clock, who, command, message):
    story(slack, rt, clock)
    slack.command("alice", "new Globex CRM 20万")
    make_manager(rt, USERS["alice"]["user_id"], USERS["bob"]["user_id"])
    slack.command("nyc", "help")
    with rt.transaction() as s:
        s.scalars(select(Member).where(Member.slack_user_id == "U0NYC")).one().role = "manager"
    before = snapshot(rt, db)
    assert slack.command(who, command).text.startswith(message)
    slack.click(who, Action.REVIEW_MEETING, command.split()[1])
    assert last_reply(slack).startswith(message)
    assert snapshot(rt, db) == before and outbox(rt, "review_meeting") == []


def test_without_a_team_channel_there_is_no_review_meeting(slack, rt, db, clock):
    story(slack, rt, clock)
    rt.config = replace(rt.config, channels={k: v for k, v in rt.config.channels.items() if k != "digest"})
    before = snapshot(rt, db)
    answer = slack.command("bob", "review 1 meeting")
    assert answer.text.startswith("⚠️ No team channel is configured (channels.digest in config.toml)")
    assert snapshot(rt, db) == before
