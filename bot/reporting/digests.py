"""Digests: the daily manager digest, the weekly funnel digest and the rep's morning brief.

What is due is decided in the team's timezone (``[digest]`` in config.toml): the daily digest at
``daily_time`` on working days, the weekly one on ``weekly_day`` at the same time (covering the
week before), the brief at ``brief_time`` for members who turned it on. A digest that was not sent
at its time (the worker was down) goes out later the same local day.

Each digest is sent once per period per recipient: a ``DigestRun`` row (unique on workspace, kind,
period, recipient) is written in the same transaction as the outbox message, so a second worker, or
the same one after a restart, finds it and sends nothing. The scheduler calls
``send_due_digests(rt)`` every minute.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.blocks import digests as digest_render
from bot.blocks.deals import Reply
from bot.blocks.views import Changes, Forecast, Funnel, RepRow
from bot.core.config import WEEKDAYS, Config
from bot.core.periods import month_of, quarter_of, week_of
from bot.deals import recycle
from bot.delivery.outbox import enqueue
from bot.reporting import attainment, cash, metrics, summaries
from bot.team.members import language_of
from bot.team.uninstall import served
from store.models import DigestRun, Member, Opportunity

log = logging.getLogger(__name__)

KINDS = ("daily", "weekly", "brief")
RETURNING_WITHIN = timedelta(days=7)  # the daily digest lists the deals due back in the public pool within this


@dataclass(frozen=True)
class Due:
    """One digest to send: ``recipient`` is a Slack user id (a DM) or a channel."""

    workspace_id: str
    kind: str
    period: str
    recipient: str
    lang: str
    day: date  # the local day it is sent on
    member_id: int | None = None  # the brief's owner


def returning(session, config, workspace_id: str, now, top: int, owner_ids=None):
    """The deals due back in the public pool within ``RETURNING_WITHIN`` of ``now`` (``owner_ids``'s only, if given)."""
    where = [Opportunity.workspace_id == workspace_id, recycle.due_at(config, now + RETURNING_WITHIN)]
    if owner_ids is not None:
        where.append(Opportunity.owner_id.in_(owner_ids))
    return metrics.items(session, where, [Opportunity.number], top)


def send_time(config: Config, day: date, hhmm: str) -> datetime:
    """``hhmm`` on local ``day`` in the team's timezone, as an aware datetime (DST-correct)."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), config.tz)


def previous_working_day(config: Config, day: date) -> date:
    prev = day - timedelta(days=1)
    for _ in range(7):
        if config.digest.working(prev):
            return prev
        prev -= timedelta(days=1)
    return day - timedelta(days=1)


def week_period(day: date) -> str:
    """The ISO week before ``day``'s week, e.g. "2026-W47": what a weekly digest sent on ``day`` covers."""
    year, week, _ = (day - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def managers(session: Session, config: Config, workspace_id: str) -> list[tuple[str, str, int | None]]:
    """(Slack user id, language, member id) of everyone who gets the manager digests."""
    wanted = set(config.admins) | set(config.digest.managers)
    rows = session.scalars(
        select(Member).where(Member.workspace_id == workspace_id, or_(Member.role.in_(("manager", "admin")), Member.slack_user_id.in_(wanted)))
    ).all()
    found = {m.slack_user_id: (m.slack_user_id, language_of(m, config), m.id) for m in rows}
    for user in sorted(wanted - set(found)):
        found[user] = (user, config.language, None)
    return sorted(found.values())


def due_digests(rt, now: datetime, workspace_id: str | None = None) -> list[Due]:
    """The digests due at ``now`` that have not been sent yet (of one workspace, when given)."""
    config = rt.config
    settings = config.digest
    local_day = now.astimezone(config.tz).date()
    if not settings.working(local_day):
        return []
    daily_due = now >= send_time(config, local_day, settings.daily_time)
    weekly_due = daily_due and WEEKDAYS[local_day.weekday()] == settings.weekly_day
    brief_due = now >= send_time(config, local_day, settings.brief_time)
    if not (daily_due or brief_due):
        return []
    channel = config.channels.get("digest") if "channel" in settings.deliver else None
    out: list[Due] = []
    with rt.transaction() as session:
        for served_id in served(session, workspace_id):
            targets = []
            if daily_due or weekly_due:
                if "dm" in settings.deliver:
                    targets += managers(session, config, served_id)
                if channel:
                    targets.append((channel, config.language, None))
            wanted = []
            for user, lang, member_id in targets:
                if daily_due:
                    wanted.append(Due(served_id, "daily", local_day.isoformat(), user, lang, local_day, member_id))
                if weekly_due:
                    wanted.append(Due(served_id, "weekly", week_period(local_day), user, lang, local_day, member_id))
            if brief_due:
                for member in session.scalars(select(Member).where(Member.workspace_id == served_id, Member.brief_enabled.is_(True)).order_by(Member.id)):
                    wanted.append(Due(served_id, "brief", local_day.isoformat(), member.slack_user_id, language_of(member, config), local_day, member.id))
            if not wanted:
                continue
            sent = set(
                session.execute(
                    select(DigestRun.kind, DigestRun.period, DigestRun.recipient).where(
                        DigestRun.workspace_id == served_id, DigestRun.period.in_({d.period for d in wanted})
                    )
                ).all()
            )
            out += [d for d in wanted if (d.kind, d.period, d.recipient) not in sent]
    return out


def send_due_digests(rt, now: datetime | None = None, workspace_id: str | None = None) -> int:
    """Queue every digest due at ``now`` (default: the runtime's clock) in the outbox, each once;
    of one workspace when given. Returns how many were queued. Safe to run from several workers at once."""
    now = now or rt.clock.now()
    queued = 0
    cache: dict[tuple, object] = {}
    for due in due_digests(rt, now, workspace_id):
        try:
            with rt.transaction() as session:
                taken = session.scalar(
                    select(DigestRun.id).where(
                        DigestRun.workspace_id == due.workspace_id,
                        DigestRun.kind == due.kind,
                        DigestRun.period == due.period,
                        DigestRun.recipient == due.recipient,
                    )
                )
                if taken is not None:
                    continue
                # claim first: a second worker blocks here (or fails the unique key) before doing any work
                session.add(DigestRun(workspace_id=due.workspace_id, kind=due.kind, period=due.period, recipient=due.recipient, created_at=now))
                session.flush()
                reply = build(session, rt.config, due, now, cache)
                enqueue(
                    session,
                    workspace_id=due.workspace_id,
                    key=f"digest:{due.workspace_id}:{due.kind}:{due.period}:{due.recipient}",
                    kind=f"digest_{due.kind}",
                    channel=due.recipient,
                    reply=reply,
                    now=now,
                )
            queued += 1
        except IntegrityError:
            log.info("digest %s %s for %s was sent by another worker", due.kind, due.period, due.recipient)
        except Exception:  # nothing was recorded: the next run tries again; the others still go
            log.exception("digest %s %s for %s failed", due.kind, due.period, due.recipient)
    return queued


def digest_job(rt, client, now: datetime, workspace_id: str | None = None) -> int:
    """The worker's job body (same shape as its other jobs): queue the digests due at ``now``;
    the outbox sender delivers them. Schedule it every minute."""
    return send_due_digests(rt, now, workspace_id)


def build(session: Session, config: Config, due: Due, now: datetime, cache: dict | None = None) -> Reply:
    """The message for one due digest. Figures are computed once per workspace, kind and period
    (``cache``) and rendered in each recipient's language."""
    cache = {} if cache is None else cache
    if due.kind == "brief":
        return digest_render.brief(brief_facts(session, config, due.workspace_id, due.member_id, due.day, now), config, due.lang)
    key = (due.workspace_id, due.kind, due.period)
    if key not in cache:
        if due.kind == "daily":
            cache[key] = daily_facts(session, config, due.workspace_id, due.day)
        else:
            cache[key] = weekly_facts(session, config, due.workspace_id, due.day)
    facts = cache[key]
    if due.kind == "daily":
        return digest_render.daily(facts, config, due.lang)
    return digest_render.weekly(*facts, config, due.lang)


# --- figures -------------------------------------------------------------------------------------


def daily_facts(session: Session, config: Config, workspace_id: str, day: date) -> digest_render.Daily:
    """The daily digest for local ``day``: changes since the previous working day's digest time,
    and the pipeline as it stands. A few passes over the tables (bot.reporting.summaries), then the
    handful of deals each list shows."""
    tz, top = config.tz, config.digest.top
    end = send_time(config, day, config.digest.daily_time)
    start = send_time(config, previous_working_day(config, day), config.digest.daily_time)
    week, month, quarter = week_of(day, tz), month_of(day, tz), quarter_of(day, tz)
    opened = summaries.open_summary(session, config, workspace_id, now=end, today=day, week=week, month=month, quarter=quarter)
    window = summaries.window_summary(session, workspace_id, start, end, month, quarter)
    events = summaries.event_summary(session, config, workspace_id, start, end)
    activities = summaries.activity_counts(session, workspace_id, start, end)
    members = {
        i: (u, n) for i, u, n in session.execute(select(Member.id, Member.slack_user_id, Member.display_name).where(Member.workspace_id == workspace_id))
    }
    reps: dict[int, RepRow] = {}
    for member_id in {*opened.by_owner, *events, *activities}:
        row = reps[member_id] = RepRow(member_id, *members.get(member_id, ("?", "")))
        row.open, row.overdue = opened.by_owner.get(member_id, (0, 0))
        row.advanced = events.get(member_id, (0, 0))[0]
        row.activities = activities.get(member_id, 0)
    month_target, quarter_target = (attainment.team_target(session, config, workspace_id, p) for p in (month, quarter))
    month_forecast = Forecast(month, window.month_won, opened.month_weighted, opened.month_committed, month_target)
    quarter_forecast = Forecast(quarter, window.quarter_won, opened.quarter_weighted, opened.quarter_committed, quarter_target)
    changes = Changes(
        new=window.new,
        new_amount=window.new_amount,
        advanced=sum(a for a, _ in events.values()),
        won=metrics.closed(session, workspace_id, "won", start, end, top, total=window.won, amount=window.won_amount),
        lost=metrics.closed(session, workspace_id, "lost", start, end, top, total=window.lost, amount=window.lost_amount),
        owner_changes=sum(m for _, m in events.values()),
    )
    return digest_render.Daily(
        cash=cash.due_and_overdue(session, workspace_id, week.first, week.last, day, top),
        day=day,
        start=start,
        end=end,
        changes=changes,
        risks=metrics.at_risk(session, workspace_id, top),
        returning=returning(session, config, workspace_id, end, top),
        stalled=metrics.stalled(session, config, workspace_id, end, top, total=opened.stalled),
        overdue=metrics.overdue(session, workspace_id, day, top, total=opened.overdue),
        alerts=metrics.open_alerts(session, workspace_id),
        closing=metrics.closing(session, workspace_id, week, top, total=opened.closing, amount=opened.closing_amount),
        closing_weighted=opened.closing_weighted,
        unanswered=metrics.unanswered_offers(session, workspace_id),
        pipeline=opened.pipeline,
        month=month_forecast,
        quarter=quarter_forecast,
        reps=sorted(reps.values(), key=lambda r: (-r.open, -r.activities, r.slack_user_id)),
        attainment=attainment.team_lines(month_forecast, quarter_forecast),
    )


def weekly_facts(session: Session, config: Config, workspace_id: str, day: date) -> tuple[Funnel, Funnel]:
    """The week before ``day``'s week, and the week before that."""
    this = week_of(day - timedelta(days=7), config.tz)
    return metrics.funnel(session, config, workspace_id, this), metrics.funnel(session, config, workspace_id, this.previous())


def brief_facts(session: Session, config: Config, workspace_id: str, member_id: int, day: date, now: datetime) -> digest_render.Brief:
    owner = (member_id,)
    top = config.digest.top
    return digest_render.Brief(
        day=day,
        now=now,
        due=metrics.due_on(session, workspace_id, day, top, owner),
        overdue=metrics.overdue(session, workspace_id, day, top, owner),
        stalled=metrics.stalled(session, config, workspace_id, now, top, owner),
        closing=metrics.closing(session, workspace_id, week_of(day, config.tz), top, owner),
    )


# --- the brief, on or off -------------------------------------------------------------------------

BRIEF_WORDS = {"on": True, "开": True, "开启": True, "off": False, "关": False, "关闭": False}


def set_brief(rt, actor, enabled: bool | None) -> bool:
    """Turn the member's morning brief on or off (None: leave it); returns whether it is on."""
    with rt.transaction() as session:
        member = session.get(Member, actor.member_id)
        if enabled is not None:
            member.brief_enabled = enabled
        return member.brief_enabled
