"""A pasted deal link's preview (unfurl): the deal's number (a link to its page) and title, then
stage, amount, owner, expected close and next step, in the reader's language. The amount is left
out where it must not be shown (``amount_hidden``), with a line saying why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.blocks.deals import fmt_amount, status_label
from bot.blocks.kit import FIELD_LIMIT, clip, context, esc, fmt_date, mrkdwn
from bot.blocks.links import number_link
from bot.core.config import Config
from bot.core.i18n import field_label, t


@dataclass(frozen=True)
class UnfurlView:
    """What a deal's preview shows, taken inside the transaction."""

    number: int
    title: str
    account: str | None
    stage: str
    status: str
    amount: Decimal | None
    currency: str
    owner: str  # Slack user id
    expected_close: date | None
    next_step: str | None
    amount_hidden: bool = False


def unfurl_blocks(view: UnfurlView, config: Config, lang: str) -> list[dict]:
    head = f"*{number_link(config, view.number)} {esc(clip(view.title, 150))}*"
    if view.account:
        head += f" — {esc(clip(view.account, 100))}"
    facts = [(field_label(lang, "stage"), status_label(view, config, lang))]
    if not view.amount_hidden:
        facts.append((field_label(lang, "amount"), fmt_amount(view, lang)))
    facts += [
        (field_label(lang, "owner"), f"<@{view.owner}>"),
        (field_label(lang, "expected_close"), fmt_date(view.expected_close, lang)),
        (field_label(lang, "next_step"), esc(clip(view.next_step, 300)) if view.next_step else t(lang, "none")),
    ]
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(clip(head, 3000)), "fields": [mrkdwn(clip(f"*{k}*\n{v}", FIELD_LIMIT)) for k, v in facts]}]
    blocks.append(context(t(lang, "uf_footer") + (" · " + t(lang, "uf_amount_hidden") if view.amount_hidden else "")))
    return blocks
