"""A link to a deal's web page pasted in Slack, unfolded into a small preview (unfurl). Only our
own deal pages are read (bot.core.links), at most ``MAX_LINKS`` a message; each is shown as the
person who posted it may see it (bot.deals.permissions): a deal they may not see, an unknown
number or a deleted deal is not unfolded at all (the first is logged). Amounts are left out of a
channel shared with another organisation unless config.toml's [unfurls] allows them."""

from __future__ import annotations

import logging

from bot.blocks.unfurls import UnfurlView
from bot.core.links import deal_id_in
from bot.core.runtime import Runtime
from bot.deals import permissions
from bot.team.members import Actor
from store import queries

log = logging.getLogger(__name__)

MAX_LINKS = 5  # deals unfolded per message; Slack sends at most a handful of links anyway


def deals_linked(base: str | None, urls: list[str]) -> list[tuple[str, int]]:
    """(url, deal number) for each of ``urls`` that is one of our deal pages, first ones first."""
    out: list[tuple[str, int]] = []
    for url in urls:
        number = deal_id_in(base, url) if isinstance(url, str) else None
        if number is not None and url not in (u for u, _ in out):
            out.append((url, number))
    return out[:MAX_LINKS]


def previews(rt: Runtime, actor: Actor, linked: list[tuple[str, int]], *, amounts: bool) -> dict[str, UnfurlView]:
    """The preview of each linked deal ``actor`` may see, by url."""
    out: dict[str, UnfurlView] = {}
    with rt.reading() as session:
        for url, number in linked:
            opp = queries.deal_by_number(session, actor.workspace_id, number)
            if opp is None or opp.status == "deleted":
                continue
            if not permissions.may_view(actor, opp):
                log.info("%s: deal #%s linked by %s, who may not see it: not unfolded", actor.workspace_id, number, actor.slack_user_id)
                continue
            out[url] = UnfurlView(
                number=opp.number,
                title=opp.title,
                account=opp.account,
                stage=opp.stage,
                status=opp.status,
                amount=opp.amount,
                currency=opp.currency,
                owner=opp.owner.slack_user_id,
                expected_close=opp.expected_close,
                next_step=opp.next_step,
                amount_hidden=not amounts,
            )
    return out
