"""What every `/opp` subcommand shares: the request, reading numbers, stages, amounts, dates and
people from text, and answering with a card or an error in the user's language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.blocks import deals as render
from bot.core.money import UnreadableAmount, parse_amount
from bot.core.dates import UnreadableDate
from bot.core.errors import BadInput, UserError
from bot.core.i18n import field_label, t
from bot.team.members import Actor, ProfileFetcher, ensure_member, local_now
from bot.blocks.deals import DealView, Reply, clip, esc
from bot.core.runtime import Runtime

QUOTE_LIMIT = 80  # how much of a bad value an error message quotes back
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
NUMBER = re.compile(r"^[#＃]?(\d{1,9})$")


@dataclass(frozen=True)
class Modal:
    """Open this view (needs the request's trigger_id)."""

    view: dict


@dataclass
class Request:
    rt: Runtime
    actor: Actor
    channel: str | None
    fetch_profile: ProfileFetcher

    @property
    def lang(self) -> str:
        return self.actor.lang


def unescape(text: str) -> str:
    """Slack sends &, < and > escaped in command text; mentions stay as <@U..>."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def error_text(err: UserError, config, lang: str) -> str:
    params = {k: esc(v) if isinstance(v, str) else v for k, v in err.params.items()}
    params.setdefault("stages", ", ".join(f"`{s.key}` {s.name(lang)}" for s in config.stages))
    params.setdefault("reasons", ", ".join(f"`{r.key}` {r.name(lang)}" for r in config.lost_reasons))
    if "name" in err.params:
        params["name_label"] = field_label(lang, err.params["name"])
    if "status" in err.params:
        params["status_name"] = t(lang, "status_" + err.params["status"])
    if "people" in err.params:  # who may do it (bot.deals.permissions.who_may)
        params["who"] = who_text(err.params["people"], config, lang)
    if "gate" in err.params:
        params["gate_name"] = config.stage(err.params["gate"]).name(lang)
    criteria = {c.key: c for c in config.qualification.criteria}
    if "gaps" in err.params:
        params["gaps_text"] = ", ".join(f"{criteria[k].name(lang)} {earned}/{weight}" for k, earned, weight in err.params["gaps"])
    if "criterion" in err.params:
        criterion = criteria.get(err.params["criterion"])
        params["criterion_name"] = criterion.name(lang) if criterion else esc(err.params["criterion"])
        if criterion:
            params["choices"] = ", ".join(f"`{c.key}` {c.name(lang)}" for c in criterion.choices)
        else:
            params["choices"] = ", ".join(f"`{k}`" for k in criteria)
    params.setdefault("criteria", ", ".join(f"`{k}` {c.name(lang)}" for k, c in criteria.items()))
    return t(lang, err.key, **params)


def who_text(people, config, lang: str) -> str:
    """ "its owner <@U1>, their manager <@U2>" from bot.deals.permissions.who_may pairs."""
    parts = []
    for kind, value in people:
        if kind == "consulted":
            value = "/".join(t(lang, "role_" + role) for role in value.split(","))
        parts.append(t(lang, "perm_" + kind, user=value, roles=value))
    return t(lang, "perm_join").join(parts) if parts else t(lang, "perm_nobody")


def error_reply(err: UserError, config, lang: str) -> Reply:
    return render.message("⚠️ " + error_text(err, config, lang))


def card_for(rt: Runtime, actor: Actor, view: DealView, headline: str | None = None) -> Reply:
    return render.deal_card(view, rt.config, actor.lang, local_now(rt.clock, actor), headline=headline)


def card(req: Request, view: DealView, headline: str | None = None) -> Reply:
    return card_for(req.rt, req.actor, view, headline)


def parse_number(text: str, sub: str) -> tuple[int, str]:
    """The deal number at the start of ``text`` and the rest."""
    first, _, rest = text.strip().partition(" ")
    if not first:
        raise BadInput("need_number", sub=sub)
    match = NUMBER.match(first)
    if not match:
        raise BadInput("bad_number", value=clip(first, QUOTE_LIMIT), sub=sub)
    return int(match.group(1)), rest.strip()


def find_stage(req: Request, text: str) -> str:
    if not text:
        raise BadInput("need_stage")
    stage = req.rt.config.find_stage(text)
    if stage is None:
        raise BadInput("unknown_stage", value=clip(text, QUOTE_LIMIT))
    return stage.key


def read_amount(req: Request, text: str):
    try:
        return parse_amount(text, default_currency=req.rt.config.currency)
    except UnreadableAmount:
        raise BadInput("unreadable_amount", value=clip(text, QUOTE_LIMIT)) from None


def read_date(req: Request, text: str) -> date:
    try:
        return req.rt.dates.read(text[:100], now=local_now(req.rt.clock, req.actor))
    except UnreadableDate:
        raise BadInput("unreadable_date", value=clip(text, QUOTE_LIMIT)) from None


def read_member(req: Request, text: str, session) -> int:
    match = MENTION.match(text.strip())
    if not match:
        raise BadInput("bad_user", value=clip(text, QUOTE_LIMIT))
    member = ensure_member(session, workspace_id=req.actor.workspace_id, slack_user_id=match.group(1), clock=req.rt.clock, fetch_profile=req.fetch_profile)
    return member.id
