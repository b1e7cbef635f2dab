"""Deals going back to the public pool when their owner logged no customer touch for their grade's
``pool.return_days`` (14 for grade C) and was warned ``pool.warn_days`` (3) before: what the owner,
the channel and the pool manager read, what the deal's history records, and deals someone acts on
while the worker's job is running."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

from bot.core.config import Rule
from bot.deals import recycle
from tests.test_assignment import outbox


class ActedOnMidJob:
    """The runtime a worker job is given, with ``act`` done (and committed) right after the job's
    first transaction, the one that lists what to do: someone acting on a deal after the job
    listed it and before the job locked it."""

    def __init__(self, rt, act):
        self._rt, self._act = rt, act

    def __getattr__(self, name):
        return getattr(self._rt, name)

    @contextmanager
    def transaction(self):
        with self._rt.transaction() as session:
            yield session
        act, self._act = self._act, None
        if act is not None:
            act()


def return_idle(rt) -> int:
    return recycle.return_idle_deals(rt, rt.clock.now())


def warned_and_due(rt) -> None:
    """Eleven days on the owner is warned (14 - 3); three days later the deal is due."""
    rt.clock.advance(days=11, hours=1)
    assert recycle.warn_idle_deals(rt, rt.clock.now()) >= 1
    rt.clock.advance(days=3)


def test_an_idle_deals_return_is_explained_to_its_owner_the_channel_and_the_pool_manager(slack, rt):
    """In the team's language, with the deal's number and escaped title, each reads that its owner
    logged no customer touch for 14 days (alice was warned first)."""
    slack.command("alice", "new A&B <ERP> 10万")
    warned_and_due(rt)
    assert return_idle(rt) == 1
    why = "负责人 <@U0ALICE> 14 天没有客户跟进"
    assert outbox(rt, "U0ALICE")[1:] == [f"#1 A&amp;B &lt;ERP&gt; 已退回公海：{why}。"]
    assert outbox(rt, "#sales-assign") == [f"#1 A&amp;B &lt;ERP&gt; 进入公海：{why}"]
    assert outbox(rt, "U0ADMIN") == [f"#1 A&amp;B &lt;ERP&gt; 进入公海：{why}"]  # no pool manager set: the admins


def test_a_returned_deal_records_whose_it_was(slack, rt, db):
    """The deal's history says it went from alice to the pool."""
    slack.command("alice", "new Quiet deal 10万")
    warned_and_due(rt)
    assert return_idle(rt) == 1
    assert [(e.field, e.old, e.new) for e in db.events(1) if e.kind == "assigned"] == [("pool", "U0ALICE", "pool")]


def test_a_deal_its_owner_logs_on_while_the_job_runs_stays_with_its_owner(slack, rt, db):
    """Listed as idle, then a call logged before the job reached it: alice keeps it and hears
    nothing more than the warning."""
    slack.command("alice", "new Quiet deal 10万")
    warned_and_due(rt)
    logged = ActedOnMidJob(rt, lambda: slack.command("alice", "log 1 call: called them"))
    assert return_idle(logged) == 0
    assert (db.deal(1).pooled_at, db.deal(1).owner.slack_user_id) == (None, "U0ALICE")
    assert [e for e in db.events(1) if e.kind == "assigned"] == []
    assert len(outbox(rt, "U0ALICE")) == 1


def test_a_deal_pooled_by_hand_while_the_job_runs_is_not_announced_again(slack, rt, db):
    """Listed as idle, then sent to the pool by an admin (a hand-assigning rule): the job leaves
    it, so the channel hears of it once and alice is not told it went back for being idle."""
    by_hand = Rule(name="手动", strategy="manual", role="ae")
    rt.config = replace(rt.config, assignment=replace(rt.config.assignment, rules=(by_hand,)))
    slack.command("alice", "new Quiet deal 10万")
    warned_and_due(rt)
    pooled = ActedOnMidJob(rt, lambda: slack.command("boss", "assign 1 auto"))
    assert return_idle(pooled) == 0
    assert db.deal(1).pooled_at is not None
    assert outbox(rt, "#sales-assign") == ["#1 Quiet deal 进入公海：规则「手动」为手动分配"]
    assert len(outbox(rt, "U0ALICE")) == 1  # the warning only


def test_a_deal_the_job_skips_does_not_stop_it_returning_the_next(slack, rt, db):
    """#1 has a call logged after the job listed it; #2, idle too, still goes back to the pool."""
    slack.command("alice", "new Logged deal 10万")
    rt.clock.advance(hours=1)
    slack.command("alice", "new Quiet deal 10万")
    warned_and_due(rt)
    logged = ActedOnMidJob(rt, lambda: slack.command("alice", "log 1 call: called them"))
    assert return_idle(logged) == 1
    assert [d.pooled_at is not None for d in db.deals()] == [False, True]
