"""Deal rooms (`/opp room 42`, `/opp 群 42`): a Slack channel made for one deal. This module decides
whether a room may be made and for whom (whoever may change the deal: bot.deals.permissions), what
it is called (``deal-42-<account>``, Slack's rules: lowercase a-z, 0-9, - and _, at most 80
characters; an account with nothing of that, a Chinese name say, gives ``deal-42``; a name taken
gets a suffix), who is invited (the person making it, the owner, the person responsible and the
people of the roles consulted in the current stage), and records the room on the deal once Slack
has made it: an event, and the deal's card queued there as the parent of its thread
(bot.deals.threads). From then on the deal's alerts go to its room as well as wherever they went
before, and its changes are told in its threads, the room's among them. Making the channel itself
is the handler's (a Slack call); nothing is recorded unless it succeeded."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import history
from bot.core.config import Config
from bot.core.errors import BadInput, PermissionDenied
from bot.deals import permissions, threads
from bot.deals.opportunities import get
from bot.team.members import Actor
from bot.team.rules import SYSTEM_USER
from store.models import Member, Opportunity

NAME_LIMIT = 80  # Slack's longest channel name
SUFFIXES = 9  # deal-42-acme, then deal-42-acme-2 … deal-42-acme-9
INVITE_LIMIT = 50  # people invited at most (the consulted roles of a big team can be many)
_NOT_NAME = re.compile(r"[^a-z0-9]+")


def slug(text: str | None) -> str:
    """What of ``text`` a channel name can keep: ASCII letters and digits (accents dropped), the
    rest one dash between words. Chinese has none of it: an empty slug."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return _NOT_NAME.sub("-", ascii_text).strip("-")


def channel_name(number: int, account: str | None) -> str:
    base = f"deal-{number}"
    tail = slug(account)
    return (f"{base}-{tail}"[:NAME_LIMIT]).rstrip("-") if tail else base


def names(number: int, account: str | None) -> list[str]:
    """The names to try, in order, while Slack answers ``name_taken``."""
    first = channel_name(number, account)
    return [first] + [f"{first[: NAME_LIMIT - len(str(n)) - 1].rstrip('-')}-{n}" for n in range(2, SUFFIXES + 1)]


@dataclass(frozen=True)
class RoomPlan:
    number: int
    existing: str | None = None  # the deal's room already: its channel id
    names: tuple[str, ...] = ()
    people: tuple[str, ...] = ()  # Slack ids to invite


def _live_room(opp: Opportunity) -> str | None:
    return opp.room_channel if opp.room_channel and opp.room_archived_at is None else None


def plan(session: Session, *, actor: Actor, number: int, config: Config) -> RoomPlan:
    """What `/opp room` is to do: point at the deal's room, or make one (names to try, people to invite)."""
    opp = get(session, actor=actor, number=number)
    if _live_room(opp):
        return RoomPlan(number, existing=opp.room_channel)
    if opp.status != "open":
        raise BadInput("room_closed_deal", number=number)
    if not permissions.allowed(actor, "edit", opp):
        raise PermissionDenied("room_not_allowed", number=number)
    return RoomPlan(number, names=tuple(names(number, opp.account)), people=tuple(people(session, config, opp, actor)))


def people(session: Session, config: Config, opp: Opportunity, actor: Actor) -> list[str]:
    """Who is invited: the person making the room, the owner, the person responsible now, and the
    members of the roles the current stage consults."""
    ids = [actor.slack_user_id, opp.owner.slack_user_id]
    if opp.responsible is not None:
        ids.append(opp.responsible.slack_user_id)
    try:
        consulted = config.stage(opp.stage).consulted
    except KeyError:  # a stage no longer configured
        consulted = ()
    if consulted:
        ids += session.scalars(
            select(Member.slack_user_id).where(Member.workspace_id == opp.workspace_id, Member.role.in_(consulted)).order_by(Member.id)
        ).all()
    return [u for u in dict.fromkeys(ids) if u and u != SYSTEM_USER][:INVITE_LIMIT]


def record(session: Session, *, actor: Actor, number: int, channel: str, config: Config, now: datetime) -> str:
    """Record ``channel`` (just made by Slack) as the deal's room and queue its card there. Returns
    the deal's room: ``channel``, or the room someone else recorded meanwhile (then ``channel`` is
    not recorded, and the caller archives it)."""
    opp = get(session, actor=actor, number=number, for_update=True)
    if _live_room(opp):
        return opp.room_channel
    permissions.require(actor, "edit", opp)
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="room", field="room_channel", old=opp.room_channel, new=channel)
    opp.room_channel, opp.room_archived_at, opp.updated_at = channel, None, now
    session.flush()
    threads.thread_in(session, config, opp, channel, now)  # the card, the room's first message and parent
    return channel
