"""Modals: the new/edit deal form and the log-activity form, built and read back.

Reading a submission returns either the values or ``{block_id: message}`` for Slack's inline
``response_action: errors``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from bot.core.money import UnreadableAmount, format_amount, parse_amount
from bot.core.config import Config
from bot.core.i18n import field_label, t
from bot.deals.opportunities import ACTIVITY_KINDS, LIMITS, DealInput
from bot.blocks.deals import DealView, clip

NEW_DEAL = "deal_new"
EDIT_DEAL = "deal_edit"
LOG_ACTIVITY = "deal_log"

TEXT_FIELDS = ("title", "account", "contact", "source", "industry", "region")
BANT_FIELDS = ("budget", "authority", "need", "timing")


@dataclass(frozen=True)
class FormMeta:
    """What a modal carries between opening and submission (private_metadata)."""

    channel: str | None = None
    number: int | None = None
    version: int | None = None

    def dump(self) -> str:
        return json.dumps({k: v for k, v in self.__dict__.items() if v is not None})

    @classmethod
    def load(cls, raw: str | None) -> FormMeta:
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            data = {}
        return cls(**{k: data.get(k) for k in ("channel", "number", "version")})


def deal_modal(config: Config, lang: str, *, owner: str, meta: FormMeta, deal: DealView | None = None) -> dict:
    """The new-deal form, or the edit form prefilled from ``deal``."""
    blocks = [_text_input("title", lang, deal and deal.title, optional=False)]
    blocks += [_text_input(name, lang, deal and getattr(deal, name)) for name in ("account", "contact")]
    amount = deal and deal.amount is not None and format_amount(deal.amount, deal.currency, "en").replace(",", "")
    blocks.append(_text_input("amount", lang, amount or None, hint=t(lang, "hint_amount"), max_length=40))
    current_stage = deal.stage if deal else config.stages[0].key
    stage_options = [_option(s.name(lang), s.key) for s in config.stages]
    blocks.append(
        _input(
            "stage",
            lang,
            {
                "type": "static_select",
                "action_id": "stage",
                "placeholder": _plain(t(lang, "placeholder_stage")),
                "options": stage_options,
                "initial_option": _option(config.stage(current_stage).name(lang), current_stage),
            },
            optional=False,
        )
    )
    blocks.append(_date_input("expected_close", lang, deal and deal.expected_close))
    blocks.append(_input("owner", lang, {"type": "users_select", "action_id": "owner", "initial_user": deal.owner if deal else owner}, optional=False))
    blocks.append(_text_input("next_step", lang, deal and deal.next_step))
    blocks.append(_date_input("next_step_due", lang, deal and deal.next_step_due))
    blocks += [_text_input(name, lang, deal and getattr(deal, name)) for name in ("source", "industry", "region")]
    blocks.append({"type": "header", "text": _plain(t(lang, "bant_title"))})
    blocks += [_criterion_input(c, lang, deal and deal.qualification.get(c.key)) for c in config.qualification.criteria]
    strategic = {"text": _plain(t(lang, "strategic_option")), "value": "yes"}
    checkbox = {"type": "checkboxes", "action_id": "strategic", "options": [strategic]}
    if deal and deal.strategic:
        checkbox["initial_options"] = [strategic]
    blocks.append(_input("strategic", lang, checkbox))
    blocks += [_text_input(name, lang, deal and getattr(deal, name)) for name in BANT_FIELDS]
    blocks.append(_text_input("tags", lang, deal and ", ".join(deal.tags) or None, hint=t(lang, "hint_tags"), max_length=400))
    title = t(lang, "modal_edit", number=deal.number) if deal else t(lang, "modal_new")
    return _modal(EDIT_DEAL if deal else NEW_DEAL, title, blocks, meta, lang)


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


def _criterion_input(criterion, lang: str, answer: str | None) -> dict:
    options = [_option(c.name(lang), c.key) for c in criterion.choices]
    element = {"type": "static_select", "action_id": f"q_{criterion.key}", "options": options, "placeholder": _plain(criterion.name(lang))}
    chosen = criterion.choice(answer)
    if chosen:
        element["initial_option"] = _option(chosen.name(lang), chosen.key)
    block = _input(f"q_{criterion.key}", lang, element)
    block["label"] = _plain(clip(f"{criterion.name(lang)} ({criterion.weight})", 2000))
    return block


def log_modal(lang: str, *, number: int, meta: FormMeta) -> dict:
    kinds = [_option(t(lang, f"kind_{k}"), k) for k in ACTIVITY_KINDS]
    blocks = [
        _input(
            "kind",
            lang,
            {"type": "static_select", "action_id": "kind", "options": kinds, "initial_option": kinds[0]},
            optional=False,
        ),
        _input(
            "text",
            lang,
            {"type": "plain_text_input", "action_id": "text", "multiline": True, "max_length": LIMITS["activity"]},
            optional=False,
        ),
        _text_input("next_step", lang, None),
        _date_input("next_step_due", lang, None),
    ]
    return _modal(LOG_ACTIVITY, t(lang, "modal_log", number=number), blocks, meta, lang)


def read_log_form(values: dict) -> tuple[str, str, str | None, date | None]:
    return (
        _selected(values, "kind") or "note",
        (_value(values, "text") or "").strip(),
        (_value(values, "next_step") or "").strip() or None,
        _date(values, "next_step_due"),
    )


def _modal(callback_id: str, title: str, blocks: list[dict], meta: FormMeta, lang: str) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(clip(title, 24)),
        "submit": _plain(t(lang, "modal_save")),
        "close": _plain(t(lang, "modal_cancel")),
        "private_metadata": meta.dump(),
        "blocks": blocks,
    }


def _input(name: str, lang: str, element: dict, *, optional: bool = True, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": name, "label": _plain(field_label(lang, name)), "element": element, "optional": optional}
    if hint:
        block["hint"] = _plain(hint)
    return block


def _text_input(name: str, lang: str, initial, *, optional: bool = True, hint: str | None = None, max_length: int | None = None) -> dict:
    element = {"type": "plain_text_input", "action_id": name, "max_length": max_length or LIMITS.get(name, 500)}
    if initial:
        element["initial_value"] = str(initial)
    return _input(name, lang, element, optional=optional, hint=hint)


def _date_input(name: str, lang: str, initial: date | None) -> dict:
    element = {"type": "datepicker", "action_id": name}
    if initial:
        element["initial_date"] = initial.isoformat()
    return _input(name, lang, element)


def _option(text: str, value: str) -> dict:
    return {"text": _plain(clip(text, 75)), "value": value}


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


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
