"""Targets (目标): the team's and each person's for a month or a quarter, in the workspace
currency. Setting one again keeps the old row (its ``replaced_at`` set) beside the new one, so the
history shows who changed what and when. A team target may be split into personal targets for the
people who carry a quota: the account managers (role ae, or the old "rep"), since they own the
deals from needs confirmed to contract; evenly, or weighted by each one's capacity (a person with
no capacity set counts as the average of those who have one). Parts are rounded to the cent and
the last person takes the remainder, so they add up to the team's target exactly.

Only managers and admins set targets; anyone may look at them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.config import Config
from bot.core.errors import BadInput, PermissionDenied
from bot.core.periods import CALENDAR, Period, period_key
from bot.reporting.reports import read_period
from bot.team.members import Actor, role_of
from store.db import one_at_a_time
from store.models import Member, Target
from store.queries import current_targets

CENT = Decimal("0.01")
SETTERS = ("manager", "admin")
QUOTA_ROLES = ("ae", "rep")  # account managers carry the quota ("rep": the old name of ae)
SPLITS = ("even", "capacity")
HISTORY_SHOWN = 30
KINDS = ("month", "quarter")
NEXT = {"next-month": "month", "下月": "month", "下个月": "month", "next-quarter": "quarter", "下季度": "quarter", "下个季度": "quarter"}


def read_target_period(text: str, today: date, tz) -> Period:
    """The month or quarter ``text`` names: as reports read periods (2027-03, 2027-Q1, 2027年3月,
    2027年第一季度, 本月, 本季度 …), and next-month / next-quarter (下月, 下季度). A week, a year or
    a run of days is refused, saying what to type."""
    word = text.strip().lower()
    if word in NEXT:
        this = CALENDAR[NEXT[word]](today, tz)
        return CALENDAR[NEXT[word]](this.last + timedelta(days=1), tz)
    period = read_period(text, today, tz, "this-month")
    if period.name not in KINDS:
        raise BadInput("tg_bad_period", value=text.strip()[:80])
    return period


def may_set(actor: Actor) -> bool:
    return actor.is_admin or role_of(actor) in SETTERS


def require_setter(actor: Actor) -> None:
    if not may_set(actor):
        raise PermissionDenied("tg_not_allowed")


@dataclass(frozen=True)
class Change:
    """What setting a target did: the target set, the one it replaced (if any) and, for a split,
    each person's part (slack id, amount, the part it replaced)."""

    amount: Decimal
    replaced: Decimal | None
    parts: tuple[tuple[str, Decimal, Decimal | None], ...] = ()
    split: str | None = None


def set_personal(session: Session, *, actor: Actor, member_id: int, period: Period, amount: Decimal, config: Config, now: datetime) -> Change:
    """Set ``member_id``'s target for the month or quarter."""
    require_setter(actor)
    key = period_key(period)
    one_at_a_time(session, f"targets:{actor.workspace_id}:{key}")
    replaced = _replace(session, actor, member_id, key, amount, config, now, current_targets(session, actor.workspace_id, key))
    return Change(amount, replaced)


def set_team(session: Session, *, actor: Actor, period: Period, amount: Decimal, split: str | None, config: Config, now: datetime) -> Change:
    """Set the team's target for the month or quarter and, with ``split`` (even or capacity),
    the personal targets of the people who carry a quota, adding up to it exactly."""
    require_setter(actor)
    people = quota_carriers(session, actor.workspace_id) if split else []
    if split and not people:
        raise BadInput("tg_nobody_to_split")
    key = period_key(period)
    one_at_a_time(session, f"targets:{actor.workspace_id}:{key}")  # another setter of the period's targets waits for this one
    current = current_targets(session, actor.workspace_id, key)
    replaced = _replace(session, actor, None, key, amount, config, now, current)
    parts = []
    if split:
        weights = capacity_weights(people) if split == "capacity" else [Decimal(1)] * len(people)
        for person, part in zip(people, split_amount(amount, weights), strict=True):
            parts.append((person.slack_user_id, part, _replace(session, actor, person.id, key, part, config, now, current, split=split)))
    return Change(amount, replaced, tuple(parts), split)


def _replace(session: Session, actor: Actor, member_id: int | None, key: str, amount: Decimal, config: Config, now: datetime, current: dict, split=None):
    """Replace the target in force for (member, period) (``current``: those in force, by member)
    by a new row; the old amount, if any."""
    old = current.get(member_id)
    if old is not None:
        old.replaced_at = now
    target = Target(workspace_id=actor.workspace_id, member_id=member_id, period=key, amount=amount, currency=config.currency, split=split)
    target.set_by_id, target.set_at = actor.member_id, now
    session.add(target)
    return old.amount if old is not None else None


def quota_carriers(session: Session, workspace_id: str) -> list[Member]:
    """The people a team target is split between, in the order they joined."""
    return list(session.scalars(select(Member).where(Member.workspace_id == workspace_id, Member.role.in_(QUOTA_ROLES)).order_by(Member.id)))


def capacity_weights(people: list[Member]) -> list[Decimal]:
    """Each person's capacity; the average of the known ones for a person without (1 each when
    nobody has one, so the split is even)."""
    known = [Decimal(p.capacity) for p in people if p.capacity is not None]
    average = sum(known) / len(known) if known else Decimal(1)
    weights = [Decimal(p.capacity) if p.capacity is not None else average for p in people]
    return weights if sum(weights) > 0 else [Decimal(1)] * len(people)


def split_amount(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``amount`` in parts proportional to ``weights``, each rounded to the cent, the last taking
    the remainder so they add up to ``amount`` exactly."""
    total = sum(weights)
    parts = [(amount * w / total).quantize(CENT, ROUND_HALF_UP) for w in weights[:-1]]
    return [*parts, amount - sum(parts, Decimal(0))]


@dataclass(frozen=True)
class HistoryLine:
    period: str
    who: str | None  # Slack id; None for the team
    amount: Decimal
    currency: str
    split: str | None
    set_by: str
    set_at: datetime
    replaced_at: datetime | None


def history(session: Session, workspace_id: str, member_id: int | None = None, *, limit: int = HISTORY_SHOWN) -> tuple[list[HistoryLine], int]:
    """The targets set (``member_id``'s only, when given), newest first: the latest ``limit`` and
    how many there are in all."""
    where = [Target.workspace_id == workspace_id]
    if member_id is not None:
        where.append(Target.member_id == member_id)
    total = session.scalar(select(func.count(Target.id)).where(*where)) or 0
    rows = session.scalars(select(Target).where(*where).order_by(Target.set_at.desc(), Target.id.desc()).limit(limit)).all()
    ids = {r.member_id for r in rows} | {r.set_by_id for r in rows}
    slack_ids = dict(session.execute(select(Member.id, Member.slack_user_id).where(Member.id.in_([i for i in ids if i is not None]))).all())
    lines = [
        HistoryLine(
            r.period, slack_ids.get(r.member_id) if r.member_id else None, r.amount, r.currency, r.split, slack_ids[r.set_by_id], r.set_at, r.replaced_at
        )
        for r in rows
    ]
    return lines, total
