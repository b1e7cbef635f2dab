"""The team in Slack: `/opp team` (list, load, set, away), `/opp who` (with the stage's key
actions), `/opp assign` and `/opp reassign`, `/opp pool` and `/opp claim`; the Accept and Decline
buttons of an assignment offer, the decline form, and the pool's Claim buttons."""

from __future__ import annotations

import re
from datetime import date, timedelta

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from sqlalchemy import select

from bot.blocks.deals import playbook_lines
from bot.blocks.digests import fmt_total
from bot.blocks.ids import Action, Form
from bot.blocks.kit import Reply, clip, esc, fmt_day, fmt_money, message, stage_name
from bot.blocks.team import claim_button, decline_modal, lines_reply
from bot.core.config import ROLES
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.deals import opportunities, permissions, pool, recycle
from bot.deals.views import deal_view
from bot.team import assignment, changes, offers, roster, rules
from bot.team.members import local_now
from handlers.args import MENTION, QUOTE_LIMIT, Request, card, parse_number, read_date, read_member, request_of, value_number
from handlers.forms import read_decline_form
from handlers.slack_io import open_modal, saved
from store.models import Member, Opportunity


def seed(req: Request, session) -> None:
    roster.seed_team(session, config=req.rt.config, workspace_id=req.actor.workspace_id, clock=req.rt.clock, fetch_profile=req.fetch_profile)


def _role_name(lang: str, role: str) -> str:
    role = "ae" if role == "rep" else role
    return t(lang, "role_" + role) if role in ROLES else role


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
        seed(req, session)
        people = roster.people(session, req.actor.workspace_id)
        counts = rules.open_counts(session, req.actor.workspace_id)
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


LOAD_DAYS = 30  # offers counted in `/opp team load`


def team_load(req: Request) -> Reply:
    """Per person: open deals held against capacity, amount, overdue, the offers of the last 30
    days and what became of them, and time away (SQL aggregates)."""
    lang = req.lang
    now = req.rt.clock.now()
    today = local_now(req.rt.clock, req.actor).date()
    ws = req.actor.workspace_id
    with req.rt.transaction() as session:
        seed(req, session)
        people = [m for m in roster.people(session, ws) if m.role not in ("admin",) or m.capacity]
        stats = roster.load(session, ws, today)
        counts = rules.open_counts(session, ws)
        made = roster.offer_counts(session, ws, now - timedelta(days=LOAD_DAYS))
        lines = [
            _load_line(req, m, counts.get(m.id, 0), stats.get(m.id, (0, {}, 0)), made.get(m.id, (0, 0, 0, 0)), today)
            for m in sorted(people, key=lambda m: -counts.get(m.id, 0))
        ]
    return lines_reply(t(lang, "team_load_title", days=LOAD_DAYS), lines)


def _load_line(req: Request, m: Member, held: int, stats: tuple, made: tuple[int, int, int, int], today: date) -> str:
    lang = req.lang
    _, amount, overdue = stats
    offered, accepted, declined, expired = made
    if m.capacity is None:
        load = t(lang, "team_load_held_nocap", open=held)
    else:
        load = t(lang, "team_load_held", open=held, capacity=m.capacity) + (t(lang, "team_full") if held >= m.capacity else "")
    return t(
        lang,
        "team_load_line",
        user=m.slack_user_id,
        load=load,
        amount=fmt_total(amount, req.rt.config, lang),
        overdue=overdue,
        offers=t(lang, "team_load_offers", offered=offered, accepted=accepted, declined=declined, expired=expired),
        away=t(lang, "team_away", day=fmt_day(m.away_until)) if m.away_until and m.away_until >= today else "",
    )


def _mentioned(req: Request, text: str, session) -> tuple[Member, str]:
    first, _, tail = text.strip().partition(" ")
    if not MENTION.match(first):
        raise BadInput("team_set_help")
    member = session.get(Member, read_member(req, first, session))
    return member, tail.strip()


SET_KEYS = {
    **dict.fromkeys(("role", "角色"), "role"),
    **dict.fromkeys(("region", "regions", "区域"), "regions"),
    **dict.fromkeys(("industry", "industries", "行业"), "industries"),
    **dict.fromkeys(("capacity", "上限", "容量"), "capacity"),
    **dict.fromkeys(("manager", "经理"), "manager"),
}


# a role by its key or its name in either language (ae, 客户经理, account manager)
ROLE_OF = {"".join(label.split()).lower(): role for role in ROLES for label in (role, *(_role_name(lang, role) for lang in ("zh", "en")))}


def _read_setting(req: Request, key: str, value: str, session):
    """One ``key:value`` of `/opp team set`, read: (field, value); anything else is the usage."""
    field = SET_KEYS.get(key)
    role = ROLE_OF.get("".join(value.split()).lower())
    if field == "role" and role:
        return field, role
    if field in ("regions", "industries"):
        return field, [v for v in re.split(r"[,，、]", value) if v]
    if field == "capacity" and value.lower() in ("none", "不限", "-"):
        return field, None
    if field == "capacity" and value.isdigit() and int(value) <= 10000:
        return field, int(value)
    if field == "manager":
        return field, session.get(Member, read_member(req, value, session))
    raise BadInput("team_set_help")


def _setting_text(lang: str, field: str, value) -> str:
    """One setting as the person reads it back: "角色：BDR" / "role: BDR"."""
    if field == "role":
        shown = _role_name(lang, value)
    elif field in ("regions", "industries"):
        shown = ("、" if lang == "zh" else ", ").join(esc(clip(v, QUOTE_LIMIT)) for v in value)
    elif field == "capacity":
        shown = str(value) if value is not None else t(lang, "team_no_cap")
    else:  # manager
        shown = f"<@{value.slack_user_id}>" if value is not None else "—"
    return t(lang, "team_set_" + field, value=shown)


def team_set(req: Request, text: str) -> Reply:
    """`/opp team set @li role:ae region:华东,华南 industry:制造 capacity:25 manager:@boss`: who may
    change whom, and the record of it, are bot.team.changes'."""
    with req.rt.transaction() as session:
        seed(req, session)
        member, tail = _mentioned(req, text, session)
        settings, shown = [], []
        for word in tail.split():
            key, sep, value = word.replace("：", ":").partition(":")
            if not sep or not value:
                raise BadInput("team_set_help")
            settings.append(_read_setting(req, key.lower(), value, session))
            shown.append(_setting_text(req.lang, *settings[-1]))
        if not settings:
            raise BadInput("team_set_help")
        changes.change(session, actor=req.actor, member=member, changes=settings, config=req.rt.config, now=req.rt.clock.now())
        user = member.slack_user_id
    return message(t(req.lang, "team_set_done", user=user, changes=("，" if req.lang == "zh" else ", ").join(shown)))


def team_away(req: Request, text: str) -> Reply:
    """`/opp team away @li until 12月10日` (inclusive); `/opp team away @li back`. People set their own too."""
    with req.rt.transaction() as session:
        member, tail = _mentioned(req, text, session)
        words = tail.split()
        day: date | None = None
        if not (words and words[0].lower() in ("back", "none", "回来", "取消")):
            if words and words[0].lower() in ("until", "到", "至", "直到"):
                words = words[1:]
            if not words:
                raise BadInput("team_away_help")
            day = read_date(req, " ".join(words))
        changes.change(session, actor=req.actor, member=member, changes=[("away_until", day)], config=req.rt.config, now=req.rt.clock.now())
        user = member.slack_user_id
    if day is None:
        return message(t(req.lang, "team_back", user=user))
    return message(t(req.lang, "team_away_done", user=user, day=day.isoformat()))


def cmd_who(req: Request, rest: str) -> Reply:
    """Who is responsible now, who is consulted and informed, and who takes over next."""
    number, _ = parse_number(rest, "who")
    config, lang = req.rt.config, req.lang
    with req.rt.transaction() as session:
        opp = opportunities.get(session, actor=req.actor, number=number)
        stage = config.stage(opp.stage)
        people = roster.people(session, req.actor.workspace_id)

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
        if stage.actions:  # the stage's playbook: its key actions, ticked or not, and whose they are
            lines.append(t(lang, "who_playbook", stage=stage.name(lang), role=_role_name(lang, stage.owner_role)))
            lines.append(playbook_lines(stage, (opp.playbook or {}).get(stage.key, {}), lang))
        index = config.stage_index(opp.stage)
        if index + 1 < len(config.stages):
            nxt = config.stages[index + 1]
            owner_role = permissions.role_of(opp.owner)
            if nxt.owner_role == owner_role and not opp.pooled_at:
                who = t(lang, "who_next_same", user=opp.owner.slack_user_id)
            else:
                rule = rules.rule_for(config, opp, nxt.owner_role)
                # a rule the team named is shown by its name; the built-in one needs none
                who = t(lang, "who_next_rules") + ("" if rules.is_default(rule) else f"（{esc(rule.name)}）" if lang == "zh" else f" ({esc(rule.name)})")
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
            view = deal_view(opp)
            return card(req, view, t(req.lang, "as_manual_assigned", number=number, user=view.owner) if not opp.pooled_at else None)
        member = session.get(Member, read_member(req, tail.split()[0], session))
        opp = pool.hand_over(session, rt=req.rt, actor=req.actor, opp=opp, member=member)
        session.flush()
        view = deal_view(opp)
    return card(req, view, t(req.lang, "as_manual_assigned", number=number, user=view.owner))


def cmd_pool(req: Request, _rest: str) -> Reply:
    """The deals in the public pool, oldest first, each with a Claim button."""
    lang = req.lang
    with req.rt.transaction() as session:
        rows, total = pool.pooled(session, req.actor.workspace_id)
        lines = [
            t(
                lang,
                "pool_line",
                number=opp.number,
                title=esc(opp.title),
                stage=stage_name(req.rt.config, opp.stage, lang),
                amount=fmt_money(opp.amount, opp.currency, lang),
                since=opp.pooled_at.astimezone(req.actor.tz).date().isoformat(),
            )
            for opp in rows
        ]
        buttons = [claim_button(opp.number, lang) for opp in rows]
    if not total:
        return message(t(lang, "pool_empty"))
    return lines_reply(t(lang, "pool_title", total=total), lines, buttons)


def cmd_claim(req: Request, rest: str) -> Reply:
    number, _ = parse_number(rest, "claim")
    return claim_number(req, number)


def claim_number(req: Request, number: int) -> Reply:
    """Take a pooled deal (a short write, tried again if SQLite is busy with another claim)."""

    def claim():
        with req.rt.transaction() as session:
            return deal_view(pool.claim(session, actor=req.actor, number=number, config=req.rt.config, now=req.rt.clock.now()))

    return card(req, pool.retrying(claim), t(req.lang, "pool_claimed", number=number))


SUBCOMMANDS = {
    "team": cmd_team,
    "who": cmd_who,
    "assign": cmd_assign,
    "reassign": cmd_assign,
    "pool": cmd_pool,
    "claim": cmd_claim,
}


# --- assignment offers and the pool's buttons ------------------------------------------------------


def on_accept(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = assignment.accept(context["rt"], context["actor"], value_number(action.get("value")))
    respond(replace_original=False, **reply.payload())


def on_decline(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    """The form asking why; the offer passes on when it is sent."""
    ack()
    rt, actor = context["rt"], context["actor"]
    offer_id = value_number(action.get("value"))
    with rt.transaction() as session:
        made = offers.open_offer(session, offer_id)
        if made is None or made.status != offers.OPEN_OFFER or made.member_id != actor.member_id:
            respond(response_type="ephemeral", replace_original=False, **message(t(actor.lang, "as_offer_gone")).payload())
            return
        number = session.scalar(select(Opportunity.number).where(Opportunity.id == made.opportunity_id))
    open_modal(client, body["trigger_id"], decline_modal(offer_id, number, actor.lang), actor.lang, respond=respond)


def on_decline_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    offer_id, reason = read_decline_form(view)
    if offer_id is None:
        raise BadInput("as_offer_gone")
    reply = assignment.decline(context["rt"], context["actor"], offer_id, reason)
    ack()
    saved(client, context, reply, None)


def on_claim(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = claim_number(request_of(context, body), value_number(action.get("value")))
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def _keep_value(action: dict) -> tuple[int, str]:
    number, _, token = str(action.get("value") or "").partition(":")
    return value_number(number), token


def on_keep(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    """The owner's Keep on a return warning: their manager is asked."""
    ack()
    rt, actor = context["rt"], context["actor"]
    number, token = _keep_value(action)
    with rt.transaction() as session:
        reply = recycle.ask_keep(session, config=rt.config, actor=actor, number=number, token=token, now=rt.clock.now())
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def _answer_keep(context: BoltContext, action: dict, respond: Respond, approve: bool) -> None:
    rt, actor = context["rt"], context["actor"]
    number, token = _keep_value(action)
    with rt.transaction() as session:
        reply = recycle.answer_keep(session, config=rt.config, actor=actor, number=number, token=token, approve=approve, now=rt.clock.now())
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def on_keep_approve(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    _answer_keep(context, action, respond, True)


def on_keep_decline(ack: Ack, action: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    _answer_keep(context, action, respond, False)


def register(app: App) -> None:
    app.action(Action.OFFER_ACCEPT)(on_accept)
    app.action(Action.OFFER_DECLINE)(on_decline)
    app.action(Action.POOL_CLAIM)(on_claim)
    app.action(Action.POOL_KEEP)(on_keep)
    app.action(Action.POOL_KEEP_APPROVE)(on_keep_approve)
    app.action(Action.POOL_KEEP_DECLINE)(on_keep_decline)
    app.view(Form.OFFER_DECLINE)(on_decline_form)
