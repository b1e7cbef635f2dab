"""The App Home tab, drawn from bot.reporting.home's figures: New deal and the morning-brief switch;
"Today" (due and overdue, the person's alerts waiting), "This week" (closing and follow-ups), for a
manager "Team" (deals needing attention, alerts, pipeline, forecast, targets, reps); then the
person's other deals needing attention, pipeline and targets. Each deal has a menu (open its card,
log an activity); each section shows ``PAGE_ROWS`` deals with Previous / More buttons whose value
names the section and page ("today:2"). Within Slack's 100 blocks whatever the data."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from bot.blocks.digests import alert_counts, attainment_section, forecast_section, item_line, pipeline_lines, rep_table
from bot.blocks.ids import Action
from bot.blocks.kit import HOME_BLOCKS, Page, button, fmt_date, option
from bot.blocks.views import Forecast, Item, ItemList, RepRow, StageRow
from bot.core.config import Config
from bot.core.i18n import t

PAGE_ROWS = 10  # deals a page of a section
OTHER_ROWS = 5  # deals listed per "also needing attention" list before "and N more"


@dataclass
class Section:
    """One page of a section's deals, with the section's counts."""

    key: str  # today, week, team
    page: int
    pages: int
    items: ItemList
    counts: dict[str, int]


@dataclass
class HomeView:
    manager: bool
    now: datetime
    week_last: date
    today: Section
    week: Section
    pipeline: list[StageRow]
    risks: ItemList
    stalled: ItemList
    returning: ItemList
    my_alerts: dict[str, int] = field(default_factory=dict)
    brief: bool = False
    my_attainment: list = field(default_factory=list)  # (period, Attained): the person's own targets
    team: Section | None = None  # a manager's
    team_returning: ItemList | None = None
    team_pipeline: list[StageRow] | None = None
    month: Forecast | None = None
    quarter: Forecast | None = None
    alerts: dict[str, int] | None = None
    reps: list[RepRow] | None = None
    team_attainment: list = field(default_factory=list)


def marked(item: Item, stalled: int, late: int) -> Item:
    """A team deal shown with why it needs attention: its quiet days if stalled, its date if overdue."""
    return replace(item, since=item.since if stalled else None, day=item.day if late else None)


def _deal_menu(item: Item, lang: str) -> dict:
    options = [option(f"{t(lang, 'hm_open')} #{item.number}", f"open:{item.number}"), option(t(lang, "hm_log"), f"log:{item.number}")]
    return {"type": "overflow", "action_id": Action.HOME_DEAL, "options": options}


def _rows(page: Page, items: ItemList, config: Config, *, now: datetime | None = None) -> None:
    for item in items.items:
        page.section(item_line(item, config, page.lang, day_key="dg_item_due", now=now), accessory=_deal_menu(item, page.lang))


def _section(page: Page, s: Section, config: Config, summary: str, empty: str, *, now: datetime | None = None) -> None:
    """A section's summary, its page of deals and, when there is more than one page, the paging buttons."""
    lang = page.lang
    page.section(summary if s.items.total else empty)
    _rows(page, s.items, config, now=now)
    if s.pages > 1:
        buttons = []
        if s.page > 1:
            buttons.append(button(t(lang, "hm_prev"), Action.HOME_PAGE_PREV, f"{s.key}:{s.page - 1}"))
        if s.page < s.pages:
            buttons.append(button(t(lang, "hm_next"), Action.HOME_PAGE_NEXT, f"{s.key}:{s.page + 1}"))
        page.actions(buttons, block_id=f"home_page_{s.key}")
        page.context(t(lang, "hm_page", page=s.page, pages=s.pages))


def _other(page: Page, title: str, items: ItemList, config: Config, more_command: str, *, now=None) -> None:
    lang = page.lang
    page.section(title)
    _rows(page, items, config, now=now)
    if items.more > 0:
        page.context(t(lang, "dg_more", more=items.more, command=more_command))


def home(h: HomeView, config: Config, lang: str) -> dict:
    """The Home tab view: what needs action first."""
    page = Page(lang, limit=HOME_BLOCKS)
    page.header(t(lang, "hm_title_manager" if h.manager else "hm_title_rep"))
    page.actions(
        [
            button(t(lang, "hm_new"), Action.HOME_NEW, "new", "primary"),
            button(t(lang, "hm_brief_off" if h.brief else "hm_brief_on"), Action.HOME_BRIEF, "off" if h.brief else "on"),
        ],
        block_id="home_actions",
    )
    page.context(t(lang, "hm_updated", when=h.now.strftime("%Y-%m-%d %H:%M")))

    page.header(t(lang, "hm_today"))
    c = h.today.counts
    _section(page, h.today, config, t(lang, "hm_today_counts", total=h.today.items.total, overdue=c["overdue"], due=c["due"]), t(lang, "hm_today_empty"))
    if h.my_alerts:
        page.context(t(lang, "hm_my_alerts", count=sum(h.my_alerts.values())) + " — " + alert_counts(h.my_alerts, lang))

    page.header(t(lang, "hm_week", last=fmt_date(h.week_last, lang)))
    c = h.week.counts
    _section(page, h.week, config, t(lang, "hm_week_counts", total=h.week.items.total, closing=c["closing"], follow=c["follow"]), t(lang, "hm_week_empty"))

    if h.manager and h.team is not None:
        page.divider()
        page.header(t(lang, "hm_team").strip("*"))
        c = h.team.counts
        summary = t(lang, "hm_team_attention", total=h.team.items.total, risky=c["risky"], stalled=c["stalled"], overdue=c["overdue"])
        _section(page, h.team, config, summary, t(lang, "hm_team_empty"), now=h.now)
        if h.team_returning is not None and h.team_returning.total:
            _other(page, t(lang, "dg_returning", total=h.team_returning.total), h.team_returning, config, "/opp list team")
        alerts = h.alerts or {}
        text = t(lang, "hm_alerts", count=sum(alerts.values()))
        if alerts:
            text += "\n" + alert_counts(alerts, lang)
        page.section(text)
        page.section("\n".join([t(lang, "dg_pipeline"), *pipeline_lines(h.team_pipeline or [], config, lang)]))
        if h.month and h.quarter:
            forecast_section(page, h.month, h.quarter, config)
        attainment_section(page, h.team_attainment, config)
        rep_table(page, h.reps or [])

    page.divider()
    if h.risks.total or h.stalled.total or h.returning.total:
        page.section(t(lang, "hm_also"))
    if h.risks.total:
        _other(page, t(lang, "dg_risks", total=h.risks.total), h.risks, config, "/opp list")
    if h.stalled.total:
        _other(page, t(lang, "dg_stalled", total=h.stalled.total), h.stalled, config, "/opp list stalled", now=h.now)
    if h.returning.total:
        _other(page, t(lang, "dg_returning", total=h.returning.total), h.returning, config, "/opp list")
    page.section("\n".join([t(lang, "hm_my_pipeline"), *pipeline_lines(h.pipeline, config, lang)]))
    attainment_section(page, h.my_attainment, config, "tg_my_target")
    return {"type": "home", "blocks": page.done()}
