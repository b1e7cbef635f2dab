"""The weekly review meeting (商机评审会) in Block Kit: the agenda (big deals that moved back,
stalled, at risk or closing this month, each with an "Assign action" button; the actions earlier
meetings assigned and not yet done, each with a "Done" button) and the DM that tells an assignee
of their action. Built from the view objects below; reads no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.blocks.digests import item_line, person
from bot.blocks.ids import Action
from bot.blocks.kit import Page, Reply, button, clip, esc, fmt_date, fmt_money, message, stage_name
from bot.blocks.views import ItemList
from bot.core.config import Config
from bot.core.i18n import t

DEALS_SHOWN = 7  # deals per section: four sections of buttons and the actions stay within 50 blocks
ACTIONS_SHOWN = 10
BACK_DAYS = 7  # a deal moved to an earlier stage within this many days is on the agenda


@dataclass(frozen=True)
class ActionLine:
    """An action a review meeting assigned and nobody has marked done yet."""

    id: int
    number: int
    title: str
    text: str
    assignee: str  # Slack user id
    assignee_name: str
    due_on: date


@dataclass
class Agenda:
    """What this week's meeting goes through: four lists of big open deals, and the open actions."""

    day: date  # the local day of the meeting
    now: datetime
    big_deal: Decimal
    backwards: ItemList
    stalled: ItemList
    at_risk: ItemList
    closing: ItemList
    actions: list[ActionLine]
    actions_total: int
    moves: dict[int, tuple[str, str]] = field(default_factory=dict)  # a deal moved back: (from, to) stage keys

    def sections(self) -> list[tuple[str, ItemList, dict]]:
        """(heading key, deals, how each line shows its date) per deal section, in agenda order."""
        return [
            ("mt_backwards", self.backwards, {}),
            ("mt_stalled", self.stalled, {"now": self.now}),
            ("mt_at_risk", self.at_risk, {}),
            ("mt_closing", self.closing, {"day_key": "dg_item_close"}),
        ]

    @property
    def empty(self) -> bool:
        return not self.actions_total and not any(deals.total for _, deals, _ in self.sections())


def agenda_message(agenda: Agenda, config: Config, lang: str, *, preview: bool = False) -> Reply:
    """The agenda as one message within Slack's limits (at most ``DEALS_SHOWN`` deals a section,
    the biggest, and ``ACTIONS_SHOWN`` actions, the first due; the rest counted)."""
    title = t(lang, "mt_preview_title" if preview else "mt_title", day=fmt_date(agenda.day, lang))
    if agenda.empty:
        return message(f"*{esc(title)}*\n{t(lang, 'mt_empty')}")
    page = Page(lang)
    page.header(title)
    page.context(t(lang, "mt_big_deals", amount=fmt_money(agenda.big_deal, config.currency, lang)))
    moved = {number: t(lang, "mt_moved", old=stage_name(config, old, lang), new=stage_name(config, new, lang)) for number, (old, new) in agenda.moves.items()}
    for key, deals, how in agenda.sections():
        if deals.total:
            notes = moved if key == "mt_backwards" else {}
            _deal_section(page, t(lang, key, total=deals.total, days=BACK_DAYS), deals, config, lang, how, notes)
    if agenda.actions_total:
        _action_section(page, agenda, lang)
    return Reply(clip(title, 150), page.done())


def _deal_section(page: Page, heading: str, deals: ItemList, config: Config, lang: str, how: dict, notes: dict[int, str]) -> None:
    more = f"\n{t(lang, 'mt_more', more=deals.more, shown=len(deals.items))}" if deals.more else ""
    page.section(heading + more)
    for item in deals.items:
        note = f" · {notes[item.number]}" if item.number in notes else ""
        page.section(item_line(item, config, lang, **how) + note, button(t(lang, "mt_btn_assign"), Action.MEETING_ASSIGN, str(item.number)))


def _action_section(page: Page, agenda: Agenda, lang: str) -> None:
    more = agenda.actions_total - len(agenda.actions)
    page.section(t(lang, "mt_actions", total=agenda.actions_total) + (f"\n{t(lang, 'mt_more_actions', more=more, shown=len(agenda.actions))}" if more else ""))
    for action in agenda.actions:
        page.section(action_line(action, agenda.day, lang), button(t(lang, "mt_btn_done"), Action.MEETING_DONE, str(action.id)))


def action_line(action: ActionLine, today: date, lang: str) -> str:
    """ "• #42 Acme ERP — meet the CFO · @li · due Mon 2026-12-07", overdue ones marked."""
    late = (today - action.due_on).days
    due = t(lang, "mt_overdue", days=late) if late > 0 else t(lang, "mt_due", day=fmt_date(action.due_on, lang))
    return t(
        lang,
        "mt_action_line",
        number=action.number,
        title=esc(clip(action.title, 80)),
        text=esc(clip(action.text, 300)),
        assignee=person(action.assignee, action.assignee_name),
        due=due,
    )


def action_dm(action: ActionLine, by: str, lang: str) -> Reply:
    """The DM telling an assignee what the meeting asked of them, with its Done button."""
    said = t(lang, "mt_dm", by=by, number=action.number, title=esc(clip(action.title, 150)))
    text = "\n".join([said, f">{esc(action.text)}", t(lang, "mt_dm_due", due=fmt_date(action.due_on, lang))])
    page = Page(lang)
    page.section(text, button(t(lang, "mt_btn_done"), Action.MEETING_DONE, str(action.id)))
    return Reply(t(lang, "mt_dm_title"), page.done())
