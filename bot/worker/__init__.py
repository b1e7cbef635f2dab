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
directly with a fixed clock (bot.worker.jobs.JOBS). With a task queue (bot.worker.queue) the
scheduler only decides what is due and queues it; ``oppbot tasks`` processes do the work.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import uuid
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.core.runtime import Runtime
from bot.observability import observe_job
from bot.worker.installed import WorkspaceClients
from bot.worker.jobs import BY_NAME, JOBS
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
    dispatcher: object | None = None  # bot.worker.queue.Dispatcher: the work goes to the task queue
    limiter: Limiter | None = None  # Slack's rate limits for the sender (bot.worker.limits)

    def run_job(self, name: str, body=None) -> None:
        """Run a due job: queue its tasks when there is a queue (bot.worker.queue), else do it here."""
        now = self.rt.clock.now()
        if not holds_lease(self.rt, self.holder, now):
            log.info("job %s skipped: this worker does not hold the lease", name)
            return
        try:
            if self.dispatcher is not None:
                outcome = self.dispatcher.dispatch(BY_NAME[name], now)
            elif body is not None:
                outcome = body(self.rt, self.client, now)
            else:
                outcome = BY_NAME[name].run(self.rt, self.client, now, limiter=self.limiter)
            log.debug("job %s: %s", name, outcome)
        except Exception:
            log.exception("job %s failed", name)
            observe_job(name, None, failed=True)
        else:
            if self.dispatcher is None:
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

        sched = self.scheduler
        sched.add_jobstore(SQLAlchemyJobStore(engine=self.rt.sessions.kw["bind"], tablename="apscheduler_jobs"), JOBSTORE)
        common = dict(jobstore=JOBSTORE, replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=None)
        for job in JOBS:
            when = (
                ("interval", {"seconds": job.every.total_seconds()})
                if job.every
                else ("cron", {"hour": job.at[0], "minute": job.at[1], "timezone": self.rt.config.tz})
            )
            sched.add_job("bot.worker:job_run", when[0], args=[job.name], id=job.name, **when[1], **common)

    def _detach_jobs(self) -> None:
        with contextlib.suppress(KeyError):
            self.scheduler.remove_jobstore(JOBSTORE)


_WORKER: Worker | None = None


def job_run(name: str) -> None:
    _WORKER.run_job(name)


def job_renew() -> None:
    _WORKER.renew()


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def run_worker(rt: Runtime, client: WebClient | WorkspaceClients, *, dispatcher=None, limiter: Limiter | None = None) -> int:
    """Run until stopped (SIGTERM / Ctrl-C); with a ``dispatcher`` the due work goes to the task
    queue, else it is done here (the outbox within ``limiter``'s budgets)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _WORKER
    scheduler = BlockingScheduler(timezone=rt.config.tz)
    _WORKER = Worker(rt=rt, client=client, holder=holder_name(), scheduler=scheduler, dispatcher=dispatcher, limiter=limiter)
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
