"""How a person wants to hear about their own deals' alerts (``/opp alerts``): the default
(``each``: a DM per deal, or one DM listing them when several deals need attention in one scan),
always one DM per deal (``dm``), one DM a day (``bundle``), the alerts channel only (``channel``),
DMs as by default but never a channel (``dm_only``); and a mute for some days. Each change is
recorded as a member event."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.runtime import Runtime
from bot.team.changes import assign
from bot.team.members import Actor
from store.models import Member

MODES = ("each", "dm", "bundle", "channel", "dm_only")
MAX_MUTE_DAYS = 90


def set_mode(rt: Runtime, actor: Actor, mode: str) -> None:
    if mode not in MODES:
        raise ValueError(mode)
    with rt.transaction() as session:
        member = session.get(Member, actor.member_id)
        assign(session, member, "alert_mode", mode, actor_id=actor.member_id, at=rt.clock.now())


def mute(rt: Runtime, actor: Actor, days: int) -> datetime | None:
    """No alert DMs for ``days`` days (0: from now on again); returns until when."""
    now = rt.clock.now()
    until = now + timedelta(days=days) if days else None
    with rt.transaction() as session:
        member = session.get(Member, actor.member_id)
        assign(session, member, "muted_until", until, actor_id=actor.member_id, at=now)
    return until
