"""The worker's lease: one row (``leases``, name ``worker``) says which worker process acts. It is
taken and renewed atomically: ``UPDATE leases SET holder = me, expires_at = now + LEASE_TTL WHERE
name = 'worker' AND (expires_at < now OR holder = me)`` (an INSERT the first time; a unique key
settles a race)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, or_, update
from sqlalchemy.exc import IntegrityError

from bot.core.runtime import Runtime
from store.db import transaction
from store.models import Lease

LEASE_NAME = "worker"
LEASE_TTL = timedelta(seconds=40)
RENEW_EVERY = timedelta(seconds=15)


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
