"""What the worker does, each a plain function ``(runtime, client, now)`` that tests call directly
with a fixed clock: assignments that expire, the alert scan, reminders, reviews still missing, the
daily bundles, digests, the outbox sender, the nightly refresh of win probabilities, and forgetting
the keys of requests handled long ago, and the forecast saved at the start of each month and
quarter (forecast accuracy). ``tick`` runs one pass."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import select

from bot.alerts import scan as watch
from bot.blocks.accounts import revisit_message
from bot.blocks.alerts import reminder_message
from bot.core.runtime import Runtime
from bot.deals import followons, reviews, threads, winprob
from bot.deals.recycle import return_idle_deals, warn_idle_deals
from bot.delivery.outbox import enqueue
from bot.reporting import accuracy, meeting
from bot.reporting import digests as digest
from bot.team.assignment import expire_offers
from bot.team.members import language_of
from bot.team.uninstall import days_after_uninstall, purge_expired
from bot.worker.installed import WorkspaceClients
from bot.worker.limits import Limiter
from bot.worker.sender import SendResult, send_due
from store import requests
from store.db import refresh_statistics
from store.models import Member, Opportunity, Reminder

log = logging.getLogger(__name__)

REQUEST_MEMORY = timedelta(days=7)  # Slack repeats a request within minutes; a double submit within seconds


def scan_all(rt: Runtime, client: WebClient | None, now: datetime) -> list[watch.ScanResult]:
    """Scan every workspace: open and clear alerts, announce, escalate (one transaction each)."""
    results = []
    with rt.sessions() as session:
        ids = watch.workspaces(session)
    for workspace_id in ids:
        with rt.transaction() as session:
            results.append(watch.scan(session, config=rt.config, workspace_id=workspace_id, now=now))
    return results


def send_outbox(
    rt: Runtime, client: WebClient | WorkspaceClients, now: datetime, *, limiter: Limiter | None = None, sleep: Callable[[float], None] = time.sleep
) -> SendResult:
    """Bring deals' threads up to date (their cards, notes of changes, rooms to archive), then
    deliver within Slack's rate limits (``limiter``, bot.worker.limits)."""
    catch_up_threads(rt, now)
    return send_due(rt.sessions, client, now, limiter=limiter, sleep=sleep)


def catch_up_threads(rt: Runtime, now: datetime) -> int:
    count = 0
    with rt.sessions() as session:
        ids = watch.workspaces(session)
    for workspace_id in ids:
        try:
            with rt.transaction() as session:
                count += threads.catch_up(session, rt.config, workspace_id, now)
        except Exception:  # one workspace's threads never hold up the messages already queued
            log.exception("could not bring the deal threads of workspace %s up to date", workspace_id)
    return count


def due_reminders(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    """Queue a DM for every reminder now due (marked sent in the same transaction)."""
    count = 0
    with rt.transaction() as session:
        reminders = session.scalars(select(Reminder).where(Reminder.sent_at.is_(None), Reminder.due_at <= now).order_by(Reminder.due_at).limit(1000)).all()
        for reminder in reminders:
            member = session.get(Member, reminder.member_id)
            opp = session.get(Opportunity, reminder.opportunity_id) if reminder.opportunity_id else None
            lang = language_of(member, rt.config)
            enqueue(
                session,
                workspace_id=reminder.workspace_id,
                key=f"reminder:{reminder.id}",
                kind="reminder",
                channel=member.slack_user_id,
                reply=reminder_message(reminder.text, opp.number if opp else None, opp.title if opp else None, lang, config=rt.config),
                now=now,
            )
            reminder.sent_at = now
            count += 1
    return count


def review_reminders(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    """Remind, once, the owner of each deal closed ``[review] remind_days`` ago whose review was
    neither written nor skipped."""
    return reviews.remind_due(rt, now)


def refresh_probabilities(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    """The nightly refresh: relearn win probabilities from closed deals, restamp open ones, and
    refresh the database's statistics (SQLite has no autovacuum to keep its planner informed)."""
    updated = 0
    with rt.sessions() as session:
        ids = watch.workspaces(session)
    for workspace_id in ids:
        with rt.transaction() as session:
            winprob.learn(session, workspace_id)
            updated += winprob.refresh_open(session, workspace_id, rt.config)
    refresh_statistics(rt.sessions.kw["bind"])
    return updated


def daily_bundles(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    count = 0
    with rt.sessions() as session:
        ids = watch.workspaces(session)
    for workspace_id in ids:
        with rt.transaction() as session:
            count += watch.bundle(session, config=rt.config, workspace_id=workspace_id, now=now)
    return count


def assignments(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    """Unanswered assignment offers pass on; owners of deals about to return to the public pool are
    warned; deals idle too long (and warned) go back to it."""
    return expire_offers(rt, now) + return_idle_deals(rt, now) + warn_idle_deals(rt, now)


def forget_requests(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    """Drop the keys of requests handled more than ``REQUEST_MEMORY`` ago (handlers.replays)."""
    with rt.transaction() as session:
        return requests.forget_before(session, now - REQUEST_MEMORY)


def revisits(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    """Remind won deals' owners, once, to go back for a follow-on (二次商机), in working hours."""
    if not rt.config.alerts.working_time(now.astimezone(rt.config.tz)):
        return 0
    count = 0
    with rt.sessions() as session:
        ids = watch.workspaces(session)
    for workspace_id in ids:
        with rt.transaction() as session:
            for opp in followons.due_revisits(session, rt.config, workspace_id, now):
                lang = language_of(opp.owner, rt.config)
                reply = revisit_message(opp.number, opp.title, opp.account, rt.config.after.revisit_days, lang)
                enqueue(
                    session,
                    workspace_id=workspace_id,
                    key=f"{followons.REVISIT_KEY}{opp.id}",
                    kind="revisit",
                    channel=opp.owner.slack_user_id,
                    reply=reply,
                    now=now,
                )
                count += 1
    return count


def forecast_snapshots(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    """Save each owner's forecast for the month and the quarter now in, once per period."""
    return accuracy.take_snapshots(rt, now)


def meeting_agendas(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    """The weekly review meeting's agenda, posted once a week at [meeting] weekday and time."""
    return meeting.post_due_agendas(rt, now)


def tick(rt: Runtime, client: WebClient, now: datetime, *, limiter: Limiter | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
    """One pass of everything but the daily refresh, in order (what `oppbot worker --once` does);
    the outbox within ``limiter``'s budgets."""
    assignments(rt, client, now)
    scan_all(rt, client, now)
    due_reminders(rt, client, now)
    revisits(rt, client, now)
    review_reminders(rt, client, now)
    daily_bundles(rt, client, now)
    digest.send_due_digests(rt, now)
    meeting_agendas(rt, client, now)
    send_outbox(rt, client, now, limiter=limiter, sleep=sleep)
    forget_requests(rt, client, now)
    forecast_snapshots(rt, client, now)
    forget_uninstalled(rt, client, now)


def forget_uninstalled(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    """Delete the data of workspaces that removed the app longer ago than the retention
    (OPPBOT_DAYS_AFTER_UNINSTALL, bot.team.uninstall); how many workspaces went."""
    with rt.transaction() as session:
        return len(purge_expired(session, now, days=days_after_uninstall()))
