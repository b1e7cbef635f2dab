"""The weekly review meeting's agenda (商机评审会): which big open deals it goes through and which
earlier actions are still open (SQL, one query per list), who may post it, and posting it to the
team channel through the outbox, at most once a (local) day: by `/opp meeting`, and by the worker
on ``[meeting] weekday`` at ``time`` (so once a week; a day whose time passed while the worker was
down gets it later that day). The outbox key names the workspace and the day, so two ticks, two
workers, or a manager who posted it before the worker's time post it once.

A big deal is an open deal whose amount, in the workspace currency (other currencies at their
``[currencies]`` rates; one without a rate is left out), is at least ``[meeting] big_deal``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import exists, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.blocks.kit import Reply
from bot.blocks.meeting import ACTIONS_SHOWN, BACK_DAYS, DEALS_SHOWN, ActionLine, Agenda, agenda_message
from bot.core.config import WEEKDAYS, Config
from bot.core.errors import BadInput, PermissionDenied
from bot.core.periods import month_of
from bot.delivery.outbox import enqueue
from bot.reporting import metrics
from bot.reporting.digests import send_time
from bot.team.members import Actor, role_of
from bot.team.uninstall import served
from store import queries
from store.db import one_at_a_time
from store.models import Event, MeetingAction, Member, Opportunity, OutboxMessage

log = logging.getLogger(__name__)

CHAIRS = ("manager", "admin")  # roles that may post the agenda


def meeting_channel(config: Config) -> str | None:
    """Where the agenda goes: channels.meeting, else channels.digest."""
    return config.channels.get("meeting") or config.channels.get("digest")


def converted_amount(config: Config):
    """The deal's amount in the workspace currency (NULL for a currency without a rate)."""
    return queries.amount_in(config.currency, config.rates)


def _big(config: Config):
    return converted_amount(config) >= literal(float(config.meeting.big_deal))


def _move_back(config: Config, now: datetime) -> list:
    """WHERE conditions for an event that moved its deal to an earlier stage within ``BACK_DAYS`` of ``now``."""
    rank = metrics.stage_rank
    return [Event.kind == "stage", Event.at >= now - timedelta(days=BACK_DAYS), rank(Event.new, config) < rank(Event.old, config)]


def _moved_back(config: Config, now: datetime):
    return exists().where(Event.opportunity_id == Opportunity.id, *_move_back(config, now))


def agenda(session: Session, config: Config, workspace_id: str, now: datetime) -> Agenda:
    """This week's agenda as of ``now``: the big open deals in each section, biggest first, and
    the open actions, the first due first."""
    day = now.astimezone(config.tz).date()
    month = month_of(day, config.tz)
    base = [*metrics.open_where(workspace_id, None), _big(config)]
    order = [converted_amount(config).desc(), Opportunity.number]

    def deals(*where, **how):
        return metrics.items(session, [*base, *where], order, DEALS_SHOWN, **how)

    actions, total = open_actions(session, workspace_id)
    backwards = deals(_moved_back(config, now))
    return Agenda(
        day=day,
        now=now,
        big_deal=Decimal(str(config.meeting.big_deal)),
        backwards=backwards,
        stalled=deals(metrics.stalled_condition(config, now)),
        at_risk=metrics.at_risk(session, workspace_id, DEALS_SHOWN, where=[_big(config)], order=order),
        closing=deals(Opportunity.expected_close >= month.first, Opportunity.expected_close <= month.last, day_column=Opportunity.expected_close),
        actions=actions,
        actions_total=total,
        moves=_back_moves(session, config, workspace_id, [item.number for item in backwards.items], now),
    )


def _back_moves(session: Session, config: Config, workspace_id: str, numbers: list[int], now: datetime) -> dict[int, tuple[str, str]]:
    """{deal number: (stage left, stage entered)} of the latest move back of each of ``numbers``."""
    if not numbers:
        return {}
    rows = session.execute(
        select(Opportunity.number, Event.old, Event.new)
        .join(Event, Event.opportunity_id == Opportunity.id)
        .where(Opportunity.workspace_id == workspace_id, Opportunity.number.in_(numbers), *_move_back(config, now))
        .order_by(Event.at, Event.id)
    ).all()
    return {number: (old, new) for number, old, new in rows}  # the latest move of each wins


def open_actions(session: Session, workspace_id: str) -> tuple[list[ActionLine], int]:
    """The first ``ACTIONS_SHOWN`` actions not done (the first due first), and how many there are."""
    where = [MeetingAction.workspace_id == workspace_id, MeetingAction.done_at.is_(None)]
    total = session.scalar(select(func.count(MeetingAction.id)).where(*where)) or 0
    rows = session.execute(
        select(MeetingAction.id, Opportunity.number, Opportunity.title, MeetingAction.text, Member.slack_user_id, Member.display_name, MeetingAction.due_on)
        .join(Opportunity, Opportunity.id == MeetingAction.opportunity_id)
        .join(Member, Member.id == MeetingAction.assignee_id)
        .where(*where)
        .order_by(MeetingAction.due_on, MeetingAction.id)
        .limit(ACTIONS_SHOWN)
    ).all()
    return [ActionLine(*row) for row in rows], total


def may_chair(actor: Actor) -> bool:
    return actor.is_admin or role_of(actor) in CHAIRS


def preview(session: Session, config: Config, actor: Actor, now: datetime) -> Reply:
    """The agenda for ``actor`` alone, in their language (anyone may look)."""
    return agenda_message(agenda(session, config, actor.workspace_id, now), config, actor.lang, preview=True)


def post(session: Session, config: Config, actor: Actor, now: datetime) -> str:
    """A manager or admin posts the agenda to the team channel, at most once a (local) day;
    returns the channel. Others are refused, told who may and how to see it themselves."""
    if not may_chair(actor):
        raise PermissionDenied("mt_not_allowed")
    channel = meeting_channel(config)
    if not channel:
        raise BadInput("mt_no_channel")
    if not _enqueue(session, config, actor.workspace_id, channel, now):
        raise BadInput("mt_posted_today", channel=channel)
    return channel


def _enqueue(session: Session, config: Config, workspace_id: str, channel: str, now: datetime) -> bool:
    """Queue the agenda unless it was queued this local day already; whether it was queued now."""
    key = f"meeting:{workspace_id}:{now.astimezone(config.tz).date().isoformat()}"
    one_at_a_time(session, key)  # another poster of the day's agenda waits for this one, then finds it queued
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return False
    reply = agenda_message(agenda(session, config, workspace_id, now), config, config.language)
    enqueue(session, workspace_id=workspace_id, key=key, kind="meeting_agenda", channel=channel, reply=reply, now=now)
    return True


def scheduled_due(config: Config, now: datetime) -> bool:
    """Whether ``now`` is on the meeting's weekday, at or after its time (team timezone)."""
    settings = config.meeting
    local_day = now.astimezone(config.tz).date()
    return bool(settings.weekday) and WEEKDAYS[local_day.weekday()] == settings.weekday and now >= send_time(config, local_day, settings.time)


def post_due_agendas(rt, now: datetime, workspace_id: str | None = None) -> int:
    """The worker's weekly post: every workspace's agenda, once on the meeting's day, from its
    time. Returns how many were queued; safe to run from several workers at once."""
    channel = meeting_channel(rt.config)
    if not channel or not scheduled_due(rt.config, now):
        return 0
    with rt.sessions() as session:
        workspaces = served(session, workspace_id)
    queued = 0
    for workspace_id in workspaces:  # each in a transaction of its own
        try:
            with rt.transaction() as session:
                queued += _enqueue(session, rt.config, workspace_id, channel, now)
        except IntegrityError:  # another worker queued it first
            log.info("meeting agenda for %s was queued by another worker", workspace_id)
    return queued
