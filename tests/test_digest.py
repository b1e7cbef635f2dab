"""Digests: every figure against an independent computation over the same generated pipeline,
the send time in the team's timezone (DST included), once-only delivery, Slack's limits, both
languages."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.blocks import digests as digest_render
from bot.console.slack_api import TEAM_ID
from bot.core.config import DigestSettings
from bot.core.runtime import Runtime
from bot.demo.generated import generate, insert_all
from bot.reporting import digests as digest
from store.models import DigestRun, Member, OutboxMessage
from tests.conftest import NOW, payload_text
from tests.slackcheck import assert_valid_message

DAY = date(2026, 11, 25)  # a Wednesday; the digest goes out at 09:00 Shanghai


@pytest.fixture
def data(rt):
    g = generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=8, deals=400, activities=1500, seed=3)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    return g


def close(a, b, tol=0.05):
    return abs(Decimal(str(a)) - Decimal(str(b))) <= Decimal(str(tol))


def assert_money(got: dict, want: dict, tol=0.05):
    want = {c: v for c, v in want.items() if v}
    assert set(got) == set(want), (got, want)
    for c in want:
        assert close(got[c], want[c], tol), (c, got[c], want[c])


def utc(d):
    return d.astimezone(UTC) if d else None


# --- the independent computation -------------------------------------------------------------------


class Expect:
    def __init__(self, config, g):
        self.config, self.g = config, g
        self.rank = {s.key: i for i, s in enumerate(config.stages)}
        self.default = {s.key: s.probability for s in config.stages}
        self.stall = {s.key: s.stall_days for s in config.stages}

    def open(self):
        return [d for d in self.g.deals if d["status"] == "open"]

    def prob(self, d):
        return d["win_probability"] if d["win_probability"] is not None else self.default[d["stage"]]

    @staticmethod
    def sum_by_currency(deals, value):
        out = defaultdict(Decimal)
        for d in deals:
            v = value(d)
            if v is not None:
                out[d["currency"]] += Decimal(str(v))
        return dict(out)

    def weighted(self, deals):
        return self.sum_by_currency(deals, lambda d: d["amount"] * Decimal(str(self.prob(d))) if d["amount"] is not None else None)

    def amount(self, deals):
        return self.sum_by_currency(deals, lambda d: d["amount"])


def expected_stage_days(events, deals, inside) -> dict[str, float]:
    """Per stage left inside the window, the average days in it. A deal leaves a stage by a stage
    change (in it since its latest earlier stage change, else its creation) or by being won or
    lost (in it since its last stage change, else since ``stage_entered_at``)."""
    moves = defaultdict(list)
    for ev in sorted(events, key=lambda ev: ev["id"]):
        if ev["kind"] == "stage":
            moves[ev["opportunity_id"]].append(ev)
    spans = defaultdict(list)
    for d in deals:
        evs = moves[d["id"]]
        for i, ev in enumerate(evs):
            if inside(ev["at"]):
                entered = max((x["at"] for x in evs[:i]), default=d["created_at"])
                spans[ev["old"]].append((ev["at"] - entered).total_seconds() / 86400)
        if d["status"] in ("won", "lost") and inside(d["closed_at"]):
            entered = max((x["at"] for x in evs), default=d["stage_entered_at"])
            spans[d["stage"]].append((d["closed_at"] - entered).total_seconds() / 86400)
    return {stage: sum(v) / len(v) for stage, v in spans.items()}


def test_daily_digest_figures_match_an_independent_computation(rt, data):
    config = rt.config
    e = Expect(config, data)
    tz = config.tz
    end = datetime(2026, 11, 25, 9, 0, tzinfo=tz)
    start = datetime(2026, 11, 24, 9, 0, tzinfo=tz)
    with rt.sessions() as session:
        d = digest.daily_facts(session, config, TEAM_ID, DAY)
    assert (d.start, d.end) == (start, end)
    inside = lambda at, start=start, end=end: at is not None and start <= at < end  # noqa: E731

    # pipeline by stage
    for row in d.pipeline:
        deals = [x for x in e.open() if x["stage"] == row.stage]
        assert row.count == len(deals)
        assert_money(row.amount, e.amount(deals))
        assert_money(row.weighted, e.weighted(deals))
    assert sum(r.count for r in d.pipeline) == len(e.open())

    # changes since the last digest
    new = [x for x in data.deals if inside(x["created_at"])]
    assert d.changes.new == len(new)
    assert_money(d.changes.new_amount, e.amount(new))
    stage_events = [ev for ev in data.events if ev["kind"] == "stage" and inside(ev["at"])]
    assert d.changes.advanced == sum(1 for ev in stage_events if e.rank[ev["new"]] > e.rank[ev["old"]])
    for status, got in (("won", d.changes.won), ("lost", d.changes.lost)):
        closed = [x for x in data.deals if x["status"] == status and inside(x["closed_at"])]
        assert got.total == len(closed)
        assert_money(got.amount, e.amount(closed))
        assert [i.number for i in got.items] == [x["number"] for x in sorted(closed, key=lambda x: (x["amount"] is None, -(x["amount"] or 0), x["number"]))][
            : config.digest.top
        ]
    assert d.changes.owner_changes == sum(1 for ev in data.events if ev["field"] == "owner" and inside(ev["at"]))

    # needs attention
    stalled = [x for x in e.open() if x["last_activity_at"] < end - timedelta(days=e.stall[x["stage"]])]
    assert d.stalled.total == len(stalled)
    assert [i.number for i in d.stalled.items] == [x["number"] for x in sorted(stalled, key=lambda x: (x["last_activity_at"], x["number"]))][:5]
    late = lambda x: (x["next_step_due"] and x["next_step_due"] < DAY) or (x["expected_close"] and x["expected_close"] < DAY)  # noqa: E731
    overdue = [x for x in e.open() if late(x)]
    assert d.overdue.total == len(overdue)

    # closing this week (Mon 23 .. Sun 29)
    week = [x for x in e.open() if x["expected_close"] and date(2026, 11, 23) <= x["expected_close"] <= date(2026, 11, 29)]
    assert d.closing.total == len(week)
    assert_money(d.closing.amount, e.amount(week))
    assert_money(d.closing_weighted, e.weighted(week))

    # forecast: month and quarter
    committed_from = e.rank["negotiation"]
    for f, first, last in ((d.month, date(2026, 11, 1), date(2026, 11, 30)), (d.quarter, date(2026, 10, 1), date(2026, 12, 31))):
        closing = [x for x in e.open() if x["expected_close"] and first <= x["expected_close"] <= last]
        assert_money(f.weighted, e.weighted(closing))
        assert_money(f.committed, e.amount([x for x in closing if e.rank[x["stage"]] >= committed_from]))
        won = [x for x in data.deals if x["status"] == "won" and first <= x["closed_at"].astimezone(tz).date() <= last]
        assert_money(f.won, e.amount(won))
    assert d.month.target == 5_000_000

    # per rep
    by_member = {r.member_id: r for r in d.reps}
    for m in data.members:
        mine = [x for x in e.open() if x["owner_id"] == m["id"]]
        owner_of = {x["id"]: x["owner_id"] for x in data.deals}
        advanced = sum(1 for ev in stage_events if owner_of[ev["opportunity_id"]] == m["id"] and e.rank[ev["new"]] > e.rank[ev["old"]])
        acts = sum(1 for a in data.activities if a["member_id"] == m["id"] and inside(a["created_at"]) and a["kind"] != "stage_change")
        row = by_member.get(m["id"])
        got = (row.open, row.overdue, row.advanced, row.activities) if row else (0, 0, 0, 0)
        assert got == (len(mine), sum(1 for x in mine if late(x)), advanced, acts), m["slack_user_id"]


def test_weekly_funnel_figures_match_an_independent_computation(rt, data):
    config = rt.config
    e = Expect(config, data)
    tz = config.tz
    with rt.sessions() as session:
        this, prev = digest.weekly_facts(session, config, TEAM_ID, date(2026, 11, 30))  # a Monday: covers 23..29 Nov
    assert (this.period.first, this.period.last) == (date(2026, 11, 23), date(2026, 11, 29))
    assert (prev.period.first, prev.period.last) == (date(2026, 11, 16), date(2026, 11, 22))
    for f in (this, prev):
        start = datetime.combine(f.period.first, datetime.min.time(), tz)
        end = start + timedelta(days=7)
        inside = lambda at, start=start, end=end: at is not None and start <= at < end  # noqa: E731
        stage_events = [ev for ev in data.events if ev["kind"] == "stage" and inside(ev["at"])]
        closed = [x for x in data.deals if x["status"] in ("won", "lost") and inside(x["closed_at"])]
        for stage, moved, left in f.conversion:
            fwd = sum(1 for ev in stage_events if ev["old"] == stage and e.rank[ev["new"]] > e.rank[stage])
            back = sum(1 for ev in stage_events if ev["old"] == stage and e.rank[ev["new"]] <= e.rank[stage])
            won_here = sum(1 for x in closed if x["stage"] == stage and x["status"] == "won")
            lost_here = sum(1 for x in closed if x["stage"] == stage and x["status"] == "lost")
            assert (moved, left) == (fwd + won_here, fwd + back + won_here + lost_here), stage
        won = [x for x in closed if x["status"] == "won"]
        lost = [x for x in closed if x["status"] == "lost"]
        assert (f.won, f.lost) == (len(won), len(lost))
        assert_money(f.won_amount, e.amount(won))
        if won:
            cycle = sum((x["closed_at"] - x["created_at"]).total_seconds() / 86400 for x in won) / len(won)
            assert abs(f.cycle_days - cycle) < 0.01
        else:
            assert f.cycle_days is None
        assert f.stage_days == pytest.approx(expected_stage_days(data.events, data.deals, inside), abs=0.01)
        reasons = defaultdict(int)
        for x in lost:
            reasons[x["lost_reason"]] += 1
        assert {r: n for r, n, _ in f.losses} == dict(reasons)
        assert [n for _, n, _ in f.losses] == sorted(reasons.values(), reverse=True)
        new = [x for x in data.deals if inside(x["created_at"])]
        assert f.new == len(new)
        assert_money(f.new_amount, e.amount(new))


def test_brief_figures_for_one_rep(rt, data):
    config = rt.config
    e = Expect(config, data)
    now = datetime(2026, 11, 25, 8, 30, tzinfo=config.tz)
    with rt.sessions() as session:
        b = digest.brief_facts(session, config, TEAM_ID, 2, DAY, now)
    mine = [x for x in e.open() if x["owner_id"] == 2]
    assert b.due.total == sum(1 for x in mine if x["next_step_due"] == DAY)
    assert b.overdue.total == sum(1 for x in mine if (x["next_step_due"] and x["next_step_due"] < DAY) or (x["expected_close"] and x["expected_close"] < DAY))
    assert b.stalled.total == sum(1 for x in mine if x["last_activity_at"] < now - timedelta(days=e.stall[x["stage"]]))
    assert b.closing.total == sum(1 for x in mine if x["expected_close"] and date(2026, 11, 23) <= x["expected_close"] <= date(2026, 11, 29))
    assert all(i.owner == "U0000002" for i in b.overdue.items)


# --- rendering -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_digests_render_within_slack_limits_in_both_languages(rt, data, lang):
    config = rt.config
    with rt.sessions() as session:
        daily = digest_render.daily(digest.daily_facts(session, config, TEAM_ID, DAY), config, lang)
        weekly = digest_render.weekly(*digest.weekly_facts(session, config, TEAM_ID, date(2026, 11, 30)), config, lang)
        brief = digest_render.brief(digest.brief_facts(session, config, TEAM_ID, 2, DAY, NOW), config, lang)
    for reply in (daily, weekly, brief):
        assert_valid_message(reply.payload())
        assert len(reply.blocks) <= 50
    text = payload_text(daily.payload())
    if lang == "zh":
        assert "销售日报" in text and "管道（按阶段）" in text and "价格谈判" in text
        assert "每周漏斗" in payload_text(weekly.payload())
    else:
        assert "Daily digest" in text and "Pipeline by stage" in text and "Negotiation" in text
        assert "Stage conversion" in payload_text(weekly.payload())
    assert "<b>" not in text  # deal titles are escaped
    assert "<@" not in text and "@rep1" in text  # people by name: a digest in a channel pings nobody
    assert "and " in text or "还有" in text  # long lists collapse


def test_a_huge_team_collapses_to_fit_slack(rt):
    config = replace(rt.config, digest=replace(rt.config.digest, top=20))
    g = generate(config, workspace_id=TEAM_ID, now=NOW, reps=120, deals=3000, activities=3000, seed=5)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    with rt.sessions() as session:
        facts = digest.daily_facts(session, config, TEAM_ID, DAY)
    assert facts.stalled.total > 20 and len(facts.reps) > 40
    for lang in ("en", "zh"):
        reply = digest_render.daily(facts, config, lang)
        assert_valid_message(reply.payload())
        assert len(reply.blocks) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in reply.blocks if b["type"] == "section")
        text = payload_text(reply.payload())
        more = facts.stalled.total - 20
        assert (f"and {more} more" if lang == "en" else f"还有 {more} 个") in text
        assert (f"{len(facts.reps) - 40} more not shown" if lang == "en" else f"还有 {len(facts.reps) - 40} 人未列出") in text


def test_render_page_never_exceeds_the_block_limit():
    page = digest_render.Page("en")
    for i in range(80):
        page.section(f"line {i}")
    blocks = page.done()
    assert len(blocks) == 50 and "Too long" in blocks[-1]["elements"][0]["text"]
    page = digest_render.Page("en")
    page.section("\n".join("x" * 100 for _ in range(100)))  # 10,099 characters
    assert len(page.blocks) == 4 and all(len(b["text"]["text"]) <= 3000 for b in page.blocks)


# --- when, to whom, once -----------------------------------------------------------------------------


def ny_runtime(rt: Runtime) -> Runtime:
    config = replace(rt.config, timezone="America/New_York", channels={**rt.config.channels, "digest": "#sales-digest"})
    return replace(rt, default_config=config)


def due_kinds(rt, at):
    return sorted((d.kind, d.period, d.recipient) for d in digest.due_digests(rt, at))


def seed_people(rt, *, managers=("U0BOSS",), brief=("U0REP",)):
    with rt.sessions.begin() as session:
        insert_all(
            session.connection(), generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=1, managers=0, deals=5, activities=5), workspace_id=TEAM_ID, now=NOW
        )
        for user in managers:
            session.add(Member(workspace_id=TEAM_ID, slack_user_id=user, display_name=user, role="manager", created_at=NOW, locale="zh-CN"))
        for user in brief:
            session.add(Member(workspace_id=TEAM_ID, slack_user_id=user, display_name=user, role="ae", created_at=NOW, brief_enabled=True))


@pytest.mark.parametrize(
    "day, utc_nine",
    [
        (date(2026, 3, 6), datetime(2026, 3, 6, 14, 0, tzinfo=UTC)),  # Friday before spring forward: EST, UTC-5
        (date(2026, 3, 9), datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),  # Monday after: EDT, UTC-4
        (date(2026, 10, 30), datetime(2026, 10, 30, 13, 0, tzinfo=UTC)),  # Friday before fall back: EDT
        (date(2026, 11, 2), datetime(2026, 11, 2, 14, 0, tzinfo=UTC)),  # Monday after: EST
    ],
)
def test_new_york_team_gets_its_digest_at_nine_local_on_both_sides_of_dst(rt, day, utc_nine):
    rt = ny_runtime(rt)
    seed_people(rt)
    assert digest.send_time(rt.config, day, "09:00") == utc_nine
    assert [k for k in due_kinds(rt, utc_nine - timedelta(minutes=1)) if k[0] == "daily"] == []
    due = due_kinds(rt, utc_nine)
    assert ("daily", day.isoformat(), "U0BOSS") in due and ("daily", day.isoformat(), "#sales-digest") in due
    assert digest.send_due_digests(rt, utc_nine) >= 2
    with rt.sessions() as session:
        runs = session.scalars(select(DigestRun).where(DigestRun.kind == "daily")).all()
        assert {r.period for r in runs} == {day.isoformat()}


def test_weekends_are_skipped_and_monday_brings_the_weekly_digest(rt):
    rt = ny_runtime(rt)
    seed_people(rt)
    saturday = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    assert due_kinds(rt, saturday) == []
    monday = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 09:00 EST
    kinds = due_kinds(rt, monday)
    assert ("weekly", "2026-W48", "U0BOSS") in kinds and ("weekly", "2026-W48", "#sales-digest") in kinds
    assert ("brief", "2026-11-30", "U0REP") in kinds
    # with skipping off, Saturday has its digest too
    config = replace(rt.config, digest=replace(rt.config.digest, skip_non_working_days=False))
    assert ("daily", "2026-11-28", "U0BOSS") in due_kinds(replace(rt, default_config=config), saturday)


def test_brief_goes_at_its_own_time_only_to_those_who_turned_it_on(rt):
    seed_people(rt)
    at_0830 = datetime(2026, 11, 25, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    kinds = due_kinds(rt, at_0830)
    assert kinds == [("brief", "2026-11-25", "U0REP")]
    assert due_kinds(rt, at_0830 - timedelta(minutes=1)) == []


def test_each_digest_is_sent_once_however_often_the_job_runs(rt, fake):
    seed_people(rt)
    at = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    first = digest.send_due_digests(rt, at)
    assert first == 4  # daily to the manager, the admin in config and the channel; the brief
    assert digest.send_due_digests(rt, at) == 0
    assert digest.send_due_digests(rt, at + timedelta(hours=3)) == 0  # a restart later that day
    with rt.sessions() as session:
        outbox = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert sorted((m.kind, m.channel) for m in outbox) == [
            ("digest_brief", "U0REP"),
            ("digest_daily", "#sales-digest"),
            ("digest_daily", "U0ADMIN"),
            ("digest_daily", "U0BOSS"),
        ]
        for m in outbox:
            assert_valid_message({"text": m.text, "blocks": m.blocks})
        boss = next(m for m in outbox if m.channel == "U0BOSS")
        assert "销售日报" in boss.text  # the manager's Slack locale is zh-CN
        channel = next(m for m in outbox if m.channel == "#sales-digest")
        assert "销售日报" in channel.text  # the workspace language
    # the next day is a new period
    assert digest.send_due_digests(rt, at + timedelta(days=1)) == 4


def test_two_workers_at_the_same_moment_send_one_digest(rt):
    seed_people(rt)
    at = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            results.append(digest.send_due_digests(rt, at))
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert sum(results) == 4
    with rt.sessions() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == 4
        assert len(session.scalars(select(DigestRun)).all()) == 4


def test_a_recorded_run_blocks_a_second_send_even_when_due_was_computed_before_it(rt, monkeypatch):
    """A worker that decided what was due just before another one sent it sends nothing."""
    seed_people(rt)
    at = datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    stale = digest.due_digests(rt, at)
    assert digest.send_due_digests(rt, at) == 4
    monkeypatch.setattr(digest, "due_digests", lambda rt, now, workspace_id=None: stale)
    assert digest.send_due_digests(rt, at) == 0


def test_digest_settings_are_read_and_checked():
    import tomllib

    from bot.core.config import ConfigError, parse_config
    from tests.conftest import ROOT

    raw = tomllib.loads((ROOT / "config.toml").read_text())
    assert parse_config(raw).digest.month_target == 5_000_000
    raw.pop("digest")
    assert parse_config(raw).digest == replace(DigestSettings(), commit_from="negotiation")
    for key, value, message in (
        ("daily_time", "9am", "digest.daily_time: must be a local time"),
        ("working_days", ["mon", "funday"], "digest.working_days"),
        ("deliver", ["email"], "digest.deliver"),
        ("weekly_day", "someday", "digest.weekly_day"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_config({**raw, "digest": {key: value}})


def test_the_collapsed_stalled_list_is_one_command_away(slack, rt, data):
    """ "and 78 more — `/opp list all stalled`": that command lists the same deals."""
    e = Expect(rt.config, data)
    stalled = [x for x in e.open() if x["last_activity_at"] < NOW - timedelta(days=e.stall[x["stage"]])]
    answer = slack.command("alice", "list all stalled")
    assert f"of {len(stalled)})" in answer.text
    mine = [x for x in stalled if x["owner_id"] == 1]
    assert f"（{min(20, len(mine))}/{len(mine)}）" in slack.command("alice", "列表 停滞 owner:<@U0000001>").text


def test_needs_attention_counts_unanswered_assignments_and_open_alerts(rt, data):
    from store.models import Alert, AssignmentOffer

    with rt.sessions.begin() as session:
        for i, status in enumerate(("offered", "offered", "accepted", "declined"), start=1):
            session.add(
                AssignmentOffer(
                    workspace_id=TEAM_ID,
                    opportunity_id=i,
                    member_id=1,
                    kind="owner",
                    rule="r",
                    explanation="e",
                    status=status,
                    created_at=NOW,
                    expires_at=NOW + timedelta(hours=4),
                )
            )
        session.add(Alert(workspace_id=TEAM_ID, opportunity_id=1, condition="stalled", opened_at=NOW))
        session.add(Alert(workspace_id=TEAM_ID, opportunity_id=2, condition="close_passed", opened_at=NOW))
        session.add(Alert(workspace_id=TEAM_ID, opportunity_id=3, condition="stalled", opened_at=NOW, cleared_at=NOW))
    with rt.sessions() as session:
        facts = digest.daily_facts(session, rt.config, TEAM_ID, DAY)
    assert facts.unanswered == 2 and facts.alerts == {"stalled": 1, "close_passed": 1}
    text = payload_text(digest_render.daily(facts, rt.config, "en").payload())
    assert "unanswered assignments 2 · alerts waiting 2" in text
    assert "未答复的分配 2 个 · 待处理提醒 2 条" in payload_text(digest_render.daily(facts, rt.config, "zh").payload())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_daily_digest_reads_in_a_managers_order(rt, data, lang):
    """What needs action first (at risk, stalled, overdue), then what changed, what closes this
    week and the pipeline."""
    with rt.sessions() as session:
        facts = digest.daily_facts(session, rt.config, TEAM_ID, DAY)
    text = payload_text(digest_render.daily(facts, rt.config, lang).payload())
    heads = (
        ("*Needs attention*", "*Stalled*", "*Since the last digest*", "*Pipeline by stage*")
        if lang == "en"
        else ("*需要关注*", "*停滞*", "*自上次日报以来*", "*管道（按阶段）*")
    )
    places = [text.index(h) for h in heads]
    assert places == sorted(places), text


def test_digests_and_reports_print_in_the_terminal(rt, data, tmp_path):
    from bot.console.printing import print_digest, print_report

    text = print_digest(rt, "daily", day="2026-11-25", lang="en")
    assert text.startswith("== 📊 Daily digest · Wed 2026-11-25 ==") and "*Pipeline by stage*" in text
    assert "每周漏斗 · 2026-11-23 (周一) – 2026-11-29 (周日)" in print_digest(rt, "weekly", day="2026-11-30")
    assert "Your day" in print_digest(rt, "brief", day="2026-11-25", user="U0000002", lang="en")
    with pytest.raises(SystemExit, match="--date"):
        print_digest(rt, "daily", day="someday")
    chart = tmp_path / "funnel.png"
    out = print_report(rt, "funnel", "this-month", lang="en", chart=str(chart))
    assert "== Funnel · 2026-11 ==" in out and "Share to channel" not in out
    assert chart.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(SystemExit, match="period"):
        print_report(rt, "funnel", "someday", lang="en")
