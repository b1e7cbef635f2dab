"""The Home tab always current: redrawn after the answer to any request that changed something, for
the person who made the change, the deals' owners and their managers, once each; its sections
(Today, This week, Team) hold the right deals on the test's clock, page, and stay within 100 blocks."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from bot.console.slack_api import TEAM_ID
from bot.deals import recycle
from bot.demo.generated import generate, insert_all
from store.models import Member, Opportunity
from tests.conftest import NOW, USERS, payload_text
from tests.test_home import home_click, open_home, text_of

ALICE, BOB, BOSS, LI = "U0ALICE", "U0BOB", "U0ADMIN", "U0LI"


@pytest.fixture
def homes_seen(slack):
    """Alice, Bob, Li and the boss have their Home tabs open (app_home_opened): only a Home seen
    within HOME_SEEN is redrawn after a change."""
    for who in ("alice", "bob", "li", "boss"):
        open_home(slack, who)


def published(fake, since: int) -> list:
    """(user, text) of each views.publish after the first ``since``."""
    return [(c.args["user_id"], payload_text({"blocks": c.args["view"]["blocks"]})) for c in fake.calls("views.publish")[since:]]


def mark(fake) -> int:
    return len(fake.calls("views.publish"))


def test_a_command_that_changes_a_deal_redraws_the_actors_home_once(slack, fake, homes_seen):
    before = mark(fake)
    slack.command("alice", "new Acme ERP 50万 close 2026-11-27")
    calls = published(fake, before)
    assert [user for user, _ in calls] == [ALICE]  # one publish, for the person who made it
    assert "• *#1* Acme ERP — ¥500k · @alice · due Fri 2026-11-27" in calls[0][1]  # in This week
    before = mark(fake)
    slack.command("alice", "move 1 proposal")
    calls = published(fake, before)
    assert [user for user, _ in calls] == [ALICE] and "Proposal: 1 · ¥500k" in calls[0][1]
    before = mark(fake)
    slack.command("alice", "log 1 called next send quote by 2026-11-25")
    assert [user for user, _ in published(fake, before)] == [ALICE]
    assert "*Due and overdue* (1): 0 overdue, 1 due today" in published(fake, before)[0][1]
    before = mark(fake)
    slack.command("alice", "won 1")
    calls = published(fake, before)
    assert [user for user, _ in calls] == [ALICE] and "Acme ERP" not in calls[0][1]


def test_someone_elses_change_redraws_the_owners_home_too_and_the_old_owners(slack, fake, homes_seen):
    slack.command("alice", "new Acme ERP 50万")
    before = mark(fake)
    slack.command("boss", "assign 1 <@U0BOB|bob>")
    calls = dict(published(fake, before))
    assert sorted(calls) == sorted([BOSS, BOB, ALICE])  # each once
    assert len(published(fake, before)) == 3
    assert published(fake, before)[0][0] == BOSS  # the person who made the change first
    assert "\nTeam\n" in calls[BOSS]  # boss is an admin: the team's section
    assert "Lead: 1 · ¥500k" in calls[BOB] and "Lead: 1" not in calls[ALICE]


def test_a_change_redraws_the_owners_managers_home(slack, fake, homes_seen):
    slack.command("boss", f"team set <@{ALICE}> role:manager")
    slack.command("boss", f"team set <@{BOB}> manager:<@{ALICE}>")
    slack.command("bob", "new Globex 20万 close 2026-11-20")  # overdue
    before = mark(fake)
    slack.command("bob", "move 1 proposal")
    calls = dict(published(fake, before))
    assert sorted(calls) == sorted([BOB, ALICE])
    assert "\nTeam\n" in calls[ALICE] and "• *#1* Globex — ¥200k · @bob · due Fri 2026-11-20" in calls[ALICE]
    assert "\nTeam\n" not in calls[BOB]


def test_read_only_commands_and_bad_input_redraw_nothing(slack, fake):
    slack.command("alice", "new Acme ERP 50万")
    before = mark(fake)
    for words in ("list", "show 1", "help", "find Acme", "move 1 nowhere", "show 99"):
        slack.command("alice", words)
    slack.command("li", "列表")  # a first request of a person: their row is made, nothing they changed
    assert published(fake, before) == []


def test_buttons_and_forms_redraw_the_home_after_the_answer(slack, fake, db, homes_seen):
    slack.command("alice", "new")
    before = mark(fake)
    slack.submit("alice", slack.opened_view(), {"title": "Fresh from the form", "amount": "5万"})
    calls = published(fake, before)
    assert [user for user, _ in calls] == [ALICE] and "Lead: 1 · ¥50k" in calls[0][1]
    before = mark(fake)
    home_click(slack, "alice", "home_brief", None, value="on")
    calls = published(fake, before)
    assert [user for user, _ in calls] == [ALICE] and "Turn off morning brief" in calls[0][1]


def test_a_refused_publish_is_logged_and_the_change_stands(slack, fake, db, caplog, homes_seen):
    slack.command("alice", "new Acme ERP 50万")
    fake.fail("views.publish", error="not_enabled", times=5)
    answer = slack.command("alice", "move 1 proposal")
    assert "#1" in answer.text and db.deal(1).stage == "proposal"
    assert "views.publish for U0ALICE failed: not_enabled" in caplog.text


def test_the_sections_hold_the_deals_due_today_this_week_and_not_later(slack):
    slack.command("alice", "new Step today 1万")
    slack.command("alice", "log 1 call next ring them by 2026-11-25")
    slack.command("alice", "new Lapsed 2万 close 2026-11-24")
    slack.command("alice", "new Friday deal 3万 close 2026-11-27")
    slack.command("alice", "new Step sunday 4万")
    slack.command("alice", "log 4 call next demo by 2026-11-29")
    slack.command("alice", "new Next week 5万 close 2026-12-02")
    text = text_of(open_home(slack, "alice"))
    today, week, rest = text.index("\nToday\n"), text.index("\nThis week (to Sun 2026-11-29)"), text.index("*My pipeline*")

    def where(title):
        at = text.index(title)
        return "today" if today < at < week else "week" if week < at < rest else "elsewhere"

    assert where("Step today") == where("Lapsed") == "today"
    assert where("Friday deal") == where("Step sunday") == "week"
    assert "Next week" not in text[today:rest]
    assert "*Due and overdue* (2): 1 overdue, 1 due today" in text
    assert "*Due this week* (2): 1 closing, 1 follow-ups" in text


def test_a_manager_sees_their_teams_deals_needing_attention_a_rep_does_not(slack):
    slack.command("boss", f"team set <@{ALICE}> role:manager")
    slack.command("boss", f"team set <@{BOB}> manager:<@{ALICE}>")
    slack.command("bob", "new Late one 20万 close 2026-11-20")
    slack.command("bob", "new Fine one 20万 close 2026-12-20")
    slack.command("li", "new 别人的 20万 close 2026-11-20")  # not in alice's team
    manager = text_of(open_home(slack, "alice"))
    assert "\nTeam\n" in manager and "*Needing attention* (1): 0 at risk, 0 stalled, 1 overdue" in manager
    assert "Late one" in manager and "Fine one" not in manager and "别人的" not in manager
    rep = text_of(open_home(slack, "bob"))
    assert "\nTeam\n" not in rep and "Needing attention" not in rep


def many_due_today(slack, rt, deals: int, *, owner: str = "alice") -> None:
    """``deals`` open deals of the workspace's, all now ``owner``'s: a third due today, a third overdue, a third closing this week."""
    g = generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=5, deals=deals, activities=50, seed=3)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    slack.command(owner, "help")  # their row
    with rt.sessions.begin() as session:
        owner_id = session.scalar(select(Member.id).where(Member.slack_user_id == USERS[owner]["user_id"]))
        base = update(Opportunity).where(Opportunity.workspace_id == TEAM_ID)
        session.execute(base.values(owner_id=owner_id, status="open", expected_close=None, next_step_due=None))
        session.execute(base.where(Opportunity.number % 3 == 0).values(next_step_due=date(2026, 11, 25)))
        session.execute(base.where(Opportunity.number % 3 == 1).values(next_step_due=date(2026, 11, 20)))
        session.execute(base.where(Opportunity.number % 3 == 2).values(expected_close=date(2026, 11, 28)))


def test_paging_buttons_move_a_section_and_a_tampered_value_gives_the_first_page(slack, rt, fake):
    many_due_today(slack, rt, 30)
    first = open_home(slack, "alice")
    text = text_of(first)
    assert "*Due and overdue* (20): 10 overdue, 10 due today" in text and "Page 1 of 2" in text
    buttons = [e for b in first["blocks"] if b.get("block_id") == "home_page_today" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("home_page_next", "today:2")]
    shown_first = {line for line in text.split("\n") if line.startswith("• *#")}
    home_click(slack, "alice", "home_page_next", None, value="today:2")
    second = fake.last("views.publish").args
    assert second["user_id"] == ALICE
    text2 = text_of(second["view"])
    assert "Page 2 of 2" in text2
    buttons = [e for b in second["view"]["blocks"] if b.get("block_id") == "home_page_today" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("home_page_prev", "today:1")]
    today_rows = lambda t: [line for line in t[t.index("\nToday\n") : t.index("\nThis week")].split("\n") if line.startswith("• *#")]  # noqa: E731
    assert len(today_rows(text2)) == 10 and not set(today_rows(text2)) & shown_first
    assert "Page 1 of 1" not in text2 and "*Due this week* (10)" in text2  # the other sections on their first page
    for tampered in ("today:x", "nope:2", "today:999", "today:0", "", "today:-1", "today:２", "week:" + "9" * 40):
        before = mark(fake)
        home_click(slack, "alice", "home_page_next", None, value=tampered)
        calls = published(fake, before)
        assert len(calls) == 1 and "Page 1 of 2" in calls[0][1], tampered
    home_click(slack, "alice", "home_page_prev", None, value="today:1")
    assert "Page 1 of 2" in text_of(fake.last("views.publish").args["view"])


def test_the_home_stays_within_100_blocks_with_300_deals(slack, rt, fake):
    many_due_today(slack, rt, 300, owner="boss")  # an admin: the team is the workspace
    slack.command("boss", "risk 3 competitor")
    view = open_home(slack, "boss")
    text = text_of(view)
    assert len(view["blocks"]) <= 100
    assert "*Due and overdue* (200)" in text and "Page 1 of 20" in text and "*My pipeline*" in text
    assert "*Needing attention* (" in text and "Page 1 of 10" in text
    assert text.index("*Needing attention*") < text.index("*Back to the public pool within 7 days* (194)") < text.index("*Alerts waiting*")  # the team's


def test_a_chinese_user_sees_the_home_in_chinese(slack, rt, fake):
    many_due_today(slack, rt, 30, owner="li")
    view = open_home(slack, "li")
    text = text_of(view)
    assert "\n今天\n" in text and "*到期和逾期*（20）：逾期 10 个，今天到期 10 个" in text
    assert "本周（至" in text and "第 1/2 页" in text and "更多" in text
    assert "Today" not in text and "More" not in text


def test_a_page_past_the_last_after_deals_moved_on_is_the_first(slack, rt, fake):
    many_due_today(slack, rt, 30)
    with rt.sessions.begin() as session:
        session.execute(update(Opportunity).where(Opportunity.number > 3).values(next_step_due=NOW.date() + timedelta(days=30)))
    home_click(slack, "alice", "home_page_next", None, value="today:2")
    assert "*Due and overdue* (2)" in text_of(fake.last("views.publish").args["view"])


def test_a_button_on_a_message_redraws_the_home_and_a_refused_one_does_not(slack, fake, db, homes_seen):
    slack.command("alice", "new Acme ERP 50万")
    before = mark(fake)
    slack.click("alice", "deal_move", selected="1:negotiation")
    calls = published(fake, before)
    assert db.deal(1).stage == "negotiation"
    assert [user for user, _ in calls] == [ALICE] and "Negotiation: 1 · ¥500k" in calls[0][1]
    before = mark(fake)
    slack.click("li", "deal_move", selected="1:contract")  # not li's to move
    assert db.deal(1).stage == "negotiation" and published(fake, before) == []


def test_claiming_from_the_pool_redraws_the_claimers_home_and_the_last_owners(slack, rt, fake, db, homes_seen):
    slack.command("alice", "new Quiet deal 10万")
    rt.clock.advance(days=11, hours=1)
    assert recycle.warn_idle_deals(rt, rt.clock.now()) == 1
    rt.clock.advance(days=3)
    assert recycle.return_idle_deals(rt, rt.clock.now()) == 1
    for who in ("alice", "bob"):  # two weeks later they look at their Home tabs again
        open_home(slack, who)
    before = mark(fake)
    assert "You claimed #1" in slack.command("bob", "claim 1").text
    calls = published(fake, before)
    assert [user for user, _ in calls] == [BOB, ALICE] and "Lead: 1 · ¥100k" in calls[0][1]
    assert "Lead: 1" not in calls[1][1]  # no longer in her pipeline


def test_changes_made_while_a_home_is_being_drawn_redraw_it_once_more_not_once_each(slack, fake, homes_seen):
    """Alice's first change is being drawn (Slack holds the answer to views.publish) while she makes
    three more: those only mark her Home, and the drawing thread draws it once more, showing all four."""
    slack.command("alice", "help")  # she exists: her first change is her deal's, not her profile's
    before = mark(fake)
    held = fake.hold("views.publish")
    first = threading.Thread(target=slack.command, args=("alice", "new Deal one 5万 close 2026-11-27"))
    first.start()
    held.wait_arrived()
    for n in ("two", "three", "four"):
        assert "Created" in slack.command("alice", f"new Deal {n} 5万 close 2026-11-27").text  # answered, not held up
    assert len(published(fake, before)) == 1  # nothing more drawn while the first drawing waits
    held.release()
    first.join(timeout=10)
    assert not first.is_alive()
    calls = published(fake, before)
    assert [user for user, _ in calls] == [ALICE, ALICE]
    assert all(f"Deal {n}" in calls[1][1] for n in ("one", "two", "three", "four"))
    before = mark(fake)
    slack.command("alice", "move 1 proposal")  # and then each change is drawn again as before
    assert [user for user, _ in published(fake, before)] == [ALICE]


def test_only_a_home_opened_within_a_working_day_is_redrawn_after_a_change(slack, fake, clock):
    """A Home nobody has opened (or not for HOME_SEEN) is not drawn after a change: it is drawn,
    current, when its person opens it. Opening it makes the next change redraw it again."""
    slack.command("alice", "help")
    before = mark(fake)
    slack.command("alice", "new Acme ERP 50万")
    assert published(fake, before) == []  # she never opened her Home
    open_home(slack, "alice")
    assert "Lead: 1 · ¥500k" in published(fake, before)[-1][1]  # drawn, current, when she opens it
    before = mark(fake)
    slack.command("alice", "move 1 proposal")
    assert [user for user, _ in published(fake, before)] == [ALICE]
    clock.advance(hours=8, minutes=1)  # a working day later, without opening it again
    before = mark(fake)
    slack.command("alice", "move 1 negotiation")
    assert published(fake, before) == []
