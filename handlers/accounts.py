"""二次商机 and accounts in Slack: `/opp followon 42 <title> [amount]` (`/opp 追加 42 …`) creates a
follow-on deal from won deal #42; `/opp account <name>` (`/opp 客户 <名称>`) shows an account's
deals, won value, open pipeline, 回款, follow-ons and lessons."""

from __future__ import annotations

from bot.blocks.accounts import account_page, followon_created
from bot.blocks.kit import Reply, clip
from bot.core.errors import BadInput
from bot.core.money import looks_like_amount
from bot.deals import followons
from handlers.args import QUOTE_LIMIT, Request, parse_number, read_amount


def cmd_followon(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "followon")
    words = text.split()
    amount = currency = None
    if words and looks_like_amount(words[-1]):  # the amount last: 追加 42 二期扩容 30万
        amount, currency = read_amount(req, words.pop())
    title = " ".join(words).strip()
    if not title:
        raise BadInput("followon_usage")
    with req.rt.transaction() as session:
        opp = followons.create(session, actor=req.actor, number=number, title=title, amount=amount, currency=currency, config=req.rt.config, clock=req.rt.clock)
        return followon_created(opp.number, opp.title, number, req.lang)


def cmd_account(req: Request, rest: str) -> Reply:
    if not rest.strip():
        raise BadInput("account_usage")
    with req.rt.reading() as session:
        page = followons.account(session, req.actor.workspace_id, rest.strip())
    if page is None:
        raise BadInput("account_unknown", value=clip(rest.strip(), QUOTE_LIMIT))
    return account_page(page, req.rt.config, req.lang)


SUBCOMMANDS = {"followon": cmd_followon, "account": cmd_account}
