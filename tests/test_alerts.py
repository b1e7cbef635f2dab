"""The worker's alerts, as the team would see them in Slack: who is told about which deal, when,
and what happens when they press the buttons. The clock is fixed; nothing sleeps."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.alerts import scan as watch
from bot.console.slack_workspace import FakeWorkspace
from bot.core.i18n import t
from bot.worker.jobs import daily_bundles, scan_all, send_outbox
from bot.worker.sender import sender_client
from store.models import Alert, Member, Opportunity, OutboxMessage
from tests.conftest import SHANGHAI, USERS, payload_text
from tests.slackcheck import assert_valid_message

ALICE, BOB, LI, BOSS = (USERS[n]["user_id"] for n in ("alice", "bob", "li", "boss"))
CHANNEL = "#deal-alerts"
CHANNEL_ID = FakeWorkspace._name_id("deal-alerts")  # what the stand-in calls it


@pytest.fixture
def client(fake):
    return sender_client("xoxb-test", fake.api_url, retries=0)


def posts(fake):
    """The posts these tests are about: alerts, bundles and notes. A deal's card, the parent of
    its thread in a channel (bot.deals.threads, tests/test_deal_threads.py), is left out."""
    return [c for c in fake.calls("chat.postMessage") if not c.failed and not is_card(c)]


def is_card(call) -> bool:
    return str(((call.args.get("metadata") or {}).get("event_payload") or {}).get("key", "")).startswith("card:")


@pytest.fixture
def run(rt, client, fake):
    """One worker pass at the clock's time: scan, bundles, send. Returns the messages posted."""

    def go():
        now = rt.clock.now()
        before = len(posts(fake))
        scan_all(rt, client, now)
        daily_bundles(rt, client, now)
        send_outbox(rt, client, now)
        return posts(fake)[before:]

    return go


def dms(posts, user):
    return [p for p in posts if p.args["channel"] == user]


def where(post) -> str:
    """Where a post went, the alerts channel by its name however it was addressed."""
    return CHANNEL if post.args["channel"] == CHANNEL_ID else post.args["channel"]


def to_channel(posts):
    """Posts in the alerts channel: by name, or by its id (a reply in a deal's thread there)."""
    return [p for p in posts if p.args["channel"] in (CHANNEL, CHANNEL_ID)]


def edit(rt, number, **values):
    with rt.transaction() as session:
        opp = session.scalars(select(Opportunity).where(Opportunity.number == number)).unique().one()
        for key, value in values.items():
            setattr(opp, key, value)


def member(rt, slack_id, **values):
    with rt.transaction() as session:
        m = session.scalars(select(Member).where(Member.slack_user_id == slack_id)).one()
        for key, value in values.items():
            setattr(m, key, value)
        return m.id


def at(clock, text):
    clock.set(datetime.fromisoformat(text).replace(tzinfo=SHANGHAI))


def open_alerts(rt):
    with rt.sessions() as session:
        return session.execute(select(Opportunity.number, Alert.condition).join(Opportunity).where(Alert.cleared_at.is_(None))).all()


@pytest.fixture
def deal(slack, rt):
    """#1, alice's, in Proposal (stalls after 10 days), small, grade C, created on Monday."""
    now = rt.clock.now()
    rt.clock.advance(days=-2)
    answer = slack.command("alice", "new Acme ERP 5万 stage proposal")
    assert "#1" in answer.text, answer.text
    slack.command("bob", "help")  # bob, li and boss exist as members
    slack.command("li", "help")
    slack.command("boss", "help")
    rt.clock.set(now)
    return 1


# --- each condition --------------------------------------------------------------------------


def test_a_deal_without_activity_for_longer_than_its_stage_allows_is_stalled(rt, clock, deal, run):
    assert run() == []
    clock.advance(days=6)  # Tuesday next week: within proposal's 10 days
    assert run() == []
    at(clock, "2026-12-05T10:00")  # Saturday: stalled, but not a working day
    assert run() == []
    assert open_alerts(rt) == [(1, "stalled")]
    at(clock, "2026-12-07T10:00")  # Monday
    posts = run()
    assert [p.args["channel"] for p in posts] == [ALICE]
    text = payload_text(posts[0].args)
    assert "Stalled" in text and "no activity for 14 days" in text and "<@U0ALICE>'s move" in text
    assert run() == []  # one alert per deal and condition


@pytest.mark.parametrize(
    "values, condition, words",
    [
        (dict(next_step="send quote", next_step_due=date(2026, 11, 24)), "next_step_overdue", "next step “send quote” was due"),
        (dict(expected_close=date(2026, 11, 20)), "close_passed", "close date Fri 2026-11-20 passed 5 days ago"),
        (dict(next_touch_due=datetime(2026, 11, 24, 9, tzinfo=SHANGHAI)), "follow_up", "need a touch by"),
    ],
)
def test_overdue_next_step_passed_close_date_and_missed_follow_up(rt, clock, deal, run, values, condition, words):
    edit(rt, 1, **values)
    posts = run()
    assert open_alerts(rt) == [(1, condition)]
    assert len(dms(posts, ALICE)) == 1
    assert words in payload_text(posts[0].args)


def test_a_risk_flag_alerts_the_owner_but_not_whoever_raised_it(slack, rt, clock, run, fake):
    slack.command("alice", "new Globex 5万 owner <@U0LI>")  # alice creates it for li
    answer = slack.command("boss", "risk 1 competitor they quoted 20% lower")  # an admin flags it
    assert "Flagged a risk on #1: Competitor involved" in answer.text
    posts = run()
    assert [p.args["channel"] for p in posts] == [LI]
    assert "竞争对手介入 — they quoted 20% lower" in payload_text(posts[0].args)  # li reads Chinese
    slack.command("li", "risk 1 clear competitor")
    assert run() == [] and open_alerts(rt) == []
    # li flags a risk on his own deal: nobody is told about their own change
    assert "预算调整" in slack.command("li", "风险 1 预算调整 客户预算削减").text
    assert run() == [] and open_alerts(rt) == [(1, "risk")]


def test_risk_needs_a_known_kind(slack, deal):
    assert "Risks: `silent`" in slack.command("alice", "risk 1 weather").text


# --- clearing, dedup ---------------------------------------------------------------------------


def test_an_alert_clears_when_its_condition_goes_and_its_message_says_resolved(slack, rt, clock, deal, run, fake):
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [post] = run()
    slack.command("alice", "edit 1")  # no change yet
    edit(rt, 1, expected_close=date(2026, 12, 31))
    assert run() == []
    assert open_alerts(rt) == []
    update = fake.last("chat.update")
    assert update.args["ts"] == post.response["ts"] and "Resolved" in payload_text(update.args)
    edit(rt, 1, expected_close=date(2026, 11, 21))  # slips again: a new alert
    assert len(run()) == 1


# --- quiet hours, working days ------------------------------------------------------------------


def test_nothing_is_sent_in_quiet_hours_it_waits_for_the_morning(rt, clock, deal, run):
    at(clock, "2026-11-25T21:30")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert run() == [] and open_alerts(rt) == [(1, "close_passed")]
    at(clock, "2026-11-26T07:59")
    assert run() == []
    at(clock, "2026-11-26T08:00")
    assert len(run()) == 1


def test_weekends_are_quiet(rt, clock, deal, run):
    at(clock, "2026-11-28T10:00")  # Saturday
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert run() == []
    at(clock, "2026-11-29T10:00")
    assert run() == []
    at(clock, "2026-11-30T09:00")  # Monday
    assert len(run()) == 1


# --- routing and preferences ---------------------------------------------------------------------


def test_big_deals_and_grade_a_deals_also_go_to_the_alerts_channel(rt, clock, deal, run, slack):
    slack.command("bob", "new Initech 120万")
    slack.command("bob", "new Umbrella 1万")
    edit(rt, 1, expected_close=date(2026, 11, 20))  # small, C: owner only
    edit(rt, 2, expected_close=date(2026, 11, 20))  # big
    edit(rt, 3, expected_close=date(2026, 11, 20), grade="A")  # grade A
    posts = run()
    assert len(dms(posts, ALICE)) == 1 and [p.args["text"] for p in dms(posts, BOB)] == ["2 of your deals need attention"]  # one DM about both
    # in the workspace's language; 🔴 for the big overdue deal, ⚠️ for the rest
    assert sorted(p.args["text"].split("：")[0] for p in to_channel(posts)) == ["⚠️ #3 Umbrella", "🔴 #2 Initech"]
    assert [p.args["text"] for p in dms(posts, ALICE)] == ["⚠️ #1 Acme ERP: Close date passed"]
    for post in posts:
        assert_valid_message({"text": post.args["text"], "blocks": post.args["blocks"]})


def test_dm_only_keeps_my_deals_out_of_channels(rt, clock, deal, run, slack):
    member(rt, ALICE, alert_mode="dm_only")
    edit(rt, 1, expected_close=date(2026, 11, 20), amount=2_000_000)
    posts = run()
    assert [p.args["channel"] for p in posts] == [ALICE]


def test_a_muted_member_gets_no_dms_until_the_mute_ends(rt, clock, deal, run):
    member(rt, ALICE, muted_until=clock.now() + timedelta(days=3))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert run() == []
    assert open_alerts(rt) == [(1, "close_passed")]


def test_a_member_who_chose_the_daily_bundle_gets_one_dm_a_day(rt, clock, deal, run, slack):
    slack.command("alice", "new Second deal 20万")
    member(rt, ALICE, alert_mode="bundle")
    at(clock, "2026-11-25T08:30")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    edit(rt, 2, next_step="demo", next_step_due=date(2026, 11, 23))
    assert run() == []  # announced (nothing per alert for alice), bundle not due before 09:00
    at(clock, "2026-11-25T09:00")
    [bundle] = run()
    assert bundle.args["channel"] == ALICE
    text = payload_text(bundle.args)
    assert "Today's deal alerts (2)" in text and "#1" in text and "#2" in text
    assert text.index("#2 Second deal") < text.index("#1 Acme ERP"), text  # most pressing first: #2 (20万) is bigger than #1 (5万)
    at(clock, "2026-11-25T15:00")
    assert run() == []


def test_nobody_is_alerted_about_their_own_change(rt, clock, deal, run, slack):
    clock.advance(days=1)
    slack.command("alice", "log 1 called them next send quote by 2026-11-25")  # she sets a due date of yesterday
    posts = run()
    assert open_alerts(rt) == [(1, "next_step_overdue")] and posts == []


def test_a_date_set_just_after_midnight_counts_as_set_after_it_had_passed(rt, clock, deal, run, slack):
    """At 00:30 on Thursday (team time: the day has begun) alice sets a next step due Wednesday:
    her own doing, so the 10:00 scan tells her nothing."""
    at(clock, "2026-11-26T00:30")
    slack.command("alice", "log 1 called them next send quote by 2026-11-25")
    at(clock, "2026-11-26T10:00")
    posts = run()
    assert open_alerts(rt) == [(1, "next_step_overdue")] and posts == []


# --- acting on an alert ---------------------------------------------------------------------------


def alert_id(rt):
    with rt.sessions() as session:
        return session.scalars(select(Alert.id).where(Alert.cleared_at.is_(None))).one()


def test_snooze_quiets_an_alert_then_it_comes_back_if_still_true(rt, clock, deal, run, slack, fake):
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [post] = run()
    buttons = next(b for b in post.args["blocks"] if b["type"] == "actions")["elements"]
    assert [e["action_id"] for e in buttons] == ["alert_log", "alert_snooze_1", "alert_snooze_3", "alert_snooze_7", "alert_reassign", "alert_lost"]
    answer = slack.click("alice", "alert_snooze_1", buttons[1]["value"], ephemeral=False)
    assert answer.status == 200
    replaced = slack.responses()[-1]
    assert replaced["replace_original"] is True and "<@U0ALICE> snoozed this for 1 day" in payload_text(replaced)
    assert run() == []  # the in-place update went out...
    assert fake.last("chat.update").args["ts"] == post.response["ts"]
    clock.advance(hours=23)
    assert run() == []
    clock.advance(hours=1, minutes=1)  # snooze over, close date still passed: announced again
    assert len(run()) == 1


def test_someone_else_may_not_snooze_my_alert(rt, clock, deal, run, slack):
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    slack.click("bob", "alert_snooze_1", f"{alert_id(rt)}:1")
    assert "You can't change #1" in payload_text(slack.responses()[-1])


def test_mark_lost_from_an_alert_closes_the_deal_and_the_alert(rt, clock, deal, run, slack):
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    slack.click("alice", "alert_lost", selected=f"{alert_id(rt)}:price", ephemeral=False)
    assert "marked the deal lost (Price)" in payload_text(slack.responses()[-1])
    with rt.sessions() as session:
        assert session.scalars(select(Opportunity.status)).one() == "lost"
    run()
    assert open_alerts(rt) == []


def test_log_activity_from_an_alert_opens_the_log_form(rt, clock, deal, run, slack, fake):
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    slack.click("alice", "alert_log", str(alert_id(rt)), ephemeral=False)
    assert fake.last("views.open").args["view"]["callback_id"] == "deal_log"
    with rt.sessions() as session:
        alert = session.scalars(select(Alert)).one()
        assert alert.action == "log" and alert.acted_at is not None


# --- escalation --------------------------------------------------------------------------------


def test_an_alert_nobody_acts_on_goes_to_the_owners_manager(rt, clock, deal, run, slack):
    bob_id = member(rt, BOB)
    member(rt, ALICE, manager_id=bob_id)
    edit(rt, 1, expected_close=date(2026, 11, 20))
    assert len(run()) == 1
    clock.advance(days=1)
    assert run() == []
    clock.advance(days=1)  # Friday: two days without action
    posts = run()
    assert [p.args["channel"] for p in posts] == [BOB]
    clock.advance(days=5)
    assert run() == []  # escalated once


def test_an_alert_acted_on_is_not_escalated(rt, clock, deal, run, slack):
    member(rt, ALICE, manager_id=member(rt, BOB))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    slack.click("alice", "alert_snooze_1", f"{alert_id(rt)}:1")
    clock.advance(days=2)
    assert dms(run(), BOB) == []


# --- dry run -------------------------------------------------------------------------------


def test_a_dry_run_says_what_would_be_alerted_and_why_and_changes_nothing(rt, clock, deal, run):
    edit(rt, 1, expected_close=date(2026, 11, 20), amount=900_000)
    with rt.transaction() as session:
        result = watch.scan(session, config=rt.config, workspace_id="T0001", now=clock.now(), dry_run=True)
    assert result.lines == [
        "#1 Acme ERP: Close date passed — close date Fri 2026-11-20 passed 5 days ago and the deal is still open",
        "-> dm U0ALICE post #1: Close date passed",
        "-> channel #deal-alerts post #1: Close date passed",
        "2 messages; per recipient: #deal-alerts 1, U0ALICE 1",
    ]
    assert open_alerts(rt) == []
    with rt.sessions() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def reassign_click(slack, who, alert, new_owner):
    from bot.console.slack_api import TEAM_ID
    from tests.conftest import USERS

    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": USERS[who]["user_id"], "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "trigger_id": "t.r",
        "channel": {"id": "C0SALES"},
        "container": {"type": "message", "channel_id": "C0SALES", "is_ephemeral": False, "message_ts": "1.1"},
        "response_url": slack.fake.response_url("reassign"),
        "actions": [{"action_id": "alert_reassign", "block_id": f"alert_{alert}", "type": "users_select", "selected_user": new_owner}],
    }
    assert slack.interactive(payload).status == 200
    return payload_text(slack.responses()[-1])


def test_reassign_from_an_alert_follows_the_assignment_permissions(rt, clock, deal, run, slack):
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    refused = reassign_click(slack, "bob", alert_id(rt), "U0BOB")  # bob is not alice's manager
    assert "#1" in refused and "U0BOB" not in owner_ids(rt)
    reassign_click(slack, "boss", alert_id(rt), "U0BOB")  # an admin may
    assert owner_ids(rt) == ["U0BOB"]


def owner_ids(rt):
    from store.models import Member

    with rt.sessions() as session:
        return list(session.scalars(select(Member.slack_user_id).join(Opportunity, Opportunity.owner_id == Member.id)))


def dry_run(rt, clock):
    with rt.transaction() as session:
        return watch.scan(session, config=rt.config, workspace_id="T0001", now=clock.now(), dry_run=True).lines


def test_a_dry_run_lists_each_finding_in_order_and_says_who_hears_and_when(rt, clock, deal, run, slack):
    """Several findings on one deal, in condition order; a muted owner of a small deal means nobody is told, and on a weekend it waits."""
    slack.command("boss", "risk 1 competitor they quoted 20% lower")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    member(rt, ALICE, muted_until=clock.now() + timedelta(days=30))
    at(clock, "2026-12-06T10:00")  # Sunday, stalled by now
    assert dry_run(rt, clock) == [
        "#1 Acme ERP: Close date passed — close date Fri 2026-11-20 passed 16 days ago and the deal is still open",
        "#1 Acme ERP: Risk — Competitor involved — they quoted 20% lower",
        "#1 Acme ERP: Stalled — no activity for 13 days (Proposal allows 10)",
        "nothing is sent at Sun 2026-12-06 10:00: outside working time; alerts wait for the next working hour",
    ]
    at(clock, "2026-12-07T10:00")  # Monday: alice is muted and the deal is small, so nobody hears
    assert dry_run(rt, clock)[-1] == "0 messages; per recipient: nobody"
    assert open_alerts(rt) == []


def test_a_dry_run_does_not_route_an_alert_to_whoever_caused_it(rt, clock, deal, slack):
    """The dry run leaves out the owner who set the next step's due date after it had passed, as the scan would."""
    clock.advance(days=1)
    slack.command("alice", "log 1 called them next send quote by 2026-11-25")
    assert dry_run(rt, clock) == [
        "#1 Acme ERP: Next step overdue — next step “send quote” was due Wed 2026-11-25; 1 day overdue",
        "0 messages; per recipient: nobody",
    ]


def test_every_copy_of_an_alert_shows_the_last_of_two_actions_taken_in_the_same_instant(rt, clock, deal, run, slack, fake):
    """Log activity, then Snooze at the same moment: the DM in Slack ends up saying it was snoozed."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [post] = run()
    slack.click("alice", "alert_log", str(alert_id(rt)), ephemeral=False)
    slack.click("alice", "alert_snooze_1", f"{alert_id(rt)}:1", ephemeral=False)
    assert run() == []
    updates = [c for c in fake.calls("chat.update") if not c.failed and c.args["ts"] == post.response["ts"]]
    assert len(updates) == 2
    assert "<@U0ALICE> snoozed this for 1 day" in payload_text(updates[-1].args)


def updates(fake):
    """Edits of the alert messages (a deal's card kept current in its thread is left out)."""
    cards = {c.response["ts"] for c in fake.calls("chat.postMessage") if not c.failed and is_card(c)}
    return [c for c in fake.calls("chat.update") if not c.failed and c.args["ts"] not in cards]


def test_a_cleared_alert_updates_only_its_own_messages_each_in_its_readers_language(rt, clock, deal, run, slack, fake):
    """Li's big deal resolves: his DM and the channel post say so in Chinese; alice's alert on another deal is left alone."""
    slack.command("alice", "new Globex 120万 owner <@U0LI>")
    member(rt, LI, locale=None)  # no Slack locale: the workspace's language (Chinese)
    edit(rt, 1, expected_close=date(2026, 11, 20))
    edit(rt, 2, expected_close=date(2026, 11, 20))
    posts = run()
    sent = {where(p): p.response["ts"] for p in posts if "#2" in p.args["text"]}
    assert sorted(sent) == [CHANNEL, LI] and len(dms(posts, ALICE)) == 1
    edit(rt, 2, expected_close=date(2026, 12, 31))
    assert run() == []
    done = {u.args["ts"]: payload_text(u.args) for u in updates(fake)}
    assert sorted(done) == sorted(sent.values())
    assert all(t("zh", "alert_cleared") in text for text in done.values())


def test_the_owners_copy_is_updated_in_the_owners_language(rt, clock, deal, run, slack, fake):
    """Alice reads English: after she marks the deal lost from the alert, her DM names the reason in English."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    run()
    slack.click("alice", "alert_lost", selected=f"{alert_id(rt)}:price", ephemeral=False)
    run()
    texts = [payload_text(u.args) for u in updates(fake)]
    assert texts and all("marked the deal lost (Price)" in text for text in texts)


def test_the_managers_escalation_message_is_never_rewritten(rt, clock, deal, run, slack, fake):
    """Escalated to bob, then resolved: only alice's DM is updated, bob's escalation DM stays as sent."""
    member(rt, ALICE, manager_id=member(rt, BOB))
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [dm] = run()
    clock.advance(days=2)
    assert [p.args["channel"] for p in run()] == [BOB]
    edit(rt, 1, expected_close=date(2026, 12, 31))
    run()
    assert [u.args["ts"] for u in updates(fake)] == [dm.response["ts"]] * 2  # escalated, then resolved


def test_the_same_action_taken_again_later_updates_the_alert_again(rt, clock, deal, run, slack, fake):
    """Alice starts logging, a minute later the admin does: the DM ends up naming the admin."""
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [post] = run()
    slack.click("alice", "alert_log", str(alert_id(rt)), ephemeral=False)
    clock.advance(minutes=1)
    slack.click("boss", "alert_log", str(alert_id(rt)), ephemeral=False)
    run()
    texts = [payload_text(u.args) for u in updates(fake) if u.args["ts"] == post.response["ts"]]
    assert len(texts) == 2 and "U0ADMIN" in texts[-1] and "U0ADMIN" not in texts[0]


def test_an_enterprise_member_w_id_gets_updates_in_their_own_language(rt, clock, deal, run, slack, fake):
    """A member whose Slack id starts with W (Enterprise Grid) reads the update of their DM in their language."""
    member(rt, ALICE, slack_user_id="W0ALICE")
    edit(rt, 1, expected_close=date(2026, 11, 20))
    [post] = run()
    assert post.args["channel"] == "W0ALICE"
    edit(rt, 1, expected_close=date(2026, 12, 31))
    run()
    [update] = updates(fake)
    assert update.args["ts"] == post.response["ts"] and "Resolved" in payload_text(update.args)
