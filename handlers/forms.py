"""Reading a submitted form back: the deal form's values (with the fields that could not be read,
for inline errors), the log-activity form, the decline form, and what each form carried in its
private_metadata."""

from __future__ import annotations

import json
from datetime import date

from bot.blocks.forms import BANT_FIELDS, TEXT_FIELDS, FormMeta
from bot.blocks.kit import clip
from bot.core.config import Config
from bot.core.money import UnreadableAmount, parse_amount
from bot.deals.opportunities import DealInput


def read_meta(view: dict) -> FormMeta:
    """The form's private_metadata; what can't be read counts as nothing carried."""
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    return FormMeta(**{k: data.get(k) for k in ("channel", "number", "version")})


def values_of(view: dict) -> dict:
    return (view.get("state") or {}).get("values") or {}


def read_deal_form(values: dict, *, config: Config) -> tuple[DealInput, dict[str, tuple[str, dict]], str | None]:
    """Values from a submitted deal form -> (input, errors as {block_id: (message key, params)},
    owner's Slack id). An emptied text field comes back as "" so an edit can clear it."""
    errors: dict[str, tuple[str, dict]] = {}
    deal = DealInput()
    for name in (*TEXT_FIELDS, "next_step", *BANT_FIELDS):
        setattr(deal, name, (_value(values, name) or "").strip())
    amount_text = (_value(values, "amount") or "").strip()
    if amount_text:
        try:
            deal.amount, deal.currency = parse_amount(amount_text, default_currency=config.currency)
        except UnreadableAmount:
            errors["amount"] = ("unreadable_amount", {"value": clip(amount_text, 60)})
    else:
        deal.amount = ""  # emptied: like a text field, "" clears it on an edit
    stage = _selected(values, "stage")
    deal.stage = stage if stage and any(s.key == stage for s in config.stages) else None
    deal.expected_close = _date(values, "expected_close")
    deal.next_step_due = _date(values, "next_step_due")
    tags = _value(values, "tags") or ""
    deal.tags = [tag.strip() for tag in tags.replace("，", ",").split(",") if tag.strip()]
    owner = (values.get("owner") or {}).get("owner", {}).get("selected_user")
    answers = {c.key: _selected(values, f"q_{c.key}") for c in config.qualification.criteria}
    deal.qualification = {key: choice for key, choice in answers.items() if choice}
    chosen = (values.get("strategic") or {}).get("strategic", {}).get("selected_options")
    deal.strategic = bool(chosen)
    return deal, errors, owner


def read_log_form(values: dict) -> tuple[str, str, str | None, date | None]:
    return (
        _selected(values, "kind") or "note",
        (_value(values, "text") or "").strip(),
        (_value(values, "next_step") or "").strip() or None,
        _date(values, "next_step_due"),
    )


def _value(values: dict, name: str) -> str | None:
    return (values.get(name) or {}).get(name, {}).get("value")


def _selected(values: dict, name: str) -> str | None:
    option = (values.get(name) or {}).get(name, {}).get("selected_option")
    return option and option.get("value")


def _date(values: dict, name: str) -> date | None:
    raw = (values.get(name) or {}).get(name, {}).get("selected_date")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def read_decline_form(view: dict) -> tuple[int | None, str]:
    """The offer the decline form is about, and the reason given."""
    try:
        offer_id = json.loads(view.get("private_metadata") or "{}").get("offer")
    except (ValueError, AttributeError):
        offer_id = None
    return (offer_id if isinstance(offer_id, int) else None), (_value(values_of(view), "reason") or "")
