"""What a deal's alert message shows: which of its alerts (open ones, else snoozed ones, else the
ones cleared last, "all clear"), and the line saying who did what about them, in the reader's
language. The clock is fixed; nothing sleeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select

from bot.alerts import notices
from bot.console.slack_api import TEAM_ID
from bot.team.members import reader_language
from store.models import Alert, Member, Opportunity, Workspace
from tests import test_alerts as base
from tests.conftest import payload_text
from tests.test_alerts import ALICE, BOB, alert_id, edit, reassign_click, to_channel, updates

client, run, deal = base.client, base.run, base.deal  # the fixtures of the alert tests


def view(rt, number=1, lang=None, config=None):
    with rt.transaction() as session:
        opp = session.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one()
        return notices.deal_view(session, config or rt.config, opp, lang)


def conditions(v) -> list[str]:
    return [condition for condition, _ in v.items]


def test_a_condition_opening_after_a_snooze_is_shown_without_the_snoozed_one(rt, clock, deal, run, slack):
    """Open alerts are listed; a snoozed alert of the same deal is left out while another is open."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    slack.click("alice", "alert_snooze_3", f"{alert_id(rt)}:3", ephemeral=False)
    edit(rt, 1, next_step="send quote", next_step_due=date(2026, 11, 24))
    run()
    v = view(rt, lang="en")
    assert (conditions(v), v.cleared) == (["next_step_overdue"], False)


def test_the_owners_dm_after_a_snooze_lists_the_new_condition_without_the_snoozed_one(rt, clock, deal, run, slack, fake):
    """Alice snoozes her DM about #1's passed close date; its next step then falls overdue: her DM is
    updated in place to list the next step only, while another deal's open alert stays out of it."""
    assert "#2" in slack.command("alice", "new Globex 5万 stage proposal").text
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [dm] = run()
    assert dm.args["text"] == "⚠️ #1 Acme ERP: Close date passed"
    assert slack.click("alice", "alert_snooze_3", f"{alert_id(rt)}:3", ephemeral=False).status == 200
    assert run() == []
    clock.advance(hours=1)
    edit(rt, 2, expected_close=date(2026, 11, 20))
    [other] = run()
    assert other.args["text"] == "⚠️ #2 Globex: Close date passed"
    clock.advance(hours=1)
    edit(rt, 1, next_step="send quote", next_step_due=date(2026, 11, 24))
    before = len(updates(fake))
    assert run() == []
    [changed] = updates(fake)[before:]
    assert changed.args["ts"] == dm.response["ts"]
    assert changed.args["text"] == "⚠️ #1 Acme ERP: Next step overdue"
    assert "Close date" not in payload_text(changed.args) and "snoozed" not in payload_text(changed.args)


def test_a_snoozed_alert_is_still_shown_and_not_as_resolved(rt, clock, deal, run, slack):
    """With every alert snoozed the message lists them and keeps its sign: nothing has cleared."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    slack.click("alice", "alert_snooze_1", f"{alert_id(rt)}:1", ephemeral=False)
    replaced = slack.responses()[-1]
    assert replaced["text"].startswith("⚠️ #1 Acme ERP")
    assert "Resolved" not in payload_text(replaced)
    v = view(rt, lang="en")
    assert (conditions(v), v.cleared) == (["close_passed"], False)


def test_after_everything_cleared_a_deal_shows_only_its_own_last_alerts(rt, clock, deal, run, slack):
    """Two deals whose alerts clear in the same instant: each message lists only its own deal's."""
    assert "#2" in slack.command("alice", "new Globex 5万 stage proposal").text
    for number in (1, 2):
        edit(rt, number, expected_close=date(2026, 11, 20))
    run()
    clock.advance(hours=1)
    for number in (1, 2):
        edit(rt, number, expected_close=date(2026, 12, 31))
    run()
    for number in (1, 2):
        v = view(rt, number, lang="en")
        assert (conditions(v), v.cleared, v.number) == (["close_passed"], True, number)


def test_the_line_names_the_latest_action_by_time_then_by_alert(rt, clock, deal):
    """Alerts acted on one at a time (as messages did before there was one per deal): the line
    tells the latest action; of two taken in the same instant, the later alert's."""
    now = clock.now()
    with rt.transaction() as session:
        opp = session.scalars(select(Opportunity).where(Opportunity.number == 1)).unique().one()
        alice, bob = (session.scalars(select(Member.id).where(Member.slack_user_id == u)).one() for u in (ALICE, BOB))
        first = Alert(workspace_id=TEAM_ID, opportunity_id=opp.id, condition="close_passed", opened_at=now, notified_at=now)
        second = Alert(workspace_id=TEAM_ID, opportunity_id=opp.id, condition="stalled", opened_at=now, notified_at=now)
        session.add_all([first, second])
        session.flush()
        first.action, first.acted_by_id, first.acted_at = "log", bob, now - timedelta(hours=1)
        second.action, second.acted_by_id, second.acted_at = "snooze:3", alice, now
    assert view(rt, lang="en").acted == ("alert_acted_snooze", {"who": ALICE, "days": 3})
    with rt.transaction() as session:
        first = session.get(Alert, first.id)
        first.action, first.acted_at = "log", now  # the same instant: the later alert's action
    assert view(rt, lang="en").acted == ("alert_acted_snooze", {"who": ALICE, "days": 3})
    with rt.transaction() as session:
        session.get(Alert, first.id).acted_at = now + timedelta(seconds=1)
    assert view(rt, lang="en").acted == ("alert_acted_log", {"who": BOB})


def test_snoozing_a_deal_with_two_open_conditions_says_who_snoozed_it(rt, clock, deal, run, slack):
    """Every open alert of the deal is acted on at once: the line names the one action."""
    edit(rt, 1, expected_close=date(2026, 11, 20), next_step="send quote", next_step_due=date(2026, 11, 24))
    run()
    first = min(view(rt).alert_id, 10**9)
    assert slack.click("alice", "alert_snooze_3", f"{first}:3", ephemeral=False).status == 200
    assert "<@U0ALICE> snoozed this for 3 days" in payload_text(slack.responses()[-1])


def test_a_reassignment_from_an_alert_names_the_new_owner(rt, clock, deal, run, slack):
    """The alert line after a reassignment: who reassigned it, and to whom."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    assert "<@U0ADMIN> reassigned the deal to <@U0BOB>" in reassign_click(slack, "boss", alert_id(rt), "U0BOB")


def test_a_lost_reason_is_named_in_the_channels_language_on_its_copy(rt, clock, deal, run, slack, fake):
    """Alice (English) marks a big deal lost from its alert: the alerts channel's copy, in the
    team's language (Chinese), names the reason in Chinese; a view asked for with no language does too."""
    edit(rt, 1, amount=900_000, expected_close=date(2026, 11, 20))
    [post] = to_channel(run())
    slack.click("alice", "alert_lost", selected=f"{alert_id(rt)}:price", ephemeral=False)
    run()
    copies = [payload_text(u.args) for u in updates(fake) if u.args["ts"] == post.response["ts"]]
    assert copies and all("<@U0ALICE> 标记为输单（价格）" in text for text in copies)
    assert view(rt).acted == ("alert_acted_lost", {"who": ALICE, "reason": "价格"})


def test_a_lost_reason_no_longer_configured_is_shown_by_its_key(rt, clock, deal, run, slack):
    """A reason removed from the configuration after the deal was lost: the line shows its key."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    slack.click("alice", "alert_lost", selected=f"{alert_id(rt)}:price", ephemeral=False)
    config = replace(rt.config, lost_reasons=tuple(r for r in rt.config.lost_reasons if r.key != "price"))
    assert view(rt, lang="en", config=config).acted == ("alert_acted_lost", {"who": ALICE, "reason": "price"})


def test_a_dm_readers_language_is_their_own_in_this_workspace(rt, clock, slack):
    """The same Slack id in another workspace, reading Chinese, does not decide alice's language here."""
    now = clock.now()
    with rt.transaction() as session:
        session.add(Workspace(id="T0OTHER", next_number=1, created_at=now))
        session.flush()
        session.add(
            Member(workspace_id="T0OTHER", slack_user_id=ALICE, display_name="alice", role="ae", locale="zh-CN", created_at=now, profile_fetched_at=now)
        )
    slack.command("alice", "help")
    with rt.transaction() as session:
        assert reader_language(session, rt.config, TEAM_ID, ALICE) == "en"
        assert reader_language(session, rt.config, "T0OTHER", ALICE) == "zh"
