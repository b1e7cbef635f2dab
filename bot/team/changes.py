"""Changing a person: who may change whom (`/opp team set`, `/opp team away`), the change itself,
and its record in ``member_events`` (who, when, what, old -> new), the history of a person as
``events`` is the history of a deal.

The rule, checked before anything changes:

- nobody changes their own role or manager (an admin asks another admin);
- admins (role admin, or ``workspace.admins``) change anyone else;
- a manager changes only the people who report to them: never their role if they are a manager or
  an admin, never to a role above their own (manager and admin are granted by admins only), and
  hands them only to a manager or an admin;
- nobody else changes anyone, but everyone sets their own time away;
- nobody is their own manager, or the manager of anyone above them (no loops).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.core.config import Config
from bot.core.errors import BadInput, PermissionDenied
from bot.team.members import Actor, role_of
from store.models import Member, MemberEvent

FIELDS = ("role", "manager", "regions", "industries", "capacity", "away_until")
MANAGER_RANK = 2
RANKS = {"bdr": 1, "ae": 1, "rep": 1, "support": 1, "delivery": 1, "finance": 1, "manager": MANAGER_RANK, "admin": 3}
LOOP_LIMIT = 100  # a manager chain longer than this is a loop already


def rank(member: Member, config: Config) -> int:
    """How far up a person is: 1 (bdr, ae, support), 2 (manager), 3 (admin, by role or config)."""
    if member.role == "admin" or member.slack_user_id in config.admins:
        return RANKS["admin"]
    return RANKS.get(member.role, 1)


def value_of(session: Session, member: Member, field: str) -> Any:
    """The person's current ``field``; the manager as their Slack id."""
    if field == "manager":
        manager = session.get(Member, member.manager_id) if member.manager_id else None
        return manager.slack_user_id if manager else None
    return getattr(member, field)


def as_text(value: Any) -> str | None:
    """A value as the log keeps it: lists joined, nothing (None, an empty list) as None."""
    if value is None or value == []:
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def record(session: Session, member: Member, *, actor_id: int | None, at: datetime, field: str, old: Any, new: Any) -> None:
    session.add(MemberEvent(workspace_id=member.workspace_id, member_id=member.id, actor_id=actor_id, at=at, field=field, old=as_text(old), new=as_text(new)))


def assign(session: Session, member: Member, field: str, value: Any, *, actor_id: int | None, at: datetime) -> bool:
    """Set ``field`` (``manager``: a Member or None) and record it; False if it already was so."""
    new = value.slack_user_id if isinstance(value, Member) else value
    old = value_of(session, member, field)
    if old == new or (field in ("regions", "industries") and list(old or []) == list(new or [])):
        return False
    if field == "manager":
        member.manager_id = value.id if value is not None else None
    else:
        setattr(member, field, list(value) if isinstance(value, tuple) else value)
    record(session, member, actor_id=actor_id, at=at, field=field, old=old, new=new)
    return True


def change(session: Session, *, actor: Actor, member: Member, changes: Sequence[tuple[str, Any]], config: Config, now: datetime) -> list[str]:
    """Apply ``changes`` ((field, value) pairs in the order given; ``manager`` a Member) to
    ``member`` if ``actor`` may, recording each real change. Returns the fields that changed."""
    fields = {field for field, _ in changes}
    unknown = fields - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown member fields {sorted(unknown)}")
    values = dict(changes)
    require(session, actor, member, fields, config, role=values.get("role"), manager=values.get("manager"))
    return [field for field, value in changes if assign(session, member, field, value, actor_id=actor.member_id, at=now)]


def require(
    session: Session,
    actor: Actor,
    member: Member,
    fields: Iterable[str],
    config: Config,
    *,
    role: str | None = None,
    manager: Member | None = None,
) -> None:
    """Raise PermissionDenied (or BadInput for a manager who can't be one) unless ``actor`` may
    change ``fields`` of ``member`` as given. Changes nothing."""
    fields = set(fields)
    own = member.id == actor.member_id
    if own and fields & {"role", "manager"}:
        raise PermissionDenied("team_own_role")
    if not (own and fields <= {"away_until"}) and not actor.is_admin:
        _require_manager_of(actor, member, fields, config, role=role, manager=manager)
    if manager is not None:
        _require_no_loop(session, member, manager)


def _require_manager_of(actor: Actor, member: Member, fields: set[str], config: Config, *, role: str | None, manager: Member | None) -> None:
    if role_of(actor) != "manager":
        raise PermissionDenied("team_not_allowed")
    if member.id == actor.member_id:
        raise PermissionDenied("team_own_settings")
    if member.manager_id != actor.member_id:
        raise PermissionDenied("team_not_your_report", user=member.slack_user_id)
    if "role" in fields:
        if rank(member, config) >= MANAGER_RANK:
            raise PermissionDenied("team_role_of_manager", user=member.slack_user_id)
        if RANKS.get(role or "", MANAGER_RANK) >= MANAGER_RANK:
            raise PermissionDenied("team_role_admin_only")
    if manager is not None and rank(manager, config) < MANAGER_RANK:
        raise BadInput("team_not_a_manager", user=manager.slack_user_id)


def _require_no_loop(session: Session, member: Member, manager: Member) -> None:
    if manager.id == member.id:
        raise BadInput("team_self_manager", user=member.slack_user_id)
    above = manager
    for _ in range(LOOP_LIMIT):
        if above.manager_id is None:
            return
        if above.manager_id == member.id:
            raise BadInput("team_manager_loop", manager=manager.slack_user_id, user=member.slack_user_id)
        above = session.get(Member, above.manager_id)
    raise BadInput("team_manager_loop", manager=manager.slack_user_id, user=member.slack_user_id)
