"""Risk flags on a deal (客户沉默 silent, 关键决策人变动 champion-left, 预算调整 budget-cut, 竞争对手介入
competitor) and reminders: a flag writes a Risk row and an event, and the worker alerts on open
flags; a reminder is stored with its time in UTC and DMed by the worker when due. Notes and
reminder texts are cleaned (bot.core.text) before they are stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import history
from bot.core.config import Config
from bot.core.text import clean, clean_optional
from bot.deals import opportunities, risk_watch
from bot.team.members import Actor
from store.models import Reminder, Risk

RISK_KINDS = {
    "silent": ("silent", "客户沉默", "沉默"),
    "champion-left": ("champion-left", "champion", "关键决策人变动", "决策人变动"),
    "budget-cut": ("budget-cut", "budget", "预算调整", "预算削减"),
    "competitor": ("competitor", "竞争对手介入", "竞争对手", "竞品"),
}
RISK_OF = {word.lower(): kind for kind, words in RISK_KINDS.items() for word in words}
CLEAR_WORDS = ("clear", "resolve", "清除", "解除")
NOTE_LIMIT = 500
REMINDER_LIMIT = 1000


def flag(session, *, actor, number: int, kind: str, note: str | None, clearing: bool, config: Config, now: datetime) -> None:
    """Raise (or clear) a risk flag on a deal: a Risk row and an event; the worker alerts on it, and
    a flag raised goes to the owner's manager at once (bot.deals.risk_watch)."""
    opp = opportunities.get(session, actor=actor, number=number, for_update=True)
    opportunities.require_change(actor, opp)
    note = clean_optional(note)
    if clearing:
        risks = session.scalars(select(Risk).where(Risk.opportunity_id == opp.id, Risk.kind == kind, Risk.cleared_at.is_(None))).all()
        for risk in risks:
            risk.cleared_at = now
        history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="risk", field=kind, old="open", new="cleared")
    else:
        risk = Risk(opportunity_id=opp.id, kind=kind, note=note, raised_by_id=actor.member_id, raised_at=now)
        session.add(risk)
        risk_watch.tell_manager(session, config, opp, risk, now)
        history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="risk", field=kind, old=None, new=note or kind)


def remind(session: Session, *, actor: Actor, number: int, due: datetime, text: str, now: datetime) -> None:
    """A reminder to ``actor`` about a deal they can see, due at ``due`` (aware; stored in UTC)."""
    opp = opportunities.get(session, actor=actor, number=number)
    text = clean(text)
    session.add(Reminder(workspace_id=actor.workspace_id, member_id=actor.member_id, opportunity_id=opp.id, due_at=due, text=text, created_at=now))
