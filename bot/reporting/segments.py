"""Reports by region and by industry: the `region:华东` / `industry:制造` words (also `地区:`,
`区域:`, `行业:`) that narrow the funnel and cycle reports to some deals, before or after the
period, and the one-line-per-region (per-industry) report of `/opp report regions|industries`:
open pipeline, new, won, win rate and average cycle, each a GROUP BY in SQL."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.blocks.collab import LABEL_LIMIT, SegmentRow
from bot.blocks.kit import clip, esc
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.core.periods import Period
from bot.reporting.metrics import add, days_between, money, open_then, open_where
from store.models import Opportunity

FIELDS = {"region": "region", "地区": "region", "区域": "region", "industry": "industry", "行业": "industry"}
FILTERED_REPORTS = ("funnel", "cycle")  # the reports a region or an industry narrows
FILTER_WORD = re.compile(r"^(?P<key>[^:]+):(?P<value>.*)$")
VALUE_LIMIT = 120  # longer than a deal's region or industry may be (100): a longer word matches none
KNOWN_SHOWN = 20  # regions or industries an answer to an unknown one lists


@dataclass(frozen=True)
class Segment:
    """The deals of one region or industry (``field``), as typed."""

    field: str
    value: str

    @property
    def column(self):
        return getattr(Opportunity, self.field)

    def condition(self):
        """The deal's region (industry) is this one, whatever the case or spaces around it."""
        return func.lower(func.trim(self.column)) == self.value.lower()

    @property
    def word(self) -> str:
        """The filter as a report's command (and its Share button) spells it."""
        return f"{self.field}:{self.value}"


def read_segments(text: str, report: str) -> tuple[tuple[Segment, ...], str]:
    """The region and industry words in ``text`` (at most one of each) and the text without them
    (the period); refused: another `key:value` word, a second region or industry, an empty one,
    and a filter on a report other than the funnel and the cycle."""
    found: dict[str, Segment] = {}
    rest = []
    for word in text.split():
        match = FILTER_WORD.match(unicodedata.normalize("NFKC", word))
        if match is None:
            rest.append(word)
            continue
        field = FIELDS.get(match["key"].strip().lower())
        value = match["value"].strip()
        if field is None:
            raise BadInput("seg_bad_filter", value=esc(clip(word, 40)))
        if not value:
            raise BadInput("seg_empty", value=esc(clip(word, 40)))
        if field in found:
            raise BadInput("seg_twice", value=esc(clip(word, 40)))
        found[field] = Segment(field, clip(value, VALUE_LIMIT + 1))
    if found and report not in FILTERED_REPORTS:
        raise BadInput("seg_not_here")
    return tuple(found.values()), " ".join(rest)


def conditions(session: Session, workspace_id: str, segments: tuple[Segment, ...], lang: str) -> tuple:
    """The WHERE conditions of ``segments``; refused, naming the ones there are, when no deal of
    the workspace has one of them."""
    for segment in segments:
        if not session.scalar(select(func.count(Opportunity.id)).where(Opportunity.workspace_id == workspace_id, segment.condition())):
            raise BadInput(f"seg_unknown_{segment.field}", value=esc(clip(segment.value, 40)), known=_known(session, workspace_id, segment.field, lang))
    return tuple(s.condition() for s in segments)


def _known(session: Session, workspace_id: str, field: str, lang: str) -> str:
    """The regions (industries) the workspace's deals have, the most used first, each as the word
    to type."""
    column = func.trim(getattr(Opportunity, field))
    rows = session.execute(
        select(column, func.count(Opportunity.id))
        .where(Opportunity.workspace_id == workspace_id, func.coalesce(column, "") != "")
        .group_by(column)
        .order_by(func.count(Opportunity.id).desc(), column)
    ).all()
    if not rows:
        return t(lang, f"seg_none_{field}")
    word = t(lang, f"seg_word_{field}")
    shown = ("、" if lang == "zh" else ", ").join(f"`{word}:{esc(clip(value, LABEL_LIMIT))}`" for value, _ in rows[:KNOWN_SHOWN])
    return shown + (t(lang, "cb_more_inline", more=len(rows) - KNOWN_SHOWN) if len(rows) > KNOWN_SHOWN else "")


def title_suffix(segments: tuple[Segment, ...], lang: str) -> str:
    """ " · 地区：华东 · 行业：制造": what a report's title adds for its filters."""
    return "".join(t(lang, f"seg_title_{s.field}", value=clip(s.value, 40)) for s in segments)


def by_segment(session: Session, workspace_id: str, period: Period, field: str, at: datetime | None) -> list[SegmentRow]:
    """Per region (industry) ``field``: the open pipeline as it stood at ``at`` (now when None),
    the deals created, won and lost in the period, and the average days from creation to win of
    those won; the most open deals first, the deals with none given last."""
    column = func.nullif(func.trim(getattr(Opportunity, field)), "")
    rows: dict[str | None, SegmentRow] = {}

    def row(value: str | None) -> SegmentRow:
        return rows.setdefault(value, SegmentRow(value))

    mine = Opportunity.workspace_id == workspace_id
    was_open = open_where(workspace_id, None) if at is None else [mine, open_then(at)]
    for value, currency, count, amount in session.execute(
        select(column, Opportunity.currency, func.count(Opportunity.id), func.sum(Opportunity.amount)).where(*was_open).group_by(column, Opportunity.currency)
    ):
        r = row(value)
        r.open += count
        r.open_amount = add(r.open_amount, money([(currency, amount)]))
    new = select(column, func.count(Opportunity.id)).where(mine, Opportunity.created_at >= period.start, Opportunity.created_at < period.end)
    for value, count in session.execute(new.group_by(column)):
        row(value).new = count
    _closed(session, period, column, mine, row)
    return sorted(rows.values(), key=lambda r: (r.value is None, -r.open, -r.new, r.value or ""))


def _closed(session: Session, period: Period, column, mine, row) -> None:
    """Won and lost in the period per value of ``column``: counts, won amount per currency and the
    average cycle of the wins (days summed per currency group, divided once all are in)."""
    won = Opportunity.status == "won"
    cycle = days_between(session, Opportunity.closed_at, Opportunity.created_at)
    query = (
        select(
            column,
            Opportunity.currency,
            func.sum(case((won, 1), else_=0)),
            func.sum(case((won, 0), else_=1)),
            func.sum(case((won, Opportunity.amount))),
            func.sum(case((won, cycle))),
        )
        .where(mine, Opportunity.status.in_(("won", "lost")), Opportunity.closed_at >= period.start, Opportunity.closed_at < period.end)
        .group_by(column, Opportunity.currency)
    )
    cycle_days: dict[str | None, float] = {}
    for value, currency, won_count, lost_count, amount, days in session.execute(query):
        r = row(value)
        r.won += int(won_count or 0)
        r.lost += int(lost_count or 0)
        r.won_amount = add(r.won_amount, money([(currency, amount)]))
        cycle_days[value] = cycle_days.get(value, 0.0) + float(days or 0)
    for value, days in cycle_days.items():
        r = row(value)
        r.cycle_days = days / r.won if r.won else None
