"""Reviews (复盘) of won and lost deals. The close asks for one in its own transaction
(bot.deals.opportunities.close writes the row, status ``asked``); here it is written (``done``,
again to change it), skipped (``skipped``), its owner reminded once when it is still asked
``[review] remind_days`` after the close, and a review meeting called in the team channel by a
manager. Whoever may change the deal (its owner, the person responsible, their manager, an admin)
may write or skip its review; every change is an event on the deal.

What a review teaches is searched in bot.deals.lessons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.blocks.kit import clip
from bot.blocks.reviews import meeting_message, reminder_message
from bot.blocks.views import MeetingView, ReviewView
from bot.core import history
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.deal_fields import LIMITS
from bot.core.errors import BadInput
from bot.core.text import clean
from bot.deals import opportunities, permissions
from bot.delivery import outbox
from bot.team.members import Actor, language_of
from store.models import Activity, Event, Opportunity, OutboxMessage, Review

CLOSED = ("won", "lost")
TEXTS = ("competitor", "worked", "didnt", "lesson")
SAID = ("worked", "didnt", "lesson")  # a review says at least one of these
EVENT_TEXT = 500  # characters of the lesson an event keeps


@dataclass
class ReviewInput:
    """What the review form gives: a reason key (None: none picked) and the texts, by name
    (``TEXTS``; one not given is None)."""

    reason: str | None = None
    texts: dict[str, str | None] = field(default_factory=dict)


def status_of(session: Session, opportunity_id: int) -> str | None:
    """The deal's review status (asked, done, skipped), or None when none was ever asked."""
    return session.scalar(select(Review.status).where(Review.opportunity_id == opportunity_id))


def _review(session: Session, opp) -> Review | None:
    """The deal's review row, if one was ever asked."""
    return session.scalars(select(Review).where(Review.opportunity_id == opp.id)).one_or_none()


def _closed_deal(session: Session, actor: Actor, number: int, config: Config, *, action: str = "edit", for_update: bool = False):
    """Deal ``number`` if ``actor`` may ``action`` on it and it is won or lost; else refused."""
    opp = opportunities.get(session, actor=actor, number=number, for_update=for_update)
    permissions.require(actor, action, opp, config)
    if opp.status not in CLOSED:
        raise BadInput("rv_not_closed", number=number, status=opp.status)
    return opp


def close_reason(opp) -> str | None:
    """The reason the deal was closed with (a won or a lost reason's key)."""
    return opp.won_reason if opp.status == "won" else opp.lost_reason


def review_view(opp, review: Review | None) -> ReviewView:
    """The review as its form shows it: what was written, the reason prefilled from the close."""
    texts = {name: getattr(review, name) for name in TEXTS} if review else {}
    reason = (review.reason if review else None) or close_reason(opp)
    return ReviewView(number=opp.number, title=opp.title, outcome=opp.status, status=review.status if review else None, reason=reason, **texts)


def form(session: Session, *, actor: Actor, number: int, config: Config) -> ReviewView:
    """What the review form of deal ``number`` shows, for someone who may write it."""
    opp = _closed_deal(session, actor, number, config)
    return review_view(opp, _review(session, opp))


def _row(session: Session, opp, now: datetime) -> Review:
    """The deal's review row; one is asked now for a deal closed before reviews were asked."""
    review = _review(session, opp)
    if review is None:
        review = Review(opportunity_id=opp.id, outcome=opp.status, status="asked", reason=close_reason(opp), asked_at=now)
        session.add(review)
    return review


def _checked(given: ReviewInput, opp, config: Config) -> dict:
    """The form's values cleaned; refused, on the field at fault, when a lost deal has no reason,
    a reason is not one configured for the outcome, a text is too long, or nothing is said."""
    values = {name: _cleaned(given.texts.get(name)) for name in TEXTS} | {"reason": _cleaned(given.reason)}
    reasons = {r.key for r in (config.won_reasons if opp.status == "won" else config.lost_reasons)}
    if opp.status == "lost" and not values["reason"]:
        raise BadInput("rv_reason_required", field="reason", number=opp.number)
    if values["reason"] and values["reason"] not in reasons:  # a menu's value is not trusted
        raise BadInput("unknown_won_reason" if opp.status == "won" else "unknown_lost_reason", field="reason", value=clip(values["reason"], 80))
    for name in TEXTS:
        if values[name] and len(values[name]) > LIMITS[name]:
            raise BadInput("too_long", field=name, name=name, length=len(values[name]), limit=LIMITS[name])
    if not any(values[name] for name in SAID):
        raise BadInput("rv_empty", field="lesson", number=opp.number)
    return values


def _cleaned(text: str | None) -> str | None:
    """Typed text cleaned (bot.core.text) and stripped; None when nothing is left."""
    return (clean(text).strip() or None) if text is not None else None


def _record(session: Session, opp, actor_id: int, now: datetime, what: str, new: str | None = None, old: str | None = None, kind: str = "review") -> None:
    """An event on the deal: of the review (``what``: done, edited, skipped, meeting), or a field's change."""
    history.event(session, opportunity_id=opp.id, actor_id=actor_id, at=now, kind=kind, field=what, old=old, new=new)


def submit(session: Session, *, actor: Actor, number: int, given: ReviewInput, config: Config, clock: Clock) -> bool:
    """Write deal ``number``'s review (or change it); True when it was written before. A reason
    other than the close's becomes the deal's reason, so the loss report counts it."""
    opp = _closed_deal(session, actor, number, config, for_update=True)
    values = _checked(given, opp, config)
    now = clock.now()
    review = _row(session, opp, now)
    again = review.status == "done"
    reason_field = "won_reason" if opp.status == "won" else "lost_reason"
    if values["reason"] and values["reason"] != getattr(opp, reason_field):
        _record(session, opp, actor.member_id, now, reason_field, values["reason"], getattr(opp, reason_field), kind="updated")
        setattr(opp, reason_field, values["reason"])
        opp.updated_at = now
    review.reason = values["reason"] or review.reason
    for name in TEXTS:
        setattr(review, name, values[name])
    review.status, review.author_id, review.done_at = "done", actor.member_id, now
    said = next(values[name] for name in ("lesson", "didnt", "worked") if values[name])
    _record(session, opp, actor.member_id, now, "edited" if again else "done", clip(said, EVENT_TEXT))
    session.flush()
    return again


def skip(session: Session, *, actor: Actor, number: int, config: Config, clock: Clock) -> None:
    """Skip deal ``number``'s review: no reminder comes; `/opp review 42` still writes it later."""
    opp = _closed_deal(session, actor, number, config, for_update=True)
    now = clock.now()
    review = _row(session, opp, now)
    if review.status != "asked":
        raise BadInput(f"rv_skip_{review.status}", number=number)
    review.status = "skipped"
    _record(session, opp, actor.member_id, now, "skipped")
    session.flush()


# --- the review meeting -------------------------------------------------------------------------


def meeting(session: Session, *, actor: Actor, number: int, config: Config, clock: Clock) -> str:
    """A manager of the owner (or an admin) calls a review meeting on closed deal ``number``: one
    post to the team channel (channels.digest) summing up the deal, at most once a day per deal.
    Returns the channel."""
    opp = _closed_deal(session, actor, number, config, action="meeting", for_update=True)  # a second caller waits, then finds it called
    channel = config.channels.get("digest")
    if not channel:
        raise BadInput("rv_no_channel", number=number)
    now = clock.now()
    key = f"review-meeting:{opp.id}:{now.astimezone(config.tz).date().isoformat()}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        raise BadInput("rv_meeting_again", number=number, channel=channel)
    reply = meeting_message(_meeting_view(session, opp, actor, config), config, config.language)
    outbox.enqueue(session, workspace_id=opp.workspace_id, key=key, kind="review_meeting", channel=channel, reply=reply, now=now)
    _record(session, opp, actor.member_id, now, "meeting", channel)
    return channel


def _meeting_view(session: Session, opp, actor: Actor, config: Config) -> MeetingView:
    """The deal's story for the meeting: each stage and the day it was entered, the activities
    logged, the amount, the reason and the review."""
    moves = session.execute(select(Event.old, Event.new, Event.at).where(Event.opportunity_id == opp.id, Event.kind == "stage").order_by(Event.id)).all()
    stages = [(moves[0].old if moves else opp.stage, _day(opp.created_at, config))] + [(new, _day(at, config)) for _, new, at in moves]
    activities = session.scalar(select(func.count(Activity.id)).where(Activity.opportunity_id == opp.id, Activity.kind != "stage_change"))
    facts = {name: getattr(opp, name) for name in ("number", "title", "amount", "currency")}
    people = {"owner": opp.owner.slack_user_id, "asked_by": actor.slack_user_id}
    review = review_view(opp, _review(session, opp))
    return MeetingView(
        **facts, **people, outcome=opp.status, stages=tuple(stages), closed_on=_day(opp.closed_at, config), activities=activities or 0, review=review
    )


def _day(moment: datetime, config: Config):
    """The team's calendar day of ``moment``."""
    return moment.astimezone(config.tz).date()


# --- the owner's reminder -----------------------------------------------------------------------


def remind_due(rt, now: datetime, workspace_id: str | None = None) -> int:
    """DM the owner of each deal whose review is still asked ``[review] remind_days`` after its
    close, once (``reminded_at``; the outbox key ``review-remind:<id>``). Returns how many."""
    config = rt.config
    cutoff = now - timedelta(days=config.after.review_remind_days)
    with rt.transaction() as session:
        due = select(Review).where(Review.status == "asked", Review.asked_at <= cutoff, Review.reminded_at.is_(None)).order_by(Review.asked_at, Review.id)
        if workspace_id is not None:
            due = due.join(Opportunity, Opportunity.id == Review.opportunity_id).where(Opportunity.workspace_id == workspace_id)
        reviews = session.scalars(due.limit(500)).all()
        for review in reviews:
            review.reminded_at = now
            opp = session.get(Opportunity, review.opportunity_id)
            if opp.status in CLOSED:
                reply = reminder_message(review_view(opp, review), config.after.review_remind_days, language_of(opp.owner, config))
                key = f"review-remind:{review.id}"
                outbox.enqueue(session, workspace_id=opp.workspace_id, key=key, kind="review_remind", channel=opp.owner.slack_user_id, reply=reply, now=now)
    return len(reviews)


def review_of(session: Session, opp) -> ReviewView | None:
    """A closed deal's review as written so far (asked, done or skipped), or None when none was asked."""
    review = _review(session, opp) if opp.status in CLOSED else None
    return review_view(opp, review) if review is not None else None
