"""回款 in Slack: `/opp pay 42` (`/opp 回款 42`) shows a won deal's payment plan and payments;
`/opp pay 42 plan 30% 2026-12-31, 70% 2027-03-31` (`回款 42 计划 …`) sets the plan, each part a
share or an amount and a day as people type it; `/opp pay 42 received 15万 [date]` (`回款 42 收到
15万 [日期]`) records money in (today when no day is given)."""

from __future__ import annotations

import re
from decimal import Decimal

from bot.blocks.kit import Reply, clip, fmt_money
from bot.blocks.payments import payments_card
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.deals import payments
from bot.deals.payments import PlannedPart
from bot.team.members import local_now
from handlers.args import QUOTE_LIMIT, Request, parse_number, read_amount, read_date

PLAN_WORDS = ("plan", "计划")
RECEIVED_WORDS = ("received", "receive", "got", "收到", "到账", "收款")
SHARE = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*[%％]")
PART_SPLIT = re.compile(r"[,，;；、]")


def cmd_pay(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "pay")
    word, _, tail = text.partition(" ")
    now = req.rt.clock.now()
    today = local_now(req.rt.clock, req.actor).date()
    with req.rt.transaction() as session:
        if not word:
            standing = payments.show(session, actor=req.actor, number=number, config=req.rt.config, now=now)
            return payments_card(standing, today, req.lang)
        if word.lower() in PLAN_WORDS:
            parts = plan_parts(req, tail)
            standing = payments.plan(session, actor=req.actor, number=number, parts=parts, config=req.rt.config, now=now)
            return payments_card(standing, today, req.lang, headline=t(req.lang, "pay_planned", number=number))
        if word.lower() in RECEIVED_WORDS:
            amount, currency, day = _received(req, tail, today)
            standing = payments.receive(
                session, actor=req.actor, number=number, amount=amount, currency=currency, day=day, note=None, config=req.rt.config, now=now
            )
            headline = t(req.lang, "pay_recorded", number=number, amount=fmt_money(amount, currency, req.lang))
            return payments_card(standing, today, req.lang, headline=headline)
    raise BadInput("pay_usage")


def plan_parts(req: Request, text: str, *, field: str | None = None) -> list[PlannedPart]:
    """A plan as typed, its parts apart by commas: ``30% 2026-12-31, 70% 2027-03-31``. ``field``:
    the form field it was typed in, named on a part that can't be read."""
    return [_part(req, piece, field) for piece in PART_SPLIT.split(text) if piece.strip()]


def _part(req: Request, piece: str, field: str | None) -> PlannedPart:
    """``30% 2026-12-31`` or ``15万 下月底``: a share or an amount first, then the day."""
    first, _, day_text = piece.strip().partition(" ")
    share = SHARE.fullmatch(first)
    try:
        due_on = read_date(req, day_text.strip()) if day_text.strip() else None
        amount = None if share else read_amount(req, first)[0]
    except BadInput:
        due_on = None
    if due_on is None:
        raise BadInput("pay_bad_part", value=clip(piece.strip(), QUOTE_LIMIT), field=field)
    if share:
        return PlannedPart(due_on, share=(Decimal(share.group(1)) / 100).quantize(Decimal("0.0001")))
    return PlannedPart(due_on, amount=amount)


def _received(req: Request, text: str, today):
    """The amount (and its currency) first, then an optional day."""
    first, _, day_text = text.strip().partition(" ")
    if not first:
        raise BadInput("pay_usage")
    amount, currency = read_amount(req, first)
    return amount, currency, read_date(req, day_text.strip()) if day_text.strip() else today


SUBCOMMANDS = {"pay": cmd_pay}
