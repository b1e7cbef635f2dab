"""Modals: the new/edit deal form, the log-activity form, a won deal's handover form and a
closed deal's review form (handlers/forms.py reads them back). ``FormMeta`` is what a form
carries from opening to submission in its private_metadata."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from bot.blocks.ids import Form
from bot.blocks.kit import clip, context, esc, fmt_money, option, plain, section
from bot.blocks.support import TEXT_LIMIT as SUPPORT_TEXT_LIMIT
from bot.blocks.support import SupportView, deal_line, quote
from bot.blocks.views import DealView, HandoverView, ReviewView
from bot.core import needs
from bot.core.config import Config
from bot.core.deal_fields import ACTIVITY_KINDS, LIMITS
from bot.core.i18n import field_label, t
from bot.core.money import exact_amount

TEXT_FIELDS = ("title", "account", "contact", "source", "industry", "region")
BANT_FIELDS = ("budget", "authority", "need", "timing")


@dataclass(frozen=True)
class FormMeta:
    """What a modal carries between opening and submission (private_metadata)."""

    channel: str | None = None
    number: int | None = None
    version: int | None = None
    source: str | None = None  # a new deal made from a message: the message's address

    def dump(self) -> str:
        return json.dumps({k: v for k, v in self.__dict__.items() if v is not None})


DUPLICATE_OK = "duplicate_ok"  # the new-deal form's "create it anyway" box


def deal_modal(config: Config, lang: str, *, owner: str, meta: FormMeta, deal: DealView | None = None) -> dict:
    """The new-deal form, or the edit form prefilled from ``deal``."""
    blocks = [_text_input("title", lang, deal and deal.title, optional=False)]
    blocks += [_text_input(name, lang, deal and getattr(deal, name)) for name in ("account", "contact")]
    amount = deal and deal.amount is not None and exact_amount(deal.amount, deal.currency)
    blocks.append(_text_input("amount", lang, amount or None, hint=t(lang, "hint_amount"), max_length=40))
    current_stage = deal.stage if deal else config.stages[0].key
    stage_options = [option(s.name(lang), s.key) for s in config.stages]
    blocks.append(
        _input(
            "stage",
            lang,
            {
                "type": "static_select",
                "action_id": "stage",
                "placeholder": plain(t(lang, "placeholder_stage")),
                "options": stage_options,
                "initial_option": option(config.stage(current_stage).name(lang), current_stage),
            },
            optional=False,
        )
    )
    blocks.append(_date_input("expected_close", lang, deal and deal.expected_close))
    blocks.append(_input("owner", lang, {"type": "users_select", "action_id": "owner", "initial_user": deal.owner if deal else owner}, optional=False))
    blocks.append(_text_input("next_step", lang, deal and deal.next_step))
    blocks.append(_date_input("next_step_due", lang, deal and deal.next_step_due))
    blocks += [_text_input(name, lang, deal and getattr(deal, name)) for name in ("source", "industry", "region")]
    blocks.append({"type": "header", "text": plain(t(lang, "bant_title"))})
    blocks += [_criterion_input(c, lang, deal and deal.qualification.get(c.key)) for c in config.qualification.criteria]
    strategic = {"text": plain(t(lang, "strategic_option")), "value": "yes"}
    checkbox = {"type": "checkboxes", "action_id": "strategic", "options": [strategic]}
    if deal and deal.strategic:
        checkbox["initial_options"] = [strategic]
    blocks.append(_input("strategic", lang, checkbox))
    blocks += [_text_input(name, lang, deal and getattr(deal, name)) for name in BANT_FIELDS]
    tags, wants = needs.split(list(deal.tags) if deal else [])
    blocks.append(_text_input("tags", lang, ", ".join(tags) or None, hint=t(lang, "hint_tags"), max_length=400))
    blocks.append(_text_input("needs", lang, ", ".join(wants) or None, hint=t(lang, "hint_needs"), max_length=400))  # need: tags
    if deal is None:  # a new deal that looks like an open one (撞单) is sent back unless this is ticked
        anyway = {"text": plain(t(lang, "duplicate_anyway_option")), "description": plain(t(lang, "duplicate_anyway_detail")), "value": "yes"}
        blocks.append(_input(DUPLICATE_OK, lang, {"type": "checkboxes", "action_id": DUPLICATE_OK, "options": [anyway]}))
    title = t(lang, "modal_edit", number=deal.number) if deal else t(lang, "modal_new")
    return _modal(Form.EDIT_DEAL if deal else Form.NEW_DEAL, title, blocks, meta, lang)


def _criterion_input(criterion, lang: str, answer: str | None) -> dict:
    options = [option(c.name(lang), c.key) for c in criterion.choices]
    element = {"type": "static_select", "action_id": f"q_{criterion.key}", "options": options, "placeholder": plain(criterion.name(lang))}
    chosen = criterion.choice(answer)
    if chosen:
        element["initial_option"] = option(chosen.name(lang), chosen.key)
    block = _input(f"q_{criterion.key}", lang, element)
    block["label"] = plain(clip(f"{criterion.name(lang)} ({criterion.weight})", 2000))
    return block


def log_modal(lang: str, *, number: int, meta: FormMeta) -> dict:
    kinds = [option(t(lang, f"kind_{k}"), k) for k in ACTIVITY_KINDS]
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
    return _modal(Form.LOG_ACTIVITY, t(lang, "modal_log", number=number), blocks, meta, lang)


def handover_modal(lang: str, *, meta: FormMeta, view: HandoverView) -> dict:
    """A won deal's handover form: who delivers it (left empty, the assignment rules choose someone
    with the delivery role; an edit keeps the one there is), the scope, key dates and notes;
    prefilled from ``view`` when the handover exists."""
    facts = [fmt_money(view.amount, view.currency, lang), esc(view.account)]
    blocks = [section(" · ".join([f"*#{view.number} {esc(clip(view.title, 150))}*", *(fact for fact in facts if fact)]))]
    if not view.exists:
        blocks.append(context(t(lang, "won_then_handover")))
    owner = {"type": "users_select", "action_id": "delivery_owner"}
    if view.delivery_owner:
        owner["initial_user"] = view.delivery_owner
    blocks.append(_input("delivery_owner", lang, owner, hint=t(lang, "hint_delivery_owner")))
    blocks.append(_text_input("scope", lang, view.scope, multiline=True))
    blocks.append(_text_input("key_dates", lang, view.key_dates, hint=t(lang, "hint_key_dates")))
    blocks.append(_text_input("notes", lang, view.notes, multiline=True))
    blocks.append(_text_input("payment_plan", lang, None, hint=t(lang, "hint_payment_plan")))  # 回款 (bot.deals.payments)
    return _modal(Form.HANDOVER, t(lang, "modal_handover", number=view.number), blocks, meta, lang)


def review_modal(review: ReviewView, config: Config, lang: str, *, meta: FormMeta) -> dict:
    """The review (复盘) of a won or lost deal: its reason (a lost deal's is required), the
    competitor, what worked, what didn't and one lesson, prefilled from what was written before."""
    reasons = config.won_reasons if review.outcome == "won" else config.lost_reasons
    heading = f"*#{review.number} {esc(clip(review.title, 200))}* · {t(lang, f'status_{review.outcome}')}"
    blocks = [section(f"{heading}\n{t(lang, 'rv_form_intro')}")]
    if reasons:
        element = {"type": "static_select", "action_id": "reason", "options": [option(r.name(lang), r.key) for r in reasons]}
        element["placeholder"] = plain(t(lang, "rv_pick_reason"))
        chosen = next((r for r in reasons if r.key == review.reason), None)
        if chosen:
            element["initial_option"] = option(chosen.name(lang), chosen.key)
        blocks.append(_input("reason", lang, element, optional=review.outcome == "won"))
    blocks.append(_text_input("competitor", lang, review.competitor))
    for name in ("worked", "didnt", "lesson"):
        element = {"type": "plain_text_input", "action_id": name, "multiline": True, "max_length": LIMITS[name]}
        if getattr(review, name):
            element["initial_value"] = getattr(review, name)
        blocks.append(_input(name, lang, element))
    return _modal(Form.REVIEW, t(lang, "rv_modal_title", number=review.number), blocks, meta, lang)


def _modal(callback_id: str, title: str, blocks: list[dict], meta: FormMeta, lang: str) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(clip(title, 24)),
        "submit": plain(t(lang, "modal_save")),
        "close": plain(t(lang, "modal_cancel")),
        "private_metadata": meta.dump(),
        "blocks": blocks,
    }


def _input(name: str, lang: str, element: dict, *, optional: bool = True, hint: str | None = None) -> dict:
    block = {"type": "input", "block_id": name, "label": plain(field_label(lang, name)), "element": element, "optional": optional}
    if hint:
        block["hint"] = plain(hint)
    return block


def _text_input(
    name: str, lang: str, initial, *, optional: bool = True, hint: str | None = None, max_length: int | None = None, multiline: bool = False
) -> dict:
    element = {"type": "plain_text_input", "action_id": name, "max_length": max_length or LIMITS.get(name, 500)}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = str(initial)
    return _input(name, lang, element, optional=optional, hint=hint)


def _date_input(name: str, lang: str, initial: date | None) -> dict:
    element = {"type": "datepicker", "action_id": name}
    if initial:
        element["initial_date"] = initial.isoformat()
    return _input(name, lang, element)


def meeting_action_modal(lang: str, *, number: int, title: str, owner: str, due: date, meta: FormMeta) -> dict:
    """The review meeting's "Assign action" form on deal ``number``: what is to be done, by whom
    (the deal's owner unless changed) and by when (a week from the meeting unless changed)."""
    blocks = [
        section(f"*#{number} {esc(clip(title, 200))}*"),
        context(t(lang, "mt_modal_intro", number=number)),
        _text_input("mt_action", lang, None, optional=False, max_length=LIMITS["next_step"], multiline=True),
        _input("mt_assignee", lang, {"type": "users_select", "action_id": "mt_assignee", "initial_user": owner}, optional=False),
        _input("mt_due", lang, {"type": "datepicker", "action_id": "mt_due", "initial_date": due.isoformat()}, optional=False),
    ]
    return _modal(Form.MEETING_ACTION, t(lang, "mt_modal_title", number=number), blocks, meta, lang)


# --- asking support (求助): the question, the answer (bot.blocks.support has the messages) ----------


def _one_text_form(callback_id: str, title: str, intro: str, name: str, meta: FormMeta, lang: str) -> dict:
    """A form of one long text field under ``intro``, sent with Send."""
    element = {"type": "plain_text_input", "action_id": name, "multiline": True, "max_length": SUPPORT_TEXT_LIMIT}
    view = _modal(callback_id, title, [section(intro), _input(name, lang, element, optional=False)], meta, lang)
    return {**view, "submit": plain(t(lang, "sup_send"))}


def ask_modal(lang: str, *, title: str, meta: FormMeta) -> dict:
    """The question form behind a card's Ask support button (``meta`` names the deal)."""
    intro = f"*#{meta.number} {esc(clip(title, 150))}*\n" + t(lang, "sup_ask_intro")
    return _one_text_form(Form.SUPPORT_ASK, t(lang, "sup_ask_title", number=meta.number), intro, "question", meta, lang)


def answer_modal(view: SupportView, config: Config, lang: str) -> dict:
    """The answer form behind a request's Answer button, with the question it answers; its
    metadata names the request."""
    intro = f"{deal_line(view, config, lang)}\n" + t(lang, "sup_asked_by", user=view.asked_by) + "\n" + quote(clip(view.question, 2500))
    form = _one_text_form(Form.SUPPORT_ANSWER, t(lang, "sup_answer_title"), intro, "answer", FormMeta(), lang)
    return {**form, "private_metadata": json.dumps({"request": view.id})}
