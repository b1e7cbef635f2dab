"""Which deals return to the public pool by themselves ([pool] in config.toml, as shipped: grade
B and C after 14 days without a call, meeting, visit or email; grade A and deals from 价格谈判 on
never), the owner's warning three days before with Log activity and Keep, and Keep answered by the
owner's manager. Driven by the worker's own job and signed clicks, with the injected clock."""

from __future__ import annotations

from sqlalchemy import select

from bot.blocks.ids import Action
from bot.deals import recycle
from bot.worker import jobs
from store.models import Member, OutboxMessage
from tests.slackcheck import assert_valid_message


def job(rt) -> int:
    return jobs.assignments(rt, None, rt.clock.now())


def dms(rt, channel: str) -> list[OutboxMessage]:
    with rt.sessions() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)))


def texts(rt, channel: str) -> list[str]:
    return [m.text for m in dms(rt, channel)]


def pooled(db, number: int) -> bool:
    return db.deal(number).pooled_at is not None


def make_manager(rt, slack_id: str, manager_id: str) -> None:
    with rt.transaction() as s:
        people = {m.slack_user_id: m for m in s.scalars(select(Member))}
        people[slack_id].manager_id = people[manager_id].id


def buttons(message: OutboxMessage) -> list[tuple[str, str, str]]:
    assert_valid_message({"text": message.text, "blocks": message.blocks})
    return [(b["text"]["text"], b["action_id"], b["value"]) for block in message.blocks if block["type"] == "actions" for b in block["elements"]]


def token(db, number: int) -> str:
    return str(int(db.deal(number).pool_warned_at.timestamp()))


# --- the rule --------------------------------------------------------------------------------------


def test_a_quiet_grade_c_deal_is_warned_at_eleven_days_and_returns_three_days_later(slack, rt, db):
    slack.command("alice", "new Quiet 10万")
    rt.clock.advance(days=10, hours=23)
    assert job(rt) == 0
    rt.clock.advance(hours=2)
    assert job(rt) == 1  # the warning
    assert not pooled(db, 1)
    assert job(rt) == 0  # once
    rt.clock.advance(days=2, hours=23)
    assert job(rt) == 0
    rt.clock.advance(hours=1)
    assert job(rt) == 1
    assert pooled(db, 1)


def test_grade_a_deals_and_deals_from_negotiation_on_never_return(slack, rt, db):
    slack.command("alice", "new Big one 150万")
    slack.command("boss", "grade 1 A")
    slack.command("alice", "new Haggling 10万 stage negotiation")
    slack.command("alice", "new Reviewing 10万 stage tech_review")
    assert [d.grade for d in db.deals()] == ["A", "C", "C"]
    rt.clock.advance(days=100)
    assert job(rt) == 1
    rt.clock.advance(days=3)
    assert job(rt) == 1
    assert [pooled(db, n) for n in (1, 2, 3)] == [False, False, True]


def test_a_note_does_not_keep_a_deal_but_a_call_does(slack, rt, db):
    slack.command("alice", "new Noted 10万")
    slack.command("alice", "new Called 10万")
    rt.clock.advance(days=10)
    slack.command("alice", "log 1 sent the brochure")
    slack.command("alice", "log 2 call: they are interested")
    rt.clock.advance(days=1, hours=1)
    assert job(rt) == 1
    assert [d.pool_warned_at is not None for d in db.deals()] == [True, False]


def test_a_call_after_the_warning_keeps_the_deal(slack, rt, db):
    slack.command("alice", "new Saved 10万")
    rt.clock.advance(days=11, hours=1)
    assert job(rt) == 1
    slack.command("alice", "log 1 visit: met the buyer")
    rt.clock.advance(days=3)
    assert job(rt) == 0
    assert not pooled(db, 1)


def test_a_deal_claimed_from_the_pool_starts_a_new_period(slack, rt, db):
    """Claimed long after its last touch, it does not return at once."""
    slack.command("alice", "new Old 10万")
    rt.clock.advance(days=11, hours=1)
    job(rt)
    rt.clock.advance(days=3)
    job(rt)
    assert pooled(db, 1)
    slack.command("bob", "claim 1")
    rt.clock.advance(days=10)
    assert job(rt) == 0
    rt.clock.advance(days=1, hours=1)
    assert job(rt) == 1
    assert texts(rt, "U0BOB")[-1].startswith("#1 Old returns to the public pool on 2026-12-23")


def test_a_deal_due_but_never_warned_is_warned_first(slack, rt, db):
    """A deal past its days (the worker was down) is not returned without notice."""
    slack.command("alice", "new Late 10万")
    rt.clock.advance(days=30)
    assert recycle.return_idle_deals(rt, rt.clock.now()) == 0
    assert job(rt) == 1
    assert not pooled(db, 1)


# --- the warning -----------------------------------------------------------------------------------


def test_the_warning_tells_the_owner_when_and_offers_log_and_keep_in_english(slack, rt, db):
    slack.command("alice", "new A&B <ERP> 10万")
    rt.clock.advance(days=11, hours=1)
    job(rt)
    [warning] = dms(rt, "U0ALICE")
    assert warning.text == (
        "#1 A&amp;B &lt;ERP&gt; returns to the public pool on 2026-12-09: deals go back after 14 days without a call, meeting, visit"
        " or email. Log one to keep it, or ask to keep it."
    )
    assert buttons(warning) == [("Log activity", Action.DEAL_LOG, "1"), ("Keep", Action.POOL_KEEP, f"1:{token(db, 1)}")]


def test_the_warning_in_chinese(slack, rt, db):
    slack.command("li", "new 华东制造 MES 升级 10万")
    rt.clock.advance(days=11, hours=1)
    job(rt)
    [warning] = dms(rt, "U0LI")
    assert (
        warning.text == "#1 华东制造 MES 升级 将于 2026-12-09 退回公海：14 天没有客户跟进（电话、会议、拜访或邮件）即退回。记录一次跟进即可保留，或申请保留。"
    )
    assert [b[0] for b in buttons(warning)] == ["记录跟进", "申请保留"]


# --- Keep ------------------------------------------------------------------------------------------


def warned(slack, rt, owner: str = "alice") -> None:
    slack.command(owner, "new Keeper 10万")
    slack.command("bob", "list")  # bob is a member
    make_manager(rt, "U0" + owner.upper(), "U0BOB")
    rt.clock.advance(days=11, hours=1)
    assert job(rt) == 1


def test_keep_asks_the_owners_manager_who_may_approve_and_the_clock_starts_again(slack, rt, db):
    warned(slack, rt)
    value = f"1:{token(db, 1)}"
    slack.click("alice", Action.POOL_KEEP, value)
    assert slack.responses()[-1]["text"] == "Asked <@U0BOB> to let you keep #1."
    [ask] = dms(rt, "U0BOB")
    assert ask.text == "<@U0ALICE> asks to keep #1 Keeper (grade C); otherwise it returns to the public pool on 2026-12-09."
    assert buttons(ask) == [("Approve", Action.POOL_KEEP_APPROVE, value), ("Decline", Action.POOL_KEEP_DECLINE, value)]
    slack.click("bob", Action.POOL_KEEP_APPROVE, value)
    assert slack.responses()[-1]["text"] == "You let <@U0ALICE> keep #1."
    assert texts(rt, "U0ALICE")[-1] == ("<@U0BOB> let you keep #1 Keeper: the clock starts again, it returns only after 14 days without a customer touch.")
    rt.clock.advance(days=3)
    assert job(rt) == 0
    assert not pooled(db, 1)
    rt.clock.advance(days=8, hours=1)  # 11 days after the approval: warned again
    assert job(rt) == 1
    slack.click("bob", Action.POOL_KEEP_APPROVE, value)  # the old request
    assert slack.responses()[-1]["text"] == "⚠️ The request to keep #1 was already answered or is no longer needed."


def test_a_declined_keep_lets_the_deal_return_as_warned(slack, rt, db):
    warned(slack, rt, "li")
    value = f"1:{token(db, 1)}"
    slack.click("li", Action.POOL_KEEP, value)
    assert slack.responses()[-1]["text"] == "已请 <@U0BOB> 批准你保留 #1。"
    slack.click("bob", Action.POOL_KEEP_DECLINE, value)
    assert slack.responses()[-1]["text"] == "You declined <@U0LI>'s request to keep #1."
    assert texts(rt, "U0LI")[-1] == "<@U0BOB> 没有同意保留 #1 Keeper；除非你记录一次客户跟进，它将于 2026-12-09 退回公海。"
    slack.click("bob", Action.POOL_KEEP_APPROVE, value)
    assert slack.responses()[-1]["text"] == "⚠️ The request to keep #1 was already answered or is no longer needed."
    rt.clock.advance(days=3)
    assert job(rt) == 1
    assert pooled(db, 1)


def test_only_the_owner_asks_and_only_their_manager_answers(slack, rt, db):
    warned(slack, rt)
    value = f"1:{token(db, 1)}"
    slack.click("boss", Action.POOL_KEEP, value)
    assert slack.responses()[-1]["text"] == "⚠️ Only the owner <@U0ALICE> can ask to keep #1."
    slack.click("alice", Action.POOL_KEEP, value)
    slack.click("boss", Action.POOL_KEEP_APPROVE, value)
    assert slack.responses()[-1]["text"] == "⚠️ Only <@U0ALICE>'s manager can answer the request to keep #1."
    slack.click("alice", Action.POOL_KEEP_APPROVE, value)
    assert slack.responses()[-1]["text"] == "⚠️ Only <@U0ALICE>'s manager can answer the request to keep #1."
    assert db.deal(1).pool_warned_at is not None


def test_an_owner_without_a_manager_is_told_to_log_a_touch(slack, rt, db):
    slack.command("li", "new 无上级 10万")
    rt.clock.advance(days=11, hours=1)
    job(rt)
    slack.click("li", Action.POOL_KEEP, f"1:{token(db, 1)}")
    assert slack.responses()[-1]["text"] == "⚠️ 你没有设置上级，无法申请保留 #1；记录一次客户跟进（电话、会议、拜访或邮件）即可保留。"


# --- the deal's history ----------------------------------------------------------------------------


def test_history_tells_the_warning_the_keep_the_return_and_the_claim_in_english(slack, rt, db):
    warned(slack, rt)
    value = f"1:{token(db, 1)}"
    slack.click("alice", Action.POOL_KEEP, value)
    slack.click("bob", Action.POOL_KEEP_DECLINE, value)
    rt.clock.advance(days=3)
    job(rt)
    slack.command("boss", "claim 1")
    history = slack.command("alice", "history 1").text
    for line in (
        "<@USLACKBOT> warned the owner it returns to the public pool on 2026-12-09",
        "<@U0ALICE> asked <@U0BOB> to let them keep it",
        "<@U0BOB> declined <@U0ALICE>'s request to keep it",
        "<@USLACKBOT> moved it to the public pool (it was <@U0ALICE>'s)",
        "<@U0ADMIN> claimed it from the public pool",
    ):
        assert line in history, history
    assert "keep_" not in history and "claim" not in history.replace("claimed it", "") and "pool" not in history.replace("public pool", "")


def test_history_in_chinese(slack, rt, db):
    warned(slack, rt, "li")
    value = f"1:{token(db, 1)}"
    slack.click("li", Action.POOL_KEEP, value)
    slack.click("bob", Action.POOL_KEEP_APPROVE, value)
    history = slack.command("li", "history 1").text
    for line in ("<@USLACKBOT> 提醒负责人：2026-12-09 将退回公海", "<@U0LI> 申请保留，请 <@U0BOB> 批准", "<@U0BOB> 同意 <@U0LI> 保留，回收计时重新开始"):
        assert line in history, history
