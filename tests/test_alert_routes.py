"""Who hears about a deal's conditions, at the edges of the rules: the channel's amount threshold
and grades, a mute that ends now, and what the message says of the deal (its stage, amount and
grade). The clock is fixed (Wednesday 2026-11-25 10:00); nothing sleeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from tests import test_alerts as base
from tests.conftest import payload_text
from tests.test_alerts import ALICE, dms, edit, member, to_channel

client, run, deal = base.client, base.run, base.deal  # the fixtures of the alert tests


def test_a_deal_at_exactly_the_channels_amount_goes_to_the_channel_and_is_red(rt, deal, run):
    edit(rt, 1, amount=Decimal(rt.config.alerts.channel_min_amount), expected_close=date(2026, 11, 20))
    sent = run()
    [post] = to_channel(sent)
    assert post.args["text"] == "🔴 #1 Acme ERP：预计成交日已过"
    assert "轮到 <@U0ALICE> 处理 · 方案提交 · ¥50万 · C" in payload_text(post.args)  # its stage, amount and grade


def test_a_deal_a_cent_below_it_stays_out_of_the_channel_and_is_a_warning(rt, deal, run):
    edit(rt, 1, amount=Decimal(rt.config.alerts.channel_min_amount) - Decimal("0.01"), expected_close=date(2026, 11, 20))
    sent = run()
    assert to_channel(sent) == []
    assert [p.args["text"] for p in dms(sent, ALICE)] == ["⚠️ #1 Acme ERP: Close date passed"]


def test_a_small_deal_of_a_channel_grade_goes_to_the_channel(rt, deal, run):
    rt.config = replace(rt.config, alerts=replace(rt.config.alerts, channel_grades=("C",)))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [post] = to_channel(run())
    assert "¥5万 · C" in payload_text(post.args)


def test_a_mute_that_ends_now_no_longer_holds_the_dm(rt, clock, deal, run):
    member(rt, ALICE, muted_until=clock.now())
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert [p.args["text"] for p in dms(run(), ALICE)] == ["⚠️ #1 Acme ERP: Close date passed"]


def test_a_mute_that_ends_a_minute_from_now_still_holds_it(rt, clock, deal, run):
    member(rt, ALICE, muted_until=clock.now() + timedelta(minutes=1))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert dms(run(), ALICE) == []


# --- whose doing: a condition a person caused themself is not sent to them -----------------------


def risk_dms(sent):
    return sorted(p.args["text"] for p in dms(sent, ALICE))


def test_a_risk_someone_else_raised_is_sent_even_when_the_owner_raised_one_on_another_deal_since(slack, rt, deal, run):
    slack.command("alice", "new Second deal 20万")
    slack.command("boss", "risk 1 competitor")
    slack.command("alice", "risk 2 budget-cut")  # her own flag, raised after boss's, on another deal
    assert risk_dms(run()) == ["⚠️ #1 Acme ERP: Risk"]


def test_the_newest_open_flag_decides_whose_doing_a_risk_is(slack, rt, deal, run):
    slack.command("alice", "risk 1 budget-cut")
    slack.command("boss", "risk 1 competitor")  # the newest: boss's
    assert risk_dms(run()) == ["⚠️ #1 Acme ERP: Risk"]


def test_a_flag_cleared_since_does_not_count(slack, rt, deal, run):
    slack.command("boss", "risk 1 competitor")
    slack.command("alice", "risk 1 budget-cut")
    slack.command("alice", "risk 1 clear budget-cut")  # the newest flag, hers, is cleared: boss's is the open one
    assert risk_dms(run()) == ["⚠️ #1 Acme ERP: Risk"]


def test_the_owners_own_newest_flag_is_not_sent_to_them(slack, rt, deal, run):
    slack.command("boss", "risk 1 competitor")
    slack.command("alice", "risk 1 budget-cut")
    assert risk_dms(run()) == []


def test_a_passed_date_is_the_doing_of_whoever_last_set_it_on_that_deal(slack, rt, clock, deal, run):
    """Thursday: boss, then alice, set #1's next step due on days past (alice's is the last: her
    doing, not sent to her); boss then sets #2's, after her, and logs a call on #1 (not a change of
    its date): #2 is sent to her, #1 is not."""
    slack.command("alice", "new Second deal 20万")
    clock.advance(days=1)
    slack.command("boss", "log 1 called next check in by 2026-11-24")
    slack.command("alice", "log 1 called next check in by 2026-11-25")
    slack.command("boss", "log 2 called next check in by 2026-11-25")
    slack.command("boss", "log 1 called their CFO too")
    sent = run()
    assert [p.args["text"] for p in dms(sent, ALICE)] == ["⚠️ #2 Second deal: Next step overdue"]


def test_the_risk_line_lists_only_this_deals_open_flags(slack, rt, deal, run):
    slack.command("alice", "new Second deal 20万")
    slack.command("boss", "risk 2 budget-cut their budget moved to next year")
    slack.command("boss", "risk 1 champion-left the CIO resigned")
    slack.command("boss", "risk 1 competitor")
    slack.command("boss", "risk 1 clear competitor")
    [dm] = dms(run(), ALICE)  # both deals, one DM
    text = payload_text(dm.args)
    first = text[text.index("*⚠️ #1 Acme ERP: Risk*") :].split("*⚠️ #2")[0]
    assert "Champion left — the CIO resigned" in first
    assert "Budget cut" not in first and "Competitor" not in first  # #2's flag, and the one cleared


def test_a_deals_message_says_when_it_was_escalated_and_to_whom(rt, clock, deal, run, slack):
    member(rt, ALICE, manager_id=member(rt, "U0BOB"))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [dm] = run()
    assert "Escalated" not in payload_text(dm.args)
    clock.advance(days=2)
    assert [p.args["channel"] for p in run()] == ["U0BOB"]  # the note to bob; alice's DM is edited
    [edited] = [u for u in base.updates(slack.fake) if u.args["ts"] == dm.response["ts"]]
    assert "⏫ Escalated to <@U0BOB>: nobody acted on this alert for 2 days." in payload_text(edited.args)


def test_a_deal_marked_lost_from_its_alert_shows_no_more_buttons(rt, clock, deal, run, slack):
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    slack.click("alice", "alert_lost", selected=f"{base.alert_id(rt)}:price", ephemeral=False)
    answer = slack.responses()[-1]
    assert "marked the deal lost (Price)" in payload_text(answer)
    assert [b for b in answer["blocks"] if b["type"] == "actions"] == []  # nothing left to act on
