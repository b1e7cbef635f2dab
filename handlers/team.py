"""Team commands: `/opp team` (list, load, set, away), `/opp who`, `/opp assign`, `/opp reassign`,
`/opp pool`, `/opp claim`; and seeding the team from config.toml."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, or_, select

from bot.team import assignment
from bot.deals import opportunities
from bot.deals import permissions
from bot.deals import pool
from bot.core.config import ROLES
from bot.core.errors import BadInput, PermissionDenied
from bot.core.i18n import t
from bot.team.members import ensure_member, local_now
from bot.deals.opportunities import DealInput
from bot.blocks.deals import DealView, Reply, clip, esc, message
from handlers.args import (
    MENTION,
    QUOTE_LIMIT,
    Request,
    card,
    parse_number,
    read_date,
    read_member,
)
from bot.blocks.team import fmt_day, lines_reply
from store.models import Member, Opportunity

_seeded: set[tuple[str, int]] = set()


def seed_team(req: Request, session) -> None:
    """Create the members config.toml lists ([[team]]) with their role, manager, regions,
    industries and capacity, once per workspace per process; later changes are `/opp team set`'s."""
    config = req.rt.config
    key = (req.actor.workspace_id, id(config))
    if key in _seeded or not config.team:
        return
    members = {}
    for seed in config.team:
        members[seed.user] = ensure_member(
            session, workspace_id=req.actor.workspace_id, slack_user_id=seed.user, clock=req.rt.clock, fetch_profile=req.fetch_profile
        )
    for seed in config.team:
        m = members[seed.user]
        if m.created_at == req.rt.clock.now() or m.role in ("rep",) or not (m.regions or m.industries or m.capacity):
            m.role = seed.role
            m.regions, m.industries, m.capacity = list(seed.regions), list(seed.industries), seed.capacity
            if seed.manager:
                m.manager_id = (
                    members.get(seed.manager)
                    or ensure_member(
                        session, workspace_id=req.actor.workspace_id, slack_user_id=seed.manager, clock=req.rt.clock, fetch_profile=req.fetch_profile
                    )
                ).id
    session.flush()
    _seeded.add(key)


def _role_name(lang: str, role: str) -> str:
    role = "ae" if role == "rep" else role
    return t(lang, "role_" + role) if role in ROLES else role


def _people(session, workspace_id: str):
    return session.scalars(
        select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id != assignment.SYSTEM_USER).order_by(Member.role, Member.display_name)
    ).all()


def cmd_team(req: Request, rest: str) -> Reply:
    word, _, tail = rest.strip().partition(" ")
    word = word.lower()
    if word in ("load", "负载", "workload"):
        return team_load(req)
    if word in ("set", "设置"):
        return team_set(req, tail)
    if word in ("away", "休假", "ooo"):
        return team_away(req, tail)
    if word:
        raise BadInput("team_set_help")
    lang = req.lang
    today = local_now(req.rt.clock, req.actor).date()
    with req.rt.transaction() as session:
        seed_team(req, session)
        people = _people(session, req.actor.workspace_id)
        counts = assignment.open_counts(session, req.actor.workspace_id)
        ids = {m.id: m.slack_user_id for m in people}
        lines = []
        for m in people:
            lines.append(
                t(
                    lang,
                    "team_line",
                    user=m.slack_user_id,
                    role=_role_name(lang, m.role),
                    manager=t(lang, "team_manager", user=ids[m.manager_id]) if m.manager_id in ids else "",
                    regions=(" · " + esc("/".join(m.regions))) if m.regions else "",
                    industries=(" · " + esc("/".join(m.industries))) if m.industries else "",
                    open=counts.get(m.id, 0),
                    capacity=m.capacity if m.capacity is not None else t(lang, "team_no_cap"),
                    away=t(lang, "team_away", day=fmt_day(m.away_until)) if m.away_until and m.away_until >= today else "",
                )
            )
    return lines_reply(t(lang, "team_title", count=len(lines)), lines)


def team_load(req: Request) -> Reply:
    """Open deals, amount and overdue count per person against capacity (SQL aggregates)."""
    lang = req.lang
    today = local_now(req.rt.clock, req.actor).date()
    ws = req.actor.workspace_id
    with req.rt.transaction() as session:
        seed_team(req, session)
        people = [m for m in _people(session, ws) if m.role not in ("admin",) or m.capacity]
        base = (Opportunity.workspace_id == ws, Opportunity.status == "open", Opportunity.pooled_at.is_(None))
        rows = session.execute(
            select(
                Opportunity.owner_id,
                func.count(Opportunity.id),
                func.coalesce(func.sum(Opportunity.amount), 0),
                func.sum(func.cast(or_(Opportunity.next_step_due < today, Opportunity.expected_close < today), Integer_())),
            )
            .where(*base)
            .group_by(Opportunity.owner_id)
        ).all()
        stats = {owner: (n, amount, overdue or 0) for owner, n, amount, overdue in rows}
        counts = assignment.open_counts(session, ws)
        lines = []
        for m in sorted(people, key=lambda m: -counts.get(m.id, 0)):
            _, amount, overdue = stats.get(m.id, (0, 0, 0))
            held = counts.get(m.id, 0)
            full = m.capacity is not None and held >= m.capacity
            lines.append(
                t(
                    lang,
                    "team_load_line",
                    user=m.slack_user_id,
                    open=held,
                    amount=_money(amount, req.rt.config.currency, lang),
                    overdue=overdue,
                    capacity=m.capacity if m.capacity is not None else t(lang, "team_no_cap"),
                    full=t(lang, "team_full") if full else "",
                )
            )
    return lines_reply(t(lang, "team_load_title"), lines)


def Integer_():
    from sqlalchemy import Integer

    return Integer()


def _money(amount, currency: str, lang: str) -> str:
    return f"{currency} {float(amount or 0):,.0f}"


def _require_team_admin(req: Request) -> None:
    if not (req.actor.is_admin or permissions.role_of(req.actor) == "manager"):
        raise PermissionDenied("team_not_allowed")


def _mentioned(req: Request, text: str, session) -> tuple[Member, str]:
    first, _, tail = text.strip().partition(" ")
    if not MENTION.match(first):
        raise BadInput("team_set_help")
    member = session.get(Member, read_member(req, first, session))
    return member, tail.strip()


def team_set(req: Request, text: str) -> Reply:
    """`/opp team set @li role:ae region:华东,华南 industry:制造 capacity:25 manager:@boss`."""
    _require_team_admin(req)
    with req.rt.transaction() as session:
        seed_team(req, session)
        member, tail = _mentioned(req, text, session)
        changes = []
        for word in tail.split():
            key, sep, value = word.replace("：", ":").partition(":")
            key = key.lower()
            if not sep or not value:
                raise BadInput("team_set_help")
            if key in ("role", "角色"):
                if value.lower() not in ROLES:
                    raise BadInput("team_set_help")
                member.role = value.lower()
            elif key in ("region", "regions", "区域"):
                member.regions = [v for v in re.split(r"[,，、]", value) if v]
            elif key in ("industry", "industries", "行业"):
                member.industries = [v for v in re.split(r"[,，、]", value) if v]
            elif key in ("capacity", "上限", "容量"):
                if value.lower() in ("none", "不限", "-"):
                    member.capacity = None
                elif value.isdigit() and int(value) <= 10000:
                    member.capacity = int(value)
                else:
                    raise BadInput("team_set_help")
            elif key in ("manager", "经理"):
                member.manager_id = read_member(req, value, session)
            else:
                raise BadInput("team_set_help")
            changes.append(f"{key}={esc(clip(value, QUOTE_LIMIT))}")
        if not changes:
            raise BadInput("team_set_help")
        user = member.slack_user_id
    return message(t(req.lang, "team_set_done", user=user, changes=", ".join(changes)))


def team_away(req: Request, text: str) -> Reply:
    """`/opp team away @li until 12月10日` (inclusive); `/opp team away @li back`. People set their own too."""
    with req.rt.transaction() as session:
        member, tail = _mentioned(req, text, session)
        if member.id != req.actor.member_id:
            _require_team_admin(req)
        words = tail.split()
        if words and words[0].lower() in ("back", "none", "回来", "取消"):
            member.away_until = None
            return message(t(req.lang, "team_back", user=member.slack_user_id))
        if words and words[0].lower() in ("until", "到", "至", "直到"):
            words = words[1:]
        if not words:
            raise BadInput("team_away_help")
        day: date = read_date(req, " ".join(words))
        member.away_until = day
        user = member.slack_user_id
    return message(t(req.lang, "team_away_done", user=user, day=day.isoformat()))


def cmd_who(req: Request, rest: str) -> Reply:
    """Who is responsible now, who is consulted and informed, and who takes over next."""
    number, _ = parse_number(rest, "who")
    config, lang = req.rt.config, req.lang
    with req.rt.transaction() as session:
        opp = opportunities.get(session, actor=req.actor, number=number)
        stage = config.stage(opp.stage)
        people = _people(session, req.actor.workspace_id)

        def of_roles(roles) -> str:
            found = [m for m in people if permissions.role_of(m) in roles]
            if not found:
                return t(lang, "who_none")
            mentions = " ".join(f"<@{m.slack_user_id}>" for m in found[:10])
            return f"{'/'.join(_role_name(lang, r) for r in roles)}: {mentions}"

        lines = [t(lang, "who_title", number=opp.number, title=esc(opp.title), stage=stage.name(lang))]
        lines.append(t(lang, "who_owner", owner=t(lang, "who_pooled", number=opp.number) if opp.pooled_at else f"<@{opp.owner.slack_user_id}>"))
        responsible = opp.responsible or (None if opp.pooled_at else opp.owner)
        if responsible is not None:
            lines.append(t(lang, "who_responsible", role=_role_name(lang, stage.owner_role), user=responsible.slack_user_id))
        lines.append(t(lang, "who_consulted", people=of_roles(stage.consulted) if stage.consulted else t(lang, "who_none")))
        lines.append(t(lang, "who_informed", people=of_roles(stage.informed) if stage.informed else t(lang, "who_none")))
        index = config.stage_index(opp.stage)
        if index + 1 < len(config.stages):
            nxt = config.stages[index + 1]
            owner_role = permissions.role_of(opp.owner)
            if nxt.owner_role == owner_role and not opp.pooled_at:
                who = t(lang, "who_next_same", user=opp.owner.slack_user_id)
            else:
                rule = assignment.rule_for(config, opp, nxt.owner_role)
                who = t(lang, "who_next_rules") + f" ({esc(rule.name)})"
            lines.append(t(lang, "who_next", stage=nxt.name(lang), role=_role_name(lang, nxt.owner_role), who=who))
        else:
            lines.append(t(lang, "who_last_stage"))
    return lines_reply(lines[0], lines[1:])


def cmd_assign(req: Request, rest: str) -> Reply:
    """`/opp assign 42 @li` (managers of the team, admins); `/opp assign 42 auto` by the rules."""
    number, tail = parse_number(rest, "assign")
    if not tail:
        raise BadInput("as_need_user")
    config, now = req.rt.config, req.rt.clock.now()
    with req.rt.transaction() as session:
        opp = opportunities.get(session, actor=req.actor, number=number, for_update=True)
        permissions.require(req.actor, "assign", opp, config)
        if tail.lower() in ("auto", "rules", "自动"):
            assignment.assign_owner(session, config, opp, by=req.actor.member_id, now=now, exclude=())
            session.flush()
            session.refresh(opp)
            view = DealView.of(opp)
            return card(req, view, t(req.lang, "as_manual_assigned", number=number, user=view.owner) if not opp.pooled_at else None)
        member = session.get(Member, read_member(req, tail.split()[0], session))
        opp = hand_over(session, rt=req.rt, actor=req.actor, opp=opp, member=member)
        session.flush()
        view = DealView.of(opp)
    return card(req, view, t(req.lang, "as_manual_assigned", number=number, user=view.owner))


def hand_over(session, *, rt, actor, opp, member: Member):
    """A person gives the deal to ``member`` (permission already checked): the owner changes (an
    event), open offers are withdrawn, the new owner is told and the assignments channel hears."""
    config, now, number = rt.config, rt.clock.now(), opp.number
    if member.id == opp.owner_id and opp.pooled_at is None:
        raise BadInput("as_already_owner", user=member.slack_user_id, number=number)
    old = opp.owner.slack_user_id if opp.pooled_at is None else "pool"
    opp, _ = opportunities.update(session, actor=actor, number=number, changes=DealInput(owner_id=member.id), config=config, clock=rt.clock)
    opp.pooled_at = None
    session.execute(
        assignment.update(assignment.AssignmentOffer)
        .where(
            assignment.AssignmentOffer.opportunity_id == opp.id,
            assignment.AssignmentOffer.kind == "owner",
            assignment.AssignmentOffer.status == assignment.OPEN_OFFER,
        )
        .values(status="withdrawn", answered_at=now)
    )
    lang = config.language
    assignment.dm(
        session,
        opp.workspace_id,
        member.slack_user_id,
        f"manual:{opp.id}:{opp.version}",
        message(t(lang, "as_manual_dm", by=actor.slack_user_id, number=number, title=esc(opp.title))),
        now,
    )
    assignment.post(
        session,
        config,
        opp.workspace_id,
        f"manual-post:{opp.id}:{opp.version}",
        t(lang, "as_manual_post", by=actor.slack_user_id, number=number, title=esc(opp.title), user=member.slack_user_id, old=old),
        now,
    )
    return opp


def cmd_pool(req: Request, _rest: str) -> Reply:
    return pool.list_pool(req.rt, req.actor)


def cmd_claim(req: Request, rest: str) -> Reply:
    number, _ = parse_number(rest, "claim")
    return claim_number(req.rt, req.actor, number)


def claim_number(rt, actor, number: int) -> Reply:
    view = retrying(lambda: _claim(rt, actor, number))
    from handlers.args import card_for

    return card_for(rt, actor, view, t(actor.lang, "pool_claimed", number=number))


# --- buttons and the decline form (handlers/actions.py, handlers/views.py) -------------------


def click_accept(rt, actor, value: str) -> Reply:
    from handlers.deal_buttons import guarded

    return guarded(rt, actor, lambda: assignment.accept(rt, actor, int(value)))


def click_decline(rt, actor, value: str):
    """The form asking why; the offer passes on when it is sent."""
    from handlers.deal_buttons import guarded
    from handlers.args import Modal
    from bot.blocks.team import decline_modal

    def work():
        with rt.transaction() as session:
            made = assignment.open_offer(session, int(value))
            if made is None or made.status != assignment.OPEN_OFFER or made.member_id != actor.member_id:
                return message(t(actor.lang, "as_offer_gone"))
            number = session.scalar(select(Opportunity.number).where(Opportunity.id == made.opportunity_id))
        return Modal(decline_modal(made.id, number, actor.lang))

    return guarded(rt, actor, work)


def submit_decline(rt, actor, view: dict):
    import json

    from bot.core.errors import UserError
    from handlers.deal_buttons import FormErrors, Saved, guarded_form
    from handlers.args import error_text

    def work():
        offer_id = json.loads(view.get("private_metadata") or "{}").get("offer")
        reason = ((view["state"]["values"].get("reason") or {}).get("reason") or {}).get("value") or ""
        try:
            reply = assignment.decline(rt, actor, int(offer_id), reason)
        except UserError as err:
            return FormErrors({"reason": error_text(err, rt.config, actor.lang)})
        return Saved(reply, None)

    return guarded_form(rt, actor, work)


def click_claim(rt, actor, value: str) -> Reply:
    from handlers.deal_buttons import guarded

    return guarded(rt, actor, lambda: claim_number(rt, actor, int(value)))


def _claim(rt, actor, number: int) -> DealView:
    with rt.transaction() as session:
        opp = pool.claim(session, actor=actor, number=number, config=rt.config, now=rt.clock.now())
        return DealView.of(opp)


def retrying(work, attempts: int = 5):
    """Run a short write transaction again when SQLite reports the database busy (two writers at
    the same instant); PostgreSQL waits on the row lock instead and never needs this."""
    import time

    from sqlalchemy.exc import OperationalError

    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc).lower() or attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
