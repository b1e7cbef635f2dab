"""Choosing who gets a deal: the ordered rules of config.toml, fair strategies, and the decision
for one deal.

The pure part (``matches``, ``rule_for``, ``eligible``, ``pick``, ``explain``) decides from plain
values and is tested without a database; ``open_counts`` and ``candidates`` read the loads with SQL
counts, and ``decide`` puts them together with the rule's round-robin cursor. Nothing here writes
an owner or sends a message: that is bot.team.assignment's (one deal) and bot.team.batch's (many).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.blocks.kit import esc
from bot.core.config import Config, Rule
from bot.core.i18n import t
from store.models import AssignmentCursor, Member, Opportunity

SYSTEM_USER = "USLACKBOT"  # automatic decisions are recorded as made by the app itself
UNLIMITED = 50  # a person with no capacity set counts as holding open/50 when loads are compared


@dataclass
class Candidate:
    member_id: int
    slack_user_id: str
    role: str
    capacity: int | None
    away_until: date | None
    open: int = 0
    manager_id: int | None = None
    regions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()

    def away(self, today: date) -> bool:
        return self.away_until is not None and self.away_until >= today

    def full(self) -> bool:
        return self.capacity is not None and self.open >= self.capacity

    def covers(self, deal) -> bool:
        """The deal is in this person's territory: each of their regions and industries, when
        they have some, includes the deal's (a deal without a region or industry fits anyone)."""
        return _within(self.regions, getattr(deal, "region", None)) and _within(self.industries, getattr(deal, "industry", None))

    def load(self) -> float:
        return self.open / (self.capacity or UNLIMITED) if self.capacity != 0 else float("inf")


@dataclass
class Decision:
    """The outcome for one deal: a person (``chosen``) or the pool (``why`` says which way)."""

    rule: Rule
    chosen: Candidate | None
    why: str | None = None  # "manual" or "nobody" when nobody was chosen
    considered: list[Candidate] = field(default_factory=list)


# --- the pure rules --------------------------------------------------------------------------


def _norm(value) -> str:
    return (value or "").strip().lower()


def _within(territory: Iterable[str], value) -> bool:
    return not territory or not _norm(value) or _norm(value) in {_norm(v) for v in territory}


def matches(rule: Rule, *, region=None, industry=None, source=None, amount=None, tags=()) -> bool:
    """Every condition the rule gives must hold (a list condition: any of its values)."""
    if rule.regions and _norm(region) not in {_norm(r) for r in rule.regions}:
        return False
    if rule.industries and _norm(industry) not in {_norm(i) for i in rule.industries}:
        return False
    if rule.sources and _norm(source) not in {_norm(s) for s in rule.sources}:
        return False
    if rule.tags and not {_norm(t_) for t_ in tags or ()} & {_norm(t_) for t_ in rule.tags}:
        return False
    if rule.min_amount is not None and (amount is None or Decimal(amount) < Decimal(str(rule.min_amount))):
        return False
    if rule.max_amount is not None and (amount is None or Decimal(amount) > Decimal(str(rule.max_amount))):
        return False
    return True


DEFAULT_RULE = "default"  # the name of the rule used when none of the configured ones matches


def default_rule(config: Config, role: str) -> Rule:
    return Rule(name=DEFAULT_RULE, strategy=config.assignment.default_strategy, role=role)


def is_default(rule: Rule) -> bool:
    return rule.name == DEFAULT_RULE


def rule_for(config: Config, opp, role: str | None = None) -> Rule:
    """The first rule matching the deal (and, when a role is needed, not naming another role)."""
    for rule in config.assignment.rules:
        if role and rule.role and rule.role != role:
            continue
        if matches(rule, region=opp.region, industry=opp.industry, source=opp.source, amount=opp.amount, tags=list(opp.tags or ())):
            return rule
    return default_rule(config, role or "ae")


def eligible(candidates: Iterable[Candidate], today: date, exclude: Iterable[int] = (), deal=None) -> list[Candidate]:
    """Who may get a deal now: not away, below capacity, not passed over already, and (given the
    deal) covering its region and industry. One deal or many (bot.team.batch), the same test."""
    skip = set(exclude)
    return [c for c in candidates if c.member_id not in skip and not c.away(today) and not c.full() and (deal is None or c.covers(deal))]


def pick(strategy: str, people: list[Candidate], last_member_id: int | None = None) -> Candidate | None:
    """round_robin: the next person after the last one given a deal (by member id, wrapping);
    least_loaded: the lowest open/capacity (then fewest open, then lowest id); manual: nobody."""
    if not people or strategy == "manual":
        return None
    if strategy == "least_loaded":
        return min(people, key=lambda c: (c.load(), c.open, c.member_id))
    ordered = sorted(people, key=lambda c: c.member_id)
    if last_member_id is not None:
        for c in ordered:
            if c.member_id > last_member_id:
                return c
    return ordered[0]


def explain(decision: Decision, lang: str) -> str:
    """ "assigned to @li by rule '华东制造' — round robin, 7 of 20 open" (after the assignment)."""
    c = decision.chosen
    rule = t(lang, "as_default_rule") if is_default(decision.rule) else decision.rule.name
    strategy = t(lang, "strategy_" + decision.rule.strategy)
    if c.capacity is None:
        return t(lang, "as_explain_nocap", rule=esc(rule), user=c.slack_user_id, strategy=strategy, open=c.open)
    return t(lang, "as_explain", rule=esc(rule), user=c.slack_user_id, strategy=strategy, open=c.open, capacity=c.capacity)


# --- loads and candidates from the database ---------------------------------------------------


def open_counts(session: Session, workspace_id: str, member_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Open deals each person holds: owned (not pooled) plus responsible for, by SQL counts."""
    ids = None if member_ids is None else list(member_ids)
    counts: dict[int, int] = {}
    owned = (
        select(Opportunity.owner_id, func.count(Opportunity.id))
        .where(Opportunity.workspace_id == workspace_id, Opportunity.status == "open", Opportunity.pooled_at.is_(None))
        .group_by(Opportunity.owner_id)
    )
    held = (
        select(Opportunity.responsible_id, func.count(Opportunity.id))
        .where(Opportunity.workspace_id == workspace_id, Opportunity.status == "open", Opportunity.responsible_id.is_not(None))
        .group_by(Opportunity.responsible_id)
    )
    if ids is not None:
        owned = owned.where(Opportunity.owner_id.in_(ids))
        held = held.where(Opportunity.responsible_id.in_(ids))
    for query in (owned, held):
        for member_id, n in session.execute(query):
            counts[member_id] = counts.get(member_id, 0) + n
    return counts


def held_count(workspace_id: str, member_id: int):
    """The open deals one person holds (as ``open_counts`` counts them), as an SQL expression to
    use inside another statement: a claim's capacity check is part of its UPDATE."""
    owned = select(func.count(Opportunity.id)).where(
        Opportunity.workspace_id == workspace_id, Opportunity.status == "open", Opportunity.pooled_at.is_(None), Opportunity.owner_id == member_id
    )
    held = select(func.count(Opportunity.id)).where(
        Opportunity.workspace_id == workspace_id, Opportunity.status == "open", Opportunity.responsible_id == member_id
    )
    return owned.scalar_subquery() + held.scalar_subquery()


def candidates(session: Session, workspace_id: str, rule: Rule, role: str | None = None) -> list[Candidate]:
    """The rule's pool (its people, or members of its role), narrowed to ``role`` when one is needed."""
    query = select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id != SYSTEM_USER)
    if rule.people:
        query = query.where(Member.slack_user_id.in_(rule.people))
    else:
        query = query.where(Member.role.in_(role_names(rule.role or role or "ae")))
    if role:
        query = query.where(Member.role.in_(role_names(role)))
    members = session.scalars(query.order_by(Member.id)).all()
    counts = open_counts(session, workspace_id, [m.id for m in members])
    return [
        Candidate(
            m.id,
            m.slack_user_id,
            "ae" if m.role == "rep" else m.role,
            m.capacity,
            m.away_until,
            counts.get(m.id, 0),
            m.manager_id,
            tuple(m.regions or ()),
            tuple(m.industries or ()),
        )
        for m in members
    ]


def role_names(role: str) -> tuple[str, ...]:
    return ("ae", "rep") if role == "ae" else (role,)


def cursor_for(session: Session, workspace_id: str, rule: str, *, lock: bool = True) -> AssignmentCursor:
    """The rule's place in its round, locked for this transaction. A rule's first assignment makes
    it once, even two at once: the second's insert waits for the first's row and adds nothing, and
    the second then reads the first's place (not a second row that would fail at commit)."""
    query = select(AssignmentCursor).where(AssignmentCursor.workspace_id == workspace_id, AssignmentCursor.rule == rule)
    if lock:
        query = query.with_for_update()
    cursor = session.scalars(query).one_or_none()
    if cursor is None:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(dialect.insert(AssignmentCursor).values(workspace_id=workspace_id, rule=rule, last_member_id=None).on_conflict_do_nothing())
        cursor = session.scalars(query).one()
    return cursor


def rule_named(config: Config, name: str | None, opp, role: str | None = None) -> Rule:
    """The rule an earlier offer was made under, to pass the deal on within it; the deal's rule
    now if config no longer has it."""
    for rule in config.assignment.rules:
        if rule.name == name:
            return rule
    if name == "default":
        return default_rule(config, role or "ae")
    return rule_for(config, opp, role)


def decide(
    session: Session, config: Config, opp: Opportunity, *, role: str | None, today: date, exclude: Iterable[int] = (), rule: Rule | None = None
) -> Decision:
    """The person for the deal under ``rule`` (by default the deal's first matching rule)."""
    with session.no_autoflush:  # the deal's own change is written once, with the caller's
        return _decide(session, opp, rule or rule_for(config, opp, role), role=role, today=today, exclude=exclude)


def _decide(session: Session, opp: Opportunity, rule: Rule, *, role: str | None, today: date, exclude: Iterable[int] = ()) -> Decision:
    if rule.strategy == "manual":
        return Decision(rule, None, "manual")
    # the rule's turn, then its people's loads: a second assignment under the rule at once waits,
    # then counts what the first gave (counted first, both saw room for one more and both took it)
    cursor = cursor_for(session, opp.workspace_id, rule.name)
    people = candidates(session, opp.workspace_id, rule, role)
    pool = eligible(people, today, exclude, opp)
    chosen = pick(rule.strategy, pool, cursor.last_member_id)
    if chosen is None:
        return Decision(rule, None, "nobody", people)
    if rule.strategy == "round_robin":
        cursor.last_member_id = chosen.member_id
    chosen.open += 1
    return Decision(rule, chosen, None, people)
