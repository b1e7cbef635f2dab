"""Reports on demand: funnel, forecast, reps, losses, cycle and trend over a period (this-week,
this-month, this-quarter, last-…, YYYY-MM, 本月 …), each a page of figures (SQL aggregates,
bot.reporting.metrics) and, for funnel, forecast and trend, a chart image to upload after the answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot.blocks.digests import fmt_total, forecast_line, funnel_lines, loss_lines, pct, pipeline_lines, rep_table, stage_time_lines
from bot.blocks.ids import Action
from bot.blocks.kit import TEXT_LIMIT, Page, Reply, button, clip
from bot.blocks.views import Money
from bot.core.config import Config
from bot.core.dates import REACH_YEARS
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.core.money import total_in
from bot.core.periods import Period, month_of, quarter_of, week_of
from bot.core.runtime import Runtime
from bot.reporting import charts, metrics
from bot.team.members import Actor, local_now

log = logging.getLogger(__name__)

REPORTS = {
    "funnel": ("funnel", "漏斗"),
    "forecast": ("forecast", "预测"),
    "reps": ("reps", "rep", "people", "人员", "销售"),
    "losses": ("losses", "loss", "lost", "输单", "输单原因"),
    "cycle": ("cycle", "周期", "成交周期"),
    "trend": ("trend", "趋势", "管道趋势"),
}
TREND_WEEKS = 12
REPORT_OF = {alias: name for name, aliases in REPORTS.items() for alias in aliases}
PERIOD_WORDS = {"本周": "this-week", "本月": "this-month", "本季度": "this-quarter", "上周": "last-week", "上月": "last-month", "上季度": "last-quarter"}
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
FORECAST_MONTHS = 6


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


def read_period(text: str, today: date, tz, default: str) -> Period:
    word = (text.strip().split() or [default])[0]
    word = PERIOD_WORDS.get(word, word.lower())
    match = MONTH.match(word)
    if match and 1 <= int(match.group(2)) <= 12:
        year, month = int(match.group(1)), int(match.group(2))
        if abs((year - today.year) * 12 + month - today.month) > REACH_YEARS * 12:  # year 0, 9999: no such month to count in
            raise BadInput("rp_period_out_of_reach", value=clip(word, 80), example=f"{today:%Y-%m}")
        return month_of(date(year, month, 1), tz)
    kind, _, unit = word.partition("-")
    make = {"week": week_of, "month": month_of, "quarter": quarter_of}.get(unit)
    if kind not in ("this", "last") or make is None:
        raise BadInput("rp_bad_period", value=clip(word, 80))
    period = make(today, tz)
    return period.previous() if kind == "last" else period


def period_label(period: Period, lang: str) -> str:
    if period.name == "month":
        return f"{period.first:%Y-%m}"
    if period.name == "quarter":
        return f"{period.first.year} Q{(period.first.month - 1) // 3 + 1}"
    return f"{period.first.isoformat()} – {period.last.isoformat()}"


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


def build(rt: Runtime, actor: Actor, name: str, period_text: str, *, shareable: bool, shared_by: str | None = None) -> FileReply:
    """Report ``name`` over the period ``period_text`` names (default: this month, this quarter for
    the forecast); ``shareable`` adds the Share button, ``shared_by`` says who shared it."""
    config, lang = rt.config, actor.lang
    today = local_now(rt.clock, actor).date()
    period = read_period(period_text, today, config.tz, "this-quarter" if name == "forecast" else "this-month")
    token = period_text.strip().split()[0] if period_text.strip() else ""
    title = t(lang, f"rp_title_{name}", period=period_label(period, lang))
    page = Page(lang)
    page.header(title)
    with rt.transaction() as session:
        sheet = Sheet(session, config, actor.workspace_id, period, lang, title, today, rt.clock.now(), page)
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
    config, lang = s.config, s.lang
    rows = metrics.pipeline(s.session, config, s.workspace_id)
    this = metrics.funnel(s.session, config, s.workspace_id, s.period)
    prev = metrics.funnel(s.session, config, s.workspace_id, s.period.previous())
    s.page.section("\n".join([t(lang, "dg_pipeline"), *pipeline_lines(rows, config, lang)]))
    s.page.section("\n".join(funnel_lines(this, prev, config, lang)))
    by_stage = {r.stage: r for r in rows}
    stages = [
        (st.name(lang), by_stage[st.key].count if st.key in by_stage else 0, fmt_total(by_stage[st.key].amount if st.key in by_stage else {}, config, lang))
        for st in config.stages
    ]
    moved = {stage: (n, left) for stage, n, left in this.conversion}
    conversions = [pct(moved[st.key][0] / moved[st.key][1]) if moved.get(st.key, (0, 0))[1] else None for st in config.stages[:-1]]
    chart_title = t(lang, "rp_title_funnel", period=period_label(s.period, lang))
    return Upload(f"funnel-{s.period.first:%Y%m%d}.png", s.title, lambda: charts.funnel(chart_title, stages, conversions, t(lang, "rp_funnel_note")))


def _panels(values: list[Money], config: Config) -> list[tuple[str, list[float]]]:
    """The amounts to draw: one series in the workspace currency when every currency has a rate,
    else one per currency (the workspace currency first), so no amount is dropped or mixed."""
    converted = [total_in(v, config.currency, config.rates) for v in values]
    if all(c is not None for c in converted):
        return [(config.currency, [float(c) for c in converted])]
    currencies = sorted({c for v in values for c in v} | {config.currency}, key=lambda c: (c != config.currency, c))
    return [(c, [float(v.get(c, 0)) for v in values]) for c in currencies]


def _forecast(s: Sheet) -> Upload:
    config, lang, period = s.config, s.lang, s.period
    target = config.digest.quarter_target if period.name == "quarter" else config.digest.month_target
    main = metrics.forecast(s.session, config, s.workspace_id, period, target)
    months = metrics.forecast_by_month(s.session, config, s.workspace_id, period.first, FORECAST_MONTHS, config.tz)
    s.page.section("\n".join([t(lang, "dg_forecast"), forecast_line(main, period_label(period, lang), config, lang)]))
    s.page.section("\n".join([t(lang, "rp_by_month"), *(forecast_line(f, f"{f.period.first:%Y-%m}", config, lang) for f in months)]))
    # one decision for the three series: converted together, or each currency a panel of its own
    panels = _panels([part for f in months for part in (f.won, f.committed, f.weighted)], config)
    bars = [
        (currency, list(zip(values[0::3], values[1::3], values[2::3], strict=True)), config.digest.month_target if currency == config.currency else 0.0)
        for currency, values in panels
    ]
    labels = tuple(_word(lang, k) for k in ("won", "committed", "weighted", "target"))
    chart_title = t(lang, "rp_by_month").strip("*")
    month_names = [f"{f.period.first:%Y-%m}" for f in months]
    return Upload(f"forecast-{period.first:%Y%m}.png", s.title, lambda: charts.forecast(chart_title, month_names, bars, labels, lang))


def _reps(s: Sheet) -> None:
    rows = metrics.reps(s.session, s.config, s.workspace_id, s.period.start, s.period.end, s.today)
    rep_table(s.page, rows, detailed=True, config=s.config)


def _losses(s: Sheet) -> None:
    this = metrics.funnel(s.session, s.config, s.workspace_id, s.period)
    prev = metrics.funnel(s.session, s.config, s.workspace_id, s.period.previous())
    s.page.section("\n".join(loss_lines(this, prev, s.config, s.lang)))


def _trend(s: Sheet) -> Upload:
    config, lang, tz = s.config, s.lang, s.config.tz
    last = min(s.period.end, s.now)  # up to now, or to the end of a past period
    ends = [last - timedelta(weeks=k) for k in range(TREND_WEEKS - 1, -1, -1)]
    points = metrics.pipeline_trend(s.session, config, s.workspace_id, ends)
    lines = [t(lang, "rp_trend_line", day=f"{p.at.astimezone(tz):%Y-%m-%d}", count=p.count, amount=fmt_total(p.amount, config, lang)) for p in points]
    s.page.section("\n".join([t(lang, "rp_trend_head", weeks=TREND_WEEKS), *lines]))
    chart_title = t(lang, "rp_title_trend", period=period_label(s.period, lang))
    weeks = [f"{p.at.astimezone(tz):%m-%d}" for p in points]
    panels = _panels([p.amount for p in points], config)
    labels = (t(lang, "rp_trend_amount"), t(lang, "rp_trend_count"))
    return Upload(f"trend-{s.period.first:%Y%m%d}.png", s.title, lambda: charts.trend(chart_title, weeks, [p.count for p in points], panels, labels, lang))


def _cycle(s: Sheet) -> None:
    this = metrics.funnel(s.session, s.config, s.workspace_id, s.period)
    prev = metrics.funnel(s.session, s.config, s.workspace_id, s.period.previous())
    lines = funnel_lines(this, prev, s.config, s.lang)
    s.page.section("\n".join(lines[-3:-1]))  # win rate, cycle
    s.page.section("\n".join(stage_time_lines(this, prev, s.config, s.lang)))


BUILDERS = {"funnel": _funnel, "forecast": _forecast, "reps": _reps, "losses": _losses, "trend": _trend, "cycle": _cycle}


WORDS = {
    "won": ("已赢单", "Won"),
    "committed": ("承诺", "Committed"),
    "weighted": ("加权", "Weighted"),
    "target": ("目标", "Target"),
}


def _word(lang: str, key: str) -> str:
    zh, en = WORDS[key]
    return zh if lang == "zh" else en
