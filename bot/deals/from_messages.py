"""Deals from Slack messages (the message shortcuts): finding the deal to log a message to as a
person types (by number, `42` or `#42`, or by title, account or contact, in any language), the
activity a message becomes (its text, its author and its address, under the note the person
added), and the note that keeps the message a new deal was made from. Slack-free: the handler
reads the message and its address; this module decides what is found and what is written."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.core import history
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.deal_fields import LIMITS
from bot.core.i18n import t
from bot.core.text import clean
from bot.deals import opportunities
from bot.team.members import Actor
from store import queries
from store.models import Opportunity

OPTION_LIMIT = 20  # deals offered at most for one typed query
SEARCHED = ("open", "won", "lost")  # what `/opp find` searches: every deal but a merged or deleted one
NUMBER = re.compile(r"^[#＃]?(\d{1,9})$")


@dataclass(frozen=True)
class DealChoice:
    """A deal offered in the picker."""

    number: int
    title: str
    account: str | None
    status: str


@dataclass(frozen=True)
class SourceMessage:
    """The Slack message a shortcut was used on: its text (``clipped`` when only its start was
    kept), its author's name and its address (None when Slack would not give it)."""

    text: str
    author: str
    link: str | None = None
    clipped: bool = False


def find_deals(session: Session, actor: Actor, typed: str, *, limit: int = OPTION_LIMIT) -> list[DealChoice]:
    """The deals of ``actor``'s workspace that ``typed`` names: the deal with that number first
    (`42`, `#42`), then those whose title, account or contact holds the text, newest first; at most
    ``limit``. Everyone may see every deal of their workspace (bot.deals.permissions); merged and
    deleted deals are not offered."""
    typed = clean(typed).strip()
    if not typed:
        return []
    found: list[DealChoice] = []
    match = NUMBER.match(typed)
    if match:
        opp = queries.deal_by_number(session, actor.workspace_id, int(match.group(1)))
        if opp is not None and opp.status in SEARCHED:
            found.append(DealChoice(opp.number, opp.title, opp.account, opp.status))
    text = match.group(1) if match else typed
    f = queries.DealFilter(workspace_id=actor.workspace_id, statuses=SEARCHED, text=text)
    page = queries.search_deals(session, f, limit=limit, newest_first=True, count_limit=0)
    seen = {choice.number for choice in found}
    found += [DealChoice(row.number, row.title, row.account, row.status) for row in page.deals if row.number not in seen]
    return found[:limit]


def activity_text(lang: str, message: SourceMessage, note: str | None) -> str:
    """What a logged message says on the deal: the note, then who wrote the message, its text and
    its address. Its text is cut (marked …) so that the whole fits an activity."""
    head = t(lang, "sc_activity_head", author=message.author)
    before = f"{note}\n\n{head}\n" if note else f"{head}\n"
    after = f"\n{message.link}" if message.link else ""
    room = LIMITS["activity"] - len(before) - len(after)
    body = message.text.strip() or t(lang, "sc_no_text")
    if message.clipped and len(body) < room:
        body += "…"
    if len(body) > room:
        body = body[: max(room - 1, 0)] + "…"
    return before + body + after


def log_message(session: Session, *, actor: Actor, number: int, message: SourceMessage, note: str | None, config: Config, clock: Clock) -> Opportunity:
    """Log ``message`` (with ``note``) on deal ``number`` as a note: the same service, permission
    and event as `/opp log`."""
    note = clean(note or "").strip() or None
    text = activity_text(actor.lang, message, note)
    return opportunities.log_activity(session, actor=actor, number=number, text=text, kind="note", config=config, clock=clock)


def keep_source(session: Session, opp: Opportunity, actor: Actor, link: str, clock: Clock) -> None:
    """A deal made from a message: the message's address, as the deal's first activity (a note,
    with its event). Its creator wrote it; no other permission is asked."""
    now = clock.now()
    text = t(actor.lang, "sc_source_note", link=clean(link).strip()[:2000])
    history.activity(session, opportunity_id=opp.id, member_id=actor.member_id, kind="note", text=text, created_at=now)
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="activity", field="note", new=text[:500])
