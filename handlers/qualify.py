"""Qualifying a deal from Slack: `/opp qualify 42 budget:approved`, `/opp grade 42 A|auto`,
`/opp prob 42 60%|clear`, `/opp tag 42 +高意向 -易流失`."""

from __future__ import annotations

import re

from bot.blocks.kit import Reply, clip
from bot.core import needs
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.deals import opportunities
from bot.deals.opportunities import DealInput
from bot.deals.views import deal_view
from handlers.args import QUOTE_LIMIT, Request, card, parse_number
from handlers.deal_text import take_answers


def cmd_qualify(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "qualify")
    answers, leftover = take_answers(req, text)
    if leftover:  # a word that is not criterion:answer (a known criterion with an unknown answer is refused as it is read)
        raise BadInput("unknown_criterion", value=clip(leftover, QUOTE_LIMIT))
    if not answers:
        raise BadInput("need_answers")
    with req.rt.transaction() as session:
        opp = opportunities.get(session, actor=req.actor, number=number)
        merged = {**(opp.qualification or {}), **answers}
        opp, _ = opportunities.update(
            session, actor=req.actor, number=number, changes=DealInput(qualification=merged), config=req.rt.config, clock=req.rt.clock
        )
        view = deal_view(opp)
    return card(req, view, t(req.lang, "qualified", number=number, score=view.score, grade=view.grade))


def cmd_grade(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "grade")
    value = text.strip().upper()
    if value not in ("A", "B", "C", "AUTO", "自动"):
        raise BadInput("bad_grade", value=clip(text, QUOTE_LIMIT))
    grade = None if value in ("AUTO", "自动") else value
    with req.rt.transaction() as session:
        opp = opportunities.pin_grade(session, actor=req.actor, number=number, grade=grade, config=req.rt.config, clock=req.rt.clock)
        view = deal_view(opp)
    return card(req, view, t(req.lang, "grade_set" if grade else "grade_auto", number=number, grade=view.grade))


def cmd_prob(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "prob")
    value = text.strip().rstrip("%％").strip()
    if value.lower() in ("clear", "auto", "清除", "自动"):
        probability = None
    else:
        try:
            probability = float(value) / 100
        except ValueError:
            probability = -1
        if not 0 <= probability <= 1:
            raise BadInput("bad_probability", value=clip(text, QUOTE_LIMIT))
    with req.rt.transaction() as session:
        opp = opportunities.set_probability(session, actor=req.actor, number=number, value=probability, config=req.rt.config, clock=req.rt.clock)
        view = deal_view(opp)
    if probability is None:
        return card(req, view, t(req.lang, "probability_cleared", number=number))
    return card(req, view, t(req.lang, "probability_set", number=number, pct=round(probability * 100)))


def cmd_tag(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "tag")
    words = [w for w in re.split(r"[\s,，]+", text) if w]
    if not words:
        raise BadInput("need_tags")
    with req.rt.transaction() as session:
        opp = opportunities.get(session, actor=req.actor, number=number)
        tags = list(opp.tags or [])
        for word in words:
            if word[0] in "-－":
                tags = [tag for tag in tags if tag != needs.normalise(word[1:])]
            elif word.lstrip("+＋") not in tags:
                tags.append(word.lstrip("+＋"))
        opp, _ = opportunities.update(session, actor=req.actor, number=number, changes=DealInput(tags=tags), config=req.rt.config, clock=req.rt.clock)
        view = deal_view(opp)
    return card(req, view, t(req.lang, "tags_set", number=number))


SUBCOMMANDS = {"qualify": cmd_qualify, "grade": cmd_grade, "prob": cmd_prob, "tag": cmd_tag}
