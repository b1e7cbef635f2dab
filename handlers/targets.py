"""Targets and forecast categories in Slack: `/opp target` (`目标`) shows this month's and this
quarter's targets with attainment; `/opp target @li 2027-Q1 200万` sets a person's,
`/opp target team 2027-Q1 1000万 [split even|split capacity]` (`目标 团队 … 平分|按容量`) the team's
(and splits it); `/opp target history [@li]` (`目标 历史`) lists what was set. `/opp forecast 42
commit` (`预测 42 承诺`; best-case 乐观, pipeline 管道, auto 默认) sets a deal's forecast category.
The words of a target may come in any order after who it is for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bot.blocks.kit import Reply, clip
from bot.blocks.targets import category_name, history_page, target_set, targets_page
from bot.core.errors import BadInput
from bot.core.forecast_categories import AUTO, category_of, read_category
from bot.core.i18n import t
from bot.core.money import UnreadableAmount, parse_amount
from bot.core.periods import Period, month_of, period_key, period_label, quarter_of
from bot.deals import forecasts
from bot.deals.views import deal_view
from bot.reporting import attainment, targets
from bot.team.members import local_now
from handlers.args import MENTION, QUOTE_LIMIT, Request, card, parse_number, read_member

TEAM_WORDS = ("team", "团队")
HISTORY_WORDS = ("history", "历史", "记录")
SPLIT_INTRO = ("split", "拆分", "分")
SPLIT_WORDS = {"even": "even", "evenly": "even", "平分": "even", "平均": "even", "capacity": "capacity", "按容量": "capacity", "容量": "capacity"}
NOT_POSITIVE = re.compile(r"^[-−－]|^[^\d]*[0０]+(?:\.0+)?[^\d]*$")  # -5万, 0, 0万, ¥0


@dataclass
class Wanted:
    """A target as typed: the month or quarter, the amount and, for the team's, how to split it."""

    period: Period | None = None
    amount: Decimal | None = None
    split: str | None = None


def cmd_target(req: Request, rest: str) -> Reply:
    words = rest.split()
    if not words:
        return show(req)
    first = words[0].lower()
    if first in HISTORY_WORDS:
        return history(req, words[1:])
    if first in TEAM_WORDS:
        return set_team(req, read_wanted(req, words[1:], team=True))
    if MENTION.match(words[0]):
        return set_personal(req, words[0], read_wanted(req, words[1:], team=False))
    raise BadInput("tg_bad_who", value=clip(words[0], QUOTE_LIMIT))


def show(req: Request) -> Reply:
    """This month's and this quarter's targets in force, each with attainment."""
    config, lang = req.rt.config, req.lang
    today = local_now(req.rt.clock, req.actor).date()
    lines = []
    with req.rt.transaction() as session:
        for period in (month_of(today, config.tz), quarter_of(today, config.tz)):
            team, people = attainment.attainment(session, config, req.actor.workspace_id, period)
            lines.append((period_label(period, lang), period_key(period), team, people))
    return targets_page(lines, config, lang, targets.may_set(req.actor))


def history(req: Request, words: list[str]) -> Reply:
    if len(words) > 1 or (words and not MENTION.match(words[0])):
        raise BadInput("tg_usage")
    with req.rt.transaction() as session:
        member_id = read_member(req, words[0], session) if words else None
        lines, total = targets.history(session, req.actor.workspace_id, member_id)
    return history_page(lines, total, req.rt.config, req.lang)


def set_personal(req: Request, mention: str, wanted: Wanted) -> Reply:
    with req.rt.transaction() as session:
        member_id = read_member(req, mention, session)
        change = targets.set_personal(
            session, actor=req.actor, member_id=member_id, period=wanted.period, amount=wanted.amount, config=req.rt.config, now=req.rt.clock.now()
        )
    return target_set(change, MENTION.match(mention).group(1), period_label(wanted.period, req.lang), req.rt.config, req.lang)


def set_team(req: Request, wanted: Wanted) -> Reply:
    with req.rt.transaction() as session:
        change = targets.set_team(
            session, actor=req.actor, period=wanted.period, amount=wanted.amount, split=wanted.split, config=req.rt.config, now=req.rt.clock.now()
        )
    return target_set(change, None, period_label(wanted.period, req.lang), req.rt.config, req.lang)


def read_wanted(req: Request, words: list[str], *, team: bool) -> Wanted:
    """The period, amount and (for the team's) split, in any order; each unreadable word is
    refused, saying what to type. Nothing is changed before all of it reads."""
    wanted = Wanted()
    words = list(words)
    while words:
        word = words.pop(0)
        lowered = word.lower()
        if team and lowered in SPLIT_INTRO:
            how = words.pop(0) if words else ""
            wanted.split = _split(how)
        elif team and lowered in SPLIT_WORDS:
            wanted.split = SPLIT_WORDS[lowered]
        elif wanted.period is None and _period(req, word, wanted):
            continue
        elif wanted.amount is None:
            wanted.amount = _amount(req, word)
        else:
            raise BadInput("tg_extra", value=clip(word, QUOTE_LIMIT), usage=t(req.lang, "tg_usage"))
    if wanted.period is None:
        raise BadInput("tg_no_period")
    if wanted.amount is None:
        raise BadInput("tg_no_amount")
    return wanted


def _split(how: str) -> str:
    if how.lower() not in SPLIT_WORDS:
        raise BadInput("tg_bad_split", value=clip(how, QUOTE_LIMIT))
    return SPLIT_WORDS[how.lower()]


def _period(req: Request, word: str, wanted: Wanted) -> bool:
    """Whether ``word`` is a period (kept in ``wanted``); a week, a year or a range is refused."""
    try:
        wanted.period = targets.read_target_period(word, local_now(req.rt.clock, req.actor).date(), req.rt.config.tz)
    except BadInput as unread:
        if unread.key == "rp_bad_period":  # not a period at all: an amount, perhaps
            return False
        raise
    return True


def _amount(req: Request, word: str) -> Decimal:
    """A target's amount as typed (200万, 五十万, 2m), above zero and in the workspace currency."""
    if NOT_POSITIVE.match(word):
        raise BadInput("tg_amount_positive", value=clip(word, QUOTE_LIMIT))
    try:
        amount, currency = parse_amount(word, default_currency=req.rt.config.currency)
    except UnreadableAmount:
        raise BadInput("tg_extra", value=clip(word, QUOTE_LIMIT), usage=t(req.lang, "tg_usage")) from None
    if currency != req.rt.config.currency:
        raise BadInput("tg_currency", currency=req.rt.config.currency, given=currency)
    return amount


def cmd_forecast(req: Request, rest: str) -> Reply:
    """`/opp forecast 42 commit`: the deal's forecast category (auto: back to its stage's)."""
    number, text = parse_number(rest, "forecast")
    if not text:
        raise BadInput("fc_usage")
    category = read_category(text)
    if category is None:
        raise BadInput("fc_bad_category", value=clip(text, QUOTE_LIMIT))
    with req.rt.transaction() as session:
        opp = forecasts.set_category(session, actor=req.actor, number=number, category=category, config=req.rt.config, clock=req.rt.clock)
        view = deal_view(opp)
    name = category_name(category_of(req.rt.config, view.stage, view.forecast_category), req.lang)
    return card(req, view, t(req.lang, "fc_auto" if category == AUTO else "fc_set", number=number, category=name))


SUBCOMMANDS = {"target": cmd_target, "forecast": cmd_forecast}
