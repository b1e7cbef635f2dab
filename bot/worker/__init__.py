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

import contextlib
import logging
import os
import signal
import socket
import uuid
from dataclasses import dataclass
from functools import partial

from slack_sdk import WebClient

from bot.core.runtime import Runtime
from bot.observability import observe_job
from bot.reporting import digests as digest
from bot.worker.installed import WorkspaceClients
from bot.worker.jobs import (
    assignments,
    daily_bundles,
    due_reminders,
    forecast_snapshots,
    forget_requests,
    forget_uninstalled,
    meeting_agendas,
    refresh_probabilities,
    review_reminders,
    revisits,
    scan_all,
    send_outbox,
)
from bot.worker.lease import RENEW_EVERY, holds_lease, release_lease, take_lease
from bot.worker.limits import Limiter

log = logging.getLogger(__name__)

JOBSTORE = "db"


# --- the process ------------------------------------------------------------------------------


@dataclass
class Worker:
    rt: Runtime
    client: WebClient | WorkspaceClients  # installed in many workspaces: each row with its own (bot.worker.installed)
    holder: str
    scheduler: object | None = None
    database_url: str | None = None
    leading: bool = False
    limiter: Limiter | None = None  # Slack's rate limits for the sender (bot.worker.limits)

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
            observe_job(name, None, failed=True)
        else:
            observe_job(name, outcome)

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
        sched.add_job("bot.worker:job_review_reminders", "interval", minutes=10, id="review_reminders", **common)
        sched.add_job("bot.worker:job_scan", "interval", minutes=5, id="scan", **common)
        sched.add_job("bot.worker:job_bundles", "interval", minutes=10, id="daily_bundles", **common)
        sched.add_job("bot.worker:job_assignments", "interval", minutes=5, id="assignments", **common)
        sched.add_job("bot.worker:job_revisits", "interval", minutes=30, id="revisits", **common)
        sched.add_job("bot.worker:job_digests", "interval", minutes=1, id="send_digests", **common)
        sched.add_job("bot.worker:job_forget_requests", "interval", hours=1, id="forget_requests", **common)
        sched.add_job("bot.worker:job_forecast_snapshots", "interval", minutes=5, id="forecast_snapshots", **common)
        sched.add_job("bot.worker:job_meeting", "interval", minutes=1, id="meeting_agendas", **common)
        sched.add_job("bot.worker:job_forget_uninstalled", "interval", hours=1, id="forget_uninstalled", **common)
        sched.add_job("bot.worker:job_winprob", CronTrigger(hour=2, minute=30, timezone=self.rt.config.tz), id="refresh_probabilities", **common)

    def _detach_jobs(self) -> None:
        with contextlib.suppress(KeyError):
            self.scheduler.remove_jobstore(JOBSTORE)


_WORKER: Worker | None = None


def job_scan() -> None:
    _WORKER.run_job("scan", scan_all)


def job_send() -> None:
    _WORKER.run_job("send_outbox", partial(send_outbox, limiter=_WORKER.limiter))


def job_reminders() -> None:
    _WORKER.run_job("due_reminders", due_reminders)


def job_review_reminders() -> None:
    _WORKER.run_job("review_reminders", review_reminders)


def job_bundles() -> None:
    _WORKER.run_job("daily_bundles", daily_bundles)


def job_assignments() -> None:
    _WORKER.run_job("assignments", assignments)


def job_revisits() -> None:
    _WORKER.run_job("revisits", revisits)


def job_digests() -> None:
    _WORKER.run_job("send_digests", digest.digest_job)


def job_winprob() -> None:
    _WORKER.run_job("refresh_probabilities", refresh_probabilities)


def job_forget_requests() -> None:
    _WORKER.run_job("forget_requests", forget_requests)


def job_forecast_snapshots() -> None:
    _WORKER.run_job("forecast_snapshots", forecast_snapshots)


def job_meeting() -> None:
    _WORKER.run_job("meeting_agendas", meeting_agendas)


def job_forget_uninstalled() -> None:
    _WORKER.run_job("forget_uninstalled", forget_uninstalled)


def job_renew() -> None:
    _WORKER.renew()


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def run_worker(rt: Runtime, client: WebClient | WorkspaceClients, *, limiter: Limiter | None = None) -> int:
    """Run until stopped (SIGTERM / Ctrl-C)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _WORKER
    scheduler = BlockingScheduler(timezone=rt.config.tz)
    _WORKER = Worker(rt=rt, client=client, holder=holder_name(), scheduler=scheduler, limiter=limiter)
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
