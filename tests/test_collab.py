"""The collaboration, lead-source, region and industry reports, and the funnel and cycle reports
narrowed to a region or an industry, as a team would read them in Slack. The history is made
through commands, buttons and the worker's tick with the clock moved between steps: assignments
accepted after known delays, declined and let expire; alerts raised and acted on; activities
logged; deals with sources, regions and industries qualified, won and lost. Each figure is then
computed again in plain Python over the rows and what the test did, and looked for in the report."""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.blocks.digests import fmt_days, fmt_total, pct
from bot.console.slack_api import TEAM_ID
from bot.core.i18n import t
from bot.core.periods import month_of
from bot.demo.generated import generate, insert_all
from bot.reporting.metrics import add, money
from bot.worker import jobs
from bot.worker.sender import sender_client
from store.models import Activity, Alert, AssignmentOffer, Event, Member, Opportunity
from tests.conftest import NOW, SHANGHAI, USERS
from tests.test_permissions import set_role
from tests.test_report_periods import cli  # noqa: F401  (the `oppbot` command, for the terminal test)
from tests.test_reports import uploads

NAME_OF = {spec["user_id"]: name for name, spec in USERS.items()}
NOVEMBER = month_of(NOW.date(), SHANGHAI)


def at(clock, text: str) -> None:
    clock.set(datetime.fromisoformat(text).replace(tzinfo=SHANGHAI))


def number_of_last(slack, who: str, text: str) -> int:
    """``who`` creates a deal with ``text``; its number."""
    answer = slack.command(who, "new " + text)
    assert "Created #" in answer.text or "已创建" in answer.text, answer.text
    with slack.rt.sessions() as s:
        return s.scalar(select(Opportunity.number).order_by(Opportunity.id.desc()).limit(1))


def open_offer(rt, number: int) -> tuple[int, str]:
    """The offer waiting on deal ``number``: its id and who it is offered to (a name of USERS)."""
    with rt.sessions() as s:
        offer_id, slack_id = s.execute(
            select(AssignmentOffer.id, Member.slack_user_id)
            .join(Member, Member.id == AssignmentOffer.member_id)
            .join(Opportunity, Opportunity.id == AssignmentOffer.opportunity_id)
            .where(Opportunity.number == number, AssignmentOffer.status == "offered")
        ).one()
    return offer_id, NAME_OF[slack_id]


class History:
    """What the test did, to check the report against: the hours each accepted offer waited (by
    whom), and the deal numbers by role in the story."""

    def __init__(self):
        self.accepted: list[tuple[str, float]] = []  # (who, hours) of offers made in November


def offered_and_accepted(slack, rt, clock, history: History, number: int, delay: float, *, mover: str = "alice", counted: bool = True) -> None:
    """Deal ``number`` enters Technical review (moved by its owner ``mover``): support is offered
    it; the offer is accepted ``delay`` hours later by whoever it went to."""
    slack.command(mover, f"move {number} tech_review")
    offer_id, who = open_offer(rt, number)
    clock.advance(hours=delay)
    slack.click(who, "offer_accept", str(offer_id))
    assert "accepted" in slack.responses()[-1]["text"].lower() or "接受" in slack.responses()[-1]["text"]
    if counted:
        history.accepted.append((who, delay))


@pytest.fixture
def client(fake):
    return sender_client("xoxb-test", fake.api_url, retries=0)


@pytest.fixture
def tick(rt, client):
    """One worker pass at the clock's time: the alert scan, bundles, sending, assignment expiry."""

    def go():
        now = rt.clock.now()
        jobs.scan_all(rt, client, now)
        jobs.daily_bundles(rt, client, now)
        jobs.send_outbox(rt, client, now)
        jobs.assignments(rt, client, now)

    return go


def alert_of(rt, number: int) -> int:
    with rt.sessions() as s:
        return s.scalars(select(Alert.id).join(Opportunity).where(Opportunity.number == number, Alert.cleared_at.is_(None))).one()


@pytest.fixture
def history(slack, rt, clock, tick) -> History:
    """October and November of a small team: alice and bob sell, li and nyc are support (offered
    the deals entering Technical review, in turn)."""
    h = History()
    at(clock, "2026-10-20T10:00")
    for who in ("alice", "bob", "li", "nyc", "boss"):
        slack.command(who, "help")
    set_role(rt, "U0LI", "support")
    set_role(rt, "U0NYC", "support")

    # October: an offer accepted and an alert raised, neither counted in November
    october = number_of_last(slack, "alice", "Old deal 10万 stage proposal region 华东 industry 制造 source 展会 close 2026-10-23")
    offered_and_accepted(slack, rt, clock, h, october, 2.0, counted=False)
    at(clock, "2026-10-26T10:00")  # Monday
    tick()
    at(clock, "2026-11-02T09:00")
    slack.click("alice", "alert_snooze_1", f"{alert_of(rt, october)}:1")  # acted in November, raised in October

    # November: offers accepted after known delays, one declined then accepted, one let expire then accepted
    deals = {}
    for day, key, owner, text, delay in (
        ("02", "a", "alice", "Alpha 20万 stage proposal region 华东 industry 制造 source 展会", 1.5),
        ("03", "b", "bob", "Beta 30万 stage proposal region 华南 industry 零售 source 官网", 4.0),
        ("04", "c", "alice", "Gamma $5万 stage proposal region 华东 industry 零售 source 展会", 0.5),
    ):
        at(clock, f"2026-11-{day}T10:00")
        deals[key] = number_of_last(slack, owner, text)
        clock.advance(minutes=30)
        offered_and_accepted(slack, rt, clock, h, deals[key], delay, mover=owner)
    at(clock, "2026-11-05T10:00")
    deals["d"] = number_of_last(slack, "bob", "Delta 40万 stage proposal region 华北 industry 制造")
    clock.advance(minutes=30)
    slack.command("bob", f"move {deals['d']} tech_review")
    offer_id, who = open_offer(rt, deals["d"])
    clock.advance(hours=1)
    slack.click(who, "offer_decline", str(offer_id))
    slack.submit(who, slack.opened_view(), {"reason": "on leave"})
    offer_id, who = open_offer(rt, deals["d"])  # passed on to the other support person
    clock.advance(hours=6)
    slack.click(who, "offer_accept", str(offer_id))
    h.accepted.append((who, 6.0))
    at(clock, "2026-11-09T10:00")
    deals["e"] = number_of_last(slack, "alice", "Epsilon 15万 stage proposal region 华东 industry 制造 source 转介绍")
    at(clock, "2026-11-09T10:30")
    slack.command("alice", f"move {deals['e']} tech_review")
    clock.advance(hours=25)
    tick()  # no answer in 24 hours: passed on
    offer_id, who = open_offer(rt, deals["e"])
    clock.advance(hours=2)
    slack.click(who, "offer_accept", str(offer_id))
    h.accepted.append((who, 2.0))

    # alerts: close dates pass; acted on 3.5 hours (a snooze for a week) and 72 hours (over a weekend)
    # after the notice; a third left waiting
    at(clock, "2026-11-10T10:00")
    late = [number_of_last(slack, "alice", f"Late {i} 5万 stage proposal close 2026-11-1{i + 1}") for i in range(3)]
    at(clock, "2026-11-13T10:00")  # Friday: #late[0] and #late[1] have passed their close dates
    tick()
    clock.advance(hours=3.5)
    slack.click("alice", "alert_snooze_7", f"{alert_of(rt, late[0])}:7")
    at(clock, "2026-11-16T10:00")  # Monday: #late[1]'s alert acted on, #late[2]'s raised
    slack.click("alice", "alert_log", str(alert_of(rt, late[1])))
    tick()

    # activities, wins and losses
    at(clock, "2026-11-17T11:00")
    for number in (deals["a"], deals["b"], deals["a"]):
        slack.command("alice" if number != deals["b"] else "bob", f"log {number} call talked prices")
    slack.command("alice", f"won {deals['a']}")
    slack.command("bob", f"lost {deals['b']} price")
    at(clock, "2026-11-19T15:00")
    lead = number_of_last(slack, "bob", "Lead only 8万 stage lead region 华南 source 官网")
    back = number_of_last(slack, "bob", "Back and forth 9万 stage needs region 华南 source 官网")
    slack.command("bob", f"move {back} proposal")
    slack.command("bob", f"move {back} needs")
    slack.command("bob", f"log {lead} email sent the brochure")
    at(clock, "2026-11-20T10:00")
    slack.command("alice", f"won {deals['c']}")
    at(clock, "2026-11-24T15:00")  # an offer still waiting at the report
    slack.command("alice", f"move {late[2]} tech_review")
    rt.clock.set(NOW)
    return h


# --- independent computations -------------------------------------------------------------


def rows(rt, model):
    with rt.sessions() as s:
        return list(s.scalars(select(model)).unique())


def hours_text(value) -> str:
    return "—" if value is None else t("en", "cb_hours", hours=value)


def nearest_rank_p90(values: list[float]):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * 9 / 10) - 1)]


def median(values):
    return statistics.median(values) if values else None


def was_open(d: Opportunity, moment: datetime) -> bool:
    return d.created_at < moment and (d.status == "open" or (d.closed_at is not None and d.closed_at >= moment))


def expected_collab(rt, period, now):
    """(offers line, other offers line, alerts line, other alerts line, pace lines) from the rows."""
    inside = lambda moment: period.start <= moment < period.end  # noqa: E731
    offers = [o for o in rows(rt, AssignmentOffer) if inside(o.created_at)]
    waits = [(o.answered_at - o.created_at).total_seconds() / 3600 for o in offers if o.status == "accepted"]
    status_count = {s: sum(1 for o in offers if o.status == s) for s in ("declined", "expired", "withdrawn", "offered")}
    alerts = [a for a in rows(rt, Alert) if inside(a.opened_at)]
    acted = [(a.acted_at - (a.notified_at or a.opened_at)).total_seconds() / 3600 for a in alerts if a.acted_at]
    waiting = sum(1 for a in alerts if a.acted_at is None and a.cleared_at is None)
    deals = rows(rt, Opportunity)
    until = min(period.end, now)
    weeks = (until - period.start) / timedelta(weeks=1)
    start_open, end_open = sum(was_open(d, period.start) for d in deals), sum(was_open(d, until) for d in deals)
    acts = [a for a in rows(rt, Activity) if period.start <= a.created_at < until and a.kind != "stage_change"]
    touched = sum(1 for d in deals if was_open(d, until) and any(a.opportunity_id == d.id for a in acts))
    average = (start_open + end_open) / 2
    return [
        t("en", "cb_offers_line", total=len(offers), accepted=len(waits), median=hours_text(median(waits)), p90=hours_text(nearest_rank_p90(waits))),
        t(
            "en",
            "cb_offers_other",
            declined=status_count["declined"],
            expired=status_count["expired"],
            withdrawn=status_count["withdrawn"],
            waiting=status_count["offered"],
        ),
        t("en", "cb_alerts_line", total=len(alerts), acted=len(acted), median=hours_text(median(acted)), p90=hours_text(nearest_rank_p90(acted))),
        t("en", "cb_alerts_other", waiting=waiting, cleared=len(alerts) - len(acted) - waiting),
        t("en", "cb_alert_rate", rate=f"{len(alerts) / average / weeks * 100:.1f}", alerts=len(alerts), open=f"{average:g}", weeks=f"{weeks:.1f}"),
        t("en", "cb_activity_rate", rate=f"{len(acts) / average / weeks:.1f}", activities=len(acts)),
        t("en", "cb_revisit_rate", rate=pct(touched / end_open), touched=touched, open=end_open),
    ]


# --- the collaboration report --------------------------------------------------------------


def test_collab_report_figures_match_an_independent_count_of_what_happened(slack, rt, history):
    answer = slack.command("boss", "report collab this-month")
    text = answer.text
    assert "Collaboration · 2026-11" in text
    for line in expected_collab(rt, NOVEMBER, NOW):
        assert line in text, f"{line!r} not in\n{text}"
    # what the test did: five offers accepted after 1.5, 4, 0.5, 6 and 2 hours (median 2, p90 6),
    # one declined, one expired, one still waiting; the October offer and alert left out
    waits = [hours for _, hours in history.accepted]
    assert sorted(waits) == [0.5, 1.5, 2.0, 4.0, 6.0]
    assert "8 offered, 5 accepted · median time to accept 2.0 h · 90% within 6.0 h" in text
    assert "declined 1 · expired unanswered 1 · taken by someone else 0 · still waiting 1" in text
    # alerts acted on 3.5 and 72 hours after their notice (median 37.75)
    assert "2 acted on · median time to act 37.8 h · 90% within 72.0 h" in text


def test_collab_report_has_a_line_per_person_with_their_own_figures(slack, rt, history):
    text = slack.command("boss", "report collab this-month").text
    for who in ("li", "nyc"):
        mine = [hours for name, hours in history.accepted if name == who]
        with rt.sessions() as s:
            member_id = s.scalar(select(Member.id).where(Member.slack_user_id == USERS[who]["user_id"]))
            offered = [o for o in s.scalars(select(AssignmentOffer).where(AssignmentOffer.member_id == member_id)) if NOVEMBER.start <= o.created_at]
        assert f"@{who}: assignments {len(mine)}/{len(offered)} · {hours_text(median(mine))};" in text, text
    with rt.sessions() as s:
        alice = s.scalar(select(Member.id).where(Member.slack_user_id == "U0ALICE"))
        hers = {d.id for d in s.scalars(select(Opportunity).where(Opportunity.owner_id == alice)).unique()}
    waiting = sum(1 for a in rows(rt, Alert) if a.opportunity_id in hers and NOVEMBER.start <= a.opened_at and a.acted_at is None and a.cleared_at is None)
    assert waiting >= 1
    assert f"@alice: assignments 0/0 · —; alerts 37.8 h · waiting {waiting};" in text


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_each_owners_activity_and_revisit_rates_count_their_own_deals(slack, rt, history, who):
    text = slack.command("boss", "report collab this-month").text
    with rt.sessions() as s:
        member_id = s.scalar(select(Member.id).where(Member.slack_user_id == USERS[who]["user_id"]))
    deals = [d for d in rows(rt, Opportunity) if d.owner_id == member_id]
    ids = {d.id for d in deals}
    weeks = (NOW - NOVEMBER.start) / timedelta(weeks=1)
    acts = [a for a in rows(rt, Activity) if a.opportunity_id in ids and NOVEMBER.start <= a.created_at < NOW and a.kind != "stage_change"]
    average = (sum(was_open(d, NOVEMBER.start) for d in deals) + sum(was_open(d, NOW) for d in deals)) / 2
    open_end = [d for d in deals if was_open(d, NOW)]
    touched = sum(1 for d in open_end if any(a.opportunity_id == d.id for a in acts))
    assert acts and open_end
    assert f"activity {len(acts) / average / weeks:.1f} · revisit {pct(touched / len(open_end))}" in next(
        line for line in text.splitlines() if line.startswith(f"• @{who}:")
    )


def test_another_workspaces_deals_and_activities_change_nothing(slack, rt, history):
    commands = ("report collab", "report sources", "report regions", "report industries", "report funnel region:华东")
    before = [slack.command("alice", c).text for c in commands]
    other = generate(rt.config, workspace_id="T0OTHER", now=NOW, reps=2, deals=40, activities=120, seed=3)
    for m in other.members:
        m["id"] += 10_000
    for d in other.deals:
        d.update(id=d["id"] + 10_000, owner_id=d["owner_id"] + 10_000, creator_id=d["creator_id"] + 10_000, region="华东", industry="制造", source="展会")
    for e in other.events:
        e.update(id=e["id"] + 10_000, opportunity_id=e["opportunity_id"] + 10_000, actor_id=e["actor_id"] + 10_000)
    for a in other.activities:
        a.update(id=a["id"] + 10_000, opportunity_id=a["opportunity_id"] + 10_000, member_id=a["member_id"] + 10_000)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), other, workspace_id="T0OTHER", now=NOW)
    assert [slack.command("alice", c).text for c in commands] == before


def test_collab_report_in_chinese_with_each_definition(slack, history):
    text = slack.command("li", "报表 协作 本月").text
    assert "协作报表 · 2026-11" in text
    assert "发出 8 个，接受 5 个 · 接受用时中位数 2.0 小时 · 90% 在 6.0 小时 内" in text
    for key in ("cb_offers_def", "cb_alerts_def", "cb_pace_def"):
        assert t("zh", key) in text
    assert "@alice：分配 0/0" in text


def test_a_period_with_nothing_shows_dashes_not_errors(slack, history):
    text = slack.command("alice", "report collab 2025-06").text
    assert "0 offered, 0 accepted · median time to accept — · 90% within —" in text
    assert "Alert rate: — per 100 open deals" in text


# --- lead sources ---------------------------------------------------------------------------


def expected_sources(rt, period) -> dict[str | None, tuple]:
    """{source: (new, qualified, won, won amount)} over the deals created in the period."""
    config = rt.config
    gate = config.stage_index(config.qualification.gate_stage)
    rank = {s.key: i for i, s in enumerate(config.stages)}
    moved_past = {e.opportunity_id for e in rows(rt, Event) if e.kind == "stage" and rank.get(e.new, -1) > gate}
    out: dict[str | None, tuple] = {}
    for d in rows(rt, Opportunity):
        if not (period.start <= d.created_at < period.end) or d.status in ("deleted", "merged"):
            continue
        key = (d.source or "").strip() or None
        new, qualified, won, amount = out.get(key, (0, 0, 0, {}))
        passed = d.status == "won" or rank[d.stage] > gate or d.id in moved_past
        is_won = d.status == "won"
        out[key] = (new + 1, qualified + passed, won + is_won, add(amount, money([(d.currency, d.amount)])) if is_won else amount)
    return out


def test_sources_report_counts_new_qualified_and_won_per_source_with_a_chart(slack, rt, fake, history):
    text = slack.command("alice", "report sources this-month").text
    want = expected_sources(rt, NOVEMBER)
    assert set(want) == {"展会", "官网", "转介绍", None}
    for source, (new, qualified, won, amount) in want.items():
        name = source or "(no source)"
        line = f"{name}: new {new} · qualified {qualified} · won {won} ({fmt_total(amount, rt.config, 'en')}) · conversion {pct(won / new)}"
        assert line in text, f"{line!r} not in\n{text}"
    # 展会: Alpha (won ¥20万) and Gamma (won $5万); 官网: Beta lost, Lead only never qualified,
    # Back and forth qualified by its move to Proposal though back in Needs now
    assert want["展会"][:3] == (2, 2, 2) and want["官网"][:3] == (3, 2, 0)
    assert text.index("展会:") < text.index("官网:")  # the most won value first
    [(_, _, content)] = uploads(fake)
    assert content.startswith(b"\x89PNG")


def test_sources_report_in_chinese_names_a_missing_source(slack, history):
    text = slack.command("li", "报表 来源 本月").text
    assert "线索来源 · 2026-11" in text and "（未填来源）：新建 4" in text and "展会：新建 2 · 通过资格 2 · 赢单 2" in text


# --- regions and industries -----------------------------------------------------------------


def expected_segments(rt, period, field: str, now: datetime) -> dict[str | None, tuple]:
    """{value: (open at the period's end or now, new, won, lost, average cycle days)}."""
    out: dict[str | None, list] = {}
    for d in rows(rt, Opportunity):
        value = (getattr(d, field) or "").strip() or None
        row = out.setdefault(value, [0, 0, 0, 0, []])
        row[0] += d.status == "open" if period.end > now else was_open(d, period.end)
        row[1] += period.start <= d.created_at < period.end
        if d.closed_at and period.start <= d.closed_at < period.end and d.status in ("won", "lost"):
            row[2 if d.status == "won" else 3] += 1
            if d.status == "won":
                row[4].append((d.closed_at - d.created_at) / timedelta(days=1))
    return {k: (o, n, w, lo, sum(c) / len(c) if c else None) for k, (o, n, w, lo, c) in out.items() if o or n or w or lo}


@pytest.mark.parametrize(
    "command, field, none, period",
    [
        ("report regions", "region", "(no region)", NOVEMBER),
        ("report industries", "industry", "(no industry)", NOVEMBER),
        ("report regions last-month", "region", "(no region)", NOVEMBER.previous()),  # the pipeline at October's end
    ],
)
def test_region_and_industry_reports_give_one_line_each(slack, rt, history, command, field, none, period):
    text = slack.command("boss", command).text
    want = expected_segments(rt, period, field, NOW)
    assert len(want) >= (3 if period == NOVEMBER else 1)
    for value, (open_, new, won, lost, cycle) in want.items():
        head = f"{value or none}: open {open_} ("
        tail = f"· new {new} · won {won} ("
        rate = f"· win rate {pct(won / (won + lost) if won + lost else None)} · cycle {fmt_days(cycle, 'en')}"
        line = next((line for line in text.splitlines() if line.startswith("• " + head)), "")
        assert tail in line and line.endswith(rate), f"{value}: {line!r}\n{text}"
    assert sum(line.startswith("• ") for line in text.splitlines()) == len(want)


def test_region_report_in_chinese(slack, history):
    text = slack.command("li", "报表 地区 本月").text
    assert "按地区 · 2026-11" in text and "• 华东：进行中" in text and "赢单率" in text


# --- the funnel and cycle reports narrowed to a region or an industry -----------------------------


def funnel_figures(rt, period, keep) -> tuple[int, int, int]:
    """(new, won, lost) in the period of the deals ``keep`` keeps."""
    deals = [d for d in rows(rt, Opportunity) if keep(d)]
    inside = lambda moment: moment is not None and period.start <= moment < period.end  # noqa: E731
    return (
        sum(inside(d.created_at) for d in deals),
        sum(d.status == "won" and inside(d.closed_at) for d in deals),
        sum(d.status == "lost" and inside(d.closed_at) for d in deals),
    )


@pytest.mark.parametrize(
    "command, field, value",
    [
        ("report funnel region:华东", "region", "华东"),
        ("report funnel this-month region:华南", "region", "华南"),
        ("report funnel industry:制造 this-month", "industry", "制造"),
        ("report cycle 地区：华东 本月", "region", "华东"),  # a full-width colon, as a Chinese keyboard types it
    ],
)
def test_funnel_and_cycle_narrowed_to_a_region_or_industry(slack, rt, history, command, field, value):
    text = slack.command("alice", command).text
    new, won, lost = funnel_figures(rt, NOVEMBER, lambda d: getattr(d, field) == value)
    assert f"{field}: {value}" in text.splitlines()[0]
    rate = pct(won / (won + lost) if won + lost else None)
    assert f"*Win rate*: {rate} (won {won} / lost {lost})" in text
    if "funnel" in command:
        assert f"*New pipeline*: {new} (" in text
        open_now = sum(1 for d in rows(rt, Opportunity) if d.status == "open" and getattr(d, field) == value)
        assert f"Total: {open_now} ·" in text
    everyone = funnel_figures(rt, NOVEMBER, lambda d: True)
    assert everyone != (new, won, lost)  # the filter did narrow it


def test_the_filter_reads_the_same_before_or_after_the_period_and_in_chinese(slack, history):
    first = slack.command("li", "报表 漏斗 上月 地区:华东").json["blocks"]
    second = slack.command("li", "报表 漏斗 区域:华东 上月").json["blocks"]
    assert first[0] == second[0] and first[0]["text"]["text"] == "漏斗报表 · 2026-10 · 地区：华东"
    share = next(b for b in first if b["type"] == "actions")["elements"][0]["value"]
    assert share == "funnel 上月 region:华东"


def test_share_keeps_the_filter(slack, fake, history):
    slack.command("alice", "report funnel region:华东")
    slack.click("bob", "report_share", "funnel this-month region:华东")
    shared = slack.responses()[-1]
    assert shared["response_type"] == "in_channel" and "Funnel · 2026-11 · region: 华东" in shared["text"]


def test_an_unknown_region_answers_with_the_regions_there_are(slack, history):
    answer = slack.command("alice", "report funnel region:西北")
    assert "No deal has the region “西北”" in answer.text
    assert "`region:华东`" in answer.text and "`region:华南`" in answer.text and "`region:华北`" in answer.text
    assert "、" not in answer.text  # an English list is separated the English way
    zh = slack.command("li", "报表 周期 行业:航天").text
    assert "没有行业为「航天」的商机" in zh and "`行业:制造`" in zh and "`行业:零售`" in zh and "`、`" in zh


@pytest.mark.parametrize(
    "command, words",
    [
        ("report reps region:华东", "works for the funnel and cycle reports"),
        ("report funnel stage:proposal", "Couldn't read “stage:proposal”"),
        ("report funnel region:华东 region:华南", "at most one region and one industry"),
        ("report funnel region:", "needs a name after it"),
    ],
)
def test_bad_filters_say_what_to_type(slack, rt, history, command, words):
    before = len(rows(rt, Event))
    answer = slack.command("alice", command)
    assert words in answer.text and "e.g. `" in answer.text
    assert len(rows(rt, Event)) == before


# --- Slack's limits -------------------------------------------------------------------------------


def test_many_sources_and_regions_are_clipped_with_and_n_more(slack, rt, fake):
    g = generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=4, deals=240, activities=200, seed=5)
    for i, d in enumerate(g.deals):
        d["source"] = f"source number {i % 45} " + "x" * 80
        d["region"] = f"region {i % 60}"
        d["industry"] = f"industry {i % 50}"
        d["created_at"] = NOW - timedelta(days=1 + i % 20)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    text = slack.command("alice", "report sources this-year").text  # the payload is validated on its way
    assert "and 15 more" in text and len(text) < 40_000
    assert "and 30 more" in slack.command("alice", "report regions this-year").text
    assert "and 20 more" in slack.command("li", "报表 行业 今年").text.replace("还有 20 项未列出", "and 20 more")
    unknown = slack.command("alice", "report funnel region:nowhere").text
    assert ", and 40 more" in unknown


def test_the_reports_print_in_the_terminal(request, history, capsys):
    oppbot = request.getfixturevalue("cli")
    assert oppbot(["report", "regions", "this-month", "--print", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("== 按地区 · 2026-11 ==") and "华东：进行中" in out
    assert oppbot(["report", "funnel", "this-month", "region:华东", "--print", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("== Funnel · 2026-11 · region: 华东 ==")
    assert oppbot(["report", "collab", "--print", "--lang", "en"]) == 0
    assert "8 offered, 5 accepted" in capsys.readouterr().out
    assert oppbot(["report", "sources", "--print", "--lang", "en"]) == 0
    assert "展会: new 2 · qualified 2 · won 2" in capsys.readouterr().out
