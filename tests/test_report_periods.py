"""Reports over any period: years, quarters, months and runs of days, typed the plain way or in
Chinese, in Slack and on the command line; the period before each; the labels; the refusals. The
figures are checked against an independent computation over deals closed years ago (2016-2017)."""

from __future__ import annotations

import functools
import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.blocks.digests import fmt_days, fmt_total, pct
from bot.blocks.errors import error_text
from bot.console.slack_api import TEAM_ID
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.core.money import format_amount
from bot.core.periods import Period, days, month_of, period_key, period_label, quarter_of, week_of, year_of
from bot.demo.generated import Generated, generate, insert_all
from bot.reporting.reports import read_period
from tests.conftest import NOW, ROOT, SHANGHAI, payload_text
from tests.test_bad_input import errors_logged

TODAY = date(2026, 11, 25)
IMPORTED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI)


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


# --- a history of deals, as a CRM's import leaves it ----------------------------------------------


def add_deal(g: Generated, *, created: datetime, owner: int = 1, stage: str = "lead", status: str = "open", closed=None, entered=None, **fields) -> dict:
    """A deal with the next id and number. An ``imported`` one has a single ``imported`` event and
    no stage changes (its ``stage_entered_at`` comes from the source); any other one a ``created``
    event, and a ``status`` event when it is closed."""
    imported = fields.pop("imported", False)
    n = len(g.deals) + 1
    deal = {
        "id": n,
        "workspace_id": TEAM_ID,
        "number": n,
        "title": f"History {n}",
        "amount": Decimal(10000),
        "currency": "CNY",
        "stage": stage,
        "status": status,
        "expected_close": None,
        "next_step_due": None,
        "owner_id": owner,
        "creator_id": owner,
        "created_at": created,
        "updated_at": closed or created,
        "last_activity_at": closed or created,
        "stage_entered_at": entered or created,
        "closed_at": closed,
        "win_probability": (1.0 if status == "won" else 0.0) if closed else None,
        "lost_reason": "price" if status == "lost" else None,
        "version": 1,  # tags, qualification, score and grade: the columns' defaults
        **fields,
    }
    g.deals.append(deal)
    if imported:
        add_event(g, deal, IMPORTED_AT, "imported")
    else:
        add_event(g, deal, created, "created")
        if closed and status in ("won", "lost"):
            add_event(g, deal, closed, "status", "open", status)
    return deal


def add_event(g: Generated, deal: dict, when: datetime, kind: str, old=None, new=None) -> None:
    g.events.append(
        {
            "id": len(g.events) + 1,
            "opportunity_id": deal["id"],
            "actor_id": deal["owner_id"],
            "at": when,
            "kind": kind,
            "field": "stage" if kind == "stage" else ("status" if kind == "status" else None),
            "old": old,
            "new": new,
        }
    )


def move(g: Generated, deal: dict, when: datetime, old: str, new: str) -> None:
    add_event(g, deal, when, "stage", old, new)


def add_closes(g: Generated, config) -> None:
    """160 deals won or lost between October 2016 and the end of 2017, a third of them imported
    (no stage changes), the others moved once from lead to their last stage; and wins and losses
    exactly on 2017 Q2's edges."""
    rnd = random.Random(2017)
    stages = [s.key for s in config.stages]
    for _ in range(160):
        closed = at(2016, 10, 1, 0) + timedelta(days=rnd.uniform(0, 456))
        created = closed - timedelta(days=rnd.uniform(1, 150))
        stage = rnd.choice(stages)
        entered = created + (closed - created) * rnd.uniform(0.2, 0.8)
        imported = rnd.random() < 0.35
        fields = dict(amount=Decimal(rnd.randrange(1, 100) * 1000), currency=rnd.choice(["CNY", "CNY", "USD"]), owner=rnd.randint(1, 3))
        deal = add_deal(g, created=created, stage=stage, status=rnd.choice(["won", "won", "lost"]), closed=closed, entered=entered, imported=imported, **fields)
        if not imported and stage != "lead":
            move(g, deal, entered, "lead", stage)
    q2 = quarter_of(date(2017, 4, 1), SHANGHAI)
    for closed, status in (
        (q2.start, "won"),
        (q2.end - timedelta(microseconds=1), "won"),
        (q2.end, "lost"),
        (q2.end, "won"),
        (q2.start - timedelta(microseconds=1), "won"),
    ):
        add_deal(g, created=closed - timedelta(days=30), owner=2, stage="negotiation", status=status, closed=closed, amount=Decimal(7000))


def add_pipeline(g: Generated) -> dict[str, dict]:
    """Deals whose stage at 2017 Q2's end differs from now, by name: moved on after the end,
    closed after it, imported without events, closed before it, created or closed or moved exactly
    at it, deleted, merged after it, without an amount."""
    end = quarter_of(date(2017, 4, 1), SHANGHAI).end
    named = {}
    named["moved_after"] = d = add_deal(g, created=at(2017, 3, 10), stage="negotiation", amount=Decimal(100000))
    move(g, d, at(2017, 5, 2), "lead", "needs")
    move(g, d, end + timedelta(days=10), "needs", "proposal")
    move(g, d, end + timedelta(days=40), "proposal", "negotiation")
    named["closed_after"] = d = add_deal(g, created=at(2017, 2, 1), owner=2, stage="contract", status="won", closed=at(2017, 7, 20), currency="USD")
    move(g, d, at(2017, 6, 10), "lead", "proposal")
    move(g, d, at(2017, 7, 5), "proposal", "contract")
    named["imported_open"] = add_deal(g, created=at(2016, 12, 1), stage="negotiation", entered=at(2017, 3, 1), imported=True, amount=Decimal(300000))
    named["imported_closed_after"] = add_deal(
        g, created=at(2017, 1, 5), owner=3, stage="contract", status="lost", closed=at(2017, 8, 1), entered=at(2017, 5, 1), imported=True
    )
    named["closed_before"] = d = add_deal(g, created=at(2017, 1, 10), owner=3, stage="contract", status="won", closed=at(2017, 5, 15))
    move(g, d, at(2017, 4, 20), "lead", "contract")
    named["created_at_end"] = add_deal(g, created=end)
    named["closed_at_end"] = d = add_deal(g, created=at(2017, 3, 3), stage="proposal", status="lost", closed=end)
    move(g, d, at(2017, 4, 11), "lead", "proposal")
    named["moved_at_end"] = d = add_deal(g, created=at(2017, 4, 3), stage="proposal")
    move(g, d, at(2017, 4, 5), "lead", "needs")
    move(g, d, end, "needs", "proposal")
    named["deleted"] = add_deal(g, created=at(2017, 3, 1), stage="proposal", status="deleted")
    named["merged_after"] = add_deal(g, created=at(2017, 3, 15), stage="tech_review", status="merged", closed=at(2017, 9, 1))
    named["young_lead"] = add_deal(g, created=at(2017, 5, 1), owner=2)
    named["no_amount"] = add_deal(g, created=at(2017, 3, 1), stage="contacted", amount=None)
    return named


def build_history(config) -> tuple[Generated, dict[str, dict]]:
    g = generate(config, workspace_id=TEAM_ID, now=NOW, reps=3, deals=0, activities=0)
    add_closes(g, config)
    return g, add_pipeline(g)


@pytest.fixture
def config(config):
    """The config, with a quarter target that is not three month targets (16M, 5M a month)."""
    return replace(config, digest=replace(config.digest, month_target=5_000_000.0, quarter_target=16_000_000.0))


@pytest.fixture
def history(rt) -> Generated:
    g, _ = build_history(rt.config)
    with rt.sessions.begin() as session:
        insert_all(session.connection(), g, workspace_id=TEAM_ID, now=NOW)
    return g


# --- the independent computation ---------------------------------------------------------------------


def closes(g: Generated, first: date, last: date) -> tuple[list[dict], list[dict]]:
    """The deals won and the deals lost from ``first``'s start to ``last``'s end (Shanghai)."""
    start, end = datetime.combine(first, datetime.min.time(), SHANGHAI), datetime.combine(last + timedelta(days=1), datetime.min.time(), SHANGHAI)
    closed = [d for d in g.deals if d["closed_at"] is not None and start <= d["closed_at"] < end]
    return [d for d in closed if d["status"] == "won"], [d for d in closed if d["status"] == "lost"]


def win_rate_and_cycle(g: Generated, first: date, last: date) -> tuple[float | None, int, int, float | None]:
    won, lost = closes(g, first, last)
    rate = len(won) / (len(won) + len(lost)) if won or lost else None
    cycle = sum((d["closed_at"] - d["created_at"]).total_seconds() / 86400 for d in won) / len(won) if won else None
    return rate, len(won), len(lost), cycle


def cycle_lines(g: Generated, lang: str, period: tuple[date, date], before: tuple[date, date]) -> list[str]:
    """The cycle report's win rate and sales cycle lines, each with the period before's figure."""
    rate, won, lost, cycle = win_rate_and_cycle(g, *period)
    prev_rate, _, _, prev_cycle = win_rate_and_cycle(g, *before)
    return [
        t(lang, "dg_win_rate", rate=pct(rate), won=won, lost=lost, prev=t(lang, "dg_prev", value=pct(prev_rate))),
        t(lang, "dg_cycle", days=fmt_days(cycle, lang), prev=t(lang, "dg_prev", value=fmt_days(prev_cycle, lang))),
    ]


# --- reading periods --------------------------------------------------------------------------------

TZ = ZoneInfo("Asia/Shanghai")
Q2 = (date(2017, 4, 1), date(2017, 6, 30))
Q1 = (date(2017, 1, 1), date(2017, 3, 31))
YEAR_2017 = (date(2017, 1, 1), date(2017, 12, 31))
YEAR_2016 = (date(2016, 1, 1), date(2016, 12, 31))
JUNE = (date(2017, 6, 1), date(2017, 6, 30))
MAY = (date(2017, 5, 1), date(2017, 5, 31))
JUNE_DAYS_BEFORE = (date(2017, 5, 2), date(2017, 5, 31))  # as many days (30) as June, ending the day before


@pytest.mark.parametrize(
    "text, name, span",
    [
        ("2017-Q2", "quarter", Q2),
        ("2017q2", "quarter", Q2),
        ("2017-q2", "quarter", Q2),
        ("2017Q2", "quarter", Q2),
        ("2017", "year", YEAR_2017),
        ("2017-06", "month", JUNE),
        ("2017-6", "month", JUNE),
        ("2017-06-01..2017-06-30", "range", JUNE),
        ("2020-02-27..2020-03-01", "range", (date(2020, 2, 27), date(2020, 3, 1))),
        ("2017年第二季度", "quarter", Q2),
        ("2017年第2季度", "quarter", Q2),
        ("2017年二季度", "quarter", Q2),
        ("2017年Q2", "quarter", Q2),
        ("2017年q2", "quarter", Q2),
        ("２０１７年Ｑ２", "quarter", Q2),
        ("2017年第四季度", "quarter", (date(2017, 10, 1), date(2017, 12, 31))),
        ("2017年6月", "month", JUNE),
        ("2017年06月", "month", JUNE),
        ("2017年", "year", YEAR_2017),
        ("this-year", "year", (date(2026, 1, 1), date(2026, 12, 31))),
        ("今年", "year", (date(2026, 1, 1), date(2026, 12, 31))),
        ("last-year", "year", (date(2025, 1, 1), date(2025, 12, 31))),
        ("去年", "year", (date(2025, 1, 1), date(2025, 12, 31))),
        ("this-month", "month", (date(2026, 11, 1), date(2026, 11, 30))),
        ("上季度", "quarter", (date(2026, 7, 1), date(2026, 9, 30))),
        ("2016-11", "month", (date(2016, 11, 1), date(2016, 11, 30))),
        ("1980-Q1", "quarter", (date(1980, 1, 1), date(1980, 3, 31))),  # as far back as imported history goes
        ("2036-11", "month", (date(2036, 11, 1), date(2036, 11, 30))),  # ten years ahead to the month
        ("2017-01-01..2026-12-31", "range", (date(2017, 1, 1), date(2026, 12, 31))),  # ten years long: not too long
    ],
)
def test_each_spelling_of_a_period_reads_as_its_days(text, name, span):
    period = read_period(text, TODAY, TZ, "this-month")
    assert (period.name, period.first, period.last) == (name, *span)


@pytest.mark.parametrize(
    "period, before",
    [
        (year_of(date(2017, 5, 5), TZ), YEAR_2016),
        (year_of(date(2016, 1, 1), TZ), (date(2015, 1, 1), date(2015, 12, 31))),  # a leap year, then one that is not
        (days(*JUNE, TZ), JUNE_DAYS_BEFORE),  # a range is not a month, even when it covers one
        (days(date(2017, 3, 1), date(2017, 3, 1), TZ), (date(2017, 2, 28), date(2017, 2, 28))),
        (days(date(2016, 3, 1), date(2016, 3, 31), TZ), (date(2016, 1, 30), date(2016, 2, 29))),
        (days(*YEAR_2017, TZ), (date(2016, 1, 2), date(2016, 12, 31))),  # 365 days: 2016 had 366
        (month_of(date(2017, 3, 9), TZ), (date(2017, 2, 1), date(2017, 2, 28))),
        (quarter_of(date(2017, 2, 9), TZ), (date(2016, 10, 1), date(2016, 12, 31))),
        (week_of(date(2017, 1, 4), TZ), (date(2016, 12, 26), date(2017, 1, 1))),
    ],
)
def test_the_period_before_a_year_is_the_year_before_and_before_a_range_as_many_days(period, before):
    prev = period.previous()
    assert (prev.name, prev.first, prev.last) == (period.name, *before)
    assert prev.end == period.start


@pytest.mark.parametrize(
    "period, en, zh",
    [
        (quarter_of(date(2017, 5, 1), TZ), "2017 Q2", "2017年第2季度"),
        (year_of(date(2017, 5, 1), TZ), "2017", "2017年"),
        (month_of(date(2017, 6, 9), TZ), "2017-06", "2017-06"),
        (days(*JUNE, TZ), "2017-06-01 – 2017-06-30", "2017-06-01 – 2017-06-30"),
        (week_of(date(2026, 11, 25), TZ), "2026-11-23 – 2026-11-29", "2026-11-23 – 2026-11-29"),
    ],
)
def test_a_period_is_named_in_the_readers_language(period: Period, en, zh):
    assert (period_label(period, "en"), period_label(period, "zh")) == (en, zh)


# --- in Slack: every spelling, both languages ------------------------------------------------------


@pytest.mark.parametrize(
    "who, command, title, span, before",
    [
        ("alice", "report cycle 2017-Q2", "Sales cycle · 2017 Q2", Q2, Q1),
        ("alice", "report cycle 2017q2", "Sales cycle · 2017 Q2", Q2, Q1),
        ("alice", "report cycle 2017", "Sales cycle · 2017", YEAR_2017, YEAR_2016),
        ("alice", "report cycle 2017-06", "Sales cycle · 2017-06", JUNE, MAY),
        ("alice", "report cycle 2017-06-01..2017-06-30", "Sales cycle · 2017-06-01 – 2017-06-30", JUNE, JUNE_DAYS_BEFORE),
        (
            "alice",
            "report cycle 2017-03-15..2017-05-14",
            "Sales cycle · 2017-03-15 – 2017-05-14",
            (date(2017, 3, 15), date(2017, 5, 14)),
            (date(2017, 1, 13), date(2017, 3, 14)),
        ),
        ("alice", "report cycle 2017年第二季度", "Sales cycle · 2017 Q2", Q2, Q1),
        ("li", "报表 周期 2017年第二季度", "成交周期 · 2017年第2季度", Q2, Q1),
        ("li", "报表 周期 2017年Q2", "成交周期 · 2017年第2季度", Q2, Q1),
        ("li", "报表 周期 2017年第2季度", "成交周期 · 2017年第2季度", Q2, Q1),
        ("li", "报表 周期 2017-Q2", "成交周期 · 2017年第2季度", Q2, Q1),
        ("li", "报表 周期 2017年6月", "成交周期 · 2017-06", JUNE, MAY),
        ("li", "报表 周期 2017年", "成交周期 · 2017年", YEAR_2017, YEAR_2016),
        ("li", "报表 周期 2017-06-01..2017-06-30", "成交周期 · 2017-06-01 – 2017-06-30", JUNE, JUNE_DAYS_BEFORE),
        ("li", "报表 周期 去年", "成交周期 · 2025年", (date(2025, 1, 1), date(2025, 12, 31)), (date(2024, 1, 1), date(2024, 12, 31))),
        ("alice", "report cycle last-quarter", "Sales cycle · 2026 Q3", (date(2026, 7, 1), date(2026, 9, 30)), (date(2026, 4, 1), date(2026, 6, 30))),
    ],
)
def test_a_report_over_any_period_counts_the_deals_closed_in_it_against_the_period_before(slack, history, who, command, title, span, before):
    """The cycle report's title names the period; its win rate and sales cycle are those of the
    deals won or lost within it, each next to the same figure for the period before."""
    answer = slack.command(who, command)
    assert answer.json["text"] == title
    lang = "zh" if who == "li" else "en"
    for line in cycle_lines(history, lang, span, before):
        assert line in answer.text
    assert t(lang, "rp_share") in answer.text


def test_a_shared_report_of_a_past_quarter_is_the_same_period(slack, fake, history):
    """The Share button carries the period as typed; whoever shares it sees the same figures."""
    slack.click("bob", "report_share", "cycle 2017年第二季度")
    [posted] = [c.args for c in fake.calls("response_url")]
    text = payload_text(posted)
    assert "Sales cycle · 2017 Q2" in text
    for line in cycle_lines(history, "en", Q2, Q1):
        assert line in text


# --- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, command, said",
    [
        ("alice", "report funnel 2017-Q5", "Couldn't read the period “2017-Q5”. Use `this-week`"),
        ("alice", "report funnel 2017-13", "Couldn't read the period “2017-13”."),
        ("alice", "report funnel 2017-02-30..2017-03-01", "Couldn't read the period “2017-02-30..2017-03-01”."),
        ("alice", "report funnel 2017-06-01...2017-06-30", "Couldn't read the period “2017-06-01...2017-06-30”."),
        ("li", "报表 漏斗 2017年第5季度", "看不懂时间段「2017年第5季度」。可以用：`本周`"),
        ("li", "报表 漏斗 2017年13月", "看不懂时间段「2017年13月」。"),
        (
            "alice",
            "report funnel 2017-06-30..2017-06-01",
            "“2017-06-30..2017-06-01” ends before it starts: give the first day first, e.g. `2017-06-01..2017-06-30`.",
        ),
        ("li", "报表 漏斗 2017-06-30..2017-06-01", "「2017-06-30..2017-06-01」的开始日期晚于结束日期：先写开始日期，例如 `2017-06-01..2017-06-30`。"),
        (
            "alice",
            "report funnel 2017-01-01..2027-06-30",
            "“2017-01-01..2027-06-30” is too long: a report covers at most ten years, e.g. `2026-11-01..2026-11-25`.",
        ),
        ("li", "报表 漏斗 2017-01-01..2027-06-30", "「2017-01-01..2027-06-30」太长：一份报表最多覆盖十年，例如 `2026-11-01..2026-11-25`。"),
        ("alice", "report funnel 1979", "“1979” is out of reach: reports cover months from 1980 to ten years from today, e.g. `2026`."),
        ("alice", "report funnel 1979-Q4", "“1979-Q4” is out of reach: reports cover months from 1980 to ten years from today, e.g. `2026-Q4`."),
        ("alice", "report funnel 2037-01", "“2037-01” is out of reach"),
        ("li", "报表 漏斗 1979年第一季度", "「1979年第一季度」超出范围：报表看 1980 年以来、到今天往后十年内的月份，例如 `2026-Q4`。"),
        ("li", "报表 漏斗 9999年", "「9999年」超出范围：报表看 1980 年以来、到今天往后十年内的月份，例如 `2026`。"),
        ("alice", "report funnel 1979-12-31..1980-01-02", "“1979-12-31..1980-01-02” is out of reach"),
        ("alice", "report funnel 0000-01-01..0000-01-02", "“0000-01-01..0000-01-02” is out of reach"),
    ],
)
def test_a_period_that_cannot_be_reported_is_refused_in_the_readers_language(slack, caplog, who, command, said):
    answer = slack.command(who, command)
    assert answer.status == 200
    assert said in answer.text
    assert "error ref" not in answer.text
    assert slack.fake.calls("files.getUploadURLExternal") == []
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    "lang, forms",
    [
        ("en", ["`2017`", "`2017-Q2`", "`2017-06`", "`2017-06-01..2017-06-30`", "`this-year`"]),
        ("zh", ["`2017年`", "`2017年第二季度`", "`2017年6月`", "`2017-06-01..2017-06-30`", "`今年`"]),
    ],
)
def test_an_unreadable_period_is_told_every_form_that_works(config, lang, forms):
    with pytest.raises(BadInput) as refused:
        read_period("someday", TODAY, TZ, "this-month")
    text = error_text(refused.value, config, lang)
    for form in forms:
        assert form in text
        assert read_period(form.strip("`"), TODAY, TZ, "this-month")  # each example given works


# --- on the command line -------------------------------------------------------------------------


@pytest.fixture
def cli(rt, engine, monkeypatch):
    """`oppbot …` against the test database, on the test's clock."""
    import bot.app
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("OPPBOT_CONFIG", str(ROOT / "config.toml"))
    monkeypatch.setattr(bot.app, "build_runtime", functools.partial(bot.app.build_runtime, clock=rt.clock))
    return main


@pytest.mark.parametrize(
    "args, title, lang, span, before",
    [
        (["report", "cycle", "2017-Q2", "--lang", "en"], "== Sales cycle · 2017 Q2 ==", "en", Q2, Q1),
        (["report", "cycle", "2017年第二季度", "--lang", "zh"], "== 成交周期 · 2017年第2季度 ==", "zh", Q2, Q1),
        (["report", "cycle", "2017", "--lang", "en"], "== Sales cycle · 2017 ==", "en", YEAR_2017, YEAR_2016),
        (["report", "cycle", "2017-06-01..2017-06-30", "--lang", "zh"], "== 成交周期 · 2017-06-01 – 2017-06-30 ==", "zh", JUNE, JUNE_DAYS_BEFORE),
    ],
)
def test_oppbot_report_prints_any_period(cli, history, capsys, args, title, lang, span, before):
    assert cli([*args, "--print"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(title)
    for line in cycle_lines(history, lang, span, before):
        assert line in out


def test_the_trend_of_a_past_year_ends_on_its_last_day(cli, history, capsys):
    """Each point is named by the day whose end it is: the year's last point is 31 December (the
    end instant is the next midnight, which named it 1 January before)."""
    assert cli(["report", "trend", "2017", "--print", "--lang", "en"]) == 0
    days = [line.split("`")[1] for line in capsys.readouterr().out.splitlines() if line.startswith("`")]
    assert days[-1] == "2017-12-31" and days[0] == "2017-10-15" and len(days) == 12


def test_oppbot_report_takes_a_report_by_any_of_its_names_and_refuses_an_unknown_one(cli, history, capsys):
    assert cli(["report", "成交周期", "2017-Q2", "--print", "--lang", "en"]) == 0
    assert capsys.readouterr().out.startswith("== Sales cycle · 2017 Q2 ==")
    with pytest.raises(SystemExit, match="There is no “sales” report. Reports: `funnel`, `forecast`"):
        cli(["report", "sales", "--print", "--lang", "en"])


def test_oppbot_report_refuses_a_period_it_cannot_read(cli, history):
    with pytest.raises(SystemExit, match="Couldn't read the period “2017-Q5”. Use `this-week`"):
        cli(["report", "funnel", "2017-Q5", "--print", "--lang", "en"])
    with pytest.raises(SystemExit, match="「2017-06-30..2017-06-01」的开始日期晚于结束日期"):
        cli(["report", "funnel", "2017-06-30..2017-06-01", "--print", "--lang", "zh"])


# --- the forecast's target ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, command, span, months",
    [
        ("alice", "report forecast 2017-06", JUNE, 1),
        ("alice", "report forecast 2017", YEAR_2017, 12),
        ("li", "报表 预测 2017年", YEAR_2017, 12),
        ("alice", "report forecast 2017-01-01..2017-06-30", (date(2017, 1, 1), date(2017, 6, 30)), 6),
        ("alice", "report forecast 2017-06-01..2017-06-15", (date(2017, 6, 1), date(2017, 6, 15)), 0),
        ("alice", "report forecast 2017-05-15..2017-06-30", (date(2017, 5, 15), date(2017, 6, 30)), 0),
        ("alice", "report forecast this-week", (date(2026, 11, 23), date(2026, 11, 29)), 0),
        ("alice", "report forecast 2017-Q2", Q2, None),
        ("li", "报表 预测 2017年第二季度", Q2, None),
    ],
)
def test_the_forecast_of_a_period_shows_its_wins_against_the_target_of_its_months_or_its_quarter(slack, rt, history, who, command, span, months):
    """Won: the deals won within the period. Target: the quarter target for a quarter, the month
    target for each whole month of a month, a year or a range of whole months; none for a week or
    a range that cuts a month."""
    config, lang = rt.config, "zh" if who == "li" else "en"
    won, _ = closes(history, *span)
    won_amount: dict = {}
    for d in won:
        won_amount[d["currency"]] = won_amount.get(d["currency"], Decimal(0)) + d["amount"]
    text = slack.command(who, command).text
    name = text.splitlines()[0].partition(" · ")[2]
    line = "• " + t(
        lang,
        "dg_forecast_line",
        label=name,
        won=fmt_total(won_amount, config, lang),
        committed=fmt_total({}, config, lang),
        weighted=fmt_total({}, config, lang),
        target="",
    )
    shown = next(x for x in text.splitlines() if x.startswith(line))  # the period's line, before the months'
    target = config.digest.quarter_target if months is None else config.digest.month_target * months
    assert shown == line + target_text(won_amount, target, config, lang)


def target_text(won: dict, target: float, config, lang: str) -> str:
    """The target after a forecast line: none, its share reached, or why there is no share."""
    if not target:
        return ""
    shown = format_amount(Decimal(str(target)), config.currency, lang)
    unrated = sorted(set(won) - {config.currency})
    if unrated:
        return t(lang, "dg_target_no_rate", target=shown, codes=("、" if lang == "zh" else ", ").join(unrated))
    return t(lang, "dg_target", target=shown, pct=pct(float(won.get(config.currency, 0)) / target))


def test_a_month_and_a_quarter_have_the_keys_targets_are_kept_under_and_other_spans_none():
    tz = ZoneInfo("Asia/Shanghai")
    assert period_key(month_of(date(2027, 3, 9), tz)) == "2027-03"
    assert period_key(quarter_of(date(2027, 3, 9), tz)) == "2027-Q1"
    assert period_key(quarter_of(date(2027, 12, 31), tz)) == "2027-Q4"
    assert [period_key(p) for p in (week_of(date(2027, 3, 9), tz), year_of(date(2027, 3, 9), tz), days(date(2027, 3, 1), date(2027, 3, 31), tz))] == [None] * 3
