"""Assigning many new deals at once (an import): one load count and one cursor read per rule,
decisions in memory, rows written in bulk, and one summary DM per assignee and one channel post
instead of a message per deal.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, insert
from sqlalchemy.orm import Session

from bot.blocks.kit import message
from bot.core.config import Config, Rule
from bot.core.i18n import t
from bot.team.offers import OPEN_OFFER, dm, post
from bot.team.rules import Candidate, Decision, candidates, cursor_for, eligible, explain, pick, rule_for
from store.models import AssignmentCursor, AssignmentOffer, Event, Opportunity


def assign_batch(session: Session, config: Config, opps: list[Opportunity], *, by: int, now: datetime) -> dict[int, int]:
    """Assign many new deals at once (an import): one load count and one cursor read per rule,
    decisions in memory, rows written in bulk; one summary DM per assignee and one channel post
    instead of a message per deal. Returns {member id: deals given}."""
    chosen_for, given, ids = _decide_all(session, config, opps, today=now.astimezone(config.tz).date())
    rows, events, offers_ = _records(config, chosen_for, by=by, now=now)
    _write(session, opps, rows, events, offers_)
    if opps:
        pooled = sum(1 for _, d in chosen_for if d.chosen is None)
        _announce(session, config, opps, given, ids, pooled=pooled, now=now)
    return given


def _decide_all(
    session: Session, config: Config, opps: list[Opportunity], *, today: date
) -> tuple[list[tuple[Opportunity, Decision]], dict[int, int], dict[int, str]]:
    """Each deal's decision, with the candidates and cursor of each rule read once and the loads
    kept in memory. Returns the decisions, {member id: deals given} and {member id: Slack id}."""
    pools: dict[str, tuple[Rule, list[Candidate], AssignmentCursor | None]] = {}
    given: dict[int, int] = {}
    chosen_for: list[tuple[Opportunity, Decision]] = []
    rules = [(opp, rule_for(config, opp)) for opp in opps]
    first: dict[str, tuple[Opportunity, Rule]] = {}
    for opp, rule in rules:
        first.setdefault(rule.name, (opp, rule))
    # the round-robin rules' turns first, all of them, in the order of their names (a single
    # assignment takes one), then their people's loads (bot.team.rules._decide)
    cursors = {name: cursor_for(session, opp.workspace_id, name) for name, (opp, rule) in sorted(first.items()) if rule.strategy == "round_robin"}
    for opp, rule in rules:
        if rule.name not in pools:
            people = [] if rule.strategy == "manual" else candidates(session, opp.workspace_id, rule)
            pools[rule.name] = (rule, people, cursors.get(rule.name))
        rule, people, cursor = pools[rule.name]
        chosen = pick(rule.strategy, eligible(people, today, deal=opp), cursor.last_member_id if cursor else None)
        if chosen is not None:
            chosen.open += 1
            if cursor is not None:
                cursor.last_member_id = chosen.member_id
            given[chosen.member_id] = given.get(chosen.member_id, 0) + 1
        chosen_for.append((opp, Decision(rule, chosen)))  # nobody chosen: the pool (why is not reported per deal here)
    ids = {c.member_id: c.slack_user_id for _, people, _ in pools.values() for c in people}
    return chosen_for, given, ids


def _records(config: Config, chosen_for: list[tuple[Opportunity, Decision]], *, by: int, now: datetime) -> tuple[list[dict], list[dict], list[dict]]:
    """The rows to write: each deal's owner (or the pool), an event each, an offer per deal given."""
    lang = config.language
    events, offers_, rows = [], [], []
    expires = now + timedelta(hours=config.assignment.offer_hours)
    for opp, d in chosen_for:
        if d.chosen is None:
            rows.append(dict(_id=opp.id, _owner=opp.owner_id, _pooled=opp.pooled_at or now, _at=now))
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
    return rows, events, offers_


def _write(session: Session, opps: list[Opportunity], rows: list[dict], events: list[dict], offers_: list[dict]) -> None:
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


def _announce(session: Session, config: Config, opps: list[Opportunity], given: dict[int, int], ids: dict[int, str], *, pooled: int, now: datetime) -> None:
    """One summary DM per assignee and one post to the assignments channel."""
    lang = config.language
    ws = opps[0].workspace_id
    stamp = now.isoformat()
    for member_id, n in given.items():
        text = t(lang, "as_batch_dm", count=n)
        dm(session, ws, ids[member_id], f"batch:{stamp}:{member_id}", message(text), now)
    summary = ", ".join(f"<@{ids[m]}> {n}" for m, n in sorted(given.items(), key=lambda kv: -kv[1]))
    post(session, config, ws, f"batch-post:{ws}:{stamp}", t(lang, "as_batch_post", count=len(opps), people=summary or "—", pooled=pooled), now)
