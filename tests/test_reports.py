"""`/opp report …` and `/opp export …`: answered privately, shared on request, charts and CSV
uploaded with files_upload_v2."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

import pytest

from bot.console.slack_api import TEAM_ID
from bot.core.periods import month_of
from bot.demo.generated import generate, insert_all
from bot.reporting import metrics
from bot.reporting.reports import REPORTS
from tests.conftest import NOW, payload_text


@pytest.fixture
def pipeline(rt):
    g = generate(rt.config, workspace_id=TEAM_ID, now=NOW, reps=4, deals=120, activities=300, seed=11)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    return g


def uploads(fake, count=1):
    """(channel, filename, bytes) of each file uploaded, once the background upload is done."""
    done = fake.wait_for("files.completeUploadExternal", count=count, timeout=20)
    contents = {c.args["_file_id"]: c.args["_content"] for c in fake.calls("file_upload")}
    out = []
    for call in done:
        for item in call.args["files"]:
            out.append((call.args.get("channel_id"), item.get("title"), contents[item["id"]]))
    return out


def test_funnel_report_is_private_with_a_share_button_and_a_chart_in_the_dm(slack, fake, pipeline):
    answer = slack.command("alice", "report funnel this-month")
    assert answer.json["response_type"] == "ephemeral"
    text = answer.text
    assert "Funnel · 2026-11" in text and "Pipeline by stage" in text and "Stage conversion" in text
    assert "Share to channel" in text
    open_deals = sum(1 for d in pipeline.deals if d["status"] == "open")
    assert f"Total: {open_deals} ·" in text
    [(channel, title, content)] = uploads(fake)
    assert channel.startswith("D")  # the user's DM with the app
    assert content[:8] == b"\x89PNG\r\n\x1a\n"


def test_forecast_report_in_chinese_with_a_chart_by_month(slack, fake, pipeline):
    answer = slack.command("li", "报表 预测 本季度")
    text = answer.text
    assert "预测报表 · 2026年第4季度" in text and "按月预测" in text and "2027-03" in text
    assert "目标 ¥1,500万" in text
    [(_, _, content)] = uploads(fake)
    assert content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("report reps 2026-11", "Reps · 2026-11"),
        ("report losses last-month", "Loss reasons · 2026-10"),
        ("report cycle this-week", "Sales cycle · 2026-11-23 – 2026-11-29"),
        ("report", "Funnel · 2026-11"),
    ],
)
def test_other_reports(slack, fake, pipeline, text, expected):
    answer = slack.command("alice", text)
    assert expected in answer.text
    assert "Share to channel" in answer.text


def test_reps_report_counts_match_the_data(slack, rt, pipeline):
    answer = slack.command("alice", "report reps this-month")
    for m in pipeline.members:
        open_count = sum(1 for d in pipeline.deals if d["owner_id"] == m["id"] and d["status"] == "open")
        if open_count:
            assert f"@{m['display_name']}: open {open_count} ·" in answer.text
    assert "<@U" not in answer.text  # names, not mentions: a shared report pings nobody


def test_unknown_report_and_period_say_what_works(slack, pipeline):
    answer = slack.command("alice", "report sales")
    assert "There is no “sales” report. Reports: `funnel`, `forecast`, `reps`" in answer.text
    assert all(f"`{name}`" in answer.text for name in REPORTS)  # every report, as the list grows
    answer = slack.command("alice", "报表 销量")
    assert "没有「销量」这个报表。可选：`漏斗`、`预测`、`人员`" in answer.text and "`回款`" in answer.text
    answer = slack.command("alice", "report funnel yesterday")
    assert "Couldn't read the period “yesterday”" in answer.text and "this-quarter" in answer.text


def test_share_posts_the_report_to_the_channel_with_its_chart(slack, fake, pipeline):
    slack.command("alice", "report funnel this-month")
    uploads(fake)
    fake.clear()
    slack.click("bob", "report_share", "funnel this-month")
    [posted] = [c.args for c in fake.calls("response_url")]
    assert posted["response_type"] == "in_channel" and posted["replace_original"] in (False, "false")
    text = payload_text(posted)
    assert "Funnel · 2026-11" in text and "Shared by <@U0BOB>" in text
    assert "Share to channel" not in text
    [(channel, _, _)] = uploads(fake)
    assert channel == "C0SALES"


def test_export_uploads_a_csv_of_the_matching_deals(slack, fake, rt, pipeline):
    answer = slack.command("alice", "export all stage:proposal")
    wanted = sorted(d["number"] for d in pipeline.deals if d["status"] == "open" and d["stage"] == "proposal")
    assert f"Exported {len(wanted)} deals as CSV." in answer.text
    [(channel, _, content)] = uploads(fake)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [int(r["number"]) for r in rows] == wanted
    assert rows[0]["title"].startswith("Deal ") and rows[0]["stage"] == "proposal"


def test_export_neutralises_spreadsheet_formulas_and_says_when_nothing_matches(slack, fake):
    slack.command("alice", 'new =HYPERLINK("http://x") 5万')
    slack.command("alice", "导出")
    [(_, _, content)] = uploads(fake)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0]["title"].startswith("'=HYPERLINK")
    assert "No deals match" in slack.command("alice", "export stage:contract").text


def test_periods():
    from datetime import date

    from bot.reporting.reports import read_period

    tz = ZoneInfo("Asia/Shanghai")
    today = date(2026, 11, 25)
    cases = {
        "this-week": (date(2026, 11, 23), date(2026, 11, 29)),
        "last-week": (date(2026, 11, 16), date(2026, 11, 22)),
        "this-month": (date(2026, 11, 1), date(2026, 11, 30)),
        "last-month": (date(2026, 10, 1), date(2026, 10, 31)),
        "this-quarter": (date(2026, 10, 1), date(2026, 12, 31)),
        "last-quarter": (date(2026, 7, 1), date(2026, 9, 30)),
        "2026-02": (date(2026, 2, 1), date(2026, 2, 28)),
        "本月": (date(2026, 11, 1), date(2026, 11, 30)),
    }
    for text, (first, last) in cases.items():
        p = read_period(text, today, tz, "this-month")
        assert (p.first, p.last) == (first, last), text
    assert (month_of(date(2026, 1, 5), tz).previous().first) == date(2025, 12, 1)


def test_pipeline_trend_matches_an_independent_count_and_comes_with_a_chart(slack, fake, pipeline, rt):
    from datetime import timedelta
    from decimal import Decimal

    answer = slack.command("alice", "report trend this-month")
    text = answer.text
    assert "Pipeline trend · 2026-11" in text and "last 12 weeks" in text
    now = rt.clock.now()
    for weeks_back in (0, 5, 11):
        end = now - timedelta(weeks=weeks_back)
        live = [d for d in pipeline.deals if d["created_at"] <= end and (d["closed_at"] is None or d["closed_at"] > end)]
        amounts = {}
        for d in live:
            if d["amount"] is not None:
                amounts[d["currency"]] = amounts.get(d["currency"], Decimal(0)) + Decimal(str(d["amount"]))
        with rt.sessions() as session:
            [point] = metrics.pipeline_trend(session, rt.config, TEAM_ID, [end])
        assert (point.count, point.amount) == (len(live), {c: a.quantize(Decimal("0.01")) for c, a in amounts.items() if a})
        assert weeks_back or set(point.amount) == {"CNY", "USD"}  # each currency counted, neither dropped
        assert f"`{end.astimezone(rt.config.tz):%Y-%m-%d}`  {len(live)} ·" in text
    [(_, _, content)] = uploads(fake)
    assert content.startswith(b"\x89PNG")
    assert "管道趋势" in slack.command("li", "报表 趋势").text
    assert len(uploads(fake, count=2)) == 2  # its chart too
