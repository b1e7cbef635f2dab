"""A stage's playbook: the key actions config.toml lists for a stage (``actions``: 方案演示,
提交方案书 …), shown as a checklist on the card of an open deal in that stage. Ticking one records
when on the deal (``Opportunity.playbook``: {stage key: {action key: ISO time}}) and writes an
event, so the checklist's state is part of the deal's history. Whoever may log an activity on the
deal may tick (bot.deals.permissions: the consulted role does the demo)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.blocks.kit import clip, stage_name
from bot.core import history
from bot.core.config import Config, Step
from bot.core.config_after import find_step
from bot.core.errors import BadInput
from bot.deals import opportunities, permissions
from bot.team.members import Actor
from store.models import Opportunity

QUOTE_LIMIT = 80  # how much of an unknown action an error quotes back


def tick(session: Session, *, actor: Actor, number: int, stage: str, action: str, config: Config, now: datetime) -> tuple[Opportunity, Step]:
    """Tick ``action`` (a key or a name) of ``stage``'s playbook on an open deal that is still in
    that stage (a card shown before a move offers the old stage's actions: refused, saying so)."""
    opp = opportunities.get(session, actor=actor, number=number, for_update=True)
    permissions.require(actor, "log", opp, config)
    if opp.status != "open":
        raise BadInput("deal_closed", number=number, status=opp.status)
    if opp.stage != stage:
        raise BadInput("playbook_moved", number=number, stage=stage_name(config, stage, actor.lang))
    actions = next((s.actions for s in config.stages if s.key == stage), ())
    step = find_step(actions, action)
    if step is None:
        raise BadInput("playbook_unknown", value=clip(action, QUOTE_LIMIT), stage=stage_name(config, stage, actor.lang), steps=actions)
    ticked = dict((opp.playbook or {}).get(stage, {}))
    if step.key in ticked:
        raise BadInput("playbook_already", number=number, action=step.name(actor.lang))
    opp.playbook = {**(opp.playbook or {}), stage: {**ticked, step.key: now.isoformat()}}  # a new value: the JSON column sees the change
    opp.updated_at = now
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="playbook", field=stage, old=None, new=step.key)
    session.flush()
    return opp, step
