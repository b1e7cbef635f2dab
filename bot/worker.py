"""`oppbot worker`: the scheduler process. However many are started, one acts.

A lease row (``leases``, name ``worker``) says who acts. It is taken and renewed atomically:
``UPDATE leases SET holder = me, expires_at = now + LEASE_TTL WHERE name = 'worker' AND
(expires_at < now OR holder = me)`` (an INSERT the first time; a unique key settles a race). Every
process renews or tries to take it every ``RENEW_EVERY``; a holder that dies is replaced within
``LEASE_TTL`` + ``RENEW_EVERY`` (under a minute).

The jobs live in an APScheduler SQLAlchemyJobStore on the same database, attached only while
this process holds the lease (a job store must not be shared by two running schedulers) and
detached when the lease is lost. Missed runs coalesce into one. Each job checks the lease again
before acting, and its body is a plain function ``(runtime, client, now)`` that tests call
directly with a fixed clock.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.reporting import digests as digest
from bot.alerts import scan as watch
from bot.deals import winprob
from bot.blocks.alerts import reminder_message
from bot.team.members import language_of
from bot.delivery.outbox import enqueue
from bot.team.assignment import expire_offers
from bot.deals.pool import return_idle_deals
from bot.core.runtime import Runtime
from bot.delivery.sender import SendResult, send_due
from store.db import transaction
from store.models import Lease, Member, Opportunity, Reminder

log = logging.getLogger(__name__)

LEASE_NAME = "worker"
LEASE_TTL = timedelta(seconds=40)
RENEW_EVERY = timedelta(seconds=15)
JOBSTORE = "db"


# --- the lease ------------------------------------------------------------------------------


def take_lease(rt: Runtime, holder: str, now: datetime, *, name: str = LEASE_NAME, ttl: timedelta = LEASE_TTL) -> bool:
    """Take or renew the lease; True if ``holder`` has it until ``now + ttl``."""
    with transaction(rt.sessions) as session:
        taken = session.execute(
            update(Lease)
            .where(Lease.name == name, or_(Lease.expires_at < now, Lease.holder == holder))
            .values(holder=holder, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken == 1:
            return True
        if session.get(Lease, name) is not None:
            return False
    try:
        with transaction(rt.sessions) as session:
            session.execute(insert(Lease).values(name=name, holder=holder, expires_at=now + ttl))
        return True
    except IntegrityError:  # another process inserted it first
        return False


def holds_lease(rt: Runtime, holder: str, now: datetime, *, name: str = LEASE_NAME) -> bool:
    with rt.sessions() as session:
        lease = session.get(Lease, name)
        return lease is not None and lease.holder == holder and lease.expires_at >= now


def release_lease(rt: Runtime, holder: str, *, name: str = LEASE_NAME) -> None:
    with transaction(rt.sessions) as session:
        session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.holder == holder)
            .values(expires_at=datetime(2000, 1, 1, tzinfo=rt.clock.now().tzinfo))
            .execution_options(synchronize_session=False)
        )


# --- job bodies: plain functions of (runtime, client, now) -----------------------------------


def scan_all(rt: Runtime, client: WebClient | None, now: datetime) -> list[watch.ScanResult]:
    """Scan every workspace: open and clear alerts, announce, escalate (one transaction each)."""
    results = []
    with rt.sessions() as session:
        ids = watch.workspaces(session)
    for workspace_id in ids:
        with rt.transaction() as session:
            results.append(watch.scan(session, config=rt.config, workspace_id=workspace_id, now=now))
    return results


def send_outbox(rt: Runtime, client: WebClient, now: datetime) -> SendResult:
    return send_due(rt.sessions, client, now)


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
                reply=reminder_message(reminder.text, opp.number if opp else None, opp.title if opp else None, lang),
                now=now,
            )
            reminder.sent_at = now
            count += 1
    return count


def refresh_probabilities(rt: Runtime, client: WebClient | None, now: datetime) -> int:
    """The daily win-probability refresh: relearn from closed deals, restamp open ones."""
    updated = 0
    with rt.sessions() as session:
        ids = watch.workspaces(session)
    for workspace_id in ids:
        with rt.transaction() as session:
            winprob.learn(session, workspace_id)
            updated += winprob.refresh_open(session, workspace_id, rt.config)
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
    """Unanswered assignment offers pass on; deals idle too long go back to the public pool."""
    return expire_offers(rt, now) + return_idle_deals(rt, now)


def tick(rt: Runtime, client: WebClient, now: datetime) -> None:
    """One pass of everything but the daily refresh, in order (what `oppbot worker --once` does)."""
    assignments(rt, client, now)
    scan_all(rt, client, now)
    due_reminders(rt, client, now)
    daily_bundles(rt, client, now)
    digest.send_due_digests(rt, now)
    send_outbox(rt, client, now)


# --- the process ------------------------------------------------------------------------------


@dataclass
class Worker:
    rt: Runtime
    client: WebClient
    holder: str
    scheduler: object | None = None
    database_url: str | None = None
    leading: bool = False

    def run_job(self, name: str, body) -> None:
        now = self.rt.clock.now()
        if not holds_lease(self.rt, self.holder, now):
            log.info("job %s skipped: this worker does not hold the lease", name)
            return
        try:
            outcome = body(self.rt, self.client, now)
            log.debug("job %s: %s", name, outcome)
        except Exception:
            log.exception("job %s failed", name)

    def renew(self) -> None:
        now = self.rt.clock.now()
        try:
            leading = take_lease(self.rt, self.holder, now)
        except Exception:
            log.exception("lease renewal failed")
            leading = False
        if leading and not self.leading:
            log.info("worker %s took the lease; running the jobs", self.holder)
            self._attach_jobs()
        elif not leading and self.leading:
            log.warning("worker %s lost the lease; standing by", self.holder)
            self._detach_jobs()
        self.leading = leading

    def _attach_jobs(self) -> None:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.triggers.cron import CronTrigger

        sched = self.scheduler
        sched.add_jobstore(SQLAlchemyJobStore(engine=self.rt.sessions.kw["bind"], tablename="apscheduler_jobs"), JOBSTORE)
        common = dict(jobstore=JOBSTORE, replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=None)
        sched.add_job("bot.worker:job_send", "interval", seconds=20, id="send_outbox", **common)
        sched.add_job("bot.worker:job_reminders", "interval", seconds=30, id="due_reminders", **common)
        sched.add_job("bot.worker:job_scan", "interval", minutes=5, id="scan", **common)
        sched.add_job("bot.worker:job_bundles", "interval", minutes=10, id="daily_bundles", **common)
        sched.add_job("bot.worker:job_assignments", "interval", minutes=5, id="assignments", **common)
        sched.add_job("bot.worker:job_digests", "interval", minutes=1, id="send_digests", **common)
        sched.add_job("bot.worker:job_winprob", CronTrigger(hour=2, minute=30, timezone=self.rt.config.tz), id="refresh_probabilities", **common)

    def _detach_jobs(self) -> None:
        try:
            self.scheduler.remove_jobstore(JOBSTORE)
        except KeyError:
            pass


_WORKER: Worker | None = None


def job_scan() -> None:
    _WORKER.run_job("scan", scan_all)


def job_send() -> None:
    _WORKER.run_job("send_outbox", send_outbox)


def job_reminders() -> None:
    _WORKER.run_job("due_reminders", due_reminders)


def job_bundles() -> None:
    _WORKER.run_job("daily_bundles", daily_bundles)


def job_assignments() -> None:
    _WORKER.run_job("assignments", assignments)


def job_digests() -> None:
    _WORKER.run_job("send_digests", digest.digest_job)


def job_winprob() -> None:
    _WORKER.run_job("refresh_probabilities", refresh_probabilities)


def job_renew() -> None:
    _WORKER.renew()


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def run_worker(rt: Runtime, client: WebClient) -> int:
    """Run until stopped (SIGTERM / Ctrl-C)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _WORKER
    scheduler = BlockingScheduler(timezone=rt.config.tz)
    _WORKER = Worker(rt=rt, client=client, holder=holder_name(), scheduler=scheduler)
    scheduler.add_job(job_renew, "interval", seconds=int(RENEW_EVERY.total_seconds()), id="lease", next_run_time=rt.clock.now(), coalesce=True)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("worker %s started; waiting for the lease", _WORKER.holder)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if _WORKER.leading:
            release_lease(rt, _WORKER.holder)
        log.info("worker stopped")
    return 0
