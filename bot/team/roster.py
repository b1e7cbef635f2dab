"""The team: the members config.toml seeds ([[team]]: role, manager, regions, industries,
capacity) and how a start reconciles them, the people of a workspace, each person's load (open
deals, amount, overdue) and what became of the offers made to them, each by one SQL aggregate.

The seed: config seeds a person once; after that Slack-side changes (`/opp team set`) win unless
the config entry itself changes. Each person keeps the entry as last applied (``seed_applied``);
every start (web, socket, worker) and every `/opp team` compares config with it and applies only
the fields whose config value changed since, recording each change (by config) and logging it. A
person who was there before config named them is seeded only if nobody had set them up (no role
but the default, no manager, territory or capacity, no recorded change); otherwise what they have
is kept, and logged.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Integer, case, func, or_, select
from sqlalchemy.orm import Session

from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.config_model import TeamSeed
from bot.core.runtime import Runtime
from bot.team.assignment import SYSTEM_USER
from bot.team.changes import as_text, assign, value_of
from bot.team.members import ProfileFetcher, ensure_member
from bot.team.uninstall import served
from store.models import AssignmentOffer, Member, MemberEvent, Opportunity

log = logging.getLogger(__name__)

SEED_FIELDS = ("role", "manager", "regions", "industries", "capacity")


def entry_of(seed: TeamSeed) -> dict:
    """A [[team]] entry as it is kept in ``members.seed_applied``."""
    return {"role": seed.role, "manager": seed.manager, "regions": list(seed.regions), "industries": list(seed.industries), "capacity": seed.capacity}


def seed_team(session: Session, *, config: Config, workspace_id: str, clock: Clock, fetch_profile: ProfileFetcher) -> list[str]:
    """Reconcile the workspace's members with config.toml's [[team]] (see the module's docstring).
    Returns what was done, one line per person (also logged)."""
    if not config.team:
        return []
    entries = {seed.user: entry_of(seed) for seed in config.team}
    members = _seeded(session, workspace_id, entries, lock=False)
    if len(members) == len(entries) and all(m.seed_applied == entries[user] for user, m in members.items()):
        return []  # in step: what `/opp team` finds almost always, without a lock
    members = _seeded(session, workspace_id, entries, lock=True)  # two starts at once apply each change once
    new = {user for user in entries if user not in members}
    for user in entries:
        if user in new:
            members[user] = ensure_member(session, workspace_id=workspace_id, slack_user_id=user, clock=clock, fetch_profile=fetch_profile)
    lines = []
    for user, entry in entries.items():
        line = _reconcile(session, members[user], entry, user in new or _untouched(session, members[user]), members, clock, fetch_profile)
        if line:
            lines.append(line)
            log.info("%s: %s", workspace_id, line)
    session.flush()
    return lines


def _seeded(session: Session, workspace_id: str, entries: dict, *, lock: bool) -> dict[str, Member]:
    query = select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id.in_(list(entries))).order_by(Member.id)
    if lock:
        query = query.with_for_update()
    return {m.slack_user_id: m for m in session.scalars(query)}


def _reconcile(session: Session, member: Member, entry: dict, untouched: bool, members: dict, clock: Clock, fetch_profile: ProfileFetcher) -> str | None:
    applied = member.seed_applied
    if applied == entry:
        return None
    member.seed_applied = entry
    if applied is None and not untouched:  # there before config named them, and set up by someone
        kept = [f"{f} {as_text(value_of(session, member, f))} (config says {as_text(entry[f])})" for f in SEED_FIELDS if _differs(session, member, f, entry[f])]
        return f"{member.slack_user_id}: kept as set in Slack: {', '.join(kept)}" if kept else None
    fields = SEED_FIELDS if applied is None else [f for f in SEED_FIELDS if applied.get(f) != entry[f]]
    done = []
    for field in fields:
        old = as_text(value_of(session, member, field))
        value = entry[field]
        if field == "manager" and value is not None:
            value = members.get(value) or ensure_member(
                session, workspace_id=member.workspace_id, slack_user_id=value, clock=clock, fetch_profile=fetch_profile
            )
        if assign(session, member, field, value, actor_id=None, at=clock.now()):
            done.append(f"{field} {old} -> {as_text(entry[field])}")
    if not done:
        return None
    return f"seeded {member.slack_user_id}: {', '.join(done)}" if applied is None else f"{member.slack_user_id}: {', '.join(done)} (config changed)"


def _differs(session: Session, member: Member, field: str, value) -> bool:
    return as_text(value_of(session, member, field)) != as_text(value)


def _untouched(session: Session, member: Member) -> bool:
    """Nobody has set this person up: the default role, no manager, territory or capacity, no change on record."""
    if member.role not in ("ae", "rep") or member.manager_id or member.regions or member.industries or member.capacity is not None:
        return False
    return session.scalar(select(MemberEvent.id).where(MemberEvent.member_id == member.id).limit(1)) is None


def reconcile_all(rt: Runtime) -> int:
    """At start: reconcile [[team]] in every workspace the database knows (profiles are read from
    Slack later, on first sight). Returns how many people changed. A workspace that fails is
    logged and left for the next start or `/opp team`; the process starts anyway. Each workspace
    with its own config is reconciled with its own [[team]] (bot.core.workspace_configs)."""
    with rt.sessions() as session:
        workspaces = served(session)
    changed = 0
    for workspace_id in workspaces:
        try:
            with rt.in_workspace(workspace_id) as config, rt.transaction() as session:
                changed += len(seed_team(session, config=config, workspace_id=workspace_id, clock=rt.clock, fetch_profile=lambda _user: None))
        except Exception:
            log.exception("%s: could not reconcile [[team]] with its config", workspace_id)
    return changed


def people(session: Session, workspace_id: str) -> list[Member]:
    """Everyone of the workspace but the system member, by role and name."""
    return session.scalars(
        select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id != SYSTEM_USER).order_by(Member.role, Member.display_name)
    ).all()


def load(session: Session, workspace_id: str, today: date) -> dict[int, tuple[int, dict[str, Decimal], int]]:
    """Per owner: open deals outside the pool, their amount per currency, and how many are overdue."""
    late = or_(Opportunity.next_step_due < today, Opportunity.expected_close < today)
    rows = session.execute(
        select(
            Opportunity.owner_id,
            Opportunity.currency,
            func.count(Opportunity.id),
            func.sum(Opportunity.amount),
            func.sum(func.cast(late, Integer())),
        )
        .where(Opportunity.workspace_id == workspace_id, Opportunity.status == "open", Opportunity.pooled_at.is_(None))
        .group_by(Opportunity.owner_id, Opportunity.currency)
    ).all()
    out: dict[int, tuple[int, dict[str, Decimal], int]] = {}
    for owner, currency, n, amount, overdue in rows:
        held, amounts, late_ones = out.get(owner, (0, {}, 0))
        if amount:
            amounts = {**amounts, currency: amounts.get(currency, Decimal(0)) + Decimal(str(amount))}
        out[owner] = (held + n, amounts, late_ones + (overdue or 0))
    return out


OFFER_OUTCOMES = ("accepted", "declined", "expired")


def offer_counts(session: Session, workspace_id: str, since: datetime) -> dict[int, tuple[int, int, int, int]]:
    """Per person, the offers made to them since ``since``: (offered, accepted, declined, expired),
    counted by the database."""
    outcomes = [func.sum(case((AssignmentOffer.status == status, 1), else_=0)) for status in OFFER_OUTCOMES]
    rows = session.execute(
        select(AssignmentOffer.member_id, func.count(AssignmentOffer.id), *outcomes)
        .where(AssignmentOffer.workspace_id == workspace_id, AssignmentOffer.created_at >= since)
        .group_by(AssignmentOffer.member_id)
    ).all()
    return {member_id: (offered, accepted or 0, declined or 0, expired or 0) for member_id, offered, accepted, declined, expired in rows}
