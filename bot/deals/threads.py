"""One thread per deal per channel. The first time oppbot posts about a deal in a channel (an
alert, a room), it posts the deal's card there first: the card is the thread's parent and every
later post about the deal in that channel replies to it (a ``deal_threads`` row remembers the
card's outbox row). The card is kept current: when the deal changes, each of its threads gets its
card edited (chat.update of the parent) and a note of what changed (a new stage, won or lost, a new
owner), all through the outbox, so a change made while Slack is down reaches every thread once.

``catch_up`` does that from the deal's events, for every thread whose deal has events it has not
seen; the worker runs it before each delivery run. A change of a deal that has no thread yet is
posted nowhere (a thread starts with an alert or a room, not with a change), except a big deal's
(``[rooms] big_deal``): its move starts its thread in the team's deals channel. When a deal with a
room closes, the room is told and (``[rooms] archive_on_close``) archived after its last message."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.blocks.deals import deal_card
from bot.blocks.kit import Reply
from bot.blocks.rooms import Change, thread_note
from bot.core.config import Config
from bot.deals.views import deal_view
from bot.delivery import outbox
from store import queries
from store.models import DealThread, Event, Opportunity, OutboxMessage

CARD_KIND = "deal_card"
ARCHIVE_KIND = "room_archive"  # the sender archives the row's channel instead of posting
CLOSED = ("won", "lost")
NOTE_LIMIT = 10  # changes a note lists at most (the newest)
MOVES_WITHIN = timedelta(days=1)  # a big deal's move older than this (the worker was down) starts no thread


def card_reply(config: Config, opp: Opportunity, now: datetime) -> Reply:
    """The deal's card as a channel sees it (the team's language and clock)."""
    return deal_card(deal_view(opp), config, config.language, now.astimezone(config.tz))


def last_event(session: Session, opportunity_id: int) -> int:
    return session.scalar(select(func.max(Event.id)).where(Event.opportunity_id == opportunity_id)) or 0


def thread_in(session: Session, config: Config, opp: Opportunity, channel: str, now: datetime, *, seen: int | None = None) -> DealThread:
    """The deal's thread in ``channel``: queues the deal's card there (its parent) the first time,
    as having told the deal's events up to ``seen`` (default: all of them)."""
    found = session.scalars(select(DealThread).where(DealThread.opportunity_id == opp.id, DealThread.channel == channel)).one_or_none()
    if found is not None:
        return found
    card = outbox.enqueue(
        session, workspace_id=opp.workspace_id, key=f"card:{opp.id}:{channel}", kind=CARD_KIND, channel=channel, reply=card_reply(config, opp, now), now=now
    )
    session.flush()
    made = DealThread(
        workspace_id=opp.workspace_id,
        opportunity_id=opp.id,
        channel=channel,
        parent_id=card.id,
        event_seen=last_event(session, opp.id) if seen is None else seen,
        created_at=now,
    )
    session.add(made)
    session.flush()
    return made


def post(session: Session, config: Config, opp: Opportunity, channel: str, *, key: str, kind: str, reply: Reply, now: datetime) -> OutboxMessage:
    """Queue ``reply`` about ``opp`` in its thread in ``channel`` (the thread starts if it has none)."""
    parent = thread_in(session, config, opp, channel, now).parent_id
    return outbox.enqueue(session, workspace_id=opp.workspace_id, key=key, kind=kind, channel=channel, reply=reply, now=now, thread_of=parent)


def changes_of(events: list[Event]) -> list[Change]:
    """What a deal's threads are told of its events: a new stage, won, lost or reopened, a new owner."""
    out = []
    for e in events:
        who = e.actor.slack_user_id
        if e.kind == "stage":
            out.append(Change("stage", who, e.old, e.new))
        elif e.kind == "status" and e.new in (*CLOSED, "open"):
            out.append(Change("reopened" if e.new == "open" else e.new, who))
        elif e.field == "owner" and e.old != e.new and _person(e.new):
            out.append(Change("owner", who, e.old if _person(e.old) else None, e.new))
    return out[-NOTE_LIMIT:]


def _person(value: str | None) -> bool:
    """Whether an owner event's value is a Slack user id (not "pool", not nobody)."""
    return bool(value) and value[:1] in ("U", "W")


def stale(session: Session, workspace_id: str) -> list[tuple[DealThread, int]]:
    """The workspace's threads whose deal has events they have not seen, with the deal's last event."""
    # the deal's newest event, per thread, from the index on (opportunity_id, id): one statement
    newest = select(func.max(Event.id)).where(Event.opportunity_id == DealThread.opportunity_id).correlate(DealThread).scalar_subquery()
    rows = session.execute(
        select(DealThread, newest).where(DealThread.workspace_id == workspace_id, newest > DealThread.event_seen).order_by(DealThread.id)
    ).all()
    return [(thread, last) for thread, last in rows]


def big_deal_threads(session: Session, config: Config, workspace_id: str, now: datetime) -> int:
    """Start the thread, in channels.deals (else channels.alerts), of each big deal (``[rooms]
    big_deal``) that moved a stage, was won or lost within ``MOVES_WITHIN`` and has no thread there
    yet: its card, as having told nothing since just before that move, so ``catch_up`` tells it."""
    channel = config.channels.get("deals") or config.channels.get("alerts")
    if not channel or not config.rooms.big_deal:
        return 0
    since = now - MOVES_WITHIN
    first_move = (
        select(func.min(Event.id))
        .where(
            Event.opportunity_id == Opportunity.id,
            Event.at >= since,
            (Event.kind == "stage") | ((Event.kind == "status") & Event.new.in_(CLOSED)),
        )
        .correlate(Opportunity)
        .scalar_subquery()
    )
    threaded = select(DealThread.id).where(DealThread.opportunity_id == Opportunity.id, DealThread.channel == channel).exists()
    # the deals that just moved, by their own columns; then their events (ix_events_opportunity_id)
    moved = select(Opportunity.id, first_move.label("first")).where(
        Opportunity.workspace_id == workspace_id,
        Opportunity.status.notin_(("merged", "deleted")),
        (Opportunity.stage_entered_at >= since) | (Opportunity.closed_at >= since),
        queries.amount_in(config.currency, config.rates) >= config.rooms.big_deal,
        ~threaded,
        first_move.is_not(None),
    )
    rows = session.execute(moved.order_by(Opportunity.id)).all()
    for opportunity_id, first in rows:
        thread_in(session, config, session.get(Opportunity, opportunity_id), channel, now, seen=first - 1)
    return len(rows)


def catch_up(session: Session, config: Config, workspace_id: str, now: datetime) -> int:
    """Bring every stale thread of the workspace up to date: a note of what changed, the card
    edited to read as the deal does now, and a closed deal's room archived; big deals that moved
    get their thread first. Returns threads updated."""
    big_deal_threads(session, config, workspace_id, now)
    count = 0
    for thread, last in stale(session, workspace_id):
        opp = session.get(Opportunity, thread.opportunity_id)
        events = session.scalars(select(Event).where(Event.opportunity_id == opp.id, Event.id > thread.event_seen).order_by(Event.id)).all()
        room = thread.channel == opp.room_channel
        if room and opp.room_archived_at is not None:  # archived: nothing more is said there
            thread.event_seen = last
            continue
        closing = room and opp.status in CLOSED and config.rooms.archive_on_close
        changes = changes_of(list(events))
        if changes:
            outbox.enqueue(
                session,
                workspace_id=workspace_id,
                key=f"note:{thread.id}:{last}",
                kind="deal_change",
                channel=thread.channel,
                reply=thread_note(opp.number, changes, config, config.language, closing=closing),
                now=now,
                thread_of=thread.parent_id,
            )
        parent = session.get(OutboxMessage, thread.parent_id)
        outbox.enqueue(
            session,
            workspace_id=workspace_id,
            key=f"card:{thread.parent_id}:e{last}",
            kind=CARD_KIND,
            channel=parent.channel,
            reply=card_reply(config, opp, now),
            now=now,
            update_of=parent.id,
        )
        if closing:
            archive(session, opp, thread.channel, now)
        thread.event_seen = last
        count += 1
    return count


def archive(session: Session, opp: Opportunity, channel: str, now: datetime) -> None:
    """Queue the archiving of the deal's room, after every message queued for it before."""
    outbox.enqueue(session, workspace_id=opp.workspace_id, key=f"archive:{opp.id}:{channel}", kind=ARCHIVE_KIND, channel=channel, reply=Reply("", []), now=now)
    # a plain UPDATE: the worker's note must not bump the deal's version under someone editing it
    session.execute(update(Opportunity).where(Opportunity.id == opp.id).values(room_archived_at=now).execution_options(synchronize_session=False))
