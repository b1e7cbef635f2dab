"""The forecast, per-rep and trend figures of reports and the Home tab, against an independent
computation over a generated pipeline with deals placed exactly on the period's edges, a second
workspace that must not count, and an owner filter."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.console.slack_api import TEAM_ID
from bot.core.periods import month_of
from bot.demo.generated import generate, insert_all
from bot.reporting import metrics
from tests.conftest import NOW
from tests.test_digest import Expect, assert_money

TODAY = date(2026, 11, 25)
OTHER = "T0OTHER"


def shifted(g, offset: int):
    """The generated rows with every id moved by ``offset`` (a second workspace beside the first)."""
    for m in g.members:
        m["id"] += offset
    for d in g.deals:
        d["id"] += offset
        d["owner_id"] += offset
        d["creator_id"] += offset
    for ev in g.events:
        ev["id"] += offset
        ev["opportunity_id"] += offset
        ev["actor_id"] += offset
    for a in g.activities:
        a["id"] += offset
        a["opportunity_id"] += offset
        a["member_id"] += offset
    return g


def edge_deal(g, **fields) -> dict:
    """A deal like the first generated one, with the next id and number and ``fields``."""
    n = max(d["id"] for d in g.deals) + 1
    deal = {**g.deals[0], "id": n, "number": n, "closed_at": None, "lost_reason": None, "status": "open", "win_probability": None, **fields}
    g.deals.append(deal)
    return deal


def edge_event(g, deal, at, old, new):
    g.events.append(
        {
            "id": len(g.events) + 1,
            "opportunity_id": deal["id"],
            "actor_id": deal["owner_id"],
            "at": at,
            "kind": "stage",
            "field": "stage",
            "old": old,
            "new": new,
        }
    )


def edge_activity(g, deal, member_id, at, kind="call"):
    g.activities.append({"id": len(g.activities) + 1, "opportunity_id": deal["id"], "member_id": member_id, "kind": kind, "text": "x", "created_at": at})


def add_edges(g, config):
    """Deals, stage changes and activities exactly on November's edges (Shanghai time)."""
    p = month_of(TODAY, config.tz)
    before, after = p.first - timedelta(days=1), p.last + timedelta(days=1)
    cny = Decimal(1000)
    for close, stage in ((p.first, "negotiation"), (p.last, "negotiation"), (before, "contract"), (after, "contract"), (p.last, "proposal")):
        edge_deal(g, owner_id=1, stage=stage, expected_close=close, amount=cny, currency="CNY", next_step_due=None)
    for at in (p.start, p.end, p.end - timedelta(microseconds=1)):
        edge_deal(g, owner_id=2, status="won", closed_at=at, amount=Decimal(7000), currency="USD", expected_close=p.first)
    edge_deal(g, owner_id=2, status="won", closed_at=p.start, amount=Decimal(3000), currency="CNY")
    edge_deal(g, owner_id=2, status="lost", closed_at=p.start, amount=Decimal(9000), currency="USD", lost_reason=config.lost_reasons[0].key)
    edge_deal(g, owner_id=3, next_step_due=TODAY, expected_close=TODAY, created_at=p.start, last_activity_at=p.start)
    edge_deal(g, owner_id=3, next_step_due=TODAY - timedelta(days=1), expected_close=None, created_at=p.end)
    gone = edge_deal(g, owner_id=3, status="deleted", created_at=p.start - timedelta(days=1), amount=Decimal(5))
    moved = edge_deal(g, owner_id=4, stage="proposal", created_at=p.start - timedelta(days=3))
    edge_event(g, moved, p.start, "needs", "proposal")
    edge_event(g, moved, p.end, "proposal", "negotiation")
    edge_event(g, moved, p.start + timedelta(days=1), "proposal", "needs")
    edge_event(g, moved, p.start + timedelta(days=2), "needs", "needs")
    for at, kind in ((p.start, "call"), (p.end, "call"), (p.start, "stage_change")):
        edge_activity(g, moved, 5, at, kind)
    edge_activity(g, gone, 5, p.start + timedelta(hours=1))
    # the manager (7) owns nothing but logs two calls; someone from another workspace logs one
    edge_activity(g, moved, 7, p.start + timedelta(hours=2))
    edge_activity(g, moved, 7, p.start + timedelta(hours=3))
    edge_activity(g, moved, 100_001, p.start + timedelta(hours=4))


@pytest.fixture
def world(rt):
    g = generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=6, deals=300, activities=1200, seed=7)
    add_edges(g, rt.config)
    other = shifted(generate(rt.config, workspace_id=OTHER, now=NOW, reps=3, deals=150, activities=400, seed=8), 100_000)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), other, workspace_id=OTHER, now=NOW)
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    return g


def mine(deals, owner_ids):
    return [d for d in deals if owner_ids is None or d["owner_id"] in owner_ids]


def expected_forecast(e, period, owner_ids):
    """(won, weighted, committed) of ``period`` computed from the generated rows."""
    deals = mine(e.g.deals, owner_ids)
    closing = [d for d in deals if d["status"] == "open" and d["expected_close"] and period.first <= d["expected_close"] <= period.last]
    committed = [d for d in closing if e.rank[d["stage"]] >= e.rank[e.config.digest.commit_from]]
    won = [d for d in deals if d["status"] == "won" and period.start <= d["closed_at"] < period.end]
    return e.amount(won), e.weighted(closing), e.amount(committed)


def assert_forecast(f, e, period, owner_ids):
    won, weighted, committed = expected_forecast(e, period, owner_ids)
    assert f.period == period
    assert_money(f.won, won, tol=0)
    assert_money(f.weighted, weighted)
    assert_money(f.committed, committed, tol=0)


@pytest.mark.parametrize("owner_ids", [None, (1, 2)])
def test_forecast_counts_deals_closing_on_the_periods_first_and_last_day_and_wins_from_its_first_instant(rt, world, owner_ids):
    """Forecast: open deals expected from the first to the last day, committed from commit_from on, won in [start, end)."""
    e = Expect(rt.config, world)
    period = month_of(TODAY, rt.config.tz)
    with rt.sessions() as session:
        f = metrics.forecast(session, rt.config, TEAM_ID, period, 123.0, owner_ids)
    assert f.target == 123.0
    assert_forecast(f, e, period, owner_ids)
    won, _, committed = expected_forecast(e, period, owner_ids)
    assert set(won) == {"CNY", "USD"} and committed["CNY"] > 0


@pytest.mark.parametrize("owner_ids", [None, (1, 2)])
def test_forecast_by_month_covers_each_month_from_the_first_ones_with_the_month_target(rt, world, owner_ids):
    """Forecast by month: one forecast per calendar month from ``first``'s month, for the same owners."""
    e = Expect(rt.config, world)
    with rt.sessions() as session:
        months = metrics.forecast_by_month(session, rt.config, TEAM_ID, date(2026, 11, 17), 4, rt.config.tz, owner_ids)
    assert [f.period.first for f in months] == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
    for f in months:
        assert f.target == rt.config.digest.month_target
        assert_forecast(f, e, month_of(f.period.first, rt.config.tz), owner_ids)
    assert any(f.weighted for f in months[1:])


def expected_reps(e, start, end, today, owner_ids):
    """{member_id: (slack_user_id, name, open, advanced, activities, overdue, won, won_amount)}."""
    names = {m["id"]: (m["slack_user_id"], m["display_name"]) for m in e.g.members}
    owner_of = {d["id"]: d["owner_id"] for d in e.g.deals}
    inside = lambda at: start <= at < end  # noqa: E731
    late = lambda d: bool((d["next_step_due"] and d["next_step_due"] < today) or (d["expected_close"] and d["expected_close"] < today))  # noqa: E731
    ids = {d["owner_id"] for d in e.g.deals} | {a["member_id"] for a in e.g.activities}
    out = {}
    for i in ids:
        if owner_ids is not None and i not in owner_ids:
            continue
        deals = [d for d in e.g.deals if d["owner_id"] == i]
        open_ = [d for d in deals if d["status"] == "open"]
        advanced = sum(
            1
            for ev in e.g.events
            if ev["kind"] == "stage" and owner_of[ev["opportunity_id"]] == i and inside(ev["at"]) and e.rank[ev["new"]] > e.rank[ev["old"]]
        )
        acts = sum(1 for a in e.g.activities if a["member_id"] == i and inside(a["created_at"]) and a["kind"] != "stage_change")
        won = [d for d in deals if d["status"] == "won" and inside(d["closed_at"])]
        if open_ or advanced or acts or won:
            won_amount = {c: v for c, v in e.amount(won).items() if v}
            out[i] = (*names.get(i, ("?", "")), len(open_), advanced, acts, sum(map(late, open_)), len(won), won_amount)
    return out


@pytest.mark.parametrize(
    "window, today, owner_ids",
    [("month", TODAY, None), ("week", TODAY, None), ("month", date(2026, 1, 1), (2, 4, 5, 7))],
)
def test_rep_figures_count_each_window_from_its_first_instant_to_just_before_its_end(rt, world, window, today, owner_ids):
    """Per rep: open and overdue deals, stage advances, activities (not stage changes) and wins in [start, end)."""
    e = Expect(rt.config, world)
    p = month_of(TODAY, rt.config.tz)
    start, end = (p.start, p.end) if window == "month" else (p.start + timedelta(days=22), NOW)
    with rt.sessions() as session:
        rows = metrics.reps(session, rt.config, TEAM_ID, start, end, today, owner_ids)
    want = expected_reps(e, start, end, today, owner_ids)
    got = {r.member_id: (r.slack_user_id, r.name, r.open, r.advanced, r.activities, r.overdue, r.won, r.won_amount) for r in rows}
    assert got == want
    order = sorted(want, key=lambda i: (-want[i][2], -want[i][4], want[i][0]))
    assert [r.member_id for r in rows] == order
    if window == "month":
        assert want[7][2:5] == (0, 0, 2) and len(want[2][7]) == 2 and want[4][3] > 0
        assert (100_001 in want) == (owner_ids is None)


def test_pipeline_trend_counts_deals_created_by_each_moment_and_not_yet_closed(rt, world):
    """Trend: a deal counts from the moment it is created until the moment it is closed; deleted deals never."""
    e = Expect(rt.config, world)
    p = month_of(TODAY, rt.config.tz)
    ends = [p.start, NOW, p.end]
    with rt.sessions() as session:
        points = metrics.pipeline_trend(session, rt.config, TEAM_ID, ends)
    for point, end in zip(points, ends, strict=True):
        live = [d for d in e.g.deals if d["status"] != "deleted" and d["created_at"] <= end and (d["closed_at"] is None or d["closed_at"] > end)]
        amounts = {}
        for d in live:
            if d["amount"] is not None:
                amounts[d["currency"]] = amounts.get(d["currency"], Decimal(0)) + d["amount"]
        assert (point.at, point.count, point.amount) == (end, len(live), {c: a for c, a in amounts.items() if a})
    assert len({tuple(sorted(p.amount.items())) for p in points}) == 3


@pytest.mark.parametrize("owner_ids", [None, (1,)])
def test_closing_lists_deals_closing_from_the_periods_first_day_biggest_first_with_their_close_day(rt, world, owner_ids):
    """The deals closing in a period (first and last day included), biggest first, each shown with
    its close day; a total and amount already known are used as given."""
    e, period = Expect(rt.config, world), month_of(TODAY, rt.config.tz)
    expected = [d for d in mine(e.open(), owner_ids) if d["expected_close"] and period.first <= d["expected_close"] <= period.last]
    with rt.sessions() as s:
        found = metrics.closing(s, TEAM_ID, period, 5, owner_ids=owner_ids)
        given = metrics.closing(s, TEAM_ID, period, 2, owner_ids=owner_ids, total=999, amount={"CNY": Decimal(1)})
    assert found.total == len(expected) and any(d["expected_close"] == period.first for d in expected)
    assert_money(found.amount, e.amount(expected), tol=0)
    order = sorted(expected, key=lambda d: (-(d["amount"] or Decimal(-1)), d["number"]))[:5]
    assert [(i.number, i.day) for i in found.items] == [(d["number"], d["expected_close"]) for d in order]
    assert (given.total, given.amount, len(given.items)) == (999, {"CNY": Decimal(1)}, 2)


def test_unanswered_offers_counts_only_offers_still_waiting_in_this_workspace(rt):
    """Offers still 'offered' in this workspace; answered ones and another workspace's do not count."""
    from store.models import AssignmentOffer, Member, Opportunity, Workspace

    now = NOW
    with rt.sessions.begin() as s:
        for ws in (TEAM_ID, OTHER):
            s.add(Workspace(id=ws, created_at=now))
            s.flush()
            member = Member(workspace_id=ws, slack_user_id="U0" + ws, display_name="x", role="ae", created_at=now)
            s.add(member)
            s.flush()
            opp = Opportunity(
                workspace_id=ws,
                number=1,
                title="d",
                currency="CNY",
                stage="lead",
                owner_id=member.id,
                creator_id=member.id,
                tags=[],
                created_at=now,
                updated_at=now,
                last_activity_at=now,
                stage_entered_at=now,
            )
            s.add(opp)
            s.flush()
            for status in ("offered", "offered", "offered", "accepted", "declined") if ws == TEAM_ID else ("offered",):
                s.add(
                    AssignmentOffer(
                        workspace_id=ws,
                        opportunity_id=opp.id,
                        member_id=member.id,
                        kind="owner",
                        rule="r",
                        explanation="e",
                        status=status,
                        created_at=now,
                        expires_at=now,
                    )
                )
    with rt.sessions() as s:
        assert metrics.unanswered_offers(s, TEAM_ID) == 3
        assert metrics.unanswered_offers(s, "T0NOBODY") == 0


@pytest.mark.parametrize("status", ["won", "lost"])
def test_closed_lists_the_deals_closed_from_the_periods_first_instant_to_just_before_its_end(rt, world, status):
    """The digest's won and lost lists: deals of that status closed in [start, end) of this
    workspace, biggest first then by number; the count and amount are the ones given."""
    e, period = Expect(rt.config, world), month_of(TODAY, rt.config.tz)
    expected = [d for d in e.g.deals if d["status"] == status and period.start <= d["closed_at"] < period.end]
    assert any(d["closed_at"] == period.start for d in expected)
    with rt.sessions() as s:
        found = metrics.closed(s, TEAM_ID, status, period.start, period.end, 50, total=7, amount={"EUR": Decimal(2)})
    order = sorted(expected, key=lambda d: (d["amount"] is None, -(d["amount"] or 0), d["number"]))
    assert [i.number for i in found.items] == [d["number"] for d in order]
    assert (found.total, found.amount) == (7, {"EUR": Decimal(2)})
    with rt.sessions() as s:
        assert [i.number for i in metrics.closed(s, TEAM_ID, status, period.start, period.end, 2, total=7, amount={}).items] == [d["number"] for d in order[:2]]


def test_open_alerts_counts_this_workspaces_uncleared_alerts_per_condition(rt, world):
    """Alerts not yet cleared, per condition, of this workspace only (the digest's and Home's count)."""
    from collections import Counter

    from store.models import Alert

    with rt.sessions() as s:
        before = {ws: Counter(metrics.open_alerts(s, ws)) for ws in (TEAM_ID, OTHER)}
    added = (
        (TEAM_ID, 1, "stalled", None),
        (TEAM_ID, 2, "stalled", None),
        (TEAM_ID, 3, "close_passed", None),
        (TEAM_ID, 3, "stalled", NOW),
        (TEAM_ID, 4, "overdue", NOW),
        (OTHER, 100_001, "stalled", None),
        (OTHER, 100_002, "risky", None),
    )
    with rt.sessions.begin() as s:
        for ws, deal, condition, cleared in added:
            s.add(Alert(workspace_id=ws, opportunity_id=deal, condition=condition, opened_at=NOW, cleared_at=cleared))
    with rt.sessions() as s:
        assert metrics.open_alerts(s, TEAM_ID) == dict(before[TEAM_ID] + Counter({"stalled": 2, "close_passed": 1}))
        assert metrics.open_alerts(s, OTHER) == dict(before[OTHER] + Counter({"stalled": 1, "risky": 1}))


def test_a_stage_no_longer_configured_ranks_before_every_stage(rt, slack, clock):
    """A deal moved out of a stage since removed from the configuration has advanced; one moved
    into such a stage has not."""
    from sqlalchemy import select

    from store.models import Event, Opportunity

    assert "#1" in slack.command("alice", "new Acme ERP 5万 stage proposal").text
    now = clock.now()
    with rt.transaction() as session:
        opp = session.scalars(select(Opportunity)).unique().one()
        for old, new in (("retired", "proposal"), ("lead", "retired")):
            session.add(Event(opportunity_id=opp.id, actor_id=opp.owner_id, at=now, kind="stage", field="stage", old=old, new=new))
    with rt.sessions() as session:
        [row] = metrics.reps(session, rt.config, TEAM_ID, now - timedelta(hours=1), now + timedelta(hours=1), TODAY)
    assert row.advanced == 1


def test_a_sum_of_money_rounds_half_a_cent_up():
    """Half a cent rounds up (¥0.025 is ¥0.03), not to the even cent (¥0.02)."""
    assert metrics.money([("CNY", Decimal("0.025")), ("USD", Decimal("0.035"))]) == {"CNY": Decimal("0.03"), "USD": Decimal("0.04")}
    assert metrics.money([("CNY", Decimal("0.005"))]) == {"CNY": Decimal("0.01")}
