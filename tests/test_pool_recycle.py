"""Which deals return to the public pool by themselves ([pool] in config.toml, as shipped: grade
B and C after 14 days without a call, meeting, visit or email; grade A and deals from 价格谈判 on
never), the owner's warning three days before with Log activity and Keep, and Keep answered by the
owner's manager. Driven by the worker's own job and signed clicks, with the injected clock."""

from __future__ import annotations

from sqlalchemy import select

from bot import worker
from bot.blocks.ids import Action
from bot.deals import recycle
from store.models import Member, OutboxMessage
from tests.slackcheck import assert_valid_message


def job(rt) -> int:
    return worker.assignments(rt, None, rt.clock.now())


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
    assert texts(rt, "U0BOB")[-1].startswith("#1 Old has had no call")


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
        "#1 A&amp;B &lt;ERP&gt; has had no call, meeting, visit or email for 14 days and returns to the public pool on 2026-12-09."
        " Log one to keep it, or ask to keep it."
    )
    assert buttons(warning) == [("Log activity", Action.DEAL_LOG, "1"), ("Keep", Action.POOL_KEEP, f"1:{token(db, 1)}")]


def test_the_warning_in_chinese(slack, rt, db):
    slack.command("li", "new 华东制造 MES 升级 10万")
    rt.clock.advance(days=11, hours=1)
    job(rt)
    [warning] = dms(rt, "U0LI")
    assert warning.text == "#1 华东制造 MES 升级 已 14 天没有客户跟进（电话、会议、拜访或邮件），将于 2026-12-09 退回公海。记录一次跟进即可保留，或申请保留。"
    assert [b[0] for b in buttons(warning)] == ["记录跟进", "申请保留"]
