"""Keep, the owner's request to their manager to keep a warned deal out of the public pool (公海):
each message in the language of the person who reads it, one answer per warning (an answer on
another deal, or to an earlier warning, does not count), and a Keep button that no longer applies
(already answered, the deal closed, or the deal already back in the pool) refused as stale.
Driven by the worker's own job and signed clicks, with the injected clock."""

from __future__ import annotations

import pytest

from bot.blocks.ids import Action
from tests.conftest import USERS
from tests.test_pool_recycle import buttons, dms, job, make_manager, texts, token

STALE_EN = "⚠️ The request to keep #{n} was already answered or is no longer needed."
STALE_ZH = "⚠️ #{n} 的保留申请已处理，或已不再需要。"


@pytest.fixture
def pierre(fake, monkeypatch) -> str:
    """A user whose Slack locale (French) the app has no messages for: the team's language (zh) is his."""
    spec = dict(user_id="U0PIERRE", name="pierre", tz="Asia/Shanghai", locale="fr-FR")
    monkeypatch.setitem(USERS, "pierre", spec)
    fake.add_user("U0PIERRE", name="pierre", tz="Asia/Shanghai", locale="fr-FR")
    return "pierre"


def warned(slack, rt, owner: str, manager: str, deals: int = 1) -> None:
    """``owner`` has ``deals`` new deals and reports to ``manager``; eleven days on, each is warned."""
    for n in range(deals):
        slack.command(owner, f"new Keeper{n or ''} 10万")
    slack.command(manager, "list")  # the manager is a member
    make_manager(rt, USERS[owner]["user_id"], USERS[manager]["user_id"])
    rt.clock.advance(days=11, hours=1)
    assert job(rt) == deals


def reply(slack) -> str:
    return slack.responses()[-1]["text"]


# --- each reads in their own language --------------------------------------------------------------


def test_an_english_owner_asks_a_chinese_manager_who_reads_and_answers_in_chinese(slack, rt, db):
    """alice (en) is told in English that she asked; li (zh) gets the request, its buttons and the
    confirmation of his answer in Chinese; alice reads the answer in English."""
    warned(slack, rt, "alice", "li")
    value = f"1:{token(db, 1)}"
    slack.click("alice", Action.POOL_KEEP, value)
    assert reply(slack) == "Asked <@U0LI> to let you keep #1."
    [ask] = dms(rt, "U0LI")
    assert ask.text == "<@U0ALICE> 申请保留 #1 Keeper（C 级）；否则它将于 2026-12-09 退回公海。"
    assert buttons(ask) == [("同意保留", Action.POOL_KEEP_APPROVE, value), ("不同意", Action.POOL_KEEP_DECLINE, value)]
    slack.click("li", Action.POOL_KEEP_APPROVE, value)
    assert reply(slack) == "已同意 <@U0ALICE> 保留 #1。"
    assert texts(rt, "U0ALICE")[-1] == "<@U0LI> let you keep #1 Keeper: the clock starts again, it returns only after 14 days without a customer touch."


def test_a_chinese_owner_asks_an_english_manager_who_reads_and_answers_in_english(slack, rt, db):
    """The other way round: li (zh) asks in Chinese, bob (en) reads the request and his
    confirmation in English, li reads the decline in Chinese."""
    warned(slack, rt, "li", "bob")
    value = f"1:{token(db, 1)}"
    slack.click("li", Action.POOL_KEEP, value)
    assert reply(slack) == "已请 <@U0BOB> 批准你保留 #1。"
    [ask] = dms(rt, "U0BOB")
    assert ask.text == "<@U0LI> asks to keep #1 Keeper (grade C); otherwise it returns to the public pool on 2026-12-09."
    assert [b[0] for b in buttons(ask)] == ["Approve", "Decline"]
    slack.click("bob", Action.POOL_KEEP_DECLINE, value)
    assert reply(slack) == "You declined <@U0LI>'s request to keep #1."
    assert texts(rt, "U0LI")[-1] == "<@U0BOB> 没有同意保留 #1 Keeper；除非你记录一次客户跟进，它将于 2026-12-09 退回公海。"


def test_a_manager_whose_locale_the_app_does_not_speak_gets_the_request_in_the_teams_language(slack, rt, db, pierre):
    """pierre's Slack locale is French: the request reaches him in the team's language, Chinese."""
    warned(slack, rt, "alice", pierre)
    value = f"1:{token(db, 1)}"
    slack.click("alice", Action.POOL_KEEP, value)
    assert reply(slack) == "Asked <@U0PIERRE> to let you keep #1."
    [ask] = dms(rt, "U0PIERRE")
    assert ask.text == "<@U0ALICE> 申请保留 #1 Keeper（C 级）；否则它将于 2026-12-09 退回公海。"
    assert [b[0] for b in buttons(ask)] == ["同意保留", "不同意"]


def test_an_owner_whose_locale_the_app_does_not_speak_gets_the_answer_in_the_teams_language(slack, rt, db, pierre):
    """pierre (French locale) asks bob; bob's approval reaches pierre in Chinese, the team's language."""
    warned(slack, rt, pierre, "bob")
    value = f"1:{token(db, 1)}"
    slack.click(pierre, Action.POOL_KEEP, value)
    slack.click("bob", Action.POOL_KEEP_APPROVE, value)
    assert reply(slack) == "You let <@U0PIERRE> keep #1."
    assert texts(rt, "U0PIERRE")[-1] == "<@U0BOB> 同意你保留 #1 Keeper：回收计时重新开始，14 天内没有客户跟进才会再退回公海。"


# --- one answer per warning, per deal --------------------------------------------------------------


@pytest.mark.parametrize("who, stale", [("alice", STALE_EN), ("li", STALE_ZH)])
def test_keep_pressed_again_after_the_manager_answered_is_stale_in_the_owners_language(slack, rt, db, who, stale):
    """The manager declined; the owner's Keep on the same warning asks nobody again."""
    warned(slack, rt, who, "bob")
    value = f"1:{token(db, 1)}"
    slack.click(who, Action.POOL_KEEP, value)
    slack.click("bob", Action.POOL_KEEP_DECLINE, value)
    slack.click(who, Action.POOL_KEEP, value)
    assert reply(slack) == stale.format(n=1)
    assert len(dms(rt, "U0BOB")) == 1
    assert [e.field for e in db.events(1) if e.kind == "pool"] == ["warned", "keep_asked", "keep_declined"]


def test_an_answer_on_another_deal_does_not_answer_this_one(slack, rt, db):
    """alice's #1 and #2 are warned together; bob declines keeping #1; alice may still ask for #2
    and bob may approve it."""
    warned(slack, rt, "alice", "bob", deals=2)
    first, second = f"1:{token(db, 1)}", f"2:{token(db, 2)}"
    assert first.split(":")[1] == second.split(":")[1]  # one warning time for both
    slack.click("alice", Action.POOL_KEEP, first)
    slack.click("bob", Action.POOL_KEEP_DECLINE, first)
    slack.click("alice", Action.POOL_KEEP, second)
    assert reply(slack) == "Asked <@U0BOB> to let you keep #2."
    assert len(dms(rt, "U0BOB")) == 2
    slack.click("bob", Action.POOL_KEEP_APPROVE, second)
    assert reply(slack) == "You let <@U0ALICE> keep #2."
    assert (db.deal(1).pool_warned_at is not None, db.deal(2).pool_warned_at) == (True, None)


def test_an_answer_to_an_earlier_warning_does_not_answer_the_current_one(slack, rt, db):
    """bob declined at the first warning; alice then logged a call, and eleven days later was
    warned again: she may ask again, and bob may approve."""
    warned(slack, rt, "alice", "bob")
    old = f"1:{token(db, 1)}"
    slack.click("alice", Action.POOL_KEEP, old)
    slack.click("bob", Action.POOL_KEEP_DECLINE, old)
    rt.clock.advance(hours=1)
    slack.command("alice", "log 1 call: still interested")
    rt.clock.advance(days=11, hours=1)
    assert job(rt) == 1
    new = f"1:{token(db, 1)}"
    assert new != old
    slack.click("alice", Action.POOL_KEEP, new)
    assert reply(slack) == "Asked <@U0BOB> to let you keep #1."
    slack.click("bob", Action.POOL_KEEP_APPROVE, new)
    assert reply(slack) == "You let <@U0ALICE> keep #1."
    assert db.deal(1).pool_warned_at is None


# --- a Keep button that no longer applies ----------------------------------------------------------


def test_keep_on_a_deal_closed_since_the_warning_is_stale(slack, rt, db):
    """alice marked the warned deal lost; its Keep button (the warning's token still valid) asks nobody."""
    warned(slack, rt, "alice", "bob")
    value = f"1:{token(db, 1)}"
    slack.command("alice", "lost 1 price")
    assert db.deal(1).status == "lost"
    slack.click("alice", Action.POOL_KEEP, value)
    assert reply(slack) == STALE_EN.format(n=1)
    assert dms(rt, "U0BOB") == []
    assert "keep_asked" not in [e.field for e in db.events(1)]


def test_keep_and_its_answer_on_a_deal_already_back_in_the_pool_are_stale(slack, rt, db):
    """The deal returned to the pool three days after the warning; the warning's Keep button and
    a late answer to the request are both refused, and the deal stays in the pool."""
    warned(slack, rt, "alice", "bob")
    value = f"1:{token(db, 1)}"
    slack.click("alice", Action.POOL_KEEP, value)
    rt.clock.advance(days=3)
    assert job(rt) == 1
    assert db.deal(1).pooled_at is not None
    assert token(db, 1) == value.split(":")[1]  # the warning's token would still match
    slack.click("alice", Action.POOL_KEEP, value)
    assert reply(slack) == STALE_EN.format(n=1)
    slack.click("bob", Action.POOL_KEEP_APPROVE, value)
    assert reply(slack) == STALE_EN.format(n=1)
    assert len(dms(rt, "U0BOB")) == 1
    assert db.deal(1).pooled_at is not None
    assert [e.field for e in db.events(1) if e.kind == "pool"] == ["warned", "keep_asked"]
