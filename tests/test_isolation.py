"""Isolation between workspaces: every row has a workspace_id (the Slack team id), and nothing of one
workspace is ever read, changed, counted or sent in another.

Each case is run three times, each time from empty tables and a Web API stand-in of its own: in a
world holding only workspace A's deals, in one holding only B's, and in one holding both, with the
SAME Slack user ids and the SAME deal numbers (#1, #2, ...) in each. What a person of A is answered
and what Slack is asked to do must be the same whether B exists or not (so no title, count or
total of B's slips in), and a change made in A leaves every row of B as it was.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.blocks.ids import ALERT_SNOOZE_PREFIX, DEAL_PICK, HANDOVER_TICK_PREFIX, PLAYBOOK_TICK_PREFIX, Action, Shortcut
from bot.console.signing import SlackRequests
from bot.console.slack_api import APP_ID, TEAM_ID
from bot.imports.importing import Options, Progress, import_file
from bot.worker import jobs
from store.models import Base, Member, Opportunity
from tests.conftest import SECRET, USERS, SlackClient, payload_text
from tests.faultyslack import FaultySlack
from tests.pagesite import PageClient
from tests.slackcheck import assert_valid_call

A, B = TEAM_ID, "T0TWO"
# Distinctive titles, accounts and amounts per workspace, and B has one deal more, so a leak of a
# title is greppable and a leak of a count or a total changes A's answer.
DEALS = {
    A: [
        ("alice", "new Alpha ERP 110万 account AlphaCorp close 2026-12-31 stage proposal"),
        ("bob", "new Alpha CRM 120万 account AlphaSoft close 2026-12-20 stage needs"),
    ],
    B: [
        ("alice", "new Beta WMS 970万 account BetaCorp close 2026-12-30 stage proposal"),
        ("bob", "new Beta Factory line 980万 account BetaWorks close 2026-12-21 stage negotiation"),
        ("li", "new Beta Tills 30万 account BetaShop close 2026-12-15"),
    ],
}
MARK = {A: "Alpha", B: "Beta"}
OTHER = {A: B, B: A}


def wipe(engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(t.name for t in Base.metadata.sorted_tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())


def client_of(rt, fake, team: str) -> SlackClient:
    client = SlackClient(rt, fake)
    client.requests = SlackRequests(SECRET, team_id=team, team_domain=team.lower(), app_id=APP_ID, token="legacy")
    return client


@dataclass
class Seen:
    """What a person was answered, and what Slack was asked to do, in words."""

    answers: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)

    def all(self) -> str:
        return "\n".join(self.answers + self.sent)


def call_words(call) -> str:
    args = call.args
    body = args.get("view") if isinstance(args.get("view"), dict) else args
    words = payload_text(body) if isinstance(body, dict) else ""
    extra = {k: v for k, v in args.items() if k in ("content", "title", "filename", "initial_comment", "name")}
    return f"{call.method} {args.get('channel') or args.get('user_id') or ''} {words} {json.dumps(extra, ensure_ascii=False, default=str)}"


def snapshot(rt, team: str) -> dict[str, list]:
    """Every row of ``team``'s: tables with a workspace_id by it, the others by their deal or member."""
    with rt.sessions() as s:
        deals = set(s.scalars(Opportunity.__table__.select().with_only_columns(Opportunity.id).where(Opportunity.workspace_id == team)))
        members = set(s.scalars(Member.__table__.select().with_only_columns(Member.id).where(Member.workspace_id == team)))
        rows = {}
        for table in Base.metadata.sorted_tables:
            cols = table.c
            if "workspace_id" in cols:
                query = table.select().where(cols.workspace_id == team)
            elif "opportunity_id" in cols:
                query = table.select().where(cols.opportunity_id.in_(deals))
            elif "member_id" in cols:
                query = table.select().where(cols.member_id.in_(members))
            elif table.name == "workspaces":
                query = table.select().where(cols.id == team)
            else:
                continue
            rows[table.name] = sorted((tuple(map(str, r)) for r in s.execute(query)), key=str)
        return rows


class World:
    """Empty tables, a stand-in of its own, and the deals of ``teams``."""

    def __init__(self, rt, engine, teams: tuple[str, ...]):
        wipe(engine)
        self.rt = rt
        self.stack = FaultySlack()
        self.fake = self.stack.__enter__()
        self.fake.use_clock(lambda: rt.clock.now().timestamp())
        for spec in USERS.values():
            spec = dict(spec)
            self.fake.add_user(spec.pop("user_id"), **spec)
        self.clients = {team: client_of(rt, self.fake, team) for team in (A, B)}
        for team in teams:
            for who, command in DEALS[team]:
                answer = self.clients[team].command(who, command)
                assert "Created" in answer.text or "已创建" in answer.text, answer.text
            for who in ("alice", "bob", "li", "boss"):  # Homes opened lately are redrawn after a change
                home(who)(self.clients[team], self.fake)
        self.deliver()

    def deliver(self) -> None:
        """Send what is queued (the outbox), as the worker would."""
        jobs.send_outbox(self.rt, self.clients[A].app.client, self.rt.clock.now())

    def run(self, team: str, step) -> Seen:
        """``step`` in ``team``, and the messages it queued sent."""
        before = len(self.fake.calls())
        answers = step(self.clients[team], self.fake) or []
        self.deliver()
        sent = [call_words(c) for c in self.fake.calls()[before:] if c.method not in READS]
        return Seen([normal(a) for a in answers], [normal(s) for s in sent])

    def close(self) -> None:
        for call in self.fake.calls():
            assert_valid_call(call)
        self.stack.__exit__(None, None, None)


READS = ("users.info", "conversations.info")  # what the app looks up (profiles are kept once fetched), not what it sends


def normal(words: str) -> str:
    """Without what differs from world to world by itself: deal ids in links, message timestamps, view ids."""
    words = re.sub(r"/deals/\d+", "/deals/N", words)
    return re.sub(r"\b\d{10}\.\d{6}\b|\bV[A-Z0-9]{4,}\b|\bC\d{8}\b", "X", words)


# --- the steps: each typed, clicked or submitted by a person of the workspace it runs in ---------


def cmd(who: str, words: str):
    def step(slack, fake):
        answer = slack.command(who, words)
        assert answer.status == 200, answer.body
        return [answer.text]

    step.__name__ = f"/opp {words}"
    return step


def seq(*steps: tuple[str, str]):
    """Several commands in a row (a deal won, then what a won deal allows)."""

    def step(slack, fake):
        return [slack.command(who, words).text for who, words in steps]

    step.__name__ = " then ".join(words for _, words in steps)
    return step


def won_deal_forms(slack, fake):
    """A won deal's review form and handover form, submitted."""
    slack.command("alice", "won 1 relationship")
    slack.click("alice", Action.REVIEW_WRITE, "1")
    answers = [slack.submit("alice", slack.opened_view(), {"worked": "Weekly calls", "lesson": "Meet finance early"}).text]
    slack.command("alice", "handover 1")
    answers.append(slack.submit("alice", slack.opened_view(), {}).text)
    return answers + [slack.command("alice", "lessons finance").text, slack.command("boss", "report losses").text]


def account(*, mine: bool):
    """`/opp account` with the account of the person's own workspace, or of the other (which they
    are told they have no deal with, in their own words)."""

    def step(slack, fake):
        team = slack.requests.team_id
        typed = MARK[team if mine else OTHER[team]] + "Corp"
        return [slack.command("alice", f"account {typed}").text.replace(typed, "<typed>")]

    step.__name__ = "/opp account " + ("theirs" if mine else "another workspace's")
    return step


def click(who: str, action: str, value: str):
    def step(slack, fake):
        answer = slack.click(who, action, value)
        assert answer.status == 200, answer.body
        return [answer.text]

    step.__name__ = f"click {action} {value}"
    return step


def act(who: str, action: dict, *, home: bool = False):
    """A click, or a choice in a menu, as Slack sends it: on a message, or (``home``) on the Home tab."""

    def step(slack, fake):
        actions = [{"block_id": "b", "action_ts": "1.2", **action}]
        if home:  # as test_home sends them: no channel, the Home view as the container
            payload = {
                "type": "block_actions",
                "team": {"id": slack.requests.team_id, "domain": "fake"},
                "user": slack.user(who),
                "api_app_id": APP_ID,
                "trigger_id": "trigger.home",
                "container": {"type": "view", "view_id": "VHOME"},
                "view": {"id": "VHOME", "type": "home", "blocks": []},
                "actions": actions,
            }
            answer = slack.interactive(payload)
        else:
            container = {"type": "message", "channel_id": "C0SALES", "is_ephemeral": True, "message_ts": "1.1"}
            channel = {"id": "C0SALES", "name": "sales"}
            answer = slack.send(
                slack.requests.block_actions(
                    user=slack.user(who), actions=actions, channel=channel, container=container, response_url=fake.response_url("act"), trigger_id="trigger.act"
                )
            )
        assert answer.status == 200, answer.body
        return [answer.text]

    said = action.get("value") or (action.get("selected_option") or {}).get("value") or action.get("block_id")
    step.__name__ = f"{'home ' if home else ''}{action['action_id']} {said}"
    return step


def select(value: str) -> dict:
    return {"selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value}}


def overflow(value: str) -> dict:
    return {"type": "overflow", "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value}}


def edit_form(slack, fake):
    slack.click("alice", Action.DEAL_EDIT, "1")
    return [slack.submit("alice", slack.opened_view(), {"title": "Renamed deal"}).text]


def log_form(slack, fake):
    slack.click("alice", Action.DEAL_LOG, "1")
    return [slack.submit("alice", slack.opened_view(), {}).text]


EVENTS = itertools.count()


def home(who: str):
    def step(slack, fake):
        event = {"type": "app_home_opened", "user": USERS[who]["user_id"], "channel": "D0HOME", "tab": "home", "event_ts": "1.1"}
        answer = slack.send(slack.requests.event(event, event_id=f"EvHome{who}{next(EVENTS)}", event_time=1764000000))
        assert answer.status == 200
        return []

    return step


def link_shared(slack, fake):
    event = {
        "type": "link_shared",
        "channel": "C0SALES",
        "user": "U0BOB",
        "message_ts": "1764000000.000100",
        "links": [{"domain": "oppbot.example.com", "url": f"https://oppbot.example.com/deals/{n}"} for n in range(1, 7)],
        "source": "conversations_history",
        "is_bot_user_member": True,
        "event_ts": "1764000000.000200",
    }
    answer = slack.send(slack.requests.event(event, event_id="EvLink", event_time=1764000000))
    assert answer.status == 200
    return []


def picker(typed: str):
    def step(slack, fake):
        request = slack.requests.block_suggestion(user=slack.user("alice"), action_id=DEAL_PICK, block_id="deal", value=typed)
        answer = slack.send(request)
        assert answer.status == 200, answer.body
        return [json.dumps(answer.json, ensure_ascii=False)]

    step.__name__ = f"picker {typed}"
    return step


def new_deal_shortcut(slack, fake):
    """The composer's New deal shortcut, and its form submitted: the workspace's next number."""
    request = slack.requests.shortcut(user=slack.user("alice"), callback_id=Shortcut.NEW_DEAL, trigger_id="trigger.sc")
    assert slack.send(request).status == 200
    return [slack.submit("alice", slack.opened_view(), {"title": "Gamma kiosk"}).text, slack.command("alice", "list all").text]


def log_to_deal_shortcut(slack, fake):
    """A message logged on deal #2 (picked in the form) through the message shortcut."""
    message = {"type": "message", "user": "U0BOB", "ts": "1764036000.000200", "text": "Budget approved", "team": slack.requests.team_id}
    request = slack.requests.message_action(
        user=slack.user("bob"),
        callback_id=Shortcut.LOG_TO_DEAL,
        channel={"id": "C0SALES", "name": "sales"},
        message=message,
        response_url=fake.response_url("sc"),
        trigger_id="trigger.sc",
    )
    assert slack.send(request).status == 200
    slack.submit("bob", slack.opened_view(), {"deal": {"value": "2", "text": "#2"}, "note": "Good news"})
    return [slack.command("bob", "show 2").text]


def prepare_worker(slack) -> None:
    """Something for each of the worker's jobs to do: a reminder, morning briefs, alerts bundled
    daily (alice) and several at once (bob's two deals), a team target, a won deal."""
    mark = MARK[slack.requests.team_id]
    for who, words in (
        ("bob", f"new {mark} Extra 5万 account {mark}Corp close 2026-12-01"),
        ("bob", f"new {mark} Spare 6万 account {mark}Corp close 2026-12-01"),
        ("alice", "remind 1 tomorrow 10am call the CFO"),
        ("alice", "brief on"),
        ("boss", "brief on"),
        ("alice", "alerts bundle"),
        ("boss", "target team 2026-Q4 10m split even"),
        ("bob", "won 2 relationship"),
    ):
        assert slack.command(who, words).status == 200


def ticks(slack, fake):
    """The worker's ticks, now, the next morning, a week and a month later (alerts, digests, agendas,
    offers, reminders, reviews, forecast snapshots, the outbox)."""
    at_each_moment(slack.rt, lambda now: jobs.tick(slack.rt, slack.app.client, now))
    return []


def at_each_moment(rt, work) -> None:
    """``work(now)`` now, the next morning, a week and a month later; the clock put back after."""
    start = rt.clock.now()
    try:
        for later in (timedelta(0), timedelta(hours=23), timedelta(days=7), timedelta(days=37)):
            rt.clock.set(start + later)
            work(rt.clock.now())
    finally:
        rt.clock.set(start)


def import_csv(slack, fake):
    """`oppbot import` into the workspace: deal #1 updated by its number, two new ones numbered after."""
    mark = MARK[slack.requests.team_id]
    rows = [
        "number,title,account,amount,currency,stage,expected_close,owner,tags,status",
        f"1,{mark} ERP v2,{mark}Corp,115万,,proposal,2026-12-31,U0ALICE,,open",
        f",{mark} New,{mark}Corp,10万,,lead,2026-12-31,U0BOB,,open",
        f",{mark} Old,{mark}Corp,20万,,lead,2026-12-31,,,open",
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deals.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        summary = import_file(slack.rt, path, Options(slack.requests.team_id), Progress(io.StringIO())).summary
    return [repr(summary).replace(mark, "<mark>"), slack.command("boss", "list all").text]


REPORTS = (
    "funnel",
    "forecast",
    "reps",
    "losses",
    "cycle",
    "trend",
    "payments",
    "targets",
    "forecast-accuracy",
    "needs",
    "collab",
    "sources",
    "regions",
    "industries",
    "kpi",
)
STEPS = [
    cmd("alice", "list"),
    cmd("li", "new Shared ERP 50万 account SharedCo close 2026-12-31"),
    seq(("li", "new Shared ERP 50万 account SharedCo close 2026-12-31"), ("bob", "new Shared ERP rollout 60万 account SharedCo close 2026-12-31")),
    cmd("alice", "list all"),
    cmd("boss", "list team"),
    cmd("alice", "show 1"),
    cmd("alice", "2"),
    cmd("alice", "find Corp"),
    cmd("alice", "history 1"),
    cmd("alice", "move 1 negotiation"),
    cmd("alice", "log 1 call: spoke to the buyer next: send the quote by friday"),
    cmd("alice", "edit 1"),
    cmd("boss", "assign 2 <@U0LI|li>"),
    cmd("boss", "reassign 1 <@U0LI|li>"),
    cmd("bob", "who 2"),
    cmd("alice", "pool"),
    cmd("li", "claim 2"),
    cmd("alice", "won 1 relationship"),
    cmd("bob", "lost 2 price too high"),
    cmd("alice", "review 1"),
    cmd("alice", "pay 1 plan 30% 2026-12-31, 70% 2027-03-31"),
    cmd("alice", "pay 1"),
    cmd("boss", "merge 2 into 1"),
    *(cmd("boss", f"report {name}") for name in REPORTS),
    cmd("boss", "export"),
    cmd("boss", "export all"),
    cmd("alice", "brief on"),
    cmd("boss", "team"),
    cmd("boss", "team load"),
    cmd("boss", "team set <@U0BOB|bob> capacity:5"),
    cmd("boss", "target"),
    cmd("boss", "target team 2027-Q1 10m split even"),
    cmd("boss", "target history"),
    cmd("boss", "meeting preview"),
    cmd("boss", "meeting"),
    cmd("alice", "room 1"),
    cmd("alice", "tag 1 need:report-export"),
    cmd("alice", "qualify 1 budget:approved"),
    cmd("boss", "grade 1 A"),
    cmd("alice", "prob 1 60%"),
    cmd("alice", "risk 1 competitor cheaper"),
    cmd("alice", "remind 1 tomorrow 10am call the CFO"),
    cmd("alice", "forecast 1 commit"),
    account(mine=True),
    account(mine=False),
    cmd("alice", "lessons price"),
    cmd("alice", "ask 1 Can we do SSO?"),
    cmd("alice", "followon 1 Phase 2 5万"),
    seq(
        ("alice", "won 1 relationship"),
        ("alice", "followon 1 Phase 2 5万"),
        ("alice", "pay 1 plan 100% 2026-12-31"),
        ("alice", "pay 1 received 50万"),
        ("boss", "report payments"),
    ),
    seq(("bob", "lost 2 price too high"), ("bob", "review 2 skip"), ("boss", "report losses"), ("boss", "report cycle")),
    seq(("alice", "won 1 relationship"), ("alice", "handover 1 done scope"), ("alice", "handover 1 accepted today")),
    seq(("alice", "alerts bundle"), ("alice", "alerts mute 3d"), ("alice", "brief")),
    seq(("boss", "team away <@U0BOB|bob> until 2026-12-10"), ("boss", "assign 2 <@U0BOB|bob>"), ("boss", "team load")),
    seq(("boss", "merge 2 into 1"), ("alice", "history 1"), ("alice", "find Corp")),
    won_deal_forms,
    click("boss", Action.REPORT_SHARE, "funnel this-month"),
    click("boss", Action.REPORT_SHARE, "reps"),
    click("alice", Action.DEAL_OPEN, "1"),
    click("alice", Action.DEAL_HISTORY, "2"),
    click("li", Action.POOL_CLAIM, "2"),
    click("alice", Action.DEAL_MOVE, "1"),
    click("alice", Action.DEAL_ASK, "1"),
    click("alice", Action.REVIEW_WRITE, "1"),
    click("alice", Action.REVIEW_SKIP, "1"),
    click("boss", Action.REVIEW_MEETING, "1"),
    click("alice", Action.LESSONS_SIMILAR, "1"),
    click("alice", Action.HANDOVER_EDIT, "1"),
    click("boss", Action.MEETING_ASSIGN, "2"),
    click("alice", f"{HANDOVER_TICK_PREFIX}1", "1:scope"),
    click("alice", f"{PLAYBOOK_TICK_PREFIX}1", "1:proposal:demo"),
    click("alice", Action.POOL_KEEP, "1:token"),
    click("boss", Action.POOL_KEEP_APPROVE, "1:token"),
    act("alice", {"action_id": Action.HOME_DEAL, **overflow("open:1")}, home=True),
    act("alice", {"action_id": Action.HOME_DEAL, **overflow("log:2")}, home=True),
    act("alice", {"action_id": Action.HOME_BRIEF, "type": "button", "value": "on"}, home=True),
    act("boss", {"action_id": Action.HOME_PAGE_NEXT, "type": "button", "value": "1"}, home=True),
    edit_form,
    log_form,
    home("alice"),
    home("boss"),
    link_shared,
    picker("1"),
    picker("Corp"),
    new_deal_shortcut,
    log_to_deal_shortcut,
    import_csv,
]


def name_of(step) -> str:
    """The step's name as its test id: printable ASCII (a character outside it, 万, as ``?``).
    pytest writes other characters of an id as escapes, and an id with both escapes and a ``/``
    cannot be selected again by its node id, which mutation testing does."""
    return re.sub(r"[^ -~]", "?", getattr(step, "__name__", "step"))


@pytest.mark.duplicates  # the 撞单 check on: a new deal is compared with the workspace's others
@pytest.mark.parametrize("step", STEPS, ids=[f"{i:02d}-{name_of(s)}" for i, s in enumerate(STEPS)])
def test_nothing_of_another_workspace_is_read_changed_counted_or_sent(step, rt, clean_db):
    alone = {}
    for team in (A, B):
        world = World(rt, clean_db, (team,))
        try:
            alone[team] = world.run(team, step)
        finally:
            world.close()
    world = World(rt, clean_db, (A, B))
    try:
        for team in (A, B):
            other = OTHER[team]
            theirs = snapshot(rt, other)
            seen = world.run(team, step)
            assert MARK[other] not in seen.all(), seen.all()
            assert seen.answers == alone[team].answers
            assert sorted(seen.sent) == sorted(alone[team].sent)
            assert snapshot(rt, other) == theirs
    finally:
        world.close()


def test_the_worker_sends_each_workspace_its_own_and_nothing_of_another(rt, clean_db):
    """The worker runs for every workspace at once: with both, it sends exactly what it sends to
    each alone (the same digests, counts and totals), and no message carries the other's deals."""
    alone = {}
    for team in (A, B):
        world = World(rt, clean_db, (team,))
        try:
            prepare_worker(world.clients[team])
            alone[team] = world.run(team, ticks).sent
        finally:
            world.close()
    assert alone[A] and alone[B]
    world = World(rt, clean_db, (A, B))
    try:
        for team in (A, B):
            prepare_worker(world.clients[team])
        sent = world.run(A, ticks).sent
        for message in sent:
            assert not (MARK[A] in message and MARK[B] in message), message
        assert sorted(sent) == sorted(alone[A] + alone[B])
    finally:
        world.close()


def test_the_pages_show_each_person_only_their_workspace(rt, clean_db):
    world = World(rt, clean_db, (A, B))
    try:
        for team in (A, B):
            pages = PageClient(world.clients[team])
            for number in (1, 2, 3):
                page = pages.sign_in("alice", team_id=team, path=f"/deals/{number}") if number == 1 else pages.get(f"/deals/{number}")
                assert MARK[OTHER[team]] not in page.plain
            assert (page.status == 404) == (team == A)
            board = pages.get("/board")
            assert MARK[team] in board.plain and MARK[OTHER[team]] not in board.plain
    finally:
        world.close()


def rows_of(rt, team: str, table: str) -> list[int]:
    with rt.sessions() as s:
        return list(s.scalars(text(f"SELECT id FROM {table} WHERE workspace_id = :team ORDER BY id"), {"team": team}))


def test_a_button_carrying_a_row_of_another_workspace_does_nothing_there(rt, clean_db):
    """Buttons carry the id of an alert, an offer, a support question or a meeting action: one of
    another workspace's, clicked (or forged) in this one, is neither shown nor changed."""
    world = World(rt, clean_db, (A, B))
    try:
        theirs = world.clients[B]
        theirs.command("boss", "team set <@U0BOB|bob> role:support")
        theirs.command("alice", "ask 1 Can we do SSO?")
        theirs.click("boss", Action.MEETING_ASSIGN, "1")
        theirs.submit("boss", theirs.opened_view(), {"mt_action": "Meet the Beta CFO"})
        rt.clock.advance(days=40)
        jobs.scan_all(rt, None, rt.clock.now())
        world.deliver()
        ids = {table: rows_of(rt, B, table) for table in ("alerts", "assignment_offers", "support_requests", "meeting_actions")}
        before = snapshot(rt, B)
        clicks = [
            *((Action.ALERT_LOG, f"{i}") for i in ids["alerts"]),
            *((f"{ALERT_SNOOZE_PREFIX}3", f"{i}:3") for i in ids["alerts"]),
            *((action, f"{i}") for i in ids["assignment_offers"] for action in (Action.OFFER_ACCEPT, Action.OFFER_DECLINE)),
            *((Action.SUPPORT_ANSWER, f"{i}") for i in ids["support_requests"]),
            *((Action.MEETING_DONE, f"{i}") for i in ids["meeting_actions"]),
        ]
        menus = [
            *({"action_id": Action.ALERT_LOST, "type": "static_select", **select(f"{i}:price")} for i in ids["alerts"]),
            *({"action_id": Action.ALERT_REASSIGN, "type": "users_select", "selected_user": "U0LI", "block_id": f"alert_{i}"} for i in ids["alerts"]),
            {"action_id": Action.OFFER_DECLINE, "type": "button", "value": "1"},
        ]
        assert all(ids[table] for table in ("alerts", "support_requests", "meeting_actions")), ids
        for who in ("alice", "li", "boss"):
            for action, value in clicks:
                seen = world.run(A, click(who, action, value))
                assert MARK[B] not in seen.all(), (action, value, seen.all())
            for menu in menus:
                seen = world.run(A, act(who, menu))
                assert MARK[B] not in seen.all(), (menu, seen.all())
        assert snapshot(rt, B) == before
    finally:
        world.close()


@pytest.mark.parametrize(
    "words",
    [
        ["export", "{out}"],
        ["report", "funnel", "--print"],
        ["report", "reps", "--print"],
        ["report", "forecast", "--print"],
        ["digest", "weekly", "--print"],
        ["digest", "daily", "--print"],
        ["digest", "brief", "--user", "U0ALICE", "--print"],
    ],
    ids=lambda words: " ".join(words),
)
def test_the_command_line_shows_the_team_asked_for_only(words, rt, clean_db, tmp_path, monkeypatch, capsys):
    """`oppbot export|report|digest --team T`: what it prints or writes for T is the same whether
    another workspace exists or not."""
    from bot.cli import main
    from tests.conftest import ROOT

    monkeypatch.setenv("OPPBOT_CONFIG", str(ROOT / "config.toml"))
    monkeypatch.setenv("DATABASE_URL", clean_db.url.render_as_string(hide_password=False))

    def shown(team: str, teams: tuple[str, ...]) -> str:
        World(rt, clean_db, teams).close()
        out = tmp_path / f"{team}.csv"
        assert main([w.format(out=out) for w in words] + ["--team", team]) == 0
        return capsys.readouterr().out + (out.read_text(encoding="utf-8") if out.exists() else "")

    for team in (A, B):
        alone = shown(team, (team,))
        assert shown(team, (A, B)) == alone
        assert MARK[OTHER[team]] not in alone and (MARK[team] in alone or words[0] != "export")


def test_a_queue_task_for_one_workspace_reads_changes_and_sends_nothing_of_another(rt, clean_db):
    """The task queue runs each job for one workspace at a time (bot.worker.queue): every job's task
    for A, now, the next morning, a week and a month later, with both workspaces holding work that
    is due; B's rows stay as they were and nothing sent names B's deals, while A's work is done."""
    world = World(rt, clean_db, (A, B))
    try:
        for team in (A, B):
            prepare_worker(world.clients[team])
        theirs, before = snapshot(rt, B), len(world.fake.calls())
        client = world.clients[A].app.client
        at_each_moment(rt, lambda now: [job.run(rt, client, now, A) for job in jobs.JOBS if job.per_workspace])
        sent = [call_words(c) for c in world.fake.calls()[before:] if c.method not in READS]
        assert sent and any(MARK[A] in words for words in sent)
        assert not any(MARK[B] in words for words in sent), [w for w in sent if MARK[B] in w]
        assert snapshot(rt, B) == theirs
    finally:
        world.close()
