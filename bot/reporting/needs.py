"""The customer needs report for the product team (`/opp report needs [period]`, `/opp 报表 需求`):
needs (``need:`` tags, bot.core.needs) ranked by how many deals carry them, with those deals' open
value and lost value, and a chart of the first ones.

The deals counted are those in play during the period: created before its end and not closed
before its start (so created in it, or open during it), merged and deleted deals left out. Open
value: the amounts of those deals still open now; lost value: those lost within the period. Tags
are unnested in SQL: SQLite's ``json_each``, PostgreSQL's ``json_array_elements_text``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, case, distinct, func, or_, select, true
from sqlalchemy.orm import Session

from bot.blocks.digests import fmt_total
from bot.blocks.kit import clip, esc
from bot.blocks.views import Money
from bot.core.config import Config
from bot.core.i18n import t
from bot.core.needs import NEED_PREFIX, need_name
from bot.core.periods import Period
from bot.reporting import charts, metrics
from store.models import Opportunity

NEEDS_SHOWN = 30  # needs listed; the rest are counted
CHART_NEEDS = 15  # bars on the chart


@dataclass
class NeedRow:
    need: str
    deals: int
    open: Money
    lost: Money


def _unnested_tags(session: Session):
    """The deal's tags as a table of one text column, ``value``, in this database's JSON dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.json_array_elements_text(Opportunity.tags).table_valued("value").alias("tag")
    return func.json_each(Opportunity.tags).table_valued("value").alias("tag")


def need_rows(session: Session, workspace_id: str, period: Period) -> list[NeedRow]:
    """Every need carried by a deal in play during ``period``, the most deals first (then by name)."""
    tag = _unnested_tags(session)
    lost_in_period = and_(Opportunity.status == "lost", Opportunity.closed_at >= period.start, Opportunity.closed_at < period.end)
    rows = session.execute(
        select(
            tag.c.value,
            Opportunity.currency,
            func.count(distinct(Opportunity.id)),
            func.sum(case((Opportunity.status == "open", Opportunity.amount), else_=None)),
            func.sum(case((lost_in_period, Opportunity.amount), else_=None)),
        )
        .select_from(Opportunity)
        .join(tag, true())
        .where(
            Opportunity.workspace_id == workspace_id,
            Opportunity.status.in_(("open", "won", "lost")),
            Opportunity.created_at < period.end,
            or_(Opportunity.closed_at.is_(None), Opportunity.closed_at >= period.start),
            tag.c.value.like(NEED_PREFIX + "%"),
        )
        .group_by(tag.c.value, Opportunity.currency)
    ).all()
    by_need: dict[str, NeedRow] = {}
    for value, currency, count, open_amount, lost_amount in rows:
        row = by_need.setdefault(value, NeedRow(need_name(value), 0, {}, {}))
        row.deals += count  # a deal has one currency: no deal counted twice
        row.open = metrics.add(row.open, metrics.money([(currency, open_amount)]))
        row.lost = metrics.add(row.lost, metrics.money([(currency, lost_amount)]))
    return sorted(by_need.values(), key=lambda r: (-r.deals, r.need))


def build_needs(s) -> Callable[[], bytes] | None:
    """The report's page (``s``: a bot.reporting.reports.Sheet): what is counted, then the
    ranking; returns what draws its chart (the first needs as bars), None when there are none."""
    s.page.context(t(s.lang, "rp_needs_definition"))
    rows = need_rows(s.session, s.workspace_id, s.period)
    if not rows:
        s.page.section(t(s.lang, "rp_needs_none"))
        return None
    s.page.section("\n".join(needs_lines(rows, s.config, s.lang)))
    bars = [(clip(row.need, 20), row.deals, t(s.lang, "rp_needs_bar", open=fmt_total(row.open, s.config, s.lang))) for row in rows[:CHART_NEEDS]]
    return lambda: charts.ranking(s.title, bars, t(s.lang, "rp_needs_axis"))


def needs_lines(rows: list[NeedRow], config: Config, lang: str) -> list[str]:
    lines = [t(lang, "rp_needs_head")]
    for rank, row in enumerate(rows[:NEEDS_SHOWN], start=1):
        lines.append(
            t(
                lang,
                "rp_needs_line",
                rank=rank,
                need=esc(clip(row.need, 60)),
                count=row.deals,
                open=fmt_total(row.open, config, lang),
                lost=fmt_total(row.lost, config, lang),
            )
        )
    if len(rows) > NEEDS_SHOWN:
        lines.append(t(lang, "rp_needs_more", more=len(rows) - NEEDS_SHOWN))
    return lines
