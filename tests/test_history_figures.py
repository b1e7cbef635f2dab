"""Reports over a past period, from the event log and imported history: the funnel's pipeline by
stage as it stood at the period's end, the time in each stage counting deals that left it by
closing, and the per-rep figures over the deals closed in the period. Each against an independent
computation over the rows the test wrote (tests/test_report_periods.py's 2016-2017 history)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from bot.blocks.digests import fmt_days, fmt_total, person
from bot.blocks.kit import esc, stage_name
from bot.console.slack_api import TEAM_ID
from bot.core.i18n import t
from bot.core.periods import month_of, quarter_of, year_of
from bot.demo.generated import generate, insert_all
from bot.reporting import metrics
from tests.conftest import NOW, SHANGHAI
from tests.test_digest import expected_stage_days
from tests.test_report_periods import add_deal, add_pipeline, at, build_history, move

Q2 = quarter_of(date(2017, 4, 1), SHANGHAI)
MAY = month_of(date(2017, 5, 1), SHANGHAI)


@pytest.fixture
def history(rt):
    g, named = build_history(rt.config)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    return g, named


def section(answer, head: str) -> str:
    """The text of the answer's section that starts with ``head``."""
    [text] = [b["text"]["text"] for b in answer.json["blocks"] if b.get("type") == "section" and b["text"]["text"].startswith(head)]
    return text


# --- the pipeline at a moment, replayed forward --------------------------------------------------------


def stage_at(deal: dict, moves: list[dict], moment: datetime) -> str:
    """The stage a deal was in at ``moment``: where its last stage change before then took it,
    else where its first one took it from, else (never moved, or imported) where it is now."""
    before = [ev for ev in moves if ev["at"] < moment]
    if before:
        return max(before, key=lambda ev: (ev["at"], ev["id"]))["new"]
    if moves:
        return min(moves, key=lambda ev: (ev["at"], ev["id"]))["old"]
    return deal["stage"]


def open_at(deal: dict, moment: datetime) -> bool:
    """Created before ``moment``, and open now or closed (won, lost, merged, deleted) only from then on."""
    return deal["created_at"] < moment and (deal["status"] == "open" or (deal["closed_at"] is not None and deal["closed_at"] >= moment))


def expected_pipeline(g, config, moment: datetime) -> dict[str, tuple[int, dict, dict]]:
    """{stage: (count, amount, weighted)} of the deals open at ``moment``, each in the stage it was
    in then, weighted by that stage's probability."""
    chance = {s.key: Decimal(str(s.probability)) for s in config.stages}
    out: dict[str, tuple[int, dict, dict]] = {}
    for d in g.deals:
        if not open_at(d, moment):
            continue
        stage = stage_at(d, [ev for ev in g.events if ev["opportunity_id"] == d["id"] and ev["kind"] == "stage"], moment)
        count, amount, weighted = out.get(stage, (0, {}, {}))
        if d["amount"] is not None:
            amount = {**amount, d["currency"]: amount.get(d["currency"], Decimal(0)) + d["amount"]}
            weighted = {**weighted, d["currency"]: weighted.get(d["currency"], Decimal(0)) + d["amount"] * chance[stage]}
        out[stage] = (count + 1, amount, weighted)
    return out


def add_money(total: dict, currency: str, value: Decimal) -> dict:
    return {**total, currency: total.get(currency, Decimal(0)) + value}


def pipeline_text(expected, config, lang: str, day: date) -> str:
    """The funnel report's pipeline section for ``expected`` ({stage: (count, amount, weighted)})."""
    lines = [t(lang, "rp_pipeline_at", day=day.isoformat())]
    amounts: dict = {}
    weights: dict = {}
    for s in config.stages:
        if s.key not in expected:
            continue
        count, amount, weighted = expected[s.key]
        name = esc(stage_name(config, s.key, lang))
        lines.append(t(lang, "dg_stage_line", stage=name, count=count, amount=fmt_total(amount, config, lang), weighted=fmt_total(weighted, config, lang)))
        for c, v in amount.items():
            amounts = add_money(amounts, c, v)
        for c, v in weighted.items():
            weights = add_money(weights, c, v)
    count = sum(e[0] for e in expected.values())
    total = t(lang, "dg_pipeline_total", count=count, amount=fmt_total(amounts, config, lang), weighted=fmt_total(weights, config, lang))
    return "\n".join([*lines, f"*{total}*"])


@pytest.mark.parametrize(
    "who, command, period",
    [
        ("alice", "report funnel 2017-Q2", Q2),
        ("li", "报表 漏斗 2017年第二季度", Q2),
        ("alice", "report funnel 2017-05", MAY),
        ("li", "报表 漏斗 2017年5月", MAY),
    ],
)
def test_the_funnel_of_a_past_period_shows_the_pipeline_as_it_stood_at_the_periods_end(slack, rt, history, who, command, period):
    """Every stage's count, amount and weighted amount at the period's end, against the history
    replayed forward."""
    g, _ = history
    lang = "zh" if who == "li" else "en"
    head = t(lang, "rp_pipeline_at", day=period.last.isoformat())
    answer = slack.command(who, command)
    assert section(answer, head) == pipeline_text(expected_pipeline(g, rt.config, period.end), rt.config, lang, period.last)


@pytest.fixture
def pipeline_deals(rt) -> dict[str, dict]:
    g = generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=3, deals=0, activities=0)
    named = add_pipeline(g)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    return named


def test_each_deal_counts_in_the_stage_it_was_in_at_the_end_and_only_if_it_was_open_then(slack, rt, pipeline_deals):
    """At 2017 Q2's end: a deal moved on since is in the stage it left after the end, one won
    since in the stage it was in then, one imported without stage changes in its stage now (closed
    since or not), a merge after the end does not undo it; one closed or moved exactly at the end
    had not yet; one created exactly at the end, one closed before it and a deleted one are not
    there. Amounts are the deals' own, weighted by the stage they were in."""
    where = {
        "needs": ("moved_after", "moved_at_end"),
        "proposal": ("closed_after", "closed_at_end"),
        "negotiation": ("imported_open",),
        "contract": ("imported_closed_after",),
        "tech_review": ("merged_after",),
        "lead": ("young_lead",),
        "contacted": ("no_amount",),
    }
    with rt.sessions() as session:
        rows = {r.stage: r for r in metrics.pipeline(session, rt.config, TEAM_ID, at=Q2.end)}
        now = {r.stage: r.count for r in metrics.pipeline(session, rt.config, TEAM_ID)}
    assert {stage: r.count for stage, r in rows.items() if r.count} == {stage: len(names) for stage, names in where.items()}
    chance = {s.key: Decimal(str(s.probability)) for s in rt.config.stages}
    for stage, names in where.items():
        deals = [pipeline_deals[n] for n in names if pipeline_deals[n]["amount"] is not None]
        amount: dict = {}
        weighted: dict = {}
        for d in deals:
            amount = add_money(amount, d["currency"], d["amount"])
            weighted = add_money(weighted, d["currency"], d["amount"] * chance[stage])
        assert (rows[stage].amount, rows[stage].weighted) == (amount, weighted), stage
    assert now != {stage: r.count for stage, r in rows.items()}  # the pipeline now is another one
    answer = slack.command("alice", "report funnel 2017-Q2")
    assert "Needs confirmed: 2 · ¥110k · weighted ¥22k" in answer.text  # 100k + 10k, at 20%


# --- time in stage ----------------------------------------------------------------------------------


def stage_time_text(g, config, lang: str, period, before) -> str:
    """The cycle report's time-in-stage section: each stage left in the period or the one before."""
    inside = lambda p: lambda when: when is not None and p.start <= when < p.end  # noqa: E731
    this, prev = expected_stage_days(g.events, g.deals, inside(period)), expected_stage_days(g.events, g.deals, inside(before))
    lines = [t(lang, "dg_stage_time")]
    for s in config.stages:
        if s.key in this or s.key in prev:
            days, was = fmt_days(this.get(s.key), lang), t(lang, "dg_prev", value=fmt_days(prev.get(s.key), lang))
            lines.append("• " + t(lang, "dg_stage_time_line", stage=esc(s.name(lang)), days=days, prev=was))
    return "\n".join(lines)


@pytest.mark.parametrize(
    "who, command, period", [("alice", "report cycle 2017-Q2", Q2), ("li", "报表 周期 2017年5月", MAY), ("alice", "report cycle 2017", None)]
)
def test_time_in_stage_over_a_past_period_counts_the_stages_left_by_moving_on_and_by_closing(slack, rt, history, who, command, period):
    g, _ = history
    lang = "zh" if who == "li" else "en"
    period = period or year_of(date(2017, 1, 1), SHANGHAI)
    answer = slack.command(who, command)
    assert section(answer, t(lang, "dg_stage_time")) == stage_time_text(g, rt.config, lang, period, period.previous())


def test_a_deal_won_or_lost_in_the_period_left_its_stage_then(slack, rt):
    """Won in Q2 after 25 days in Contract (since its move there), and an imported deal lost in Q2
    after 10 days in Proposal (since its stage_entered_at, having no stage changes): both count,
    beside the moves out of Lead in Q2 (53, 129, 100, 39 and 2 days: 64.6 on average)."""
    g = generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=3, deals=0, activities=0)
    add_pipeline(g)
    add_deal(g, created=at(2017, 3, 1), stage="proposal", status="lost", closed=at(2017, 6, 20), entered=at(2017, 6, 10), imported=True)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    text = slack.command("alice", "report cycle 2017-Q2").text
    assert "• Lead: 64.6 days, previous —\n• Proposal: 10.0 days, previous —\n• Contract: 25.0 days, previous —" in text
    assert "Needs confirmed:" not in text  # moved out of Needs exactly at the quarter's end: the next quarter's


# --- per rep ----------------------------------------------------------------------------------------


def rep_lines(g, config, lang: str, period) -> list[str]:
    """Per rep, most open deals first: open and overdue deals now (none overdue: no dates), stage
    advances in the period, and the deals won in it (by closed_at) with their amount."""
    rank = {s.key: i for i, s in enumerate(config.stages)}
    owner_of = {d["id"]: d["owner_id"] for d in g.deals}
    rows = []
    for m in g.members:
        mine = [d for d in g.deals if d["owner_id"] == m["id"]]
        open_ = sum(1 for d in mine if d["status"] == "open")
        advanced = sum(
            1
            for ev in g.events
            if ev["kind"] == "stage"
            and owner_of[ev["opportunity_id"]] == m["id"]
            and period.start <= ev["at"] < period.end
            and rank[ev["new"]] > rank[ev["old"]]
        )
        won = [d for d in mine if d["status"] == "won" and period.start <= d["closed_at"] < period.end]
        amount: dict = {}
        for d in won:
            amount = add_money(amount, d["currency"], d["amount"])
        if open_ or advanced or won:
            rows.append((-open_, m["slack_user_id"], m, open_, advanced, len(won), amount))
    return [
        t(
            lang,
            "rp_rep_line",
            who=person(m["slack_user_id"], m["display_name"]),
            open=o,
            advanced=a,
            activities=0,
            overdue=0,
            won=w,
            won_amount=fmt_total(amount, config, lang),
        )
        for _, _, m, o, a, w, amount in sorted(rows, key=lambda r: (r[0], r[1]))
    ]


@pytest.mark.parametrize("who, command, period", [("alice", "report reps 2017-Q2", Q2), ("li", "报表 人员 2017年5月", MAY)])
def test_the_reps_report_of_a_past_period_counts_the_deals_each_rep_won_in_it(slack, rt, history, who, command, period):
    g, _ = history
    lang = "zh" if who == "li" else "en"
    expected = rep_lines(g, rt.config, lang, period)
    assert section(slack.command(who, command), expected[0]) == "\n".join(expected)


def test_the_pipeline_at_a_moment_is_the_workspaces_and_the_owners_asked_for(rt):
    """Deals of another workspace never count, and with owners given only theirs do: two reps'
    deals open at 2017 Q2's end, one in another workspace too. A deal's first stage change after
    the end is the earliest in time, whatever order the changes were written in (a merge moves
    another deal's history over); a stage since taken out of config.toml is still shown, weighted 0."""
    from sqlalchemy import insert as sql_insert

    from store.models import Opportunity, Workspace

    g = generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=3, deals=0, activities=0)
    mine = add_deal(g, created=at(2017, 4, 1), owner=1, stage="proposal")
    theirs = add_deal(g, created=at(2017, 4, 2), owner=2, stage="proposal")
    moved = add_deal(g, created=at(2017, 4, 3), owner=1, stage="contract")
    move(g, moved, at(2017, 9, 1), "negotiation", "contract")  # written first, happened second
    move(g, moved, at(2017, 8, 1), "needs", "negotiation")
    retired = add_deal(g, created=at(2017, 4, 4), owner=1, stage="retired")
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
        session.execute(sql_insert(Workspace), [{"id": "T0OTHER", "next_number": 2, "created_at": NOW}])
        session.execute(sql_insert(Opportunity), [{**mine, "id": 99, "workspace_id": "T0OTHER", "number": 1}])
    with rt.sessions() as session:
        every = {r.stage: r.count for r in metrics.pipeline(session, rt.config, TEAM_ID, at=Q2.end) if r.count}
        one = {r.stage: r.count for r in metrics.pipeline(session, rt.config, TEAM_ID, (theirs["owner_id"],), at=Q2.end) if r.count}
        weights = {r.stage: r.weighted for r in metrics.pipeline(session, rt.config, TEAM_ID, at=Q2.end) if r.count}
    assert (every, one) == ({"proposal": 2, "needs": 1, "retired": 1}, {"proposal": 1})
    assert weights["retired"] == {} and retired["amount"]
