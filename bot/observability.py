"""The metrics, in the Prometheus format (the prometheus_client library), and what feeds them.

Counted where they happen:

- ``oppbot_request_seconds{surface, outcome}`` — time from a Slack request's arrival to its
  answer; surface ``command`` ``action`` ``view`` ``event`` (``unknown`` when refused before
  the body was trusted), outcome ``ok`` ``user_error`` ``internal_error`` ``rejected``;
  ``oppbot_slow_acks_total{surface}`` — answers later than ``SLOW_ACK`` (1 s).
- ``oppbot_db_errors_total{kind}`` — every error the database raised (an engine's
  ``handle_error`` event), and connections not had in time (``kind="pool_timeout"``).
- the worker: ``oppbot_worker_job_runs_total{job, outcome}``,
  ``oppbot_outbox_sends_total{outcome}`` (``sent``, ``failed`` — retried after a back-off, or
  parked —, ``recovered``, ``deferred``; and ``rate_limited``: of those deferred, the ones Slack
  answered 429) and ``oppbot_slack_retries_total{reason}`` (Web API calls its client retried:
  ``server_error``, ``connection_error``; the web app's client also ``rate_limited``).

Read from the database at scrape time (``DatabaseCollector``, by `oppbot web`'s /metrics):
the outbox backlog and the age of its oldest unsent row, and the worker lease (holder, expiry,
last renewal: the worker's tick).

`oppbot web` runs several processes: there the counters live in files under
``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode, set up by the CLI before
this module is imported) and every process's /metrics adds them all up. `oppbot worker` is one
process and serves its own (``--metrics-port``).
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from slack_sdk import WebClient
from slack_sdk.http_retry.handler import RetryHandler
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from bot.core.clock import Clock
from bot.core.errors import UserError
from bot.core.request_context import RequestInfo
from store.models import Lease, OutboxMessage

log = logging.getLogger(__name__)

SLOW_ACK = 1.0  # seconds: an answer later than this is counted (Slack gives up at 3)
SURFACES = ("command", "action", "view", "options", "event")

REQUEST_SECONDS = Histogram(
    "oppbot_request_seconds",
    "Time from a Slack request's arrival to its answer, by surface and outcome.",
    ["surface", "outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0),
)
SLOW_ACKS = Counter("oppbot_slow_acks", f"Slack requests answered more than {SLOW_ACK:g} s after they arrived.", ["surface"])
DB_ERRORS = Counter("oppbot_db_errors", "Errors raised by the database, and connections not had in time (pool_timeout).", ["kind"])
JOB_RUNS = Counter("oppbot_worker_job_runs", "Worker job runs, by job and outcome (ok, failed).", ["job", "outcome"])
OUTBOX_SENDS = Counter("oppbot_outbox_sends", "Outbox rows handled by the sender: sent, failed (retried after a back-off), recovered, deferred.", ["outcome"])
SLACK_RETRIES = Counter("oppbot_slack_retries", "Slack Web API calls retried by the worker's client, by reason.", ["reason"])


# --- requests ---------------------------------------------------------------------------------


def surface_of(body: dict) -> str:
    """Which Slack surface a (parsed) request body came from."""
    if body.get("command"):
        return "command"
    kind = body.get("type")
    if kind in ("block_actions", "interactive_message", "shortcut", "message_action"):
        return "action"
    if kind == "block_suggestion":  # a picker asking for options as the person types
        return "options"
    if kind in ("view_submission", "view_closed"):
        return "view"
    if kind in ("event_callback", "url_verification", "app_rate_limited"):
        return "event"
    return "unknown"


def outcome_of(error: Exception, *, rejected: type[UserError]) -> str:
    """How a request that raised ``error`` ended: refused (``rejected``: the load gate), the
    person's mistake, or ours. A connection not had in time is also a database error."""
    if isinstance(error, rejected):
        return "rejected"
    if isinstance(error, UserError):
        return "user_error"
    if isinstance(error, PoolTimeout):
        DB_ERRORS.labels(kind="pool_timeout").inc()
    return "internal_error"


def observe_request(info: RequestInfo, status: int) -> None:
    """Count one answered Slack request (``status`` is the HTTP status it got)."""
    if status in (401, 403, 404, 405, 408, 411, 413):
        outcome = "rejected"
    elif status >= 500:
        outcome = "internal_error"
    else:
        outcome = info.outcome or "ok"
    surface = info.surface if info.surface in SURFACES else "unknown"
    took = info.waited()
    REQUEST_SECONDS.labels(surface=surface, outcome=outcome).observe(took)
    if took > SLOW_ACK:
        SLOW_ACKS.labels(surface=surface).inc()


def watch_engine(engine: Engine) -> None:
    """Count every error the database raises through ``engine`` (once, however often called)."""
    if not event.contains(engine, "handle_error", _count_db_error):
        event.listen(engine, "handle_error", _count_db_error)


def _count_db_error(context) -> None:
    DB_ERRORS.labels(kind=type(context.sqlalchemy_exception or context.original_exception).__name__).inc()


# --- the worker ---------------------------------------------------------------------------------


def observe_job(name: str, outcome: object, *, failed: bool = False) -> None:
    """Count a worker job run; a sender pass (anything with ``sent`` and ``failed`` counts, like
    bot.worker.sender.SendResult) also counts its rows by outcome."""
    JOB_RUNS.labels(job=name, outcome="failed" if failed else "ok").inc()
    if outcome is None or not hasattr(outcome, "sent") or not hasattr(outcome, "failed"):
        return
    for kind in ("sent", "failed", "recovered", "deferred", "rate_limited"):
        count = getattr(outcome, kind, 0)
        if count:
            OUTBOX_SENDS.labels(outcome=kind).inc(count)


class CountedRetries(RetryHandler):
    """Another retry handler, unchanged, with each retry it makes counted by reason."""

    def __init__(self, inner: RetryHandler):
        super().__init__(max_retry_count=inner.max_retry_count, interval_calculator=inner.interval_calculator)
        self.inner = inner

    def can_retry(self, **kwargs) -> bool:
        return self.inner.can_retry(**kwargs)

    def prepare_for_next_attempt(self, **kwargs) -> None:
        response = kwargs.get("response")
        status = response.status_code if response is not None else None
        reason = "rate_limited" if status == 429 else "server_error" if status and status >= 500 else "connection_error"
        SLACK_RETRIES.labels(reason=reason).inc()
        self.inner.prepare_for_next_attempt(**kwargs)


def count_retries(client: WebClient) -> WebClient:
    """``client`` with every retry of its retry handlers counted."""
    client.retry_handlers = [h if isinstance(h, CountedRetries) else CountedRetries(h) for h in client.retry_handlers]
    return client


# --- read from the database at scrape time -------------------------------------------------------


class DatabaseCollector:
    """Figures that belong to the database, not to a process: the outbox backlog and the worker
    lease, read when Prometheus scrapes. ``lease_ttl`` (bot.worker.lease.LEASE_TTL) turns the
    lease's expiry back into the time it was last renewed."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, lease_ttl: timedelta):
        self.sessions = sessions
        self.clock = clock
        self.lease_ttl = lease_ttl

    def collect(self):
        up = GaugeMetricFamily("oppbot_database_up", "1 if the database answered the scrape's queries.")
        try:
            with self.sessions() as session:
                families = self._outbox(session, self.clock.now()) + self._lease(session)
        except SQLAlchemyError:
            log.warning("metrics: the database did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _outbox(self, session: Session, now: datetime) -> list:
        unsent = OutboxMessage.sent_at.is_(None)
        count, oldest = session.execute(select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(unsent)).one()
        due = session.scalar(select(func.count(OutboxMessage.id)).where(unsent, OutboxMessage.next_attempt_at <= now))
        backlog = GaugeMetricFamily("oppbot_outbox_unsent", "Outbox rows not yet delivered to Slack.")
        backlog.add_metric([], count)
        waiting = GaugeMetricFamily("oppbot_outbox_due", "Outbox rows due for a send now (not waiting for a back-off).")
        waiting.add_metric([], due or 0)
        age = GaugeMetricFamily("oppbot_outbox_oldest_unsent_age_seconds", "Age of the oldest undelivered outbox row (0 when none).")
        age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        return [backlog, waiting, age]

    def _lease(self, session: Session) -> list:
        holder = GaugeMetricFamily("oppbot_worker_lease_holder", "1 for the worker holding the lease (its holder label).", labels=["holder"])
        expires = GaugeMetricFamily("oppbot_worker_lease_expires_timestamp_seconds", "When the worker lease runs out unless renewed (Unix time).")
        tick = GaugeMetricFamily("oppbot_worker_last_tick_timestamp_seconds", "When the worker last renewed its lease (Unix time).")
        lease = session.scalars(select(Lease).where(Lease.name == "worker")).first()
        if lease is not None:
            at = lease.expires_at
            holder.add_metric([lease.holder], 1)
            expires.add_metric([], at.timestamp())
            tick.add_metric([], (at - self.lease_ttl).timestamp())
        return [holder, expires, tick]


def exposition(database: DatabaseCollector | None) -> tuple[bytes, str]:
    """The /metrics page and its content type: this process's counters (all processes' in
    multiprocess mode), then the figures read from the database."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    page = generate_latest(registry)
    if database is not None:
        from_db = CollectorRegistry(auto_describe=False)
        from_db.register(database)
        page += generate_latest(from_db)
    return page, CONTENT_TYPE_LATEST
