"""Asking support (求助) about a deal, and answering: the card's Ask support button or
`/opp ask 42 <question>` makes a ``SupportRequest`` for the role the deal's current stage consults.

Who is asked: the stage's consulted roles in order, the first that has anyone (besides the person
asking) in it; when none has, sales support (``support``). Within that role, the people whose
territory (regions, industries) covers the deal, as assignment reads territories (someone with
none covers every deal), else everyone of the role; people away are left out while others are
there. Each gets a DM with the question and an Answer button, through the outbox in the same
transaction; asking writes an event on the deal.

Anyone who may see the deal may ask, about an open deal. A person of the role asked (or an admin)
answers with the form; the answer is logged on the deal as an activity, closes the request and
goes back to the person who asked (bot.deals.support_replies, which also closes a request when a
person of its role logs an activity on the deal)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.blocks.support import TEXT_LIMIT, SupportView, request_message
from bot.core import history
from bot.core.config import Config
from bot.core.errors import BadInput, PermissionDenied
from bot.core.i18n import t
from bot.core.text import clean
from bot.deals import opportunities
from bot.deals.support_replies import ASK_KEY, close, view_of
from bot.delivery import outbox
from bot.team.members import Actor, reader_language, role_of
from bot.team.rules import Candidate, candidates, default_rule
from store.models import Opportunity, SupportRequest

FALLBACK_ROLE = "support"


def _text(value: str, number: int, *, field: str) -> str:
    """The question or answer cleaned; refused when empty or longer than a message keeps."""
    text = clean(value or "").strip()
    if not text:
        raise BadInput(f"sup_need_{field}", field=field, number=number)
    if len(text) > TEXT_LIMIT:
        raise BadInput("too_long", field=field, name=field, length=len(text), limit=TEXT_LIMIT)
    return text


def open_deal(session: Session, *, actor: Actor, number: int, for_update: bool = False) -> Opportunity:
    """The deal ``number`` to ask about: it must exist and be open."""
    opp = opportunities.get(session, actor=actor, number=number, for_update=for_update)
    if opp.status != "open":
        raise BadInput("sup_deal_closed", number=number, status=opp.status)
    return opp


def people_asked(session: Session, config: Config, opp: Opportunity, asker_id: int, today: date) -> tuple[str, list[Candidate]]:
    """The role asked about ``opp`` and the people of it who get the request (none: nobody has
    the role)."""
    try:
        consulted = config.stage(opp.stage).consulted
    except KeyError:  # a stage no longer configured
        consulted = ()
    for role in (*consulted, FALLBACK_ROLE):
        people = [c for c in candidates(session, opp.workspace_id, default_rule(config, role), role) if c.member_id != asker_id]
        if people:
            present = [c for c in people if not c.away(today)] or people
            return role, [c for c in present if c.covers(opp)] or present
    return FALLBACK_ROLE, []


def ask(session: Session, *, actor: Actor, number: int, question: str, config: Config, now: datetime) -> tuple[SupportView, int]:
    """Ask about deal ``number``: the request as sent and how many people it went to."""
    opp = open_deal(session, actor=actor, number=number)
    question = _text(question, number, field="question")
    role, people = people_asked(session, config, opp, actor.member_id, now.astimezone(config.tz).date())
    if not people:
        raise BadInput("sup_nobody", number=number, role=t(actor.lang, f"role_{role}"))
    request = SupportRequest(workspace_id=opp.workspace_id, opportunity_id=opp.id, role=role, question=question, asked_by_id=actor.member_id, asked_at=now)
    session.add(request)
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="support", field="asked", old=role, new=question[:500])
    session.flush()
    view = view_of(session, request, opp)
    for person in people:
        lang = reader_language(session, config, opp.workspace_id, person.slack_user_id)
        outbox.enqueue(
            session,
            workspace_id=opp.workspace_id,
            key=ASK_KEY.format(id=request.id) + person.slack_user_id,
            kind="support_request",
            channel=person.slack_user_id,
            reply=request_message(view, config, lang),
            now=now,
        )
    return view, len(people)


def _open_request(session: Session, actor: Actor, request_id: int) -> tuple[SupportRequest, Opportunity]:
    """The request ``actor`` means to answer: it must be theirs to answer (their role's, or an
    admin's) and still open; answered already, it says by whom."""
    request = session.get(SupportRequest, request_id, with_for_update=True)
    if request is None or request.workspace_id != actor.workspace_id:
        raise BadInput("sup_unknown_request")
    opp = session.get(Opportunity, request.opportunity_id)
    if request.answered_at is not None:
        view = view_of(session, request, opp)
        day = request.answered_at.astimezone(actor.tz).strftime("%Y-%m-%d %H:%M")
        raise BadInput("sup_already_answered", number=opp.number, user=view.answered_by, at=day)
    if not actor.is_admin and role_of(actor) != request.role:
        raise PermissionDenied("sup_not_yours", number=opp.number, role=t(actor.lang, f"role_{request.role}"))
    return request, opp


def answer_form(session: Session, *, actor: Actor, request_id: int) -> SupportView:
    """What the answer form shows, for someone who may answer a request still open."""
    request, opp = _open_request(session, actor, request_id)
    return view_of(session, request, opp)


def answer(session: Session, *, actor: Actor, request_id: int, text: str, config: Config, now: datetime) -> SupportView:
    """Answer the request: logged on the deal as an activity, the request closed, the person who
    asked told."""
    request, opp = _open_request(session, actor, request_id)
    text = _text(text, opp.number, field="answer")
    history.activity(session, opportunity_id=opp.id, member_id=actor.member_id, kind="note", text=text, created_at=now)
    opp.last_activity_at = now
    return close(session, config, request, opp, actor, text, now)
