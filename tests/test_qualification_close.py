"""The qualification gate at the close: a deal below the threshold can't be marked won unless a
manager (or an admin) overrides it with a reason, which the history keeps; lost is never gated."""

import pytest
from sqlalchemy import select

from store.models import Activity

FULL = "budget:approved authority:decision_maker need:urgent timing:this_quarter competition:none strategic_fit:high"
ALICE, BOB = "<@U0ALICE|alice>", "<@U0BOB|bob>"
pytestmark = pytest.mark.gated


def team_with_manager(slack) -> None:
    """bob manages alice."""
    slack.command("bob", "help")  # bob is known to oppbot
    slack.command("boss", f"team set {BOB} role:manager")
    slack.command("boss", f"team set {ALICE} manager:{BOB}")


def state(db, number: int) -> tuple:
    deal = db.deal(number)
    return deal.status, deal.closed_at, deal.won_reason, deal.version, len(db.events(number)), db.count(Activity)


def test_a_rep_cannot_mark_a_deal_below_the_threshold_won_nor_override_the_gate(slack, db):
    slack.command("alice", "new Pilot 50万 stage needs")
    before = state(db, 1)
    refused = slack.command("alice", "won 1").text
    assert "#1 scores 0, below the 60 needed to be marked won" in refused
    assert "Missing: Budget 0/25, Need 0/25, Authority 0/20, Timing 0/15" in refused
    assert "/opp won 1 override:" in refused and "not_qualified" not in refused
    assert state(db, 1) == before

    refused = slack.command("alice", "won 1 product override: the customer signed, entering it late").text
    assert "Only a manager or an admin can override the qualification gate to mark #1 won (it scores 0, below 60)" in refused
    assert "nothing was changed" in refused and "override_not_allowed" not in refused
    assert state(db, 1) == before
    assert db.deal(1).stage == "needs"


def test_a_manager_overrides_the_gate_with_a_reason_that_the_history_keeps(slack, db):
    team_with_manager(slack)
    slack.command("alice", "new Pilot 50万 budget:approved")  # 25 of 60
    before = state(db, 1)
    refused = slack.command("bob", "won 1").text
    assert "#1 scores 25, below the 60 needed to be marked won" in refused
    assert state(db, 1) == before
    assert "An override needs a reason, e.g. `/opp won 1 override:" in slack.command("bob", "won 1 override:  ").text
    assert state(db, 1) == before

    done = slack.command("bob", "won 1 relationship override: 客户已签约，补录").text
    assert "🎉 #1 won!" in done
    deal = db.deal(1)
    assert (deal.status, deal.won_reason) == ("won", "relationship")
    overrides = [e for e in db.events(1) if e.kind == "override"]
    assert [(e.actor.slack_user_id, e.field, e.old, e.new) for e in overrides] == [("U0BOB", "qualification", "25/60", "客户已签约，补录")]
    assert db.count(Activity) == before[-1]  # the reason is the override's, not a note besides
    history = slack.command("alice", "history 1").text
    assert "<@U0BOB> overrode the qualification gate to mark it won (score 25/60): 客户已签约，补录" in history
    assert "<@U0BOB> changed the status from open to won" in history

    slack.command("bob", "new His own 20万")  # a manager may override on a deal of his own
    assert "🎉 #2 won!" in slack.command("bob", "won 2 override: paid in advance").text
    assert [e.new for e in db.events(2) if e.kind == "override"] == ["paid in advance"]


def test_an_admin_overrides_in_chinese_and_the_history_says_so_in_chinese(slack, db):
    slack.command("li", "新建 试点项目 30万")
    refused = slack.command("li", "赢单 1").text
    assert "#1 资格评分 0 分，低于 60 分，还不能标记为赢单。还差：预算 0/25" in refused
    assert "/opp 赢单 1 破例:" in refused
    refused = slack.command("li", "赢单 1 破例：客户已签约").text
    assert "只有经理或管理员可以破例把 #1 标记为赢单（资格评分 0 分，低于 60 分）" in refused
    assert db.deal(1).status == "open" and not [e for e in db.events(1) if e.kind in ("override", "status")]

    assert "🎉 #1 赢单！" in slack.command("boss", "赢单 1 破例：客户已签约，补录").text
    assert db.deal(1).status == "won"
    assert "破例标记赢单（资格评分 0/60）：客户已签约，补录" in slack.command("li", "历史 1").text


def test_a_qualified_deal_is_won_as_before_and_lost_is_never_gated(slack, db):
    slack.command("alice", "new Qualified 50万 " + FULL)
    slack.command("alice", "new Unqualified 50万")
    slack.command("alice", "new Unqualified too 50万")
    assert "🎉 #1 won!" in slack.command("alice", "won 1 product override: nothing to override").text
    assert (db.deal(1).status, db.deal(1).won_reason) == ("won", "product")
    assert not [e for e in db.events(1) if e.kind == "override"]  # a rep may: the gate doesn't apply
    with db.rt.sessions() as s:  # the words are kept as the closing note
        assert [a.text for a in s.scalars(select(Activity).where(Activity.kind == "note"))] == ["nothing to override"]

    assert "below the 60 needed to be marked won" in slack.command("alice", "won 2").text
    assert "#2 marked lost (Price)" in slack.command("alice", "lost 2 price").text
    assert db.deal(2).status == "lost"
    assert "marked lost" in slack.command("alice", "lost 3 competitor override: no need").text
    assert db.deal(3).status == "lost" and not [e for e in db.events(3) if e.kind == "override"]
