"""Charts draw Chinese on any server: the font ships with the code (bot/reporting/fonts), matplotlib
resolves it, and nothing a chart says in Chinese falls back to a box."""

from __future__ import annotations

import logging
import warnings

import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager

from bot.core.messages import MESSAGES
from bot.reporting import charts
from tests.test_reports import pipeline, uploads  # noqa: F401 - the fixture, and the uploads' reader

COVERED = set(TTFont(charts.FONT).getBestCmap())


def emoji(ch: str) -> bool:
    """Slack draws these in its messages; no chart has them."""
    code = ord(ch)
    return code >= 0x1F000 or 0x2300 <= code < 0x2400 or 0x2600 <= code < 0x2800 or 0xFE00 <= code <= 0xFE0F


def test_matplotlib_draws_sans_serif_text_with_the_bundled_font():
    charts.use_cjk_font()
    assert font_manager.findfont(font_manager.FontProperties(family=["sans-serif"])) == str(charts.FONT)
    assert font_manager.findfont(font_manager.FontProperties(family=charts.FONT_FAMILY)) == str(charts.FONT)


def test_the_font_has_every_character_of_the_messages_and_the_configured_names(config):
    named = [*config.stages, *config.won_reasons, *config.lost_reasons, *config.qualification.criteria]
    texts = [zh for zh, _en in MESSAGES.values()] + [item.name("zh") for item in named] + ["¥1,500万 · 3.5亿 · 62% → 48%"]
    missing = {ch for text in texts for ch in text if ord(ch) not in COVERED and not emoji(ch)}
    assert missing == set()


@pytest.mark.parametrize("report", ["漏斗", "预测 本季度", "趋势"])
def test_a_chinese_chart_has_no_glyph_missing(slack, fake, pipeline, report, caplog):  # noqa: F811
    caplog.set_level(logging.WARNING, logger="matplotlib")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        slack.command("li", f"报表 {report}")
        [(_, _, content)] = uploads(fake)
    assert content.startswith(b"\x89PNG")
    assert [str(w.message) for w in caught if "Glyph" in str(w.message) or "font" in str(w.message).lower()] == []
    assert [r.getMessage() for r in caplog.records if "font" in r.getMessage().lower()] == []


def test_chinese_labels_draw_without_falling_back(config):
    stages = [(s.name("zh"), 3, "¥120万") for s in config.stages]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.funnel("漏斗报表 · 2026-11", stages, ["62%"] * (len(stages) - 1), "条宽：各阶段进行中的商机数")
        charts.trend("管道趋势", ["11-02", "11-09"], [12, 14], [("CNY", [3_000_000.0, 3_500_000.0])], ("管道金额", "进行中商机数"), "zh")
    assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []
