"""Who is acting: members known by Slack user id, their cached profile, and the Actor value."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Row, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.clock import Clock
from bot.core.config import LANGUAGES, Config
from bot.core.runtime import Runtime
from bot.core.text import clean
from store import requests
from store.models import Member, Workspace
from store.requests import Arrival

log = logging.getLogger(__name__)

PROFILE_MAX_AGE = timedelta(days=7)

ProfileFetcher = Callable[[str], dict | None]


@dataclass(frozen=True)
class Actor:
    """The member making a request, with the language and timezone replies use."""

    member_id: int
    workspace_id: str
    slack_user_id: str
    name: str
    role: str
    lang: str
    timezone: str
    is_admin: bool

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def role_of(actor_or_member) -> str:
    """The person's role; the old default "rep" counts as an account manager (ae)."""
    role = actor_or_member.role
    return "ae" if role == "rep" else role


def ensure_workspace(session: Session, workspace_id: str, clock: Clock) -> None:
    """The workspace's row, made on its first request; when two first requests race, the second
    finds the first's."""
    if session.get(Workspace, workspace_id) is None:
        try:
            with session.begin_nested():
                session.add(Workspace(id=workspace_id, next_number=1, created_at=clock.now()))
        except IntegrityError:
            pass


def ensure_member(
    session: Session,
    *,
    workspace_id: str,
    slack_user_id: str,
    clock: Clock,
    fetch_profile: ProfileFetcher,
) -> Member:
    """The member row for a Slack user, created on first sight; profile refreshed weekly. A known
    member costs one query (its workspace exists: the row refers to it)."""
    member = _member(session, workspace_id, slack_user_id)
    now = clock.now()
    if member is None:
        member = _first_sight(session, workspace_id, slack_user_id, clock)
    if member.profile_fetched_at is None or now - member.profile_fetched_at > PROFILE_MAX_AGE:
        profile = fetch_profile(slack_user_id)
        if profile:
            name = (profile.get("profile") or {}).get("display_name") or profile.get("real_name") or profile.get("name") or slack_user_id
            member.display_name = clean(name)[:200]
            member.email = clean((profile.get("profile") or {}).get("email") or "")[:200] or member.email  # with users:read.email
            member.timezone = profile.get("tz") or member.timezone
            member.locale = profile.get("locale") or member.locale
            member.profile_fetched_at = now
    session.flush()
    return member


def _member(session: Session, workspace_id: str, slack_user_id: str) -> Member | None:
    return session.scalars(select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id == slack_user_id)).one_or_none()


def _first_sight(session: Session, workspace_id: str, slack_user_id: str, clock: Clock) -> Member:
    """A new member row; when two first requests of one person race, the second finds the first's."""
    ensure_workspace(session, workspace_id, clock)
    try:
        with session.begin_nested():
            member = Member(workspace_id=workspace_id, slack_user_id=slack_user_id, display_name=slack_user_id, role="ae", created_at=clock.now())
            session.add(member)
        return member
    except IntegrityError:
        return _member(session, workspace_id, slack_user_id)


def actor_for(member: Member | Row, config: Config, *, lang: str | None = None) -> Actor:
    """The Actor of a member: its ORM object, or a row of its columns (``store.requests.arrival``)."""
    return Actor(
        member_id=member.id,
        workspace_id=member.workspace_id,
        slack_user_id=member.slack_user_id,
        name=member.display_name,
        role=member.role,
        lang=lang or language_of(member, config),
        timezone=_valid_tz(member.timezone) or config.timezone,
        is_admin=member.role == "admin" or member.slack_user_id in config.admins,
    )


def language_of(member: Member, config: Config) -> str:
    """The member's Slack locale decides (zh-CN -> zh, en-US -> en); else the workspace language."""
    prefix = (member.locale or "")[:2].lower()
    return prefix if prefix in LANGUAGES else config.language


def reader_language(session: Session, config: Config, workspace_id: str, channel: str) -> str:
    """The language a message to ``channel`` is written in: a DM's reader's, a channel's the team's."""
    if channel[:1] in ("U", "W"):
        member = session.scalars(select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id == channel)).first()
        return language_of(member, config) if member else config.language
    return config.language


def members_by_slack_id(session: Session, workspace_id: str, slack_user_ids: list[str]) -> dict[str, Member]:
    rows = session.scalars(select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id.in_(slack_user_ids)))
    return {m.slack_user_id: m for m in rows}


_REPORTS = select(Member.id).where(Member.manager_id == bindparam("manager"))  # built once: `/opp list team` runs it every time


def team_member_ids(session: Session, actor: Actor) -> list[int]:
    """The actor and everyone who reports to them."""
    reports = session.scalars(_REPORTS, {"manager": actor.member_id}).all()
    return [actor.member_id, *reports]


def _valid_tz(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def local_now(clock: Clock, actor: Actor) -> datetime:
    return clock.now().astimezone(actor.tz)


def load_actor(
    rt: Runtime, *, workspace_id: str, slack_user_id: str, fetch_profile: ProfileFetcher, lang: str | None = None, arrived: Arrival | None = None
) -> Actor:
    """The acting member: one read when known and fresh (``arrived``, when the request's arrival was
    looked up already, is that read); created on first sight (its profile read from Slack) or
    refreshed weekly in a short write transaction."""
    if arrived is None:
        with rt.peeking() as connection:
            arrived = requests.arrival(connection, workspace_id, slack_user_id, None)
    member = arrived.member
    if member is not None and member.profile_fetched_at is not None and rt.clock.now() - member.profile_fetched_at <= PROFILE_MAX_AGE:
        return actor_for(member, rt.config, lang=lang)
    with rt.transaction() as session:
        member = ensure_member(session, workspace_id=workspace_id, slack_user_id=slack_user_id, clock=rt.clock, fetch_profile=fetch_profile)
        return actor_for(member, rt.config, lang=lang)
