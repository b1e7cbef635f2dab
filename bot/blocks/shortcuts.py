"""The shortcuts' modals: logging a message to a deal (the message shown, a deal picker whose
options come as the person types, a note), the options themselves, and the new-deal form
prefilled from what a message says (bot.blocks.forms draws the form)."""

from __future__ import annotations

from datetime import date

from bot.blocks.ids import DEAL_PICK, Form
from bot.blocks.kit import PLAIN_LIMIT, clip, context, esc, option, plain, section
from bot.core.i18n import field_label, t

NOTE_LIMIT = 1000
PREVIEW_LIMIT = 1500  # how much of the message the form shows


def log_message_modal(lang: str, *, author: str, text: str, metadata: str, clipped: tuple[int, int] | None, linked: bool) -> dict:
    """The log-a-message form: whose message and what it says, the deal to log it to (an external
    select answered by the options listener) and an optional note. ``clipped`` is (kept, total)
    characters when only the message's start fits; ``linked`` whether Slack gave its address."""
    quoted = "\n".join(f"> {line}" for line in esc(clip(text, PREVIEW_LIMIT)).splitlines()) or f"> {t(lang, 'sc_no_text')}"
    blocks = [section(f"{t(lang, 'sc_message_from_name', author=esc(author))}\n{quoted}")]
    notes = []
    if clipped:
        notes.append(t(lang, "sc_clipped", kept=clipped[0], total=clipped[1]))
    if not linked:
        notes.append(t(lang, "sc_no_link"))
    if notes:
        blocks.append(context("\n".join(notes)))
    picker = {"type": "external_select", "action_id": DEAL_PICK, "min_query_length": 1, "placeholder": plain(t(lang, "sc_pick_placeholder"), 150)}
    blocks.append({"type": "input", "block_id": "deal", "label": plain(field_label(lang, "deal")), "element": picker})
    note = {"type": "plain_text_input", "action_id": "note", "multiline": True, "max_length": NOTE_LIMIT}
    blocks.append(
        {
            "type": "input",
            "block_id": "note",
            "label": plain(field_label(lang, "note")),
            "element": note,
            "optional": True,
            "hint": plain(t(lang, "sc_note_hint")),
        }
    )
    return {
        "type": "modal",
        "callback_id": Form.LOG_MESSAGE,
        "title": plain(clip(t(lang, "sc_log_title"), 24)),
        "submit": plain(t(lang, "sc_log_save")),
        "close": plain(t(lang, "modal_cancel")),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def deal_option(number: int, title: str, account: str | None, status: str, lang: str) -> dict:
    """One deal in the picker: `#42 Acme ERP · Acme Corp`, a closed one with its outcome."""
    label = f"#{number} {title}" + (f" · {account}" if account else "")
    if status != "open":
        label += f" ({t(lang, f'status_{status}')})"
    return option(clip(label, PLAIN_LIMIT), str(number))


def prefilled(view: dict, values: dict[str, object]) -> dict:
    """``view`` (the new-deal form) with its fields set to ``values`` by block id: text as typed,
    a date picked, a stage chosen (by key) and a person (by Slack id). Unknown names are skipped."""
    for block in view["blocks"]:
        value = values.get(block.get("block_id"))
        if block.get("type") != "input" or value in (None, "", []):
            continue
        element = block["element"]
        kind = element["type"]
        if kind == "plain_text_input":
            element["initial_value"] = clip(str(value), element.get("max_length") or 3000)
        elif kind == "datepicker" and isinstance(value, date):
            element["initial_date"] = value.isoformat()
        elif kind == "static_select":
            chosen = next((o for o in element["options"] if o["value"] == value), None)
            if chosen:
                element["initial_option"] = chosen
        elif kind == "users_select":
            element["initial_user"] = str(value)
    return view
