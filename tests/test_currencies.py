"""Totals over deals in more than one currency: with exchange rates ([currencies] rates in
config.toml) every total is in the workspace currency; without them each currency's part is shown,
never dropped and never added to another. CNY and USD deals, the clock fixed (Wednesday
2026-11-25), the shipped targets (¥500万 a month)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from bot.reporting.reports import _panels
from tests.test_home import open_home, text_of

RATES = {"USD": Decimal("7")}


@pytest.fixture
def deals(slack, rt):
    """alice: ¥100万 and $12万 open in Negotiation closing this month, and $10万 won today."""
    slack.command("alice", "new Acme ERP 100万 stage negotiation close 2026-11-30")
    slack.command("alice", "new Globex CRM $12万 stage negotiation close 2026-11-30")
    slack.command("alice", "new Initech portal $10万 stage contract")
    slack.command("alice", "won 3")


def with_rates(rt):
    rt.config = replace(rt.config, rates=RATES)


def test_without_rates_each_total_shows_every_currency_apart(slack, rt, deals):
    home = text_of(open_home(slack, "alice"))
    assert "Negotiation: 2 · ¥1M + $120k · weighted ¥700k + $84k" in home
    assert "*Total: 2 · ¥1M + $120k · weighted ¥700k + $84k*" in home
    load = slack.command("alice", "team load").text
    assert "<@U0ALICE> · 2 open (no limit) · ¥1M + $120k ·" in load
    forecast = slack.command("alice", "report forecast this-month").text
    assert "won $100k · committed ¥1M + $120k" in forecast
    assert "target ¥5M (no exchange rate for USD, so no share of it)" in forecast
    trend = slack.command("alice", "report trend").text
    assert "`2026-11-25`  2 · ¥1M + $120k" in trend
    zh = slack.command("li", "报表 趋势").text
    assert "`2026-11-25`  2 个 · ¥100万 + $12万" in zh


def test_with_rates_every_total_is_in_the_workspace_currency(slack, rt, deals):
    with_rates(rt)
    home = text_of(open_home(slack, "alice"))
    assert "Negotiation: 2 · ¥1.84M · weighted ¥1.29M" in home  # 100万 + 12万 × 7; 70% of it
    load = slack.command("alice", "team load").text
    assert "<@U0ALICE> · 2 open (no limit) · ¥1.84M ·" in load
    forecast = slack.command("alice", "report forecast this-month").text
    assert "won ¥700k · committed ¥1.84M" in forecast
    assert "target ¥5M (won + committed 51%)" in forecast  # (70万 + 184万) / 500万
    assert "`2026-11-25`  2 · ¥1.84M" in slack.command("alice", "report trend").text
    assert "`2026-11-25`  2 个 · ¥184万" in slack.command("li", "报表 趋势").text


def test_a_single_deal_keeps_its_own_currency_with_rates_or_without(slack, rt, deals):
    assert "*Amount*\n$120k" in slack.command("alice", "show 2").text
    with_rates(rt)
    assert "*Amount*\n$120k" in slack.command("alice", "show 2").text
    assert "$120k" in slack.command("alice", "list").text


def test_a_chart_draws_one_series_when_rates_convert_and_one_per_currency_otherwise(config):
    weeks = [{"CNY": Decimal("100"), "USD": Decimal("10")}, {"CNY": Decimal("150")}]
    assert _panels(weeks, config) == [("CNY", [100.0, 150.0]), ("USD", [10.0, 0.0])]
    assert _panels(weeks, replace(config, rates=RATES)) == [("CNY", [170.0, 150.0])]
    assert _panels([{"EUR": Decimal("5")}], replace(config, rates=RATES)) == [("CNY", [0.0]), ("EUR", [5.0])]  # EUR has no rate
