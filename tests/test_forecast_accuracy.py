"""Forecast categories (承诺 / 乐观 / 管道) and forecast accuracy through Slack: a deal's category
from its stage or its owner's call, on its card and in its history; the forecast report's amounts
by category; the worker saving each owner's forecast once per month and quarter; and the accuracy
report's figures against a computation of its own over what the commands made."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.config import ConfigError, parse_config
from bot.core.forecast_categories import stage_defaults
from bot.reporting import accuracy
from bot.reporting.accuracy import take_snapshots
from bot.worker.jobs import tick
from bot.worker.sender import sender_client
from store.models import ForecastSnapshot
from tests.test_config import broken
from tests.test_reports import uploads
from tests.test_targets import cny, stage_rule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*day, hour=10) -> datetime:
    return datetime(*day, hour, tzinfo=SHANGHAI)


# --- categories --------------------------------------------------------------------------------


def test_a_deal_takes_its_stages_category_until_its_owner_says_otherwise(slack, db):
    slack.command("alice", "new Acme ERP 50万 close 2026-12-20 stage proposal")
    card = slack.command("alice", "show 1").text
    assert "*Forecast*\nPipeline (stage default)" in card
    slack.command("alice", "move 1 tech_review")
    assert "*Forecast*\nBest case (stage default)" in slack.command("alice", "show 1").text
    slack.command("alice", "move 1 negotiation")
    assert "*Forecast*\nCommit (stage default)" in slack.command("alice", "show 1").text
    answer = slack.command("alice", "forecast 1 best-case")
    assert "#1 is now forecast as Best case." in answer.text and "*Forecast*\nBest case" in answer.text
    assert db.deal(1).forecast_category == "best_case"
    answer = slack.command("alice", "预测 1 默认")
    assert "#1 的预测分类恢复为阶段默认：承诺。" in answer.text and "*预测分类*\n承诺（阶段默认）" in answer.text
    assert db.deal(1).forecast_category is None
    changes = [(e.field, e.old, e.new) for e in db.events(1) if e.field == "forecast_category"]
    assert changes == [("forecast_category", None, "best_case"), ("forecast_category", "best_case", None)]
    history = slack.command("alice", "history 1").text
    assert "Best case" in history and "stage default" in history and "best_case" not in history


@pytest.mark.parametrize(
    "who, command, said",
    [
        ("alice", "forecast 1 maybe", "There is no “maybe” forecast category. Use `commit`, `best-case`, `pipeline` or `auto`"),
        ("alice", "forecast 1", "Usage: `/opp forecast 42 commit`."),
        ("li", "预测 1 也许", "没有「也许」这个预测分类。可选：`承诺`、`乐观`、`管道`，或 `默认`"),
        ("bob", "forecast 1 commit", "You can't change #1"),
        ("alice", "forecast 2 commit", "#2 is closed: forecast categories are for open deals."),
    ],
)
def test_a_category_refused_says_why_and_changes_nothing(slack, db, who, command, said):
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    slack.command("alice", "new Beta 10万 stage proposal")
    slack.command("alice", "won 2")
    answer = slack.command(who, command).text
    assert said in answer, answer
    assert [d.forecast_category for d in db.deals()] == [None, None]


def test_a_stages_forecast_key_sets_its_default_and_a_bad_one_stops_start_up(config):
    proposal = config.stage("proposal")
    changed = replace(config, stages=tuple(replace(s, forecast="best_case") if s is proposal else s for s in config.stages))
    assert stage_defaults(config)["proposal"] == "pipeline" and stage_defaults(changed)["proposal"] == "best_case"
    assert {k: stage_rule(config, k, None) for k in stage_defaults(config)} == stage_defaults(config)
    data = broken(lambda d: d["stages"][3].update(forecast="best_case"))
    assert parse_config(data, "team.toml").stage("proposal").forecast == "best_case"
    with pytest.raises(ConfigError) as err:
        parse_config(broken(lambda d: d["stages"][3].update(forecast="maybe")), "team.toml")
    assert str(err.value).startswith("team.toml: stages[3].forecast: must be one of commit, best_case, pipeline")


def test_the_forecast_report_shows_each_category_and_committed_means_category_commit(slack, rt, db):
    slack.command("alice", "new A 60万 close 2026-11-28 stage negotiation")  # commit by its stage
    slack.command("alice", "new B 40万 close 2026-11-30 stage proposal")  # pipeline ...
    slack.command("alice", "forecast 2 commit")  # ... committed by hand
    slack.command("bob", "new C 80万 close 2026-11-27 stage tech_review")  # best case
    slack.command("bob", "new D 20万 close 2026-12-05 stage contract")  # next month, commit
    slack.command("bob", "forecast 4 pipeline")
    deals = db.deals()
    sums: dict[tuple[str, str], Decimal] = {}
    for d in deals:
        key = (f"{d.expected_close:%Y-%m}", stage_rule(rt.config, d.stage, d.forecast_category))
        sums[key] = sums.get(key, Decimal(0)) + d.amount
    text = slack.command("alice", "report forecast this-month").text
    for month in ("2026-11", "2026-12"):
        parts = {c: cny(sums.get((month, c), 0)) for c in ("commit", "best_case", "pipeline")}
        assert f"• {month}: commit {parts['commit']} · best case {parts['best_case']} · pipeline {parts['pipeline']}" in text
    assert f"committed {cny(sums[('2026-11', 'commit')])}" in text
    assert "2027-04: commit ¥0" in text  # six months ahead


# --- snapshots and accuracy --------------------------------------------------------------------


@pytest.fixture
def client(fake):
    return sender_client("xoxb-test", fake.api_url, retries=0)


def snapshots(rt) -> dict[str, dict[int, dict]]:
    with rt.sessions() as s:
        out: dict[str, dict[int, dict]] = {}
        for row in s.scalars(select(ForecastSnapshot)):
            out.setdefault(row.period, {})[row.owner_id] = row.figures
        return out


def test_the_worker_saves_each_owners_forecast_once_per_month_and_quarter(slack, rt, clock, db, client):
    slack.command("alice", "new A 60万 close 2026-11-28 stage negotiation")
    slack.command("bob", "new B 30万 close 2026-12-10 stage proposal")
    tick(rt, client, clock.now())
    first = snapshots(rt)
    alice, bob = db.member("U0ALICE").id, db.member("U0BOB").id
    assert set(first) == {"2026-11", "2026-Q4"}
    assert first["2026-11"][alice]["commit"] == {"CNY": "600000.00"}
    assert first["2026-11"][bob] == {"commit": {}, "best_case": {}, "pipeline": {}, "weighted": {}}  # nothing closing in November
    assert first["2026-Q4"][bob]["pipeline"] == {"CNY": "300000.00"}
    slack.command("alice", "new C 90万 close 2026-11-29 stage contract")  # after the month began
    clock.advance(hours=1)
    tick(rt, client, clock.now())
    assert take_snapshots(rt, clock.now()) == 0  # a second worker adds nothing either
    assert snapshots(rt) == first
    clock.set(at(2026, 12, 1, hour=0))  # midnight, the first tick of December
    tick(rt, client, clock.now())
    second = snapshots(rt)
    assert set(second) == {"2026-11", "2026-12", "2026-Q4"} and second["2026-Q4"] == first["2026-Q4"]
    assert second["2026-12"][bob]["pipeline"] == {"CNY": "300000.00"}
    clock.set(at(2027, 1, 2))
    tick(rt, client, clock.now())
    tick(rt, client, clock.now())
    with rt.sessions() as s:
        counts = dict(s.execute(select(ForecastSnapshot.period, ForecastSnapshot.id).order_by(ForecastSnapshot.id)).all())
        total = len(list(s.scalars(select(ForecastSnapshot.id))))
    assert set(counts) == {"2026-11", "2026-Q4", "2026-12", "2027-01", "2027-Q1"}
    assert total == 2 * 5  # alice and bob, once each per period


def test_a_second_worker_that_missed_the_first_ones_snapshot_adds_nothing(slack, rt, clock, monkeypatch):
    slack.command("alice", "new A 60万 close 2026-11-28 stage negotiation")
    slack.command("bob", "new B 30万 close 2026-12-10 stage proposal")
    assert take_snapshots(rt, clock.now()) == 4  # alice and bob, for the month and the quarter
    before = snapshots(rt)
    monkeypatch.setattr(accuracy, "taken", lambda *_: False)  # as if the first one's rows were not yet visible
    clock.advance(minutes=5)
    assert take_snapshots(rt, clock.now()) == 0  # the unique key stops it; nothing half-saved
    assert snapshots(rt) == before


def expected_accuracy(db, config, snapshot_deals, won_from, won_to) -> dict[str, dict[str, Decimal]]:
    """Per owner and "team": the commit and weighted forecast from the deals as they stood when
    the month began (``snapshot_deals``: (owner, amount, stage, category, probability, close)), and
    what was won in the month from the rows now."""
    out: dict[str, dict[str, Decimal]] = {}

    def rows(owner):
        return [out.setdefault(k, dict(commit=Decimal(0), weighted=Decimal(0), won=Decimal(0))) for k in (owner, "team")]

    for owner, amount, stage, chosen, probability, close in snapshot_deals:
        if won_from.date() <= close < won_to.date():
            for r in rows(owner):
                r["weighted"] += amount * Decimal(str(probability))
                if stage_rule(config, stage, chosen) == "commit":
                    r["commit"] += amount
    for d in db.deals():
        if d.status == "won" and won_from <= d.closed_at < won_to:
            for r in rows(d.owner.slack_user_id):
                r["won"] += d.amount
    return out


def pct(part, whole) -> str:
    return f"{float(part) / float(whole):.0%}" if whole else "—"


def test_forecast_accuracy_compares_the_forecast_at_the_start_with_what_was_won(slack, rt, clock, db, client, fake):
    clock.set(at(2026, 11, 20))
    slack.command("alice", "new A 60万 close 2026-12-10 stage negotiation")  # 1: commit, won
    slack.command("alice", "new B 40万 close 2026-12-20 stage proposal")  # 2: pipeline, committed by hand, lost
    slack.command("alice", "forecast 2 commit")
    slack.command("bob", "new C 80万 close 2026-12-15 stage tech_review")  # 3: best case, won
    slack.command("li", "新建 D 50万 成交日 2026-12-28 阶段 合同签订")  # 4: commit, slips to January
    slack.command("li", "新建 E 30万 成交日 2026-12-05 阶段 方案提交")  # 5: pipeline, won
    clock.set(at(2026, 12, 1, hour=1))
    tick(rt, client, clock.now())  # December's forecast
    started = [
        (d.owner.slack_user_id, d.amount, d.stage, d.forecast_category, d.win_probability or rt.config.stage(d.stage).probability, d.expected_close)
        for d in db.deals()
    ]
    clock.set(at(2026, 12, 8))
    slack.command("alice", "won 1")
    slack.command("bob", "won 3")
    slack.command("li", "赢单 5")
    slack.command("alice", "lost 2 price")
    slack.command("bob", "new F 10万 close 2026-12-30 stage proposal")  # 6: new after the start, won
    slack.command("bob", "won 6")
    clock.set(at(2027, 1, 3))
    want = expected_accuracy(db, rt.config, started, at(2026, 12, 1, hour=0), at(2027, 1, 1, hour=0))
    text = slack.command("alice", "report forecast-accuracy").text  # last month by default
    assert "Forecast accuracy · 2026-12" in text and "Forecast as it stood on 2026-12-01 01:00" in text
    for who, mention in (("team", "Team"), ("U0ALICE", "<@U0ALICE>"), ("U0BOB", "<@U0BOB>"), ("U0LI", "<@U0LI>")):
        w = want[who]
        gap = w["won"] - w["commit"]
        error = ("+" if gap > 0 else "−" if gap < 0 else "") + cny(abs(gap))
        expected = (
            f"• {mention}: commit {cny(w['commit'])} · weighted {cny(w['weighted'])} · won {cny(w['won'])} · "
            f"won/commit {pct(w['won'], w['commit'])} · won/weighted {pct(w['won'], w['weighted'])} · error {error}"
        )
        assert expected in text, (expected, text)
    assert want["U0BOB"]["won"] == Decimal("900000") and want["U0BOB"]["commit"] == 0  # a best-case win and one made later
    [(_, _, png)] = uploads(fake)
    assert png.startswith(b"\x89PNG")
    zh = slack.command("li", "报表 预测准确率 2026年12月").text
    assert "预测准确率 · 2026-12" in zh and "赢单/承诺" in zh
    assert "No forecast was saved for 2026-10" in slack.command("alice", "report forecast-accuracy 2026-10").text
    assert "2026-10 没有保存的预测" in slack.command("li", "报表 准确率 2026年10月").text
    assert "Forecast accuracy is per month or per quarter" in slack.command("alice", "report accuracy last-week").text
