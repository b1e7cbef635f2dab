"""Block Kit for roles and assignment: the offer DM, the decline form, the team, the pool and
`/opp who`. Everything user-typed is escaped here."""

from __future__ import annotations

import json

from bot.blocks.ids import Action, Form
from bot.blocks.kit import Reply, button, clip, esc, plain, section
from bot.core.config import ROLES, Config
from bot.core.i18n import t

MAX_LINES = 40  # lines of a team or pool listing in one message (a section holds 3000 characters)


def offer_message(offer_id: int, number: int, title: str, explanation: str, config: Config, lang: str, role: str) -> Reply:
    """The DM that offers a deal to a person, with Accept and Decline."""
    text = t(
        lang,
        "as_offer",
        number=number,
        title=esc(title),
        role=t(lang, "role_" + role if role in ROLES else "role_ae"),
        explain=explanation,
        hours=config.assignment.offer_hours,
    )
    blocks = [
        section(text),
        {
            "type": "actions",
            "block_id": f"offer_{offer_id}",
            "elements": [
                button(t(lang, "as_accept"), Action.OFFER_ACCEPT, str(offer_id), "primary"),
                button(t(lang, "as_decline"), Action.OFFER_DECLINE, str(offer_id), "danger"),
            ],
        },
    ]
    return Reply(text, blocks)


def decline_modal(offer_id: int, number: int, lang: str) -> dict:
    return {
        "type": "modal",
        "callback_id": Form.OFFER_DECLINE,
        "private_metadata": json.dumps({"offer": offer_id}),
        "title": plain(t(lang, "as_decline_title"), 24),
        "submit": {"type": "plain_text", "text": t(lang, "as_decline_send")},
        "close": {"type": "plain_text", "text": t(lang, "as_cancel")},
        "blocks": [
            section(f"#{number}"),
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
    blocks = [section(title)]
    chunk: list[str] = []
    for line in shown:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if buttons:
        for i in range(0, min(len(buttons), 25), 5):
            blocks.append({"type": "actions", "elements": buttons[i : i + 5]})
    return Reply(clip(text, 3000), blocks[:50])


def claim_button(number: int, lang: str) -> dict:
    return button(f"{t(lang, 'pool_claim')} #{number}", Action.POOL_CLAIM, str(number))


def pool_warning_message(text: str, number: int, token: str, lang: str) -> Reply:
    """The owner's warning that a deal returns to the pool, with Log activity and Keep."""
    value = f"{number}:{token}"
    buttons = [button(t(lang, "pool_log"), Action.DEAL_LOG, str(number), "primary"), button(t(lang, "pool_keep"), Action.POOL_KEEP, value)]
    return Reply(text, [section(text), {"type": "actions", "block_id": f"pool_warn_{number}", "elements": buttons}])


def keep_request_message(text: str, number: int, token: str, lang: str) -> Reply:
    """The manager's DM asking to let the owner keep a deal, with Approve and Decline."""
    value = f"{number}:{token}"
    buttons = [
        button(t(lang, "pool_keep_approve"), Action.POOL_KEEP_APPROVE, value, "primary"),
        button(t(lang, "pool_keep_decline"), Action.POOL_KEEP_DECLINE, value, "danger"),
    ]
    return Reply(text, [section(text), {"type": "actions", "block_id": f"pool_keep_{number}", "elements": buttons}])
