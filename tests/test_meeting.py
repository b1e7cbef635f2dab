"""The weekly review meeting (商机评审会) through Slack: the agenda `/opp meeting` posts (and the
worker posts once a week) lists the big open deals that moved back, stalled, are at risk or close
this month, each section checked against a plain-Python reading of the rows the commands wrote;
the "Assign action" form sets the deal's next step and DMs the assignee; "Done" takes an action off
the next agenda; who may do what; the [meeting] config; Slack's limits with many deals. The clock
is fixed and moved; nothing sleeps."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.blocks.meeting import ACTIONS_SHOWN, DEALS_SHOWN
from bot.core.config import ConfigError, parse_config
from bot.core.periods import month_of
from bot.reporting.meeting import post_due_agendas, scheduled_due
from bot.worker.jobs import tick
from store.models import Event, MeetingAction, Opportunity, OutboxMessage, Risk
from tests import test_alerts
from tests.conftest import ROOT, SHANGHAI, payload_text
from tests.test_alerts import dms
from tests.test_permissions import set_role

client, run = test_alerts.client, test_alerts.run  # fixtures: the sender's client, one worker pass

CHANNEL = "#deal-review"
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)  # 12 days after the suite's NOW (Wed 2026-11-25)
MARKERS = {"*⏪": "backwards", "*⏸": "stalled", "*🔴": "at_risk", "*📅": "closing", "*📝": "actions"}


@pytest.fixture
def team(slack, rt):
    """li manages alice and bob; boss is an admin; the agenda goes to its own channel; a dollar is ¥7.2."""
    for who in ("alice", "bob", "li", "boss"):
        slack.command(who, "help")
    set_role(rt, "U0LI", "manager")
    set_role(rt, "U0ALICE", "ae", manager="U0LI")
    set_role(rt, "U0BOB", "ae", manager="U0LI")
    rt.config = replace(rt.config, channels={**rt.config.channels, "meeting": CHANNEL}, rates={"USD": Decimal("7.2")})


def agendas(posts) -> list[dict]:
    return [p.args for p in posts if p.args["channel"] == CHANNEL]


def read_agenda(blocks: list[dict]) -> dict[str, tuple[int, list[int]]]:
    """{section: (the total its heading gives, the values of its buttons: deal numbers, or action ids)}."""
    out: dict[str, tuple[int, list[int]]] = {}
    current = None
    for block in blocks:
        text = (block.get("text") or {}).get("text", "") if block["type"] == "section" else ""
        marker = next((m for m in MARKERS if text.startswith(m)), None)
        if marker:
            current = MARKERS[marker]
            out[current] = (int(re.search(r"(\d+)[)）]", text.split("\n")[0]).group(1)), [])
        elif current and "accessory" in block:
            out[current][1].append(int(block["accessory"]["value"]))
    return out


def expected_agenda(rt, now: datetime) -> dict[str, list[int]]:
    """Each deal section's deals, biggest first (in the workspace currency), read from the rows
    in plain Python: open deals worth at least [meeting] big_deal (a currency without a rate left
    out), that moved to an earlier stage in the last week, have had no activity for longer than
    their stage's stall_days, carry an open risk flag, or are expected to close this month."""
    config = rt.config
    rates = {config.currency: Decimal(1), **config.rates}
    order = [s.key for s in config.stages]
    stall = {s.key: s.stall_days for s in config.stages}
    month = month_of(now.astimezone(SHANGHAI).date(), SHANGHAI)
    with rt.sessions() as s:
        deals = s.scalars(select(Opportunity)).unique().all()
        moves = s.scalars(select(Event).where(Event.kind == "stage")).unique().all()
        flagged = {r.opportunity_id for r in s.scalars(select(Risk).where(Risk.cleared_at.is_(None)))}

    def value(d):
        return d.amount * rates[d.currency] if d.amount is not None and d.currency in rates else None

    big = [d for d in deals if d.status == "open" and value(d) is not None and value(d) >= Decimal(str(config.meeting.big_deal))]
    big.sort(key=lambda d: (-value(d), d.number))
    back = {e.opportunity_id for e in moves if e.at >= now - timedelta(days=7) and order.index(e.new) < order.index(e.old)}
    return {
        "backwards": [d.number for d in big if d.id in back],
        "stalled": [d.number for d in big if d.last_activity_at < now - timedelta(days=stall[d.stage])],
        "at_risk": [d.number for d in big if d.id in flagged],
        "closing": [d.number for d in big if d.expected_close and month.first <= d.expected_close <= month.last],
    }


def history(slack, clock) -> None:
    """Deals of every kind, built through the commands twelve days before MONDAY, then moved,
    flagged, logged and closed on MONDAY itself."""
    for text in (
        "new Alpha 80万 stage proposal close 2026-12-20",  # 1: moved back on Monday
        "new Beta 120万 stage negotiation",  # 2: moved back, but twelve days before: stalled
        "new Gamma 30万 stage proposal close 2026-12-15",  # 3: small, moved back
        "new Delta $10万 stage contract close 2026-12-31",  # 4: $100k = ¥720k, flagged
        "new Epsilon $5万 stage proposal close 2026-12-10",  # 5: $50k = ¥360k: small
        "new Zeta 50万 stage lead",  # 6: exactly big_deal, moved forward only
        "new Eta 499999 stage proposal",  # 7: just below, flagged
        "new Theta 200万 stage proposal close 2026-12-05",  # 8: lost on Monday
        "new Iota 90万 stage contract",  # 9: logged on Monday
        "new Kappa €20万 stage proposal close 2026-12-11",  # 10: no rate for EUR: can't be compared
    ):
        slack.command("alice", text)
    for text in ("move 2 proposal", "move 6 contacted", "move 6 needs"):
        slack.command("alice", text)
    clock.set(MONDAY)
    for text in ("move 1 needs", "move 3 needs", "risk 4 competitor quoted lower", "risk 7 budget", "log 9 call with the CFO", "lost 8 price"):
        slack.command("alice", text)
    slack.command("bob", "new Lambda 60万 stage proposal close 2026-12-24")  # 11: new, closing this month


def test_the_agenda_lists_the_big_deals_of_each_section_biggest_first(slack, rt, clock, run, team):
    history(slack, clock)
    answer = slack.command("li", "meeting")
    assert f"已把评审会议程发到 {CHANNEL}。" in answer.text
    [posted] = agendas(run())
    got = read_agenda(posted["blocks"])
    want = expected_agenda(rt, clock.now())
    assert all(want.values()), want  # every section has deals: the comparison means something
    for name, numbers in want.items():
        assert got[name] == (len(numbers), numbers[:DEALS_SHOWN]), name
    assert 3 not in got["backwards"][1] and 7 not in got["at_risk"][1] and 10 not in got["closing"][1]  # small, or no rate
    assert got["backwards"][1] == [1] and 2 in got["stalled"][1]
    text = payload_text(posted)  # the channel's language (zh), owners by name, never pinged
    assert "商机评审会 · 2026-12-07 (周一)" in text and "⏪ 方案提交 → 需求确认" in text and "<@U0ALICE>" not in text
    assert "actions" not in got


def test_the_preview_is_the_same_agenda_for_the_person_alone_in_their_language(slack, rt, clock, fake, team):
    history(slack, clock)
    preview = slack.command("alice", "meeting preview")
    assert "Deal review agenda preview · Mon 2026-12-07" in preview.text and "Big deals: open deals of ¥500k or more" in preview.text
    assert read_agenda(preview.json["blocks"])["closing"][1] == expected_agenda(rt, clock.now())["closing"][:DEALS_SHOWN]
    assert "商机评审会议程预览" in slack.command("li", "评审 预览").text
    with rt.sessions() as s:
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting_agenda")).all() == []


def test_an_empty_agenda_is_one_friendly_line(slack, rt, run, team):
    slack.command("alice", "new Small 10万 stage proposal")
    assert "No big deal needs the meeting this week, and no action is open." in slack.command("alice", "meeting preview").text
    slack.command("li", "评审会")
    [posted] = agendas(run())
    assert "本周没有需要评审的大单，也没有未完成的行动" in payload_text(posted) and len(posted["blocks"]) == 1


def assign(slack, who: str, number: int, **values):
    """Click "Assign action" on deal ``number`` as ``who`` and submit the form with ``values``."""
    slack.click(who, "meeting_assign", str(number))
    view = slack.opened_view()
    return view, slack.submit(who, view, values)


def open_actions(rt) -> list[MeetingAction]:
    with rt.sessions() as s:
        return list(s.scalars(select(MeetingAction).where(MeetingAction.done_at.is_(None)).order_by(MeetingAction.id)))


def test_an_assigned_action_becomes_the_next_step_with_events_and_a_dm(slack, rt, db, clock, run, team):
    slack.command("alice", "new Alpha 80万 stage proposal close 2026-12-20")
    view, _ = assign(slack, "li", 1, mt_action="Meet the CFO about the budget", mt_assignee="U0BOB", mt_due="2026-12-04")
    # the form: the deal's owner and a week from today unless changed
    fields = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert fields["mt_assignee"]["initial_user"] == "U0ALICE" and fields["mt_due"]["initial_date"] == "2026-12-02"
    deal = db.deal(1)
    assert (deal.next_step, deal.next_step_due) == ("Meet the CFO about the budget", date(2026, 12, 4))
    changes = [(e.kind, e.field, e.new, e.actor.slack_user_id) for e in db.events(1)[1:]]
    assert changes == [
        ("updated", "next_step", "Meet the CFO about the budget", "U0LI"),
        ("updated", "next_step_due", "2026-12-04", "U0LI"),
        ("meeting_action", "assigned", "Meet the CFO about the budget", "U0LI"),
    ]
    [action] = open_actions(rt)
    assert (action.text, action.due_on, action.meeting_on, action.assignee_id) == (
        "Meet the CFO about the budget",
        date(2026, 12, 4),
        date(2026, 11, 25),
        db.member("U0BOB").id,
    )
    [dm] = dms(run(), "U0BOB")
    assert "<@U0LI> assigned you an action on *#1 Alpha*" in payload_text(dm.args) and "Fri 2026-12-04" in payload_text(dm.args)
    assert dm.args["blocks"][0]["accessory"]["value"] == str(action.id)
    assert dms(run(), "U0BOB") == []  # once
    assert "review meeting action assigned: Meet the CFO about the budget" in slack.command("alice", "history 1").text
    _, answer = assign(slack, "li", 1, mt_action="Send the revised quote")  # the owner by default, due in a week
    assert open_actions(rt)[-1].assignee_id == db.member("U0ALICE").id and db.deal(1).next_step_due == date(2026, 12, 2)


@pytest.mark.parametrize(
    "values, block, said",
    [
        ({"mt_action": "   "}, "mt_action", "Say what is to be done"),
        ({"mt_action": "x", "mt_due": "2026-02-30"}, "mt_due", "Couldn't read the date"),
        ({"mt_action": "x", "mt_due": "2046-01-01"}, "mt_due", "2046-01-01"),
        ({"mt_action": "x" * 501}, "mt_action", "keep it to 500"),
    ],
)
def test_a_bad_action_form_is_sent_back_and_nothing_changes(slack, rt, db, team, values, block, said):
    slack.command("alice", "new Alpha 80万")
    _, answer = assign(slack, "boss", 1, **values)
    assert answer.json["response_action"] == "errors" and said in answer.json["errors"][block], answer.json
    assert open_actions(rt) == [] and db.deal(1).next_step is None


def test_done_takes_the_action_off_the_next_agendas_and_overdue_ones_are_marked(slack, rt, db, clock, client, fake, team):
    """Actions stay on every weekly agenda until done: the first due first, an overdue one marked."""
    slack.command("alice", "new Alpha 80万 stage proposal")
    slack.command("alice", "new Beta 120万 stage proposal")
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI))
    tick(rt, client, clock.now())
    assign(slack, "li", 1, mt_action="Call the CFO", mt_due="2026-12-03")
    assign(slack, "li", 2, mt_action="Book the demo", mt_assignee="U0BOB", mt_due="2026-12-10")
    first, second = open_actions(rt)
    clock.set(MONDAY)
    tick(rt, client, clock.now())
    [posted] = agendas(fake.calls("chat.postMessage"))[-1:]
    assert read_agenda(posted["blocks"])["actions"] == (2, [first.id, second.id])
    text = payload_text(posted)
    assert "Call the CFO · @alice · 🔴 已逾期 4 天" in text and "Book the demo · @bob · 截止 2026-12-10 (周四)" in text
    # bob may not tick alice's action on alice's deal; alice (assignee) may; twice is said
    slack.click("bob", "meeting_done", str(first.id))
    assert "Only the assignee <@U0ALICE>, #1's owner, a manager or an admin can mark it done." in slack.responses()[-1]["text"]
    slack.click("alice", "meeting_done", str(first.id))
    assert "Done: the action on #1, Call the CFO" in slack.responses()[-1]["text"]
    slack.click("li", "meeting_done", str(first.id))
    assert "#1 的这项行动已由 <@U0ALICE> 标记完成" in slack.responses()[-1]["text"]
    alice = db.member("U0ALICE").id
    with rt.sessions() as s:
        done = s.get(MeetingAction, first.id)
        assert (done.done_at, done.done_by_id) == (MONDAY, alice)
    assert [(e.kind, e.field) for e in db.events(1)][-1] == ("meeting_action", "done")
    clock.advance(days=7)
    tick(rt, client, clock.now())
    assert read_agenda(agendas(fake.calls("chat.postMessage"))[-1]["blocks"])["actions"] == (1, [second.id])
    slack.click("li", "meeting_done", str(second.id))  # a manager may
    clock.advance(days=7)
    tick(rt, client, clock.now())
    assert "actions" not in read_agenda(agendas(fake.calls("chat.postMessage"))[-1]["blocks"])


def test_the_worker_posts_the_agenda_once_a_week_at_its_time(slack, rt, clock, client, fake, team):
    slack.command("alice", "new Alpha 80万 close 2026-12-20")

    def posted_at(when: datetime, times: int = 1) -> int:
        clock.set(when)
        before = len(agendas(fake.calls("chat.postMessage")))
        for _ in range(times):
            tick(rt, client, when)
        return len(agendas(fake.calls("chat.postMessage"))) - before

    monday = datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
    assert posted_at(monday - timedelta(minutes=1)) == 0
    assert posted_at(monday, times=2) == 1  # two ticks, one post
    assert post_due_agendas(rt, monday + timedelta(minutes=1)) == 0  # a second worker finds it queued
    assert posted_at(monday + timedelta(hours=5)) == 0
    assert posted_at(monday + timedelta(days=1)) == 0  # Tuesday
    assert posted_at(monday + timedelta(days=7, hours=3)) == 1  # next week; the worker was down at 10:00
    clock.set(monday + timedelta(days=14, hours=-1))
    assert "已把评审会议程发到" in slack.command("li", "评审").text  # a manager posts it before its time ...
    assert posted_at(monday + timedelta(days=14)) == 1  # ... (sent by this tick) and the worker does not again
    rt.config = replace(rt.config, meeting=replace(rt.config.meeting, weekday=""))
    assert posted_at(monday + timedelta(days=21)) == 0  # no weekday: not scheduled


def test_who_may_post_assign_and_tick(slack, rt, db, clock, fake, run, team):
    slack.command("alice", "new Alpha 80万 stage proposal close 2026-12-20")
    assert (
        "Only managers and admins can post the review meeting's agenda. `/opp meeting preview` shows it to you alone." in slack.command("alice", "meeting").text
    )
    assert "只有经理和管理员可以发布评审会议程" in slack.command("alice", "评审").text  # typed in Chinese: answered in Chinese
    assert agendas(run()) == []
    assert "Posted" in slack.command("boss", "meeting").text
    assert "今天已经把议程发到 #deal-review 了" in slack.command("li", "meeting").text
    assert len(agendas(run())) == 1
    opened = len(fake.calls("views.open"))
    slack.click("bob", "meeting_assign", "1")  # bob neither owns #1 nor manages alice
    assert "You can't change #1" in slack.responses()[-1]["text"] and len(fake.calls("views.open")) == opened
    assign(slack, "alice", 1, mt_action="Send the quote")  # the owner sets her own deal's next step
    [action] = open_actions(rt)
    slack.click("bob", "meeting_done", str(action.id))  # neither assignee, owner nor manager
    assert "can mark it done" in slack.responses()[-1]["text"] and [a.id for a in open_actions(rt)] == [action.id]
    slack.click("boss", "meeting_done", str(action.id))  # an admin may
    assert open_actions(rt) == []
    assert "Usage: `/opp meeting`" in slack.command("boss", "meeting now please").text
    clock.advance(days=1)
    assert "已把评审会议程发到" in slack.command("li", "meeting").text  # a new day


def test_many_deals_and_actions_stay_within_slacks_limits(slack, rt, clock, run, team):
    for i in range(20):  # big, flagged and closing this month; stalled by Monday
        slack.command("alice", f"new Stalled {i} {100 + i * 10}万 stage proposal close 2026-12-{i + 1:02d}")
        slack.command("alice", f"risk {i + 1} competitor")
    for i in range(20):
        slack.command("bob", f"new Back {i} {60 + i}万 stage negotiation")
    clock.set(MONDAY)
    for number in range(21, 41):
        slack.command("bob", f"move {number} proposal")
    for number in (21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32):
        assign(slack, "li", number, mt_action=f"Action on {number} " + "x" * 200)
    slack.command("li", "meeting")
    [posted] = agendas(run())
    blocks = posted["blocks"]
    assert len(blocks) <= 50
    got, want = read_agenda(blocks), expected_agenda(rt, clock.now())
    for name in ("backwards", "stalled", "at_risk", "closing"):
        assert len(want[name]) == 20 and got[name] == (20, want[name][:DEALS_SHOWN]), name
    assert got["actions"][0] == 12 and len(got["actions"][1]) == ACTIONS_SHOWN
    text = payload_text(posted)
    assert text.count("还有 13 个未显示（按金额从大到小显示前 7 个）") == 4 and "还有 2 项行动未显示" in text


CONFIG = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "meeting, fault",
    [
        ({"weekday": "monday"}, 'meeting.weekday: must be one of mon, tue, wed, thu, fri, sat, sun, or "" for no weekly agenda'),
        ({"time": "25:00"}, 'meeting.time: must be a local time such as "09:00"'),
        ({"big_deal": -1}, "meeting.big_deal: must be a number >= 0"),
        ({"big_deal": "50万"}, "meeting.big_deal: must be a number >= 0"),
        ({"wekday": "mon"}, "meeting.wekday: unknown key; did you mean `weekday`?"),
    ],
)
def test_a_bad_meeting_table_stops_start_up_naming_the_key(meeting, fault):
    with pytest.raises(ConfigError) as error:
        parse_config({**CONFIG, "meeting": {**CONFIG["meeting"], **meeting}})
    assert fault in str(error.value)


def test_the_meeting_table_defaults_and_an_empty_weekday_turns_the_schedule_off():
    shipped = parse_config(CONFIG).meeting
    assert (shipped.weekday, shipped.time, shipped.big_deal) == ("mon", "10:00", 500000.0)
    defaults = parse_config({k: v for k, v in CONFIG.items() if k != "meeting"}).meeting
    assert (defaults.weekday, defaults.time, defaults.big_deal) == ("mon", "10:00", 500000.0)
    off = parse_config({**CONFIG, "meeting": {"weekday": "", "time": "9:30"}, "channels": {**CONFIG["channels"], "meeting": "#review"}})
    assert (off.meeting.weekday, off.meeting.time, off.channels["meeting"]) == ("", "09:30", "#review")
    assert not scheduled_due(off, MONDAY) and scheduled_due(parse_config(CONFIG), MONDAY)


def test_without_a_team_channel_the_agenda_is_only_previewed(slack, rt, clock, client, fake, team):
    rt.config = replace(rt.config, channels={k: v for k, v in rt.config.channels.items() if k not in ("meeting", "digest")})
    slack.command("alice", "new Alpha 80万 close 2026-12-20")
    assert "没有配置团队频道" in slack.command("li", "评审").text
    assert "No team channel is set: add meeting or digest under [channels]" in slack.command("boss", "meeting").text
    clock.set(MONDAY)
    tick(rt, client, MONDAY)
    with rt.sessions() as s:
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "meeting_agenda")).all() == []
    assert "Deal review agenda preview" in slack.command("alice", "meeting preview").text
