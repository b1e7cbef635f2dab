"""Who gets a deal: ordered rules from config.toml, fair strategies, offers that can be declined or
expire, and the responsible person for each stage (RACI "R").

The pure part (``matches``, ``rule_for``, ``eligible``, ``pick``) decides from plain values and is
tested without a database; the rest reads loads with SQL counts, writes the decision (owner or
responsible, an event, an offer) and queues the messages through the outbox, all in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from bot.delivery import outbox
from bot.core.config import Config, Rule
from bot.core.i18n import t
from bot.blocks.kit import Reply, esc, message
from bot.blocks.team import offer_message
from bot.core.errors import BadInput
from store.models import (
    AssignmentCursor,
    AssignmentOffer,
    Event,
    Member,
    Opportunity,
    Workspace,
)

SYSTEM_USER = "USLACKBOT"  # automatic decisions are recorded as made by the app itself
UNLIMITED = 50  # a person with no capacity set counts as holding open/50 when loads are compared
OPEN_OFFER = "offered"


@dataclass
class Candidate:
    member_id: int
    slack_user_id: str
    role: str
    capacity: int | None
    away_until: date | None
    open: int = 0
    manager_id: int | None = None

    def away(self, today: date) -> bool:
        return self.away_until is not None and self.away_until >= today

    def full(self) -> bool:
        return self.capacity is not None and self.open >= self.capacity

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


def default_rule(config: Config, role: str) -> Rule:
    return Rule(name="default", strategy=config.assignment.default_strategy, role=role)


def rule_for(config: Config, opp, role: str | None = None) -> Rule:
    """The first rule matching the deal (and, when a role is needed, not naming another role)."""
    for rule in config.assignment.rules:
        if role and rule.role and rule.role != role:
            continue
        if matches(rule, region=opp.region, industry=opp.industry, source=opp.source, amount=opp.amount, tags=list(opp.tags or ())):
            return rule
    return default_rule(config, role or "ae")


def eligible(candidates: Iterable[Candidate], today: date, exclude: Iterable[int] = ()) -> list[Candidate]:
    """Who may get a deal now: not away, below capacity, not passed over already."""
    skip = set(exclude)
    return [c for c in candidates if c.member_id not in skip and not c.away(today) and not c.full()]


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
    rule = t(lang, "as_default_rule") if decision.rule.name == "default" else decision.rule.name
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


def candidates(session: Session, workspace_id: str, rule: Rule, role: str | None = None) -> list[Candidate]:
    """The rule's pool (its people, or members of its role), narrowed to ``role`` when one is needed."""
    query = select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id != SYSTEM_USER)
    if rule.people:
        query = query.where(Member.slack_user_id.in_(rule.people))
    else:
        query = query.where(Member.role.in_(_role_names(rule.role or role or "ae")))
    if role:
        query = query.where(Member.role.in_(_role_names(role)))
    members = session.scalars(query.order_by(Member.id)).all()
    counts = open_counts(session, workspace_id, [m.id for m in members])
    return [Candidate(m.id, m.slack_user_id, "ae" if m.role == "rep" else m.role, m.capacity, m.away_until, counts.get(m.id, 0), m.manager_id) for m in members]


def _role_names(role: str) -> tuple[str, ...]:
    return ("ae", "rep") if role == "ae" else (role,)


def _cursor(session: Session, workspace_id: str, rule: str, *, lock: bool = True) -> AssignmentCursor:
    query = select(AssignmentCursor).where(AssignmentCursor.workspace_id == workspace_id, AssignmentCursor.rule == rule)
    if lock:
        query = query.with_for_update()
    cursor = session.scalars(query).one_or_none()
    if cursor is None:
        cursor = AssignmentCursor(workspace_id=workspace_id, rule=rule, last_member_id=None)
        session.add(cursor)
    return cursor


def decide(session: Session, config: Config, opp: Opportunity, *, role: str | None, today: date, exclude: Iterable[int] = ()) -> Decision:
    with session.no_autoflush:  # the deal's own change is written once, with the caller's
        return _decide(session, config, opp, role=role, today=today, exclude=exclude)


def _decide(session: Session, config: Config, opp: Opportunity, *, role: str | None, today: date, exclude: Iterable[int] = ()) -> Decision:
    rule = rule_for(config, opp, role)
    if rule.strategy == "manual":
        return Decision(rule, None, "manual")
    people = candidates(session, opp.workspace_id, rule, role)
    pool = eligible(people, today, exclude)
    cursor = _cursor(session, opp.workspace_id, rule.name) if rule.strategy == "round_robin" else None
    chosen = pick(rule.strategy, pool, cursor.last_member_id if cursor else None)
    if chosen is None:
        return Decision(rule, None, "nobody", people)
    if cursor is not None:
        cursor.last_member_id = chosen.member_id
    chosen.open += 1
    return Decision(rule, chosen, None, people)


# --- writing decisions ------------------------------------------------------------------------


def system_member(session: Session, workspace_id: str, now: datetime) -> Member:
    """The member automatic decisions are recorded under."""
    member = session.scalars(select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id == SYSTEM_USER)).one_or_none()
    if member is None:
        if session.get(Workspace, workspace_id) is None:
            session.add(Workspace(id=workspace_id, next_number=1, created_at=now))
            session.flush()  # the member row refers to it
        member = Member(workspace_id=workspace_id, slack_user_id=SYSTEM_USER, display_name="oppbot", role="system", created_at=now, profile_fetched_at=now)
        session.add(member)
        session.flush()
    return member


def _event(session: Session, opp: Opportunity, actor_id: int, now: datetime, field_: str, old: str | None, new: str | None) -> None:
    session.add(Event(opportunity_id=opp.id, actor_id=actor_id, at=now, kind="assigned", field=field_, old=old, new=new))


def _slack_id(session: Session, member_id: int | None) -> str | None:
    if member_id is None:
        return None
    return session.scalar(select(Member.slack_user_id).where(Member.id == member_id))


def _channel(config: Config) -> str | None:
    return config.channels.get("assignments")


def pool_manager_ids(session: Session, config: Config, workspace_id: str) -> list[str]:
    if config.assignment.pool_manager:
        return [config.assignment.pool_manager]
    return list(config.admins)


def post(session: Session, config: Config, workspace_id: str, key: str, text: str, now: datetime) -> None:
    channel = _channel(config)
    if channel:
        outbox.enqueue(session, workspace_id=workspace_id, key=key, kind="assignment", channel=channel, reply=message(text), now=now)


def dm(session: Session, workspace_id: str, user: str, key: str, reply: Reply, now: datetime) -> None:
    if user and user != SYSTEM_USER:
        outbox.enqueue(session, workspace_id=workspace_id, key=key, kind="assignment", channel=user, reply=reply, now=now)


def offer(
    session: Session, config: Config, opp: Opportunity, decision: Decision, *, kind: str, now: datetime, passed_over: list[int] | None = None
) -> AssignmentOffer:
    """Record the offer, DM it with Accept/Decline, and post the decision to the assignments channel."""

    lang = config.language
    text = explain(decision, lang)
    made = AssignmentOffer(
        workspace_id=opp.workspace_id,
        opportunity_id=opp.id,
        member_id=decision.chosen.member_id,
        kind=kind,
        rule=decision.rule.name,
        explanation=text,
        status=OPEN_OFFER,
        passed_over=list(passed_over or []),
        created_at=now,
        expires_at=now + timedelta(hours=config.assignment.offer_hours),
    )
    session.add(made)
    session.flush()
    dm(
        session,
        opp.workspace_id,
        decision.chosen.slack_user_id,
        f"offer:{made.id}",
        offer_message(made.id, opp.number, opp.title, made.explanation, config, lang, decision.chosen.role),
        now,
    )
    post(session, config, opp.workspace_id, f"offer-post:{made.id}", t(lang, "as_channel_post", number=opp.number, title=esc(opp.title), explain=text), now)
    return made


def to_pool(session: Session, config: Config, opp: Opportunity, why: str, *, by: int, now: datetime) -> None:
    """Put the deal in the public pool and announce it to the channel and the pool's manager."""
    if opp.pooled_at is None:
        _event(session, opp, by, now, "pool", _slack_id(session, opp.owner_id), "pool")
        opp.pooled_at = now
        opp.updated_at = now
    lang = config.language
    text = t(lang, "as_to_pool", number=opp.number, title=esc(opp.title), why=why)
    key = f"pool:{opp.id}:{now.isoformat()}"
    post(session, config, opp.workspace_id, key, text, now)
    for user in pool_manager_ids(session, config, opp.workspace_id):
        dm(session, opp.workspace_id, user, f"{key}:{user}", message(text), now)


def assign_owner(session: Session, config: Config, opp: Opportunity, *, by: int, now: datetime, exclude: Iterable[int] = ()) -> Decision:
    """Give the deal an owner by the rules (with an offer), or put it in the public pool."""
    exclude = list(exclude)
    today = now.astimezone(config.tz).date()
    decision = decide(session, config, opp, role=None, today=today, exclude=exclude)
    if decision.chosen is None:
        name = decision.rule.name
        why = t(config.language, "as_why_manual" if decision.why == "manual" else "as_why_nobody", rule=esc(name))
        to_pool(session, config, opp, why, by=by, now=now)
        return decision
    old = _slack_id(session, opp.owner_id) if opp.pooled_at is None else "pool"
    _event(session, opp, by, now, "owner", old, decision.chosen.slack_user_id)
    opp.owner_id = decision.chosen.member_id
    opp.pooled_at = None
    opp.updated_at = now
    offer(session, config, opp, decision, kind="owner", now=now, passed_over=exclude)
    return decision


def stage_entered(session: Session, opp: Opportunity, *, actor, config: Config, now: datetime) -> None:
    """After a move: when the new stage's responsible role is not the owner's, choose a person of
    that role by the rules and tell both; else the owner is responsible again."""
    with session.no_autoflush:
        _stage_entered(session, opp, actor=actor, config=config, now=now)


def _stage_entered(session: Session, opp: Opportunity, *, actor, config: Config, now: datetime) -> None:
    stage = config.stage(opp.stage)
    owner_role = "ae" if opp.owner.role == "rep" else opp.owner.role
    old = opp.responsible_id
    if stage.owner_role == owner_role or opp.pooled_at is not None:
        if old is not None:
            _event(session, opp, actor.member_id, now, "responsible", _slack_id(session, old), None)
            opp.responsible_id = None
        return
    if old is not None and session.scalar(select(Member.role).where(Member.id == old)) in _role_names(stage.owner_role):
        return  # the person already responsible has the right role
    _withdraw(session, opp, "responsible", now)
    decision = decide(session, config, opp, role=stage.owner_role, today=now.astimezone(config.tz).date())
    if decision.chosen is None:
        if old is not None:
            _event(session, opp, actor.member_id, now, "responsible", _slack_id(session, old), None)
            opp.responsible_id = None
        if decision.considered:  # people of that role exist but none can take it: tell the pool manager
            why = t(config.language, "as_why_nobody", rule=esc(decision.rule.name))
            for user in pool_manager_ids(session, config, opp.workspace_id):
                dm(session, opp.workspace_id, user, f"resp-none:{opp.id}:{now.isoformat()}:{user}", message(f"#{opp.number} {esc(opp.title)}: {why}"), now)
        return
    _event(session, opp, actor.member_id, now, "responsible", _slack_id(session, old), decision.chosen.slack_user_id)
    opp.responsible_id = decision.chosen.member_id
    offer(session, config, opp, decision, kind="responsible", now=now)
    lang = config.language
    told = t(
        lang,
        "as_stage_told_owner",
        number=opp.number,
        title=esc(opp.title),
        stage=stage.name(lang),
        user=decision.chosen.slack_user_id,
        role=t(lang, "role_" + stage.owner_role),
    )
    dm(session, opp.workspace_id, opp.owner.slack_user_id, f"stage-owner:{opp.id}:{now.isoformat()}", message(told), now)


def _withdraw(session: Session, opp: Opportunity, kind: str, now: datetime) -> None:
    session.execute(
        update(AssignmentOffer)
        .where(AssignmentOffer.opportunity_id == opp.id, AssignmentOffer.kind == kind, AssignmentOffer.status == OPEN_OFFER)
        .values(status="withdrawn", answered_at=now)
    )


def assign_batch(session: Session, config: Config, opps: list[Opportunity], *, by: int, now: datetime) -> dict[int, int]:
    """Assign many new deals at once (an import): one load count and one cursor read per rule,
    decisions in memory, rows written in bulk; one summary DM per assignee and one channel post
    instead of a message per deal. Returns {member id: deals given}."""
    today = now.astimezone(config.tz).date()
    pools: dict[str, tuple[Rule, list[Candidate], AssignmentCursor | None]] = {}
    given: dict[int, int] = {}
    chosen_for: list[tuple[Opportunity, Decision]] = []
    for opp in opps:
        rule = rule_for(config, opp)
        if rule.name not in pools:
            people = [] if rule.strategy == "manual" else candidates(session, opp.workspace_id, rule)
            cursor = _cursor(session, opp.workspace_id, rule.name) if rule.strategy == "round_robin" else None
            pools[rule.name] = (rule, people, cursor)
        rule, people, cursor = pools[rule.name]
        chosen = pick(rule.strategy, eligible(people, today), cursor.last_member_id if cursor else None)
        if chosen is not None:
            chosen.open += 1
            if cursor is not None:
                cursor.last_member_id = chosen.member_id
            given[chosen.member_id] = given.get(chosen.member_id, 0) + 1
        chosen_for.append((opp, Decision(rule, chosen, None if chosen else ("manual" if rule.strategy == "manual" else "nobody"))))
    ids = {c.member_id: c.slack_user_id for _, people, _ in pools.values() for c in people}
    lang = config.language
    events, offers_, pooled, rows = [], [], [], []
    expires = now + timedelta(hours=config.assignment.offer_hours)
    for opp, d in chosen_for:
        if d.chosen is None:
            rows.append(dict(_id=opp.id, _owner=opp.owner_id, _pooled=opp.pooled_at or now, _at=now))
            pooled.append(opp)
            events.append(dict(opportunity_id=opp.id, actor_id=by, at=now, kind="assigned", field="pool", old=None, new="pool"))
            continue
        rows.append(dict(_id=opp.id, _owner=d.chosen.member_id, _pooled=None, _at=now))
        text = explain(d, lang)
        events.append(dict(opportunity_id=opp.id, actor_id=by, at=now, kind="assigned", field="owner", old=None, new=d.chosen.slack_user_id))
        offers_.append(
            dict(
                workspace_id=opp.workspace_id,
                opportunity_id=opp.id,
                member_id=d.chosen.member_id,
                kind="owner",
                rule=d.rule.name,
                explanation=text,
                status=OPEN_OFFER,
                passed_over=[],
                created_at=now,
                expires_at=expires,
            )
        )
    session.flush()
    if rows:  # one executemany by primary key; the objects are re-read when next used
        table = Opportunity.__table__
        session.connection().execute(
            table.update()
            .where(table.c.id == bindparam("_id"))
            .values(
                owner_id=bindparam("_owner"),
                pooled_at=bindparam("_pooled", type_=table.c.pooled_at.type),
                updated_at=bindparam("_at", type_=table.c.updated_at.type),
                version=table.c.version + 1,
            ),
            rows,
        )
        for opp in opps:
            session.expire(opp)
    if events:
        session.execute(insert(Event), events)
    if offers_:
        session.execute(insert(AssignmentOffer), offers_)
    if opps:
        ws = opps[0].workspace_id
        stamp = now.isoformat()
        for member_id, n in given.items():
            text = t(lang, "as_batch_dm", count=n)
            dm(session, ws, ids[member_id], f"batch:{stamp}:{member_id}", message(text), now)
        summary = ", ".join(f"<@{ids[m]}> {n}" for m, n in sorted(given.items(), key=lambda kv: -kv[1]))
        post(session, config, ws, f"batch-post:{stamp}", t(lang, "as_batch_post", count=len(opps), people=summary or "—", pooled=len(pooled)), now)
    return given


def open_offer(session: Session, offer_id: int, *, for_update: bool = False) -> AssignmentOffer | None:
    query = select(AssignmentOffer).where(AssignmentOffer.id == offer_id)
    if for_update:
        query = query.with_for_update(of=AssignmentOffer)
    return session.scalars(query).unique().one_or_none()


def pass_on(session: Session, config: Config, made: AssignmentOffer, status: str, *, by: int, now: datetime, reason: str | None = None) -> Decision | None:
    """The offer was declined or expired: mark it and hand the deal to the next candidate."""
    made.status = status
    made.reason = reason
    made.answered_at = now
    opp = session.get(Opportunity, made.opportunity_id, with_for_update={"of": Opportunity})
    if opp is None or opp.status != "open":
        return None
    passed = [*made.passed_over, made.member_id]
    if made.kind == "owner":
        if opp.owner_id != made.member_id or opp.pooled_at is not None:
            return None  # someone already moved it on
        decision = assign_owner(session, config, opp, by=by, now=now, exclude=passed)
        return decision
    if opp.responsible_id != made.member_id:
        return None
    stage = config.stage(opp.stage)
    decision = decide(session, config, opp, role=stage.owner_role, today=now.astimezone(config.tz).date(), exclude=passed)
    old = _slack_id(session, made.member_id)
    if decision.chosen is None:
        _event(session, opp, by, now, "responsible", old, None)
        opp.responsible_id = None
        return decision
    _event(session, opp, by, now, "responsible", old, decision.chosen.slack_user_id)
    opp.responsible_id = decision.chosen.member_id
    offer(session, config, opp, decision, kind="responsible", now=now, passed_over=passed)
    return decision


# --- answering offers, and the worker's expiry job -------------------------------------------


def accept(rt, actor, offer_id: int) -> Reply:
    with rt.transaction() as session:
        made = open_offer(session, offer_id, for_update=True)
        if made is None or made.status != OPEN_OFFER or made.member_id != actor.member_id:
            return message(t(actor.lang, "as_offer_gone"))
        made.status, made.answered_at = "accepted", rt.clock.now()
        number = session.scalar(select(Opportunity.number).where(Opportunity.id == made.opportunity_id))
        session.add(
            Event(
                opportunity_id=made.opportunity_id,
                actor_id=actor.member_id,
                at=made.answered_at,
                kind="assigned",
                field="offer",
                old=OPEN_OFFER,
                new="accepted",
            )
        )
    return message(t(actor.lang, "as_accepted", number=number))


def decline(rt, actor, offer_id: int, reason: str) -> Reply:
    """Decline with a reason: the deal passes to the next candidate (or the pool)."""
    reason = (reason or "").strip()
    if not reason:
        raise BadInput("as_decline_need_reason", field="reason")
    now = rt.clock.now()
    with rt.transaction() as session:
        made = open_offer(session, offer_id, for_update=True)
        if made is None or made.status != OPEN_OFFER or made.member_id != actor.member_id:
            return message(t(actor.lang, "as_offer_gone"))
        opp = session.get(Opportunity, made.opportunity_id)
        session.add(
            Event(opportunity_id=opp.id, actor_id=actor.member_id, at=now, kind="assigned", field="offer", old=OPEN_OFFER, new=f"declined: {reason[:400]}")
        )
        post(
            session,
            rt.config,
            opp.workspace_id,
            f"offer-declined:{made.id}",
            t(rt.config.language, "as_channel_declined", user=actor.slack_user_id, number=opp.number, reason=esc(clip_reason(reason))),
            now,
        )
        pass_on(session, rt.config, made, "declined", by=actor.member_id, now=now, reason=reason[:500])
        number = opp.number
    return message(t(actor.lang, "as_declined", number=number))


def clip_reason(reason: str) -> str:
    return reason if len(reason) <= 200 else reason[:199] + "…"


def expire_offers(rt, now: datetime) -> int:
    """Offers nobody answered in time pass to the next person; the assignee's manager (else the
    pool manager) is told. One transaction per offer; returns how many expired."""
    with rt.transaction() as session:
        ids = session.scalars(
            select(AssignmentOffer.id).where(AssignmentOffer.status == OPEN_OFFER, AssignmentOffer.expires_at <= now).order_by(AssignmentOffer.id)
        ).all()
    done = 0
    for offer_id in ids:
        with rt.transaction() as session:
            made = open_offer(session, offer_id, for_update=True)
            if made is None or made.status != OPEN_OFFER or made.expires_at > now:
                continue
            opp = session.get(Opportunity, made.opportunity_id)
            system = system_member(session, made.workspace_id, now)
            pass_on(session, rt.config, made, "expired", by=system.id, now=now)
            member = session.get(Member, made.member_id)
            lang = rt.config.language
            text = t(lang, "as_expired_manager", user=member.slack_user_id, hours=rt.config.assignment.offer_hours, number=opp.number, title=esc(opp.title))
            manager = session.get(Member, member.manager_id) if member.manager_id else None
            for user in [manager.slack_user_id] if manager else pool_manager_ids(session, rt.config, made.workspace_id):
                dm(session, made.workspace_id, user, f"offer-expired:{made.id}:{user}", message(text), now)
            done += 1
    return done
