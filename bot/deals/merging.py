"""Duplicate deals (撞单) as a service: creating a deal with the duplicate check (stop and ask,
create anyway, or create and record), telling the other deals' owners and their managers, and
merging one deal into another (`/opp merge 12 into 15`). The rule of what counts as a duplicate
is bot.deals.duplicates'."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.blocks.kit import esc, message
from bot.core import history
from bot.core.clock import Clock
from bot.core.config import Config
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.deals import duplicates, opportunities, permissions
from bot.deals.opportunities import DealInput
from bot.team import offers
from bot.team.members import Actor
from store.db import one_at_a_time
from store.models import Activity, Alert, AssignmentOffer, Event, Opportunity, Reminder, Risk

ASK, CONFIRMED, RECORD = "ask", "confirmed", "record"


@dataclass(frozen=True)
class Match:
    number: int
    title: str
    owner: str  # Slack id


class DuplicateFound(Exception):
    """The new deal looks like open deals already there; nothing was created."""

    def __init__(self, matches: list[Match]):
        super().__init__("duplicate")
        self.matches = matches


def create(
    session: Session,
    *,
    actor: Actor,
    deal: DealInput,
    config: Config,
    clock: Clock,
    mode: str,
    request_key: str | None = None,
    compared: duplicates.Compared | None = None,
) -> tuple[Opportunity, bool, list[int]]:
    """Create ``deal`` unless it duplicates open deals: then ``ASK`` raises DuplicateFound (nothing
    created), ``CONFIRMED`` creates it, records which deals it duplicates on both sides and tells
    their owners and managers, ``RECORD`` (imports) creates it and records the duplicate. Returns
    (deal, created, the numbers of the deals it duplicates). ``compared``: its title compared
    before this transaction (bot.deals.duplicates.compare_titles)."""
    if request_key:  # a repeat of a request already done: its deal, nothing more
        existing = opportunities.find_by_request_key(session, actor, request_key)
        if existing is not None:
            return existing, False, []
    matches = []
    if config.duplicate_check:
        # another deal being created in the workspace waits for this one (and this one for it), so
        # two reps creating the same customer's deal at once: the second finds the first's
        one_at_a_time(session, f"new-deal:{actor.workspace_id}")
        matches = duplicates.find(session, actor.workspace_id, account=deal.account, title=deal.title, compared=compared)
    if matches and mode == ASK:
        raise DuplicateFound([Match(o.number, o.title, o.owner.slack_user_id) for o in matches])
    opp, created = opportunities.create(session, actor=actor, deal=deal, config=config, clock=clock, request_key=request_key)
    if created and matches:
        now = clock.now()
        numbers = ", ".join(f"#{o.number}" for o in matches)
        kind = "duplicate_confirmed" if mode == CONFIRMED else "duplicate_found"
        _event(session, opp, actor, now, kind, "duplicate_of", numbers)
        for other in matches:
            _event(session, other, actor, now, kind, "duplicated_by", f"#{opp.number}")
        if mode == CONFIRMED:
            _tell(session, config, actor, opp, matches, now)
    return opp, created, [o.number for o in matches] if created else []


def _event(session: Session, opp: Opportunity, actor: Actor, at, kind: str, field: str, new: str) -> None:
    history.event(session, opportunity_id=opp.id, actor_id=actor.member_id, at=at, kind=kind, field=field, new=new)


def _tell(session: Session, config: Config, actor: Actor, opp: Opportunity, matches: list[Opportunity], now) -> None:
    """One DM to each owner of a matched deal and to their manager (not to the creator)."""
    told: dict[str, list[int]] = {}
    for other in matches:
        for person in (other.owner, other.owner.manager if other.owner else None):
            if person is not None and person.id != actor.member_id:
                told.setdefault(person.slack_user_id, []).append(other.number)
    lang = config.language
    for user, numbers in told.items():
        text = t(
            lang,
            "duplicate_told",
            creator=actor.slack_user_id,
            number=opp.number,
            title=esc(opp.title),
            others=", ".join(f"#{n}" for n in sorted(set(numbers))),
        )
        offers.dm(session, opp.workspace_id, user, f"duplicate:{opp.id}:{user}", message(text), now)


def merge(session: Session, *, actor: Actor, source: int, target: int, clock: Clock, config: Config) -> Opportunity:
    """Merge deal ``source`` into ``target``: the source's activities, events, risks and reminders
    move to the target, its open alerts clear, its open offers are withdrawn, and it is closed as
    merged. A manager of both deals (or an admin) may."""
    if source == target:
        raise BadInput("merge_same", number=source)
    first, second = sorted((source, target))  # one lock order, whoever merges which way
    locked = {n: opportunities.get(session, actor=actor, number=n, for_update=True) for n in (first, second)}
    old, survivor = locked[source], locked[target]
    for opp in (old, survivor):
        permissions.require(actor, "merge", opp, config)
    if old.status != "open":
        raise BadInput("deal_closed", number=old.number, status=old.status)
    if survivor.status == "merged":
        raise BadInput("merge_into_merged", number=survivor.number)
    now = clock.now()
    for model in (Activity, Event, Risk, Reminder):
        session.execute(update(model).where(model.opportunity_id == old.id).values(opportunity_id=survivor.id).execution_options(synchronize_session=False))
    session.execute(update(Alert).where(Alert.opportunity_id == old.id, Alert.cleared_at.is_(None)).values(cleared_at=now))
    session.execute(
        update(AssignmentOffer)
        .where(AssignmentOffer.opportunity_id == old.id, AssignmentOffer.status == offers.OPEN_OFFER)
        .values(status="withdrawn", answered_at=now)
    )
    _event(session, survivor, actor, now, "merged", "merged_from", f"#{old.number} {old.title}")
    history.event(session, opportunity_id=old.id, actor_id=actor.member_id, at=now, kind="status", field="status", old="open", new="merged")
    _event(session, old, actor, now, "merged", "merged_into", f"#{survivor.number}")
    old.status, old.closed_at, old.updated_at = "merged", now, now
    old.next_touch_due, old.win_probability = None, 0.0
    survivor.updated_at = now
    survivor.last_activity_at = max(survivor.last_activity_at, old.last_activity_at)
    session.flush()
    return survivor
