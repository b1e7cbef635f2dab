"""A deal's forecast category (commit 承诺 / best case 乐观 / pipeline 管道): the owner's call,
set with `/opp forecast 42 commit`, or the stage's default (bot.core.forecast_categories); and the
SQL expression reports group and sum by, so the database works the category out per row."""

from __future__ import annotations

from sqlalchemy import case, func
from sqlalchemy.orm import Session

from bot.core import history
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.errors import BadInput
from bot.core.forecast_categories import AUTO, PIPELINE, stage_defaults
from bot.deals import opportunities, permissions
from bot.team.members import Actor
from store.models import Opportunity


def category_column(config: Config, stage=Opportunity.stage, chosen=Opportunity.forecast_category):
    """The deal's category in SQL: the one chosen, else its stage's default."""
    return func.coalesce(chosen, case(stage_defaults(config), value=stage, else_=PIPELINE))


def set_category(session: Session, *, actor: Actor, number: int, category: str, config: Config, clock: Clock) -> Opportunity:
    """Set the open deal's category (``AUTO``: back to its stage's default), as one who may edit
    it; an Event records old -> new (none meaning the default)."""
    opp = opportunities.get(session, actor=actor, number=number, for_update=True)
    permissions.require(actor, "edit", opp, config)
    if opp.status != "open":
        raise BadInput("fc_closed", number=opp.number)
    chosen = None if category == AUTO else category
    if chosen != opp.forecast_category:
        now = clock.now()
        history.event(
            session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="updated", field="forecast_category", old=opp.forecast_category, new=chosen
        )
        opp.forecast_category = chosen
        opp.updated_at = now
    session.flush()
    return opp
