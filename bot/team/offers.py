"""Offers and the messages around assignments: recording an offer and DMing it with Accept/Decline,
posting decisions to the assignments channel, and the DM and post every assignment message goes
through (via the outbox, in the caller's transaction). Answering offers is bot.team.assignment's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.kit import Reply, esc, message
from bot.blocks.team import offer_message
from bot.core.config import Config
from bot.core.i18n import t
from bot.delivery import outbox
from bot.team.rules import SYSTEM_USER, Decision, explain
from store.models import AssignmentOffer, Opportunity

OPEN_OFFER = "offered"


def _channel(config: Config) -> str | None:
    return config.channels.get("assignments")


def pool_manager_ids(config: Config) -> list[str]:
    """Who hears about deals nobody took: the pool manager when one is set, else the admins."""
    if config.assignment.pool_manager:
        return [config.assignment.pool_manager]
    return list(config.admins)


def post(session: Session, config: Config, workspace_id: str, key: str, text: str, now: datetime) -> None:
    channel = _channel(config)
    if channel:
        outbox.enqueue(session, workspace_id=workspace_id, key=key, kind="assignment", channel=channel, reply=message(text), now=now)


def dm(session: Session, workspace_id: str, user: str, key: str, reply: Reply, now: datetime) -> None:
    if user and user != SYSTEM_USER:
        outbox.enqueue(session, workspace_id=workspace_id, key=key, kind="assignment", channel=user, reply=reply, now=now)


def offer(
    session: Session, config: Config, opp: Opportunity, decision: Decision, *, kind: str, now: datetime, passed_over: list[int] | None = None
) -> AssignmentOffer:
    """Record the offer, DM it with Accept/Decline, and post the decision to the assignments channel."""
    lang = config.language
    text = explain(decision, lang)
    made = AssignmentOffer(
        workspace_id=opp.workspace_id,
        opportunity_id=opp.id,
        member_id=decision.chosen.member_id,
        kind=kind,
        rule=decision.rule.name,
        explanation=text,
        status=OPEN_OFFER,
        passed_over=list(passed_over or []),
        created_at=now,
        expires_at=now + timedelta(hours=config.assignment.offer_hours),
    )
    session.add(made)
    session.flush()
    dm(
        session,
        opp.workspace_id,
        decision.chosen.slack_user_id,
        f"offer:{made.id}",
        offer_message(made.id, opp.number, opp.title, made.explanation, config, lang, decision.chosen.role),
        now,
    )
    post(session, config, opp.workspace_id, f"offer-post:{made.id}", t(lang, "as_channel_post", number=opp.number, title=esc(opp.title), explain=text), now)
    return made


def open_offer(session: Session, offer_id: int, *, for_update: bool = False) -> AssignmentOffer | None:
    query = select(AssignmentOffer).where(AssignmentOffer.id == offer_id)
    if for_update:
        query = query.with_for_update(of=AssignmentOffer)
    return session.scalars(query).unique().one_or_none()
