"""Views and Block Kit lines of the collaboration report (`/opp report collab`: how long
assignments and alerts wait for someone to act, how often alerts fire and deals are worked), the
lead-source report (`/opp report sources`) and the by-region / by-industry reports
(`/opp report regions|industries`). The figures come from bot.reporting.collab and
bot.reporting.segments; this module only words them, within Slack's limits."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from bot.blocks.digests import fmt_days, fmt_total, pct, person
from bot.blocks.kit import Page, clip, esc
from bot.blocks.views import Money
from bot.core.config import Config
from bot.core.i18n import t

PEOPLE_ROWS = 30  # per-person lines before "and N more"
SOURCE_ROWS = 30  # sources listed before "and N more"
SEGMENT_ROWS = 30  # regions or industries listed before "and N more"
LABEL_LIMIT = 60  # characters of a source, region or industry name in a line


# --- views -------------------------------------------------------------------------------------


@dataclass
class Waits:
    """Hours from a prompt (an assignment offered, an alert sent) to someone acting on it."""

    hours: list[float] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.hours)

    @property
    def median(self) -> float | None:
        return statistics.median(self.hours) if self.hours else None

    @property
    def p90(self) -> float | None:
        """The 90th percentile, nearest rank: the smallest wait that at least 90% of them are within."""
        if not self.hours:
            return None
        ranked = sorted(self.hours)
        return ranked[math.ceil(0.9 * len(ranked)) - 1]


@dataclass
class Offers:
    """Automatic assignments offered in the period, by how they were answered."""

    accepted: Waits = field(default_factory=Waits)
    declined: int = 0
    expired: int = 0
    withdrawn: int = 0
    waiting: int = 0

    @property
    def total(self) -> int:
        return self.accepted.count + self.declined + self.expired + self.withdrawn + self.waiting


@dataclass
class Alerts:
    """Alerts opened in the period: acted on (and how soon after they were sent), still waiting,
    or cleared with nobody acting."""

    acted: Waits = field(default_factory=Waits)
    waiting: int = 0
    cleared: int = 0

    @property
    def total(self) -> int:
        return self.acted.count + self.waiting + self.cleared


@dataclass
class Pace:
    """How often deals are worked and alerts fire: open deals at the window's start and end, the
    window's length in weeks, alerts opened and activities logged in it, and how many of the deals
    open at its end had an activity in it."""

    open_start: int = 0
    open_end: int = 0
    weeks: float = 0.0
    alerts: int = 0
    activities: int = 0
    touched: int = 0

    @property
    def open_average(self) -> float:
        return (self.open_start + self.open_end) / 2

    def _per_deal_week(self, count: int) -> float | None:
        return count / self.open_average / self.weeks if self.open_average and self.weeks > 0 else None

    @property
    def alert_rate(self) -> float | None:
        """Alerts per 100 open deals per week."""
        rate = self._per_deal_week(self.alerts)
        return None if rate is None else rate * 100

    @property
    def activity_rate(self) -> float | None:
        """Activities per open deal per week."""
        return self._per_deal_week(self.activities)

    @property
    def revisit_rate(self) -> float | None:
        """The share of the deals open at the window's end that had an activity in it."""
        return self.touched / self.open_end if self.open_end else None


@dataclass
class PersonCollab:
    """One person's part: the assignments offered to them, the alerts on the deals they own and the
    pace of those deals."""

    slack_user_id: str
    name: str
    offers: Offers = field(default_factory=Offers)
    alerts: Alerts = field(default_factory=Alerts)
    pace: Pace = field(default_factory=Pace)


@dataclass
class Collab:
    team_offers: Offers
    team_alerts: Alerts
    pace: Pace
    people: list[PersonCollab]


@dataclass
class SourceRow:
    """The deals created in the period from one lead source (None: none given), as they stand now."""

    source: str | None
    new: int = 0
    qualified: int = 0
    won: int = 0
    won_amount: Money = field(default_factory=dict)

    @property
    def conversion(self) -> float | None:
        return self.won / self.new if self.new else None


@dataclass
class SegmentRow:
    """One region or industry (None: none given): its open pipeline, the deals created, won and
    lost in the period, and the average days from creation to win of those won."""

    value: str | None
    open: int = 0
    open_amount: Money = field(default_factory=dict)
    new: int = 0
    won: int = 0
    lost: int = 0
    won_amount: Money = field(default_factory=dict)
    cycle_days: float | None = None

    @property
    def win_rate(self) -> float | None:
        return self.won / (self.won + self.lost) if self.won + self.lost else None


# --- lines -------------------------------------------------------------------------------------


def hours(value: float | None, lang: str) -> str:
    return "—" if value is None else t(lang, "cb_hours", hours=value)


def rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def label(value: str | None, none_key: str, lang: str) -> str:
    """A source, region or industry as typed (escaped, clipped), or the words for none given."""
    return t(lang, none_key) if value is None else esc(clip(value, LABEL_LIMIT))


def more_line(lang: str, more: int) -> str:
    return "_" + t(lang, "cb_more", more=more) + "_"


def clipped(lines: list[str], total: int, lang: str) -> list[str]:
    """``lines`` (the first of ``total`` rows) and "and N more" for the rest."""
    return lines + ([more_line(lang, total - len(lines))] if total > len(lines) else [])


def collab_page(page: Page, c: Collab, lang: str) -> None:
    """The team's figures, each with what it counts, then a line per person."""
    o, a, p = c.team_offers, c.team_alerts, c.pace
    page.section(
        "\n".join(
            [
                t(lang, "cb_offers_head"),
                t(lang, "cb_offers_line", total=o.total, accepted=o.accepted.count, median=hours(o.accepted.median, lang), p90=hours(o.accepted.p90, lang)),
                t(lang, "cb_offers_other", declined=o.declined, expired=o.expired, withdrawn=o.withdrawn, waiting=o.waiting),
            ]
        )
    )
    page.context(t(lang, "cb_offers_def"))
    page.section(
        "\n".join(
            [
                t(lang, "cb_alerts_head"),
                t(lang, "cb_alerts_line", total=a.total, acted=a.acted.count, median=hours(a.acted.median, lang), p90=hours(a.acted.p90, lang)),
                t(lang, "cb_alerts_other", waiting=a.waiting, cleared=a.cleared),
            ]
        )
    )
    page.context(t(lang, "cb_alerts_def"))
    page.section(
        "\n".join(
            [
                t(lang, "cb_pace_head"),
                t(lang, "cb_alert_rate", rate=rate(p.alert_rate), alerts=p.alerts, open=f"{p.open_average:g}", weeks=f"{p.weeks:.1f}"),
                t(lang, "cb_activity_rate", rate=rate(p.activity_rate), activities=p.activities),
                t(lang, "cb_revisit_rate", rate=pct(p.revisit_rate), touched=p.touched, open=p.open_end),
            ]
        )
    )
    page.context(t(lang, "cb_pace_def"))
    lines = clipped([person_line(one, lang) for one in c.people[:PEOPLE_ROWS]], len(c.people), lang)
    page.section("\n".join([t(lang, "cb_people_head"), *(lines or [t(lang, "dg_nothing")])]))


def person_line(one: PersonCollab, lang: str) -> str:
    return "• " + t(
        lang,
        "cb_person_line",
        who=person(one.slack_user_id, one.name),
        accepted=one.offers.accepted.count,
        offers=one.offers.total,
        offer_median=hours(one.offers.accepted.median, lang),
        alert_median=hours(one.alerts.acted.median, lang),
        waiting=one.alerts.waiting,
        activity_rate=rate(one.pace.activity_rate),
        revisit=pct(one.pace.revisit_rate),
    )


def sources_page(page: Page, rows: list[SourceRow], config: Config, lang: str) -> None:
    """A line per lead source, the most won value first, and what each figure counts."""
    lines = [
        "• "
        + t(
            lang,
            "src_line",
            source=label(r.source, "src_none", lang),
            new=r.new,
            qualified=r.qualified,
            won=r.won,
            amount=fmt_total(r.won_amount, config, lang),
            rate=pct(r.conversion),
        )
        for r in rows[:SOURCE_ROWS]
    ]
    page.section("\n".join([t(lang, "src_head"), *(clipped(lines, len(rows), lang) or [t(lang, "src_empty")])]))
    page.context(t(lang, "src_def", gate=esc(config.stage(config.qualification.gate_stage).name(lang))))


def segments_page(page: Page, rows: list[SegmentRow], field_name: str, config: Config, lang: str) -> None:
    """A line per region or industry (``field_name``), the biggest open pipeline first."""
    lines = [
        "• "
        + t(
            lang,
            "seg_line",
            label=label(r.value, f"seg_no_{field_name}", lang),
            open=r.open,
            open_amount=fmt_total(r.open_amount, config, lang),
            new=r.new,
            won=r.won,
            won_amount=fmt_total(r.won_amount, config, lang),
            rate=pct(r.win_rate),
            cycle=fmt_days(r.cycle_days, lang),
        )
        for r in rows[:SEGMENT_ROWS]
    ]
    page.section("\n".join([t(lang, f"seg_head_{field_name}"), *(clipped(lines, len(rows), lang) or [t(lang, "dg_nothing")])]))
    page.context(t(lang, "seg_def"))
