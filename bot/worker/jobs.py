"""What the worker does, each a plain function ``(runtime, client, now, workspace_id=None)`` that
tests call directly with a fixed clock: assignments that expire, the alert scan, reminders, reviews
still missing, the daily bundles, digests, the outbox sender, the nightly refresh of win
probabilities, and forgetting the keys of requests handled long ago, and the forecast saved at the
start of each month and quarter (forecast accuracy). A workspace's job does that workspace's share
(``workspace_id``; None: every workspace's). ``JOBS`` lists them with how often each runs, for the
scheduler (bot.worker) and the task queue (bot.worker.queue); ``tick`` runs one pass."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
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
from bot.team.uninstall import days_after_uninstall, purge_expired, served
from bot.worker.installed import WorkspaceClients
from bot.worker.limits import Limiter
from bot.worker.sender import SendResult, send_due
from store import requests
from store.db import refresh_statistics
from store.models import Member, Opportunity, Reminder

log = logging.getLogger(__name__)

REQUEST_MEMORY = timedelta(days=7)  # Slack repeats a request within minutes; a double submit within seconds


def scan_all(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> list[watch.ScanResult]:
    """Scan every workspace: open and clear alerts, announce, escalate (one transaction each)."""
    results = []
    with rt.sessions() as session:
        ids = served(session, workspace_id)
    for served_id in ids:
        with rt.transaction() as session:
            results.append(watch.scan(session, config=rt.config, workspace_id=served_id, now=now))
    return results


def send_outbox(
    rt: Runtime,
    client: WebClient | WorkspaceClients,
    now: datetime,
    workspace_id: str | None = None,
    *,
    limiter: Limiter | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Bring deals' threads up to date (their cards, notes of changes, rooms to archive), then
    deliver within Slack's rate limits (``limiter``, bot.worker.limits)."""
    catch_up_threads(rt, now, workspace_id)
    return send_due(rt.sessions, client, now, limiter=limiter, sleep=sleep, workspace_id=workspace_id)


def catch_up_threads(rt: Runtime, now: datetime, only: str | None = None) -> int:
    count = 0
    with rt.sessions() as session:
        ids = served(session, only)
    for workspace_id in ids:
        try:
            with rt.transaction() as session:
                count += threads.catch_up(session, rt.config, workspace_id, now)
        except Exception:  # one workspace's threads never hold up the messages already queued
            log.exception("could not bring the deal threads of workspace %s up to date", workspace_id)
    return count


def due_reminders(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> int:
    """Queue a DM for every reminder now due (marked sent in the same transaction)."""
    count = 0
    due = select(Reminder).where(Reminder.sent_at.is_(None), Reminder.due_at <= now)
    if workspace_id is not None:
        due = due.where(Reminder.workspace_id == workspace_id)
    with rt.transaction() as session:
        reminders = session.scalars(due.order_by(Reminder.due_at).limit(1000)).all()
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


def review_reminders(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> int:
    """Remind, once, the owner of each deal closed ``[review] remind_days`` ago whose review was
    neither written nor skipped."""
    return reviews.remind_due(rt, now, workspace_id)


def refresh_probabilities(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> int:
    """The nightly refresh: relearn win probabilities from closed deals and restamp open ones."""
    updated = 0
    with rt.sessions() as session:
        ids = served(session, workspace_id)
    for served_id in ids:
        with rt.transaction() as session:
            winprob.learn(session, served_id)
            updated += winprob.refresh_open(session, served_id, rt.config)
    return updated


def refresh_database_statistics(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> int:
    """The nightly statistics refresh (SQLite has no autovacuum to keep its planner informed)."""
    refresh_statistics(rt.sessions.kw["bind"])
    return 1


def daily_bundles(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> int:
    count = 0
    with rt.sessions() as session:
        ids = served(session, workspace_id)
    for served_id in ids:
        with rt.transaction() as session:
            count += watch.bundle(session, config=rt.config, workspace_id=served_id, now=now)
    return count


def assignments(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> int:
    """Unanswered assignment offers pass on; owners of deals about to return to the public pool are
    warned; deals idle too long (and warned) go back to it."""
    return expire_offers(rt, now, workspace_id) + return_idle_deals(rt, now, workspace_id) + warn_idle_deals(rt, now, workspace_id)


def forget_requests(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> int:
    """Drop the keys of requests handled more than ``REQUEST_MEMORY`` ago (handlers.replays)."""
    with rt.transaction() as session:
        return requests.forget_before(session, now - REQUEST_MEMORY)


def revisits(rt: Runtime, client: WebClient | None, now: datetime, only: str | None = None) -> int:
    """Remind won deals' owners, once, to go back for a follow-on (二次商机), in working hours."""
    if not rt.config.alerts.working_time(now.astimezone(rt.config.tz)):
        return 0
    count = 0
    with rt.sessions() as session:
        ids = served(session, only)
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


def forecast_snapshots(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> int:
    """Save each owner's forecast for the month and the quarter now in, once per period."""
    return accuracy.take_snapshots(rt, now, workspace_id)


def meeting_agendas(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> int:
    """The weekly review meeting's agenda, posted once a week at [meeting] weekday and time."""
    return meeting.post_due_agendas(rt, now, workspace_id)


def forget_uninstalled(rt: Runtime, client: WebClient | None, now: datetime, workspace_id: str | None = None) -> int:
    """Delete the data of workspaces that removed the app longer ago than the retention
    (OPPBOT_DAYS_AFTER_UNINSTALL, bot.team.uninstall); how many workspaces went."""
    with rt.transaction() as session:
        return len(purge_expired(session, now, days=days_after_uninstall()))


@dataclass(frozen=True)
class Job:
    """A job the scheduler runs: its body, every ``every`` (or daily at ``at``, hour and minute in
    the team's timezone), one task per workspace on the queue (``per_workspace``) or one for the
    whole deployment."""

    name: str
    body: Callable[..., object]
    every: timedelta | None = None
    at: tuple[int, int] | None = None
    per_workspace: bool = True
    paced: bool = False  # it calls Slack: run with the rate limiter (bot.worker.limits)

    def run(
        self,
        rt: Runtime,
        client,
        now: datetime,
        workspace_id: str | None = None,
        *,
        limiter: Limiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> object:
        """The body within ``limiter``'s budgets if it calls Slack: for the deployment, or for one
        workspace (None: each one served, in turn) in that workspace's config (rt.in_workspace)."""
        paced = {"limiter": limiter, "sleep": sleep} if self.paced else {}
        if not self.per_workspace:
            return self.body(rt, client, now, None, **paced)
        if workspace_id is None:
            with rt.sessions() as session:
                ids = served(session)
        else:
            ids = [workspace_id]
        outcomes = []
        for served_id in ids:
            with rt.in_workspace(served_id):
                try:
                    outcomes.append(self.body(rt, client, now, served_id, **paced))
                except Exception:  # one workspace's failure never holds up the others'
                    if workspace_id is not None:
                        raise
                    log.exception("job %s failed for workspace %s", self.name, served_id)
        return together(outcomes)


def together(outcomes: list):
    """The outcomes of a job's runs for several workspaces as one: counts added up, lists joined."""
    if outcomes and all(isinstance(o, SendResult) for o in outcomes):
        return SendResult(**{f.name: sum(getattr(o, f.name) for o in outcomes) for f in fields(SendResult)})
    if outcomes and all(isinstance(o, list) for o in outcomes):
        return [item for o in outcomes for item in o]
    return sum(o for o in outcomes if isinstance(o, int))


JOBS: tuple[Job, ...] = (  # in the order one pass (tick) runs them
    Job("assignments", assignments, timedelta(minutes=5)),
    Job("scan", scan_all, timedelta(minutes=5)),
    Job("due_reminders", due_reminders, timedelta(seconds=30)),
    Job("revisits", revisits, timedelta(minutes=30)),
    Job("review_reminders", review_reminders, timedelta(minutes=10)),
    Job("daily_bundles", daily_bundles, timedelta(minutes=10)),
    Job("send_digests", digest.digest_job, timedelta(minutes=1)),
    Job("meeting_agendas", meeting_agendas, timedelta(minutes=1)),
    Job("send_outbox", send_outbox, timedelta(seconds=20), paced=True),
    Job("forget_requests", forget_requests, timedelta(hours=1), per_workspace=False),
    Job("forecast_snapshots", forecast_snapshots, timedelta(minutes=5)),
    Job("forget_uninstalled", forget_uninstalled, timedelta(hours=1), per_workspace=False),
    Job("refresh_probabilities", refresh_probabilities, at=(2, 30)),
    Job("refresh_statistics", refresh_database_statistics, at=(2, 45), per_workspace=False),
)
BY_NAME = {job.name: job for job in JOBS}


def tick(rt: Runtime, client: WebClient, now: datetime, *, limiter: Limiter | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
    """One pass of everything but the nightly refresh, in order (what `oppbot worker --once` does);
    the outbox within ``limiter``'s budgets."""
    for job in JOBS:
        if job.every is not None:
            job.run(rt, client, now, limiter=limiter, sleep=sleep)
