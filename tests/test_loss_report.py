"""`/opp report losses [period]` (`/opp 报表 输单`): the period's lost reasons and the competitors
its lost deals' reviews name, each with how many deals and their lost value and the lessons command
that lists its lessons (with how many it finds). Every figure is checked against an independent
computation over generated deals: losses inside and outside the period, wins, two currencies,
competitors spelt in several cases, reasons changed by the review, and another workspace."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import pytest

from bot.blocks.digests import fmt_total
from tests.conftest import NOW, SHANGHAI
from tests.test_commands import ephemeral
from tests.test_lessons import Written, actor, close_deal, expected, other_workspace, write

NOVEMBER, OCTOBER = (11, 10)
SPELLINGS = ("用友", "Globex", "globex", "GLOBEX", "Globex", "Initech", None)


def lost_world(slack, rt, seed: int) -> list[Written]:
    """60 deals of alice's closed in October and November (to the 25th): most lost, some won, a
    fifth in USD; most lost deals reviewed naming a competitor, some with another reason than the
    close's; then another workspace's loss in November. Returns what was written, with each deal's
    month in ``order``'s place for the losses (``Written.order`` keeps the writing order)."""
    rnd = random.Random(seed)
    slack.command("alice", "help")
    owner = actor(rt, "alice")
    made = []
    for i in range(60):
        month = rnd.choice((OCTOBER, NOVEMBER))
        rt.clock.set(datetime(2026, month, rnd.randrange(1, 26), rnd.randrange(0, 24), tzinfo=SHANGHAI))
        outcome = rnd.choices(("lost", "won"), (4, 1))[0]
        reasons = rt.config.won_reasons if outcome == "won" else rt.config.lost_reasons
        w = Written(number=0, order=month, outcome=outcome, status=rnd.choices(("done", "asked"), (3, 1))[0], reason=rnd.choice(reasons).key, industry=None)
        w.amount = Decimal(rnd.randrange(1, 500) * 1000) if rnd.random() > 0.1 else None
        w.currency = "USD" if rnd.random() < 0.2 else "CNY"
        w.number = close_deal(rt, owner, w, f"Deal {i}")
        if w.status == "done":
            w.reason = rnd.choice(reasons).key  # the review may say another reason: the deal's becomes it
            w.competitor = rnd.choice(SPELLINGS)
            w.lesson = f"lesson {i}"
            write(rt, owner, w)
        made.append(w)
    rt.clock.set(datetime(2026, 11, 10, tzinfo=SHANGHAI))
    other_workspace(rt)
    rt.clock.set(NOW)
    return made


def money_of(deals: list[Written]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for w in deals:
        if w.amount is not None:
            totals[w.currency] += w.amount
    return {c: v for c, v in totals.items() if v}


def expected_lines(rt, made: list[Written], month: int, lang: str) -> list[str]:
    """The report's bullet lines as an independent reading of ``made`` gives them."""
    config = rt.config
    lost = [w for w in made if w.outcome == "lost" and w.order == month]
    before = [w for w in made if w.outcome == "lost" and w.order == month - 1]
    names = {r.key: r.name(lang) for r in config.lost_reasons}
    command = "lessons" if lang == "en" else "经验"

    def link(word: str) -> str:
        count = len(expected(config, made, word))
        return f"lessons ({count}): `/opp {command} {word}`" if lang == "en" else f"经验 {count} 条：`/opp {command} {word}`"

    by_reason = defaultdict(list)
    for w in lost:
        by_reason[w.reason].append(w)
    lines = []
    for reason, deals in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        prev = sum(1 for w in before if w.reason == reason)
        amount = fmt_total(money_of(deals), config, lang)
        head = f"{names[reason]}: {len(deals)} ({amount}), previous {prev}" if lang == "en" else f"{names[reason]}：{len(deals)} 个（{amount}），上期 {prev}"
        lines.append(f"• {head} — {link(names[reason])}")
    by_rival = defaultdict(list)
    for w in lost:
        if w.status == "done" and w.competitor:
            by_rival[w.competitor.lower()].append(w)
    rows = []
    for deals in by_rival.values():
        spellings = defaultdict(int)
        for w in deals:
            spellings[w.competitor] += 1
        shown = sorted(spellings, key=lambda s: (-spellings[s], s))[0]
        rows.append((shown, deals))
    for shown, deals in sorted(rows, key=lambda r: (-len(r[1]), r[0])):
        amount = fmt_total(money_of(deals), config, lang)
        head = f"{shown}: {len(deals)} ({amount})" if lang == "en" else f"{shown}：{len(deals)} 个（{amount}）"
        lines.append(f"• {head} — {link(shown)}")
    return lines


def bullets(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith("• ")]


@pytest.mark.parametrize("who, command, lang", [("alice", "report losses", "en"), ("li", "报表 输单", "zh")])
def test_the_losses_report_ranks_reasons_and_competitors_with_their_value_and_lessons(slack, rt, who, command, lang):
    made = lost_world(slack, rt, seed=11)
    want = expected_lines(rt, made, NOVEMBER, lang)
    assert any("GLOBEX" in w.competitor or "globex" in w.competitor for w in made if w.competitor)  # spellings to fold
    assert any(" (" in line or "（" in line for line in want)
    text = ephemeral(slack.command(who, command))
    assert bullets(text) == want
    competitors = "*Competitors* (from reviews)" if lang == "en" else "*竞争对手*（来自复盘）"
    assert text.index(competitors) > text.index(want[0])  # reasons first, then competitors


def test_a_past_months_losses_report_counts_that_month(slack, rt):
    made = lost_world(slack, rt, seed=5)
    text = ephemeral(slack.command("alice", "report losses 2026-10"))
    assert bullets(text) == expected_lines(rt, made, OCTOBER, "en")


def test_a_period_with_no_losses_says_so_for_reasons_and_competitors(slack, rt):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "won 1")
    text = ephemeral(slack.command("alice", "report losses"))
    assert "No deals lost in this period." in text and "No review of a deal lost in this period names a competitor." in text
    zh = ephemeral(slack.command("li", "报表 输单"))
    assert "这段时间没有输单。" in zh and "这段时间输单的复盘里没有写竞争对手。" in zh
