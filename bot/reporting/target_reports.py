"""The targets report (`/opp report targets [period]`, 目标 / 达成) and the forecast-accuracy
report (`/opp report forecast-accuracy [period]`, 预测准确率), each over a month or a quarter: the
page's lines (bot.blocks.targets) and the chart to upload after it. bot.reporting.reports calls
them with its sheet (session, config, workspace, period, language, page)."""

from __future__ import annotations

from collections.abc import Callable

from bot.blocks.targets import Accuracy, Attained, accuracy_line, attainment_lines
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.core.periods import period_key, period_label
from bot.reporting import accuracy, attainment, charts

Chart = tuple[str, Callable[[], bytes]]  # a file name and what draws it


def _require_month_or_quarter(s, key: str) -> None:
    if period_key(s.period) is None:
        raise BadInput(key, value=period_label(s.period, s.lang))


def targets(s) -> Chart | None:
    """Team and per-person attainment for the period, and the per-person chart."""
    _require_month_or_quarter(s, "rp_targets_period")
    team, people = attainment.attainment(s.session, s.config, s.workspace_id, s.period)
    s.page.section("\n".join(attainment_lines(team, people, s.config, s.lang)))
    s.page.context(t(s.lang, "rp_targets_note"))
    labels = tuple(t(s.lang, k) for k in ("tg_won", "tg_committed", "tg_weighted", "tg_target"))
    title = t(s.lang, "rp_title_targets", period=period_label(s.period, s.lang))
    if not people:
        return None
    colours = (charts.WON, charts.COMMITTED, charts.WEIGHTED)
    return f"targets-{period_key(s.period)}.png", lambda: _chart(title, people, ("won", "committed", "weighted"), "target", s, labels, colours)


def forecast_accuracy(s) -> Chart | None:
    """Per owner and for the team, the forecast saved at the period's start against what was won."""
    _require_month_or_quarter(s, "fa_period")
    found = accuracy.accuracy(s.session, s.config, s.workspace_id, s.period)
    label = period_label(s.period, s.lang)
    if found is None:
        s.page.section(t(s.lang, "fa_none", period=label))
        return None
    taken_at, team, people = found
    s.page.context(t(s.lang, "fa_taken", at=taken_at.astimezone(s.config.tz).strftime("%Y-%m-%d %H:%M")))
    s.page.section("\n".join(accuracy_line(row, s.config, s.lang) for row in (team, *people)))
    s.page.context(t(s.lang, "fa_note"))
    labels = tuple(t(s.lang, k) for k in ("fa_commit", "fa_weighted", "tg_won", "tg_target"))
    title = t(s.lang, "fa_chart_title", period=label)
    colours = (charts.COMMITTED, charts.WEIGHTED, charts.WON)
    return f"forecast-accuracy-{period_key(s.period)}.png", lambda: _chart(title, people, ("commit", "weighted", "won"), None, s, labels, colours)


def _chart(title: str, people: list[Attained] | list[Accuracy], parts: tuple[str, str, str], mark: str | None, s, labels, colours) -> bytes:
    """Three bars per person from the rows' ``parts``, marked by their ``mark`` (a target, in the
    workspace currency)."""
    values = [getattr(row, part) for row in people for part in parts]
    panels = []
    for currency, amounts in charts.panels(values, s.config.currency, s.config.rates):
        bars = list(zip(amounts[0::3], amounts[1::3], amounts[2::3], strict=True))
        marks = [float(getattr(row, mark) or 0) if mark and currency == s.config.currency else None for row in people]
        panels.append((currency, bars, marks))
    names = [row.name or row.slack_user_id for row in people]
    return charts.people_bars(title, names, panels, labels, colours, s.lang)
