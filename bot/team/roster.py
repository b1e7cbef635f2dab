"""The team: the members config.toml seeds ([[team]]: role, manager, regions, industries,
capacity), the people of a workspace, and each person's load (open deals, amount, overdue) by one
SQL aggregate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, func, or_, select
from sqlalchemy.orm import Session

from bot.core.clock import Clock
from bot.core.config import Config
from bot.team.assignment import SYSTEM_USER
from bot.team.members import ProfileFetcher, ensure_member
from store.models import Member, Opportunity

_seeded: set[tuple[str, int]] = set()


def seed_team(session: Session, *, config: Config, workspace_id: str, clock: Clock, fetch_profile: ProfileFetcher) -> None:
    """Create the members config.toml lists ([[team]]) with their role, manager, regions,
    industries and capacity, once per workspace per process; later changes are `/opp team set`'s."""
    key = (workspace_id, id(config))
    if key in _seeded or not config.team:
        return
    members = {}
    for seed in config.team:
        members[seed.user] = ensure_member(session, workspace_id=workspace_id, slack_user_id=seed.user, clock=clock, fetch_profile=fetch_profile)
    for seed in config.team:
        m = members[seed.user]
        if m.created_at == clock.now() or m.role in ("rep",) or not (m.regions or m.industries or m.capacity):
            m.role = seed.role
            m.regions, m.industries, m.capacity = list(seed.regions), list(seed.industries), seed.capacity
            if seed.manager:
                m.manager_id = (
                    members.get(seed.manager)
                    or ensure_member(session, workspace_id=workspace_id, slack_user_id=seed.manager, clock=clock, fetch_profile=fetch_profile)
                ).id
    session.flush()
    _seeded.add(key)


def people(session: Session, workspace_id: str) -> list[Member]:
    """Everyone of the workspace but the system member, by role and name."""
    return session.scalars(
        select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id != SYSTEM_USER).order_by(Member.role, Member.display_name)
    ).all()


def load(session: Session, workspace_id: str, today: date) -> dict[int, tuple[int, Decimal, int]]:
    """Per owner: open deals outside the pool, their amount, and how many are overdue."""
    late = or_(Opportunity.next_step_due < today, Opportunity.expected_close < today)
    rows = session.execute(
        select(
            Opportunity.owner_id,
            func.count(Opportunity.id),
            func.coalesce(func.sum(Opportunity.amount), 0),
            func.sum(func.cast(late, Integer())),
        )
        .where(Opportunity.workspace_id == workspace_id, Opportunity.status == "open", Opportunity.pooled_at.is_(None))
        .group_by(Opportunity.owner_id)
    ).all()
    return {owner: (n, amount, overdue or 0) for owner, n, amount, overdue in rows}
