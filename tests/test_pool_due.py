"""When an idle deal is due to return to the public pool (公海), to the second: a deal is due only
once both its last customer touch and its pool clock are more than its grade's ``return_days``
old; ``warn_days`` = 0 returns it without a warning; otherwise a warning counts only for the period
it was given in and only once it is ``warn_days`` old. Driven by the worker's job with the
injected clock; what the owner reads and what the database holds."""

from __future__ import annotations

from dataclasses import replace

from bot.deals import recycle
from tests.test_pool_keep import pierre  # noqa: F401 (a fixture)
from tests.test_pool_recycle import job, pooled, texts

RETURNED = "#1 Quiet 已退回公海：负责人 <@U0ALICE> {days} 天没有客户跟进。"


def pool(rt, *, warn_days: int | None = None, grade_c: int | None = None) -> None:
    settings = rt.config.pool
    if warn_days is not None:
        settings = replace(settings, warn_days=warn_days)
    if grade_c is not None:
        settings = replace(settings, return_days={**settings.return_days, "C": grade_c})
    rt.config = replace(rt.config, pool=settings)


def returns_only_a_second_later(rt, db, number: int = 1) -> None:
    """At the clock's moment the job leaves deal ``number`` alone; one second later it returns it."""
    assert job(rt) == 0
    assert not pooled(db, number)
    rt.clock.advance(seconds=1)
    assert job(rt) == 1
    assert pooled(db, number)


def test_a_deal_touched_exactly_return_days_ago_is_not_due_until_a_moment_later(slack, rt, db):
    """A call logged a day after creation: 14 days after the call to the second the deal stays,
    a second later it returns (the pool clock, from creation, is older)."""
    pool(rt, warn_days=0)
    slack.command("alice", "new Quiet 10万")
    rt.clock.advance(days=1)
    slack.command("alice", "log 1 call: still thinking")
    rt.clock.advance(days=14)
    returns_only_a_second_later(rt, db)


def test_a_deal_claimed_exactly_return_days_ago_is_not_due_until_a_moment_later(slack, rt, db):
    """bob claims a deal nobody touched since it was created: its clock starts at the claim, so
    14 days after the claim to the second it stays his, a second later it returns."""
    pool(rt, warn_days=0)
    slack.command("alice", "new Quiet 10万")
    rt.clock.advance(days=14, seconds=1)
    assert job(rt) == 1
    rt.clock.advance(hours=1)
    slack.command("bob", "claim 1")
    assert db.deal(1).owner.slack_user_id == "U0BOB"
    rt.clock.advance(days=14)
    returns_only_a_second_later(rt, db)


def test_a_grade_configured_with_one_day_returns_after_one_day(slack, rt, db):
    pool(rt, warn_days=0, grade_c=1)
    slack.command("alice", "new Quiet 10万")
    rt.clock.advance(days=1)
    returns_only_a_second_later(rt, db)
    assert texts(rt, "U0ALICE") == [RETURNED.format(days=1)]


def test_with_no_warning_days_an_idle_deal_returns_without_a_warning(slack, rt, db):
    """warn_days = 0: nobody is warned (warn_idle_deals does nothing, even for a due deal) and the
    deal returns as soon as it is due; the return is recorded under the bot's member, created then."""
    pool(rt, warn_days=0)
    slack.command("alice", "new Quiet 10万")
    rt.clock.advance(days=14, seconds=1)
    assert recycle.warn_idle_deals(rt, rt.clock.now()) == 0
    assert texts(rt, "U0ALICE") == []
    assert db.deal(1).pool_warned_at is None
    assert job(rt) == 1
    assert pooled(db, 1)
    assert texts(rt, "U0ALICE") == [RETURNED.format(days=14)]
    bot = db.member("USLACKBOT")
    assert bot.created_at.replace(tzinfo=None) == rt.clock.now().replace(tzinfo=None)
    assert [(e.kind, e.field, e.actor_id) for e in db.events(1) if e.kind == "assigned"] == [("assigned", "pool", bot.id)]


def test_a_deal_touched_after_its_warning_is_warned_again_before_it_returns(slack, rt, db):
    """alice was warned, then called the customer: when the deal is idle again (the worker was
    down), the old warning does not count; she is warned again and it returns three days later."""
    slack.command("alice", "new Quiet 10万")
    rt.clock.advance(days=11, hours=1)
    assert job(rt) == 1
    rt.clock.advance(hours=1)
    slack.command("alice", "log 1 call: asked for a quote")
    rt.clock.advance(days=14, hours=1)
    assert recycle.return_idle_deals(rt, rt.clock.now()) == 0
    assert job(rt) == 1  # the new warning
    assert not pooled(db, 1)
    assert len(texts(rt, "U0ALICE")) == 2
    rt.clock.advance(days=3)
    assert job(rt) == 1
    assert pooled(db, 1)


def test_a_deal_returns_only_once_its_warning_is_exactly_warn_days_old(slack, rt, db):
    """Due long ago (the worker was down) and warned now: not returned by the next run at once, nor
    a second before three days, but at three days to the second."""
    slack.command("alice", "new Quiet 10万")
    rt.clock.advance(days=30)
    assert job(rt) == 1
    assert job(rt) == 0
    rt.clock.advance(days=3, seconds=-1)
    returns_only_a_second_later(rt, db)


def test_a_warning_given_the_moment_a_deal_is_created_counts(slack, rt, db):
    """Grade C returns after one day and owners are warned three days before: a new deal is warned
    at once (its creation is its last touch and its clock), and that warning lets it return three
    days later without a second one."""
    pool(rt, grade_c=1)
    slack.command("alice", "new Quiet 10万")
    assert job(rt) == 1
    assert db.deal(1).pool_warned_at is not None
    rt.clock.advance(days=3)
    assert job(rt) == 1
    assert pooled(db, 1)
    assert len(texts(rt, "U0ALICE")) == 2  # the warning, then the return


def test_the_job_counts_each_deal_it_warns_and_returns(slack, rt, db):
    slack.command("alice", "new Quiet 10万")
    slack.command("bob", "new Still 10万")
    rt.clock.advance(days=11, hours=1)
    assert job(rt) == 2
    rt.clock.advance(days=3)
    assert job(rt) == 2
    assert [pooled(db, n) for n in (1, 2)] == [True, True]


def test_an_owner_whose_locale_the_app_does_not_speak_is_warned_in_the_team_language(slack, rt, pierre):  # noqa: F811
    """pierre's Slack locale is French: his warning is in the team's language (Chinese)."""
    slack.command(pierre, "new Quiet 10万")
    rt.clock.advance(days=11, hours=1)
    assert job(rt) == 1
    assert texts(rt, "U0PIERRE") == ["#1 Quiet 将于 2026-12-09 退回公海：14 天没有客户跟进（电话、会议、拜访或邮件）即退回。记录一次跟进即可保留，或申请保留。"]
