"""A support request (求助) closed by its answer: by the Answer form (bot.deals.support), or by a
person of the role asked logging an activity on the deal while the request is open (called from
bot.deals.opportunities.log_activity). Closing records who answered and when, writes an event on
the deal, sends the answer to the person who asked and updates the request's messages in place so
they show it is answered; the messages go through the outbox in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.blocks.support import SupportView, answer_message, request_message
from bot.core import history
from bot.core.config import Config
from bot.delivery import outbox
from bot.team.members import Actor, reader_language, role_of
from store.models import Member, Opportunity, OutboxMessage, SupportRequest

ASK_KEY = "support:{id}:ask:"  # the request's message to each person asked, then their Slack id


def view_of(session: Session, request: SupportRequest, opp: Opportunity) -> SupportView:
    """The request as its messages and forms show it."""
    people = {m.id: m.slack_user_id for m in session.scalars(select(Member).where(Member.id.in_([request.asked_by_id, request.answered_by_id or 0])))}
    return SupportView(
        id=request.id,
        number=opp.number,
        title=opp.title,
        account=opp.account,
        stage=opp.stage,
        role=request.role,
        question=request.question,
        asked_by=people.get(request.asked_by_id, ""),
        asked_at=request.asked_at,
        answered_by=people.get(request.answered_by_id) if request.answered_by_id else None,
        answered_at=request.answered_at,
        answer=request.answer,
    )


def close(session: Session, config: Config, request: SupportRequest, opp: Opportunity, actor: Actor, text: str, now: datetime) -> SupportView:
    """Record ``text`` as the answer of ``actor``, tell the person who asked, and show the request
    as answered wherever it was sent."""
    request.answered_by_id, request.answered_at, request.answer = actor.member_id, now, text
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="support", field="answered", new=text[:500])
    session.flush()
    view = view_of(session, request, opp)
    lang = reader_language(session, config, opp.workspace_id, view.asked_by)
    outbox.enqueue(
        session,
        workspace_id=opp.workspace_id,
        key=f"support:{request.id}:answer",
        kind="support_answer",
        channel=view.asked_by,
        reply=answer_message(view, config, lang),
        now=now,
    )
    sent = session.scalars(
        select(OutboxMessage).where(OutboxMessage.key.like(ASK_KEY.format(id=request.id) + "%"), OutboxMessage.update_of.is_(None)).order_by(OutboxMessage.id)
    )
    for original in sent:
        reader = reader_language(session, config, opp.workspace_id, original.channel)
        outbox.enqueue_update(session, original, request_message(view, config, reader), kind="support_update", tag="answered", now=now)
    return view


_WAITING = (
    select(SupportRequest.id)
    .where(
        SupportRequest.opportunity_id == bindparam("deal"),
        SupportRequest.answered_at.is_(None),
        SupportRequest.role == bindparam("role"),
        SupportRequest.asked_by_id != bindparam("actor"),
    )
    .order_by(SupportRequest.id)
    .with_for_update()
)


def activity_logged(session: Session, config: Config, opp: Opportunity, actor: Actor, text: str, now: datetime) -> None:
    """``actor`` logged an activity on ``opp``: the deal's open requests to their role (asked by
    someone else) are answered by it. Most deals have none: which are open is asked by one Core
    statement (locking them, on PostgreSQL, against an Answer at the same time), and only those
    found are read as objects."""
    session.flush()  # read on the connection, which does not flush as the session's own reads do
    ids = session.connection().execute(_WAITING, {"deal": opp.id, "role": role_of(actor), "actor": actor.member_id}).scalars().all()
    if not ids:
        return
    for request in session.scalars(select(SupportRequest).where(SupportRequest.id.in_(ids)).order_by(SupportRequest.id)):
        close(session, config, request, opp, actor, text, now)
