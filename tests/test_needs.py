"""Customer needs (客户需求) for the product team: `need:` tags from `/opp tag` (需求: is read as
need:) and the deal form's Customer needs field, and `/opp report needs [period]`, whose ranking,
counts, open and lost values are checked against a plain-Python reading of the deals the commands
wrote, in both languages. The clock is fixed and moved; nothing sleeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from bot.blocks.digests import fmt_total
from bot.blocks.kit import esc
from bot.core.i18n import t
from bot.core.periods import month_of
from tests.conftest import SHANGHAI
from tests.test_reports import uploads

DECEMBER = month_of(datetime(2026, 12, 1).date(), SHANGHAI)


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=SHANGHAI)


def form_deal(slack, who: str, **values) -> None:
    slack.command(who, "new")
    slack.submit(who, slack.opened_view(), values)


@pytest.fixture
def needs_history(slack, rt, clock):
    """Deals created, tagged and closed around December 2026, through commands and the form."""
    rt.config = replace(rt.config, rates={"USD": Decimal("7.2")})
    slack.command("alice", "new Alpha 100万")  # 1: open all along
    slack.command("alice", "tag 1 need:SSO 需求:报表导出 高意向")
    slack.command("bob", "new Beta 40万")  # 2: lost before December: not counted
    slack.command("bob", "标签 2 需求：SSO")
    form_deal(slack, "alice", title="Gamma", amount="$2万", needs="SSO，移动端", tags="重点")  # 3: lost in December
    clock.set(at(11, 28))
    slack.command("bob", "lost 2 price")
    clock.set(at(12, 3))
    slack.command("bob", "new Delta 30万")  # 4: created in December, open
    slack.command("bob", "tag 4 need:报表导出")
    clock.set(at(12, 5))
    form_deal(slack, "li", title="Epsilon", amount="20万", needs="移动端")  # 5: won in December
    clock.set(at(12, 10))
    slack.command("alice", "lost 3 competitor")
    clock.set(at(12, 20))
    slack.command("li", "won 5")
    slack.command("alice", "new Zeta 70万")  # 6: lost in December too, no amount counted twice
    slack.command("alice", "tag 6 need:SSO")
    slack.command("alice", "lost 6 price")
    clock.set(at(1, 5, 2027))
    slack.command("alice", "new Eta 90万")  # 7: created after December: not counted
    slack.command("alice", "tag 7 need:SSO")
    clock.set(at(1, 10, 2027))


def expected_lines(db, config, lang: str, period) -> list[str]:
    """The ranking read from the deals in plain Python: per need, the deals in play during the
    period (created before its end, not closed before its start, not merged or deleted), the
    amounts of those open now, and of those lost within the period."""
    counts: dict[str, int] = {}
    opened: dict[str, dict] = {}
    lost: dict[str, dict] = {}
    for deal in db.deals():
        in_play = deal.status in ("open", "won", "lost") and deal.created_at < period.end and (deal.closed_at is None or deal.closed_at >= period.start)
        if not in_play:
            continue
        for tag in deal.tags:
            if not tag.startswith("need:"):
                continue
            need = tag[len("need:") :]
            counts[need] = counts.get(need, 0) + 1
            for total, counted in ((opened, deal.status == "open"), (lost, deal.status == "lost" and period.start <= deal.closed_at < period.end)):
                total.setdefault(need, {})
                if counted and deal.amount is not None:
                    total[need][deal.currency] = total[need].get(deal.currency, Decimal(0)) + deal.amount
    ranked = sorted(counts, key=lambda n: (-counts[n], n))
    lines = [t(lang, "rp_needs_head")]
    for rank, need in enumerate(ranked, start=1):
        lines.append(
            t(
                lang,
                "rp_needs_line",
                rank=rank,
                need=esc(need),
                count=counts[need],
                open=fmt_total(opened[need], config, lang),
                lost=fmt_total(lost[need], config, lang),
            )
        )
    return lines


def ranking(answer) -> list[str]:
    [text] = [b["text"]["text"] for b in answer.json["blocks"] if b.get("type") == "section" and b["text"]["text"].startswith("*")]
    return text.split("\n")


@pytest.mark.parametrize("who, command, lang", [("alice", "report needs 2026-12", "en"), ("li", "报表 需求 2026年12月", "zh")])
def test_needs_are_ranked_by_deals_with_their_open_and_lost_value(slack, rt, db, fake, needs_history, who, command, lang):
    """The ranking, and its chart in the person's DM with the app."""
    answer = slack.command(who, command)
    [(channel, title, content)] = uploads(fake)
    assert channel.startswith("D") and content.startswith(b"\x89PNG") and title == t(lang, "rp_title_needs", period="2026-12")
    lines = expected_lines(db, rt.config, lang, DECEMBER)
    assert ranking(answer) == lines
    assert len(lines) == 4  # SSO, 报表导出, 移动端 and the head
    assert lines[1].startswith(t(lang, "rp_needs_line", rank=1, need="SSO", count=3, open="", lost="").split(" · ")[0])
    assert t(lang, "rp_needs_definition") in answer.text and t(lang, "rp_title_needs", period="2026-12") in answer.text


def test_the_ranking_in_figures(slack, rt, db, needs_history):
    """The same figures, written out: SSO on #1 (open ¥100万), #3 (lost $2万 = ¥14.4万) and #6 (lost
    ¥70万); #2 lost before December and #7 created after it are not counted."""
    lines = ranking(slack.command("alice", "report needs 2026-12"))
    assert lines[1:] == [
        "1. *SSO* · deals: 3 · open ¥1M · lost ¥844k",
        "2. *报表导出* · deals: 2 · open ¥1.3M · lost ¥0",
        "3. *移动端* · deals: 2 · open ¥0 · lost ¥144k",
    ]


def test_need_tags_are_kept_as_need_and_the_form_shows_them_apart(slack, db):
    slack.command("alice", "new Alpha 100万")
    slack.command("alice", "tag 1 需求:报表导出 Need:SSO need:SSO 高意向")
    assert db.deal(1).tags == ["need:报表导出", "need:SSO", "高意向"]
    slack.command("alice", "tag 1 -需求:SSO")
    assert db.deal(1).tags == ["need:报表导出", "高意向"]
    slack.command("alice", "edit 1")
    fields = {b["block_id"]: b["element"].get("initial_value") for b in slack.opened_view()["blocks"] if b["type"] == "input"}
    assert (fields["tags"], fields["needs"]) == ("高意向", "报表导出")
    slack.submit("alice", slack.opened_view(), {"needs": "报表导出，单点登录"})
    assert db.deal(1).tags == ["高意向", "need:报表导出", "need:单点登录"]


def test_a_period_without_needs_says_how_to_record_them(slack, fake):
    slack.command("alice", "new Alpha 100万")
    answer = slack.command("alice", "report needs")
    assert "No deal of the period has a customer need recorded" in answer.text and fake.calls("files.completeUploadExternal") == []
    assert "这段时间的商机没有记录客户需求" in slack.command("li", "报表 需求 本月").text
    assert "Couldn't read the period “someday”" in slack.command("alice", "report needs someday").text
