"""The funnel, loss-reason, cycle and time-in-stage figures of reports and the weekly digest,
against an independent computation over a generated pipeline with deals and stage changes placed
exactly on the period's edges, and a second workspace that must not count."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.console.slack_api import TEAM_ID
from bot.core.periods import month_of
from bot.demo.generated import generate, insert_all
from bot.reporting import metrics
from tests.conftest import NOW
from tests.test_digest import Expect, assert_money, expected_stage_days
from tests.test_report_figures import OTHER, TODAY, add_edges, edge_deal, edge_event, shifted


def edge_update(g, deal, at, field, old, new):
    g.events.append(
        {
            "id": len(g.events) + 1,
            "opportunity_id": deal["id"],
            "actor_id": deal["owner_id"],
            "at": at,
            "kind": "updated",
            "field": field,
            "old": old,
            "new": new,
        }
    )


def add_losses_and_cycles(g, config):
    """A merged deal (closed, neither won nor lost), losses without a reason, one reason lost in two currencies, wins and losses just outside
    November, deals created on its edges, deals moved on the month's first instant and just after its end, and edits that are not moves."""
    p = month_of(TODAY, config.tz)
    first = config.lost_reasons[0].key
    edge_deal(g, owner_id=2, status="lost", closed_at=p.end - timedelta(microseconds=1), amount=Decimal(500), currency="CNY", lost_reason=None)
    edge_deal(g, owner_id=2, status="lost", closed_at=p.start, amount=Decimal(200), currency="CNY", lost_reason=first)
    edge_deal(g, owner_id=2, status="lost", closed_at=p.end, amount=Decimal(400), currency="CNY", lost_reason=None)
    edge_deal(g, owner_id=2, status="lost", closed_at=p.start + timedelta(days=5), amount=Decimal(700), currency="USD", lost_reason=None)
    edge_deal(g, owner_id=2, status="lost", closed_at=p.start + timedelta(days=6), amount=Decimal(50), currency="CNY", lost_reason="other")
    edge_deal(g, owner_id=2, status="won", closed_at=p.start, amount=Decimal(100), created_at=p.start - timedelta(days=40), stage="contract")
    edge_deal(g, owner_id=2, status="won", closed_at=p.end, amount=Decimal(100), created_at=p.start - timedelta(days=2), stage="contract")
    edge_deal(g, owner_id=2, status="won", closed_at=p.start - timedelta(microseconds=1), amount=Decimal(100), created_at=p.start - timedelta(days=3))
    edge_deal(g, owner_id=2, status="merged", closed_at=p.start + timedelta(days=3), amount=Decimal(300), stage="proposal", lost_reason=first)
    edge_deal(g, owner_id=3, created_at=p.start, amount=Decimal(11), currency="USD")
    edge_deal(g, owner_id=3, created_at=p.end, amount=Decimal(13), currency="USD")
    fast = edge_deal(g, owner_id=3, stage="needs", created_at=p.start - timedelta(days=9))
    # edits are not stage changes, even when the old text happens to be a stage's key
    edge_update(g, fast, p.start - timedelta(days=4), "next_step", "lead", "call back")
    edge_event(g, fast, p.start, "lead", "needs")
    edge_update(g, fast, p.start + timedelta(days=1), "next_step", "proposal", "send the proposal")
    slow = edge_deal(g, owner_id=3, stage="lead", created_at=p.start - timedelta(days=5))
    edge_event(g, slow, p.end, "lead", "needs")


@pytest.fixture
def world(rt):
    g = generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=6, deals=300, activities=1200, seed=7)
    add_edges(g, rt.config)
    add_losses_and_cycles(g, rt.config)
    other = shifted(generate(rt.config, workspace_id=OTHER, now=NOW, reps=3, deals=150, activities=400, seed=8), 100_000)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), other, workspace_id=OTHER, now=NOW)
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    return g


def expected_funnel(e, period, workspace_deals):
    """(conversion, won, lost, won_amount, cycle_days, stage_days, losses, new, new_amount) of ``period``."""
    inside = lambda at: at is not None and period.start <= at < period.end  # noqa: E731
    ids = {d["id"] for d in workspace_deals}
    moves = [ev for ev in e.g.events if ev["kind"] == "stage" and ev["opportunity_id"] in ids and inside(ev["at"])]
    closed = [d for d in workspace_deals if d["status"] in ("won", "lost") and inside(d["closed_at"])]
    won = [d for d in closed if d["status"] == "won"]
    lost = [d for d in closed if d["status"] == "lost"]
    conversion = []
    for s in e.config.stages:
        out = [ev for ev in moves if ev["old"] == s.key]
        fwd = sum(1 for ev in out if e.rank[ev["new"]] > e.rank[s.key])
        won_here = sum(1 for d in won if d["stage"] == s.key)
        conversion.append((s.key, fwd + won_here, len(out) + sum(1 for d in closed if d["stage"] == s.key)))
    cycle = sum((d["closed_at"] - d["created_at"]).total_seconds() / 86400 for d in won) / len(won) if won else None
    stage_days = expected_stage_days(e.g.events, workspace_deals, inside)
    reasons = defaultdict(list)
    for d in lost:
        reasons[d["lost_reason"] or "other"].append(d)
    losses = sorted(((r, len(ds), e.amount(ds)) for r, ds in reasons.items()), key=lambda x: (-x[1], x[0]))
    new = [d for d in workspace_deals if inside(d["created_at"])]
    return conversion, len(won), len(lost), e.amount(won), cycle, stage_days, losses, len(new), e.amount(new)


@pytest.mark.parametrize("month", [TODAY, TODAY - timedelta(days=30)])
def test_funnel_figures_count_each_month_from_its_first_instant_to_just_before_its_end_in_this_workspace_only(rt, world, month):
    """Conversion per stage (forward moves and wins out of all that left it), wins and losses,
    the won amount, the average cycle, the average time in each stage, the loss reasons (no reason
    counts as "other", one reason's amounts in every currency) and the new pipeline."""
    e = Expect(rt.config, world)
    period = month_of(month, rt.config.tz)
    with rt.sessions() as session:
        f = metrics.funnel(session, rt.config, TEAM_ID, period)
    conversion, won, lost, won_amount, cycle, stage_days, losses, new, new_amount = expected_funnel(e, period, world.deals)
    assert f.period == period
    assert f.conversion == conversion
    assert (f.won, f.lost, f.new) == (won, lost, new)
    assert_money(f.won_amount, won_amount, tol=0)
    assert_money(f.new_amount, new_amount, tol=0)
    assert f.cycle_days == pytest.approx(cycle, abs=1e-6)
    assert f.stage_days == pytest.approx(stage_days, abs=1e-6)
    assert [(r, n) for r, n, _ in f.losses] == [(r, n) for r, n, _ in losses]
    for (_, _, got), (_, _, want) in zip(f.losses, losses, strict=True):
        assert_money(got, want, tol=0)
    if month == TODAY:
        reasons = {r: (n, m) for r, n, m in f.losses}
        assert reasons["other"][0] >= 3 and set(reasons["other"][1]) == {"CNY", "USD"} and set(reasons[rt.config.lost_reasons[0].key][1]) == {"CNY", "USD"}
