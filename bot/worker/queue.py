"""The task queue: the scheduler decides what is due; queue workers on any number of machines do it.

With a broker (``OPPBOT_BROKER_URL``: ``redis://…`` or ``amqp://…`` for RabbitMQ) the one active
scheduler (bot.worker, the lease) turns each job that falls due into tasks on a Celery queue, one
per workspace it serves (``send_outbox`` for workspace T1, ``scan`` for T2, …; a deployment-wide
job is one task), and ``oppbot tasks`` processes take them off the queue. Without one, the
scheduler runs the same job bodies itself (bot.worker.jobs), as one machine does.

How nothing is done twice or lost:

- **One task per job and workspace at a time.** The scheduler records each task it queues in
  ``queued_jobs`` (job, workspace) and queues no second one while that row is there; the task
  deletes it when done, failed or not (the next interval queues it again). A burst that takes
  longer than the interval never piles copies on the queue. A row older than ``STALE`` (its message
  lost with a broker that did not keep it) no longer blocks a new task.
- **A dead worker's task runs again elsewhere.** Tasks are acknowledged when done, not when taken
  (``acks_late``), and a worker process that dies rejects its task back to the queue: RabbitMQ
  hands it to another worker as soon as the dead one's connection drops; Redis after
  ``OPPBOT_TASK_VISIBILITY_TIMEOUT`` seconds (default an hour, longer than any task).
- **Each message once.** The work itself is idempotent: every outbox row has a unique key, each is
  claimed in a committed transaction before it is posted, marked with the task that claimed it
  (``outbox.claimed_by``), and a post whose outcome is unknown is looked for in the conversation
  before it is tried again (bot.worker.sender). The same task run again after its worker died takes
  its own rows back at once and looks first, so what the dead worker posted is not posted again.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import delete, select

from bot.core.runtime import Runtime
from bot.observability import observe_job
from bot.team.uninstall import served
from bot.worker.installed import WorkspaceClients
from bot.worker.jobs import BY_NAME, Job
from bot.worker.limits import Limiter
from bot.worker.sender import CLAIMANT
from store.db import transaction
from store.models import QueuedJob

log = logging.getLogger(__name__)

BROKER_ENV = "OPPBOT_BROKER_URL"
QUEUE_ENV = "OPPBOT_TASK_QUEUE"
VISIBILITY_ENV = "OPPBOT_TASK_VISIBILITY_TIMEOUT"
DEFAULT_QUEUE = "oppbot"
DEFAULT_VISIBILITY = 3600
TASK = "oppbot.run_job"
STALE = timedelta(minutes=30)  # a task queued this long ago and not done is taken as lost
DEPLOYMENT = ""  # queued_jobs.workspace_id of a job done once for the whole deployment


def broker_url(env: dict[str, str] | None = None) -> str | None:
    """``OPPBOT_BROKER_URL``, or None: no queue, the scheduler does the work itself."""
    return (os.environ if env is None else env).get(BROKER_ENV, "").strip() or None


def celery_app(broker: str, *, queue: str | None = None, visibility_timeout: int | None = None, env: dict[str, str] | None = None):
    """The Celery app both sides use: the scheduler sends tasks with it, ``oppbot tasks`` runs them."""
    from celery import Celery

    env = os.environ if env is None else env
    app = Celery("oppbot", broker=broker, set_as_current=False)
    app.conf.update(
        task_default_queue=queue or env.get(QUEUE_ENV) or DEFAULT_QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,  # acknowledged when done: a task whose worker dies goes back on the queue
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # a worker holds one task at a time; the others stay for other workers
        broker_transport_options={"visibility_timeout": visibility_timeout or int(env.get(VISIBILITY_ENV) or DEFAULT_VISIBILITY)},
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=TASK, bind=True)(_run_task)
    return app


# --- the scheduler's side ---------------------------------------------------------------------


@dataclass
class Dispatcher:
    """Queues the tasks of a due job: one per served workspace (or one for a deployment-wide job),
    none where the last one is still queued or running."""

    rt: Runtime
    app: object  # celery.Celery

    def dispatch(self, job: Job, now: datetime) -> int:
        """Queue ``job``'s tasks; how many were queued."""
        with self.rt.sessions() as session:
            targets = served(session) if job.per_workspace else [DEPLOYMENT]
            waiting = set(session.scalars(select(QueuedJob.workspace_id).where(QueuedJob.job == job.name, QueuedJob.queued_at >= now - STALE)))
        new = [workspace for workspace in targets if workspace not in waiting]
        if not new:
            return 0
        stamp = now.strftime("%Y%m%dT%H%M%S.%f")
        rows = [{"job": job.name, "workspace_id": workspace, "queued_at": now, "task_id": f"{job.name}:{workspace or '-'}:{stamp}"} for workspace in new]
        with transaction(self.rt.sessions) as session:
            session.execute(delete(QueuedJob).where(QueuedJob.job == job.name, QueuedJob.workspace_id.in_(new)))
            session.execute(QueuedJob.__table__.insert(), rows)
        queued = 0
        for row in rows:
            try:
                self.app.send_task(TASK, args=(job.name, row["workspace_id"], row["task_id"]), task_id=row["task_id"])
                queued += 1
            except Exception:  # the broker is away: no task, so no row either; the next interval tries again
                log.exception("could not queue %s for %s", job.name, row["workspace_id"] or "the deployment")
                done(self.rt, job.name, row["workspace_id"], row["task_id"])
        return queued


def done(rt: Runtime, job: str, workspace_id: str, task_id: str) -> None:
    """The task ran (or could not be queued): the next interval may queue another."""
    with transaction(rt.sessions) as session:
        session.execute(delete(QueuedJob).where(QueuedJob.job == job, QueuedJob.workspace_id == workspace_id, QueuedJob.task_id == task_id))


# --- the queue worker's side ------------------------------------------------------------------


@dataclass
class TaskContext:
    """What a queue worker process runs tasks with (set by ``oppbot tasks`` before it starts)."""

    rt: Runtime
    client: WebClient | WorkspaceClients
    limiter: Limiter | None = None  # Slack's rate limits, shared by every worker (bot.worker.limits)


_CONTEXT: TaskContext | None = None


def serve_tasks(context: TaskContext) -> None:
    global _CONTEXT
    _CONTEXT = context


def run_job(context: TaskContext, job_name: str, workspace_id: str, task_id: str) -> object:
    """One task: ``job_name``'s body for one workspace (all, for a deployment-wide job), its outbox
    claims marked with ``task_id``; then its ``queued_jobs`` row goes, whatever happened."""
    job = BY_NAME[job_name]
    rt = context.rt
    token = CLAIMANT.set(task_id)
    try:
        outcome = job.run(rt, context.client, rt.clock.now(), workspace_id or None, limiter=context.limiter)
    except Exception:
        observe_job(job_name, None, failed=True)
        raise
    else:
        observe_job(job_name, outcome)
        return outcome
    finally:
        CLAIMANT.reset(token)
        done(rt, job_name, workspace_id, task_id)


def _run_task(task, job_name: str, workspace_id: str, task_id: str) -> None:
    if _CONTEXT is None:
        raise RuntimeError("this process runs no oppbot tasks (start it with `oppbot tasks`)")
    outcome = run_job(_CONTEXT, job_name, workspace_id, task_id)
    log.info("task %s for %s: %s", job_name, workspace_id or "the deployment", outcome)
