"""Block Kit for roles and assignment: the offer DM, the decline form, the team, the pool and
`/opp who`. Everything user-typed is escaped here."""

from __future__ import annotations

import json
from datetime import date

from bot.core.config import Config
from bot.core.i18n import t
from bot.blocks.deals import Reply, clip, esc
from store.models import AssignmentOffer, Opportunity

OFFER_ACCEPT = "offer_accept"
OFFER_DECLINE = "offer_decline"
OFFER_DECLINE_FORM = "offer_decline_form"
POOL_CLAIM = "pool_claim"
MAX_LINES = 40  # lines of a team or pool listing in one message (a section holds 3000 characters)


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, 3000)}}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def offer_message(made: AssignmentOffer, opp: Opportunity, config: Config, lang: str, role: str) -> Reply:
    text = t(
        lang,
        "as_offer",
        number=opp.number,
        title=esc(opp.title),
        role=t(lang, "role_" + role if role in ("bdr", "ae", "support", "manager", "admin") else "role_ae"),
        explain=made.explanation,
        hours=config.assignment.offer_hours,
    )
    blocks = [
        _section(text),
        {
            "type": "actions",
            "block_id": f"offer_{made.id}",
            "elements": [
                _button(t(lang, "as_accept"), OFFER_ACCEPT, str(made.id), "primary"),
                _button(t(lang, "as_decline"), OFFER_DECLINE, str(made.id), "danger"),
            ],
        },
    ]
    return Reply(text, blocks)


def decline_modal(offer_id: int, number: int, lang: str) -> dict:
    return {
        "type": "modal",
        "callback_id": OFFER_DECLINE_FORM,
        "private_metadata": json.dumps({"offer": offer_id}),
        "title": {"type": "plain_text", "text": t(lang, "as_decline_title")},
        "submit": {"type": "plain_text", "text": t(lang, "as_decline_send")},
        "close": {"type": "plain_text", "text": t(lang, "as_cancel")},
        "blocks": [
            _section(f"#{number}"),
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": t(lang, "as_decline_reason")},
                "element": {"type": "plain_text_input", "action_id": "reason", "multiline": True, "max_length": 500},
            },
        ],
    }


def lines_reply(title: str, lines: list[str], buttons: list[dict] | None = None) -> Reply:
    shown = lines[:MAX_LINES]
    text = "\n".join([title, *shown])
    blocks = [_section(title)]
    chunk: list[str] = []
    for line in shown:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    if buttons:
        for i in range(0, min(len(buttons), 25), 5):
            blocks.append({"type": "actions", "elements": buttons[i : i + 5]})
    return Reply(clip(text, 3000), blocks[:50])


def claim_button(number: int, lang: str) -> dict:
    return _button(f"{t(lang, 'pool_claim')} #{number}", POOL_CLAIM, str(number))


def fmt_day(day: date | None) -> str:
    return day.isoformat() if day else "—"
