"""Reports on demand: funnel, forecast, reps, losses, cycle and trend over a period (this-month,
last-quarter, 2017, 2017-Q2, 2017-06, 2017-06-01..2017-06-30, 本月, 2017年第二季度 …), each a page
of figures (SQL aggregates, bot.reporting.metrics) and, for funnel, forecast and trend, a chart
image to upload after the answer.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.blocks.collab import collab_page, segments_page, sources_page
from bot.blocks.digests import competitor_lines, fmt_total, forecast_line, funnel_lines, loss_lines, pct, pipeline_lines, rep_table, stage_time_lines
from bot.blocks.ids import Action
from bot.blocks.kit import TEXT_LIMIT, Page, Reply, button, clip, esc
from bot.blocks.targets import category_lines
from bot.blocks.views import Money
from bot.core.config import Config
from bot.core.dates import HISTORY_START, REACH_YEARS, within_reach
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.core.periods import CALENDAR, Period, days, month_of, period_label, quarter_number, quarter_of, year_of
from bot.core.runtime import Runtime
from bot.deals import lessons
from bot.reporting import attainment, cash, charts, collab, kpis, metrics, needs, segments, target_reports
from bot.team.members import Actor, local_now

log = logging.getLogger(__name__)

REPORTS = {
    "funnel": ("funnel", "漏斗"),
    "forecast": ("forecast", "预测"),
    "reps": ("reps", "rep", "people", "人员", "销售"),
    "losses": ("losses", "loss", "lost", "输单", "输单原因"),
    "cycle": ("cycle", "周期", "成交周期"),
    "trend": ("trend", "趋势", "管道趋势"),
    "payments": ("payments", "payment", "pay", "cash", "回款"),
    "targets": ("targets", "target", "attainment", "目标", "达成"),
    "forecast-accuracy": ("forecast-accuracy", "accuracy", "预测准确率", "准确率"),
    "needs": ("needs", "need", "需求", "客户需求"),
    "collab": ("collab", "collaboration", "协作"),
    "sources": ("sources", "source", "来源", "线索来源"),
    "regions": ("regions", "region", "地区", "区域"),
    "industries": ("industries", "industry", "行业"),
    "kpi": ("kpi", "kpis", "考核"),
}
TREND_WEEKS = 12
DEFAULT_PERIOD = {"forecast": "this-quarter", "forecast-accuracy": "last-month"}  # the others: this month
REPORT_OF = {alias: name for name, aliases in REPORTS.items() for alias in aliases}
PERIOD_WORDS = {
    "本周": "this-week",
    "本月": "this-month",
    "本季度": "this-quarter",
    "今年": "this-year",
    "上周": "last-week",
    "上月": "last-month",
    "上季度": "last-quarter",
    "去年": "last-year",
}
# a calendar span, spelled the plain way (_plain): 2017, 2017-q2 (2017q2), 2017-06, 2017-06-01..2017-06-30
CALENDAR_SPAN = re.compile(
    r"^(?:(?P<year>\d{4})(?:-?q(?P<quarter>[1-4])|-(?P<month>0?[1-9]|1[0-2]))?|(?P<first>\d{4}-\d{2}-\d{2})\.\.(?P<last>\d{4}-\d{2}-\d{2}))$"
)
YEAR = re.compile(r"\d{4}")
ZH_QUARTER = re.compile(r"年(?:第?([1-4一二三四])季度?|q)")  # 2017年第二季度, 2017年第2季度, 2017年二季度, 2017年第二季, 2017年Q2
ZH_MONTH = re.compile(r"年(\d{1,2})月$")
QUARTER_DIGITS = str.maketrans("一二三四", "1234")
FORECAST_MONTHS = 6
TOP_COMPETITORS = 10  # competitors a losses report lists


@dataclass(frozen=True)
class Upload:
    """A file to upload after answering: ``make`` builds its bytes (a chart, a CSV)."""

    filename: str
    title: str
    make: Callable[[], bytes]


@dataclass(frozen=True)
class FileReply(Reply):
    """A reply with a file to upload once it is shown."""

    upload: Upload | None = None


def report_name(word: str) -> str:
    """The report ``word`` names (funnel, 漏斗 …); refused with the list of reports."""
    name = REPORT_OF.get(word.lower())
    if name is None:
        zh = (next((a for a in aliases if not a.isascii()), name) for name, aliases in REPORTS.items())
        raise BadInput("rp_unknown", value=clip(word, 80), reports_zh="、".join(f"`{a}`" for a in zh), reports_en=", ".join(f"`{n}`" for n in REPORTS))
    return name


def read_period(text: str, today: date, tz, default: str) -> Period:
    """The period ``text`` names (its first word; ``default`` when there is none): this- or
    last-week, month, quarter, year (本月, 上季度, 今年 …), or a calendar span: a year `2017`, a
    quarter `2017-Q2`, a month `2017-06`, days `2017-06-01..2017-06-30`, and the Chinese
    `2017年`, `2017年第二季度`, `2017年Q2`, `2017年6月`. Refused, saying what works: anything else,
    a range that ends before it starts, a span before HISTORY_START (1980, the history an import
    keeps) or beyond REACH_YEARS after today, and a range longer than REACH_YEARS."""
    word = (text.strip().split() or [default])[0]
    typed = clip(word, 80)
    plain = _plain(PERIOD_WORDS.get(word, word))
    match = CALENDAR_SPAN.match(plain)
    if match is None:
        return _relative(plain, today, tz, typed)
    if any(not HISTORY_START.year <= int(year) <= today.year + REACH_YEARS for year in YEAR.findall(plain)):  # year 0, 9999: nothing to count
        raise BadInput("rp_period_out_of_reach", value=typed, example=_example(match, today))
    try:
        period = _calendar_span(match, tz)
    except ValueError:  # a day that does not exist: 2017-02-30
        raise BadInput("rp_bad_period", value=typed) from None
    _check_reach(period, today, typed, _example(match, today))
    return period


def _plain(word: str) -> str:
    """The word as the plain spellings write it: full-width characters as ASCII, lower case, and
    the Chinese spellings rewritten: 2017年第二季度, 2017年Q2 -> 2017-q2; 2017年6月 -> 2017-6; 2017年 -> 2017."""
    word = unicodedata.normalize("NFKC", word).lower()
    word = ZH_QUARTER.sub(lambda m: "-q" + (m[1] or "").translate(QUARTER_DIGITS), word)
    return ZH_MONTH.sub(r"-\1", word).removesuffix("年")


def _relative(word: str, today: date, tz, typed: str) -> Period:
    """this-week … last-year: the calendar unit today falls in, or the one before."""
    kind, _, unit = word.partition("-")
    make = CALENDAR.get(unit)
    if kind not in ("this", "last") or make is None:
        raise BadInput("rp_bad_period", value=typed)
    period = make(today, tz)
    return period.previous() if kind == "last" else period


def _calendar_span(match: re.Match, tz) -> Period:
    """The year, quarter, month or run of days a plain spelling names (ValueError for a day that
    does not exist)."""
    if match["first"]:
        return days(date.fromisoformat(match["first"]), date.fromisoformat(match["last"]), tz)
    year = int(match["year"])
    if match["quarter"]:
        return quarter_of(date(year, 3 * int(match["quarter"]) - 2, 1), tz)
    if match["month"]:
        return month_of(date(year, int(match["month"]), 1), tz)
    return year_of(date(year, 1, 1), tz)


def _check_reach(period: Period, today: date, typed: str, example: str) -> None:
    """Refuse a range that ends before it starts, a span starting before HISTORY_START or with a
    month more than REACH_YEARS after today's, and a range longer than REACH_YEARS."""
    if period.first > period.last:
        raise BadInput("rp_period_reversed", value=typed, example=f"{period.last}..{period.first}")
    if period.first < HISTORY_START or (period.last > today and _months_apart(period.last, today) > REACH_YEARS * 12):
        raise BadInput("rp_period_out_of_reach", value=typed, example=example)
    if not within_reach(period.last, period.first):
        raise BadInput("rp_period_too_long", value=typed, example=example)


def _months_apart(day: date, other: date) -> int:
    return abs((day.year - other.year) * 12 + day.month - other.month)


def _example(match: re.Match, today: date) -> str:
    """A span of the kind typed that is within reach, spelled the plain way: this year, quarter
    or month, or this month's days so far."""
    if match["first"]:
        return f"{today.replace(day=1)}..{today}"
    if match["quarter"]:
        return f"{today.year}-Q{quarter_number(today)}"
    return f"{today:%Y-%m}" if match["month"] else f"{today.year}"


@dataclass
class Sheet:
    """What one report is built from: the transaction, the workspace, the period and the page."""

    session: Session
    config: Config
    workspace_id: str
    period: Period
    lang: str
    title: str
    today: date
    now: datetime
    page: Page
    deals: tuple = ()  # conditions narrowing the deals counted (a region, an industry: bot.reporting.segments)
    option: str | None = None  # what a report takes before its period (OPTIONS): kpi's role


def _period_of(name: str, option: str | None, period_text: str, today: date, config: Config) -> Period:
    """The period a report's words name, its own default when none; a word that is neither the
    report's option nor a period (`kpi foo`) is refused as such."""
    try:
        return read_period(period_text, today, config.tz, DEFAULT_PERIOD.get(name, "this-month"))
    except BadInput as error:
        if name in OPTIONS and option is None and error.key == "rp_bad_period":
            raise BadInput(f"rp_bad_{name}_word", value=error.params["value"]) from None
        raise


def build(rt: Runtime, actor: Actor, name: str, period_text: str, *, shareable: bool, shared_by: str | None = None) -> FileReply:
    """Report ``name`` over the period ``period_text`` names (default: this month, this quarter for
    the forecast), narrowed to the region or industry its `region:` / `industry:` words name
    (the funnel and cycle: bot.reporting.segments); ``shareable`` adds the Share button,
    ``shared_by`` says who shared it."""
    config, lang = rt.config, actor.lang
    today = local_now(rt.clock, actor).date()
    chosen, period_text = segments.read_segments(period_text, name)
    option, period_text = OPTIONS[name](period_text) if name in OPTIONS else (None, period_text)
    period = _period_of(name, option, period_text, today, config)
    token = " ".join(filter(None, [option, *period_text.split()[:1], *(s.word for s in chosen)]))
    title = t(lang, f"rp_title_{name}", period=period_label(period, lang)) + segments.title_suffix(chosen, lang)
    page = Page(lang)
    page.header(title)
    with rt.transaction() as session:
        deals = segments.conditions(session, actor.workspace_id, chosen, lang)
        sheet = Sheet(session, config, actor.workspace_id, period, lang, title, today, rt.clock.now(), page, deals, option)
        upload = BUILDERS[name](sheet)
    tail = []
    if upload is not None and shareable:
        page.context(t(lang, "rp_chart_dm"))
    if shared_by:
        page.context(t(lang, "rp_shared", user=shared_by))
    if shareable:
        tail.append(
            {"type": "actions", "block_id": "report_actions", "elements": [button(t(lang, "rp_share"), Action.REPORT_SHARE, f"{name} {token}".strip())]}
        )
    return FileReply(clip(title, TEXT_LIMIT), page.done(tail), upload)


def _funnel(s: Sheet) -> Upload:
    """The pipeline by stage as it stood at the period's end (as it is now, for a period not over),
    then the period's conversion, win rate, cycle and new pipeline against the period before."""
    config, lang = s.config, s.lang
    over = s.period.end <= s.now
    rows = metrics.pipeline(s.session, config, s.workspace_id, at=s.period.end if over else None, deals=s.deals)
    this = metrics.funnel(s.session, config, s.workspace_id, s.period, s.deals)
    prev = metrics.funnel(s.session, config, s.workspace_id, s.period.previous(), s.deals)
    head = t(lang, "rp_pipeline_at", day=s.period.last.isoformat()) if over else t(lang, "dg_pipeline")
    s.page.section("\n".join([head, *pipeline_lines(rows, config, lang)]))
    s.page.section("\n".join(funnel_lines(this, prev, config, lang)))
    by_stage = {r.stage: r for r in rows}
    stages = [
        (st.name(lang), by_stage[st.key].count if st.key in by_stage else 0, fmt_total(by_stage[st.key].amount if st.key in by_stage else {}, config, lang))
        for st in config.stages
    ]
    moved = {stage: (n, left) for stage, n, left in this.conversion}
    conversions = [pct(moved[st.key][0] / moved[st.key][1]) if moved.get(st.key, (0, 0))[1] else None for st in config.stages[:-1]]
    chart_title = s.title
    return Upload(f"funnel-{s.period.first:%Y%m%d}.png", s.title, lambda: charts.funnel(chart_title, stages, conversions, t(lang, "rp_funnel_note")))


def _panels(values: list[Money], config: Config) -> list[tuple[str, list[float]]]:
    return charts.panels(values, config.currency, config.rates)


def _forecast(s: Sheet) -> Upload:
    config, lang, period = s.config, s.lang, s.period
    main = metrics.forecast(s.session, config, s.workspace_id, period, attainment.team_target(s.session, config, s.workspace_id, period))
    months = metrics.forecast_by_month(s.session, config, s.workspace_id, period.first, FORECAST_MONTHS, config.tz)
    months = [replace(f, target=attainment.team_target(s.session, config, s.workspace_id, f.period)) for f in months]
    s.page.section("\n".join([t(lang, "dg_forecast"), forecast_line(main, period_label(period, lang), config, lang)]))
    expected_cash = cash.expected(s.session, s.workspace_id, period)
    if expected_cash:  # 回款 beside the wins: what the plans say comes in
        s.page.section(t(lang, "rp_cash_expected", amount=fmt_total(expected_cash, config, lang)))
    month_names = [f"{f.period.first:%Y-%m}" for f in months]
    s.page.section("\n".join([t(lang, "rp_by_month"), *(forecast_line(f, name, config, lang) for f, name in zip(months, month_names, strict=True))]))
    labels = [period_label(period, lang), *month_names]
    by_category = [(label, {"commit": f.committed, "best_case": f.best_case, "pipeline": f.pipeline}) for label, f in zip(labels, [main, *months], strict=True)]
    s.page.section("\n".join([t(lang, "rp_by_category"), *category_lines(by_category, config, lang)]))
    # one decision for the three series: converted together, or each currency a panel of its own
    panels = _panels([part for f in months for part in (f.won, f.committed, f.weighted)], config)
    bars = [
        (currency, list(zip(values[0::3], values[1::3], values[2::3], strict=True)), months[0].target if currency == config.currency else 0.0)
        for currency, values in panels
    ]
    words = tuple(_word(lang, k) for k in ("won", "committed", "weighted", "target"))
    chart_title = t(lang, "rp_by_month").strip("*")
    return Upload(f"forecast-{period.first:%Y%m}.png", s.title, lambda: charts.forecast(chart_title, month_names, bars, words, lang))


def _payments(s: Sheet) -> None:
    """回款 over the period: planned (falling due), received and overdue, by month and by rep."""
    config, lang = s.config, s.lang
    months, reps = cash.collections(s.session, s.workspace_id, s.period, s.today)

    def line(r: cash.CashRow, label: str) -> str:
        return t(
            lang,
            "rp_cash_line",
            label=label,
            planned=fmt_total(r.planned, config, lang),
            received=fmt_total(r.received, config, lang),
            overdue=fmt_total(r.overdue, config, lang),
        )

    if not months:
        s.page.section(t(lang, "rp_cash_none"))
        return
    s.page.section("\n".join([t(lang, "rp_cash_total"), line(cash.totals(months), period_label(s.period, lang))]))
    s.page.section("\n".join([t(lang, "rp_by_month"), *(line(r, r.label) for r in months)]))
    s.page.section("\n".join([t(lang, "rp_cash_by_rep"), *(line(r, f"<@{r.label}>") for r in reps)]))


def _reps(s: Sheet) -> None:
    rows = metrics.reps(s.session, s.config, s.workspace_id, s.period.start, s.period.end, s.today)
    rep_table(s.page, rows, detailed=True, config=s.config)


def _losses(s: Sheet) -> None:
    """Loss reasons, then the competitors the lost deals' reviews name, each with its lost value
    and the command that lists its lessons (and how many it finds)."""
    this = metrics.funnel(s.session, s.config, s.workspace_id, s.period)
    prev = metrics.funnel(s.session, s.config, s.workspace_id, s.period.previous())
    names = {r.key: r.name(s.lang) for r in s.config.lost_reasons}
    links = {reason: _lessons_link(s, names.get(reason, reason)) for reason, _, _ in this.losses}
    s.page.section("\n".join(loss_lines(this, prev, s.config, s.lang, links)))
    rivals = metrics.competitor_losses(s.session, s.workspace_id, s.period.start, s.period.end)[:TOP_COMPETITORS]
    s.page.section("\n".join(competitor_lines(rivals, {name: _lessons_link(s, name) for name, _, _ in rivals}, s.config, s.lang)))


def _lessons_link(s: Sheet, word: str) -> str:
    """ "lessons (3): `/opp lessons Price`": the search for ``word`` and how many lessons it finds."""
    return t(s.lang, "rp_lessons_link", count=lessons.count(s.session, s.config, s.workspace_id, word), word=esc(word))


def _trend(s: Sheet) -> Upload:
    config, lang, tz = s.config, s.lang, s.config.tz
    last = min(s.period.end, s.now)  # up to now, or to the end of a past period
    ends = [last - timedelta(weeks=k) for k in range(TREND_WEEKS - 1, -1, -1)]
    points = metrics.pipeline_trend(s.session, config, s.workspace_id, ends)
    days = [(p.at.astimezone(tz) - timedelta(microseconds=1)).date() for p in points]  # the day each point ends: a period's end is the next midnight
    lines = [
        t(lang, "rp_trend_line", day=f"{day:%Y-%m-%d}", count=p.count, amount=fmt_total(p.amount, config, lang)) for day, p in zip(days, points, strict=True)
    ]
    s.page.section("\n".join([t(lang, "rp_trend_head", weeks=TREND_WEEKS), *lines]))
    chart_title = t(lang, "rp_title_trend", period=period_label(s.period, lang))
    weeks = [f"{day:%m-%d}" for day in days]
    panels = _panels([p.amount for p in points], config)
    labels = (t(lang, "rp_trend_amount"), t(lang, "rp_trend_count"))
    return Upload(f"trend-{s.period.first:%Y%m%d}.png", s.title, lambda: charts.trend(chart_title, weeks, [p.count for p in points], panels, labels, lang))


def _cycle(s: Sheet) -> None:
    this = metrics.funnel(s.session, s.config, s.workspace_id, s.period, s.deals)
    prev = metrics.funnel(s.session, s.config, s.workspace_id, s.period.previous(), s.deals)
    lines = funnel_lines(this, prev, s.config, s.lang)
    s.page.section("\n".join(lines[-3:-1]))  # win rate, cycle
    s.page.section("\n".join(stage_time_lines(this, prev, s.config, s.lang)))


def _chart(made: tuple[str, Callable[[], bytes]] | None, s: Sheet) -> Upload | None:
    return Upload(made[0], s.title, made[1]) if made else None


def _needs(s: Sheet) -> Upload | None:
    """Customer needs ranked (bot.reporting.needs), with their chart."""
    chart = needs.build_needs(s)
    return Upload(f"needs-{s.period.first:%Y%m%d}.png", s.title, chart) if chart else None


def _collab(s: Sheet) -> None:
    """How long assignments and alerts wait for someone to act, and how often deals are worked."""
    collab_page(s.page, collab.collab(s.session, s.workspace_id, s.period, s.now), s.lang)


def _sources(s: Sheet) -> Upload | None:
    """Per lead source: new deals, qualified, won and their value, with a chart of new against won."""
    rows = collab.sources(s.session, s.config, s.workspace_id, s.period)
    sources_page(s.page, rows, s.config, s.lang)
    if not rows:
        return None
    names = [clip(r.source, 30) if r.source else t(s.lang, "src_none") for r in rows[: charts.SOURCE_BARS]]
    bars = [(r.new, r.qualified, r.won) for r in rows[: charts.SOURCE_BARS]]
    legend = (t(s.lang, "src_new"), t(s.lang, "src_qualified"), t(s.lang, "src_won"))
    note = t(s.lang, "src_chart_note")
    return Upload(f"sources-{s.period.first:%Y%m%d}.png", s.title, lambda: charts.sources(s.title, names, bars, legend, note))


def _by(field: str) -> Callable[[Sheet], None]:
    """The report with one line per region or industry (``field``)."""

    def build_lines(s: Sheet) -> None:
        at = s.period.end if s.period.end <= s.now else None
        segments_page(s.page, segments.by_segment(s.session, s.workspace_id, s.period, field, at), field, s.config, s.lang)

    return build_lines


def _kpi(s: Sheet) -> Upload | None:
    """Each role by its own measures (bot.reporting.kpis), one role or all four; with the account
    managers, a chart of their won value against their targets."""
    bars = kpis.report(s.session, s.config, s.workspace_id, s.period, s.lang, s.page, s.option)
    if not bars:
        return None
    chart_title = t(s.lang, "kpi_chart_title", period=period_label(s.period, s.lang))
    labels = (t(s.lang, "kpi_chart_won"), t(s.lang, "kpi_chart_target"))
    return Upload(f"kpi-{s.period.first:%Y%m%d}.png", s.title, lambda: charts.attainment(chart_title, bars, labels, s.config.currency, s.lang))


BUILDERS = {
    "funnel": _funnel,
    "forecast": _forecast,
    "reps": _reps,
    "losses": _losses,
    "trend": _trend,
    "cycle": _cycle,
    "payments": _payments,
    "targets": lambda s: _chart(target_reports.targets(s), s),
    "forecast-accuracy": lambda s: _chart(target_reports.forecast_accuracy(s), s),
    "needs": _needs,
    "collab": _collab,
    "sources": _sources,
    "regions": _by("region"),
    "industries": _by("industry"),
    "kpi": _kpi,
}


# reports that read a word before the period: (that word or None, the period's text)
OPTIONS: dict[str, Callable[[str], tuple[str | None, str]]] = {"kpi": kpis.read_role}


WORDS = {
    "won": ("已赢单", "Won"),
    "committed": ("承诺", "Committed"),
    "weighted": ("加权", "Weighted"),
    "target": ("目标", "Target"),
}


def _word(lang: str, key: str) -> str:
    zh, en = WORDS[key]
    return zh if lang == "zh" else en
