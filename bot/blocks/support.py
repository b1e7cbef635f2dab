"""Block Kit for asking support (求助) on a deal: the request sent to each person of the role asked
(with its Answer button), the same message once the request is answered, the answer sent back
to the person who asked, and the two small forms (the question, the answer). All user text
passes through ``esc``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from bot.blocks.forms import FormMeta
from bot.blocks.ids import Action, Form
from bot.blocks.kit import Reply, button, clip, context, esc, plain, section, stage_name
from bot.core.config import Config
from bot.core.i18n import field_label, t

TEXT_LIMIT = 2000  # characters of a question or an answer


@dataclass(frozen=True)
class SupportView:
    """A support request as people see it (taken inside the transaction)."""

    id: int
    number: int
    title: str
    account: str | None
    stage: str
    role: str
    question: str
    asked_by: str  # Slack user ids
    asked_at: datetime
    answered_by: str | None = None
    answered_at: datetime | None = None
    answer: str | None = None


def _deal_line(view: SupportView, config: Config, lang: str) -> str:
    facts = [f"*#{view.number} {esc(clip(view.title, 150))}*", esc(clip(view.account or "", 100)), stage_name(config, view.stage, lang)]
    return " · ".join(fact for fact in facts if fact)


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in esc(text).split("\n"))


def request_message(view: SupportView, config: Config, lang: str) -> Reply:
    """The request a person of the role asked reads: who asks about which deal, the question, and
    Answer; once answered, who answered and what, without the button."""
    head = t(lang, "sup_request_head", user=view.asked_by, role=t(lang, f"role_{view.role}"))
    blocks = [section(f"{head}\n{_deal_line(view, config, lang)}"), section(_quote(view.question))]
    if view.answered_by:
        blocks.append(section(t(lang, "sup_request_answered", user=view.answered_by) + "\n" + _quote(view.answer or "")))
    else:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"support_{view.id}",
                "elements": [button(t(lang, "sup_btn_answer"), Action.SUPPORT_ANSWER, str(view.id), "primary")],
            }
        )
    return Reply(clip(f"{head} #{view.number} {esc(view.title)}", 3000), blocks)


def answer_message(view: SupportView, config: Config, lang: str) -> Reply:
    """The answer, sent to the person who asked: their question and what came back, from whom."""
    head = t(lang, "sup_answer_head", user=view.answered_by or "", number=view.number)
    blocks = [
        section(f"{head}\n{_deal_line(view, config, lang)}"),
        context(t(lang, "sup_your_question") + " " + esc(clip(view.question, 500))),
        section(_quote(view.answer or "")),
    ]
    return Reply(clip(f"{head}: {esc(view.answer or '')}", 3000), blocks)


def asked_text(lang: str, number: int, role: str, people: int) -> str:
    """ "Asked sales support about #42 (2 people)." """
    return t(lang, "sup_asked", number=number, role=t(lang, f"role_{role}"), count=people)


def _form(callback_id: str, title: str, intro: str, block_id: str, meta: str, lang: str) -> dict:
    element = {"type": "plain_text_input", "action_id": block_id, "multiline": True, "max_length": TEXT_LIMIT}
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(clip(title, 24)),
        "submit": plain(t(lang, "sup_send")),
        "close": plain(t(lang, "modal_cancel")),
        "private_metadata": meta,
        "blocks": [section(intro), {"type": "input", "block_id": block_id, "label": plain(field_label(lang, block_id)), "element": element}],
    }


def ask_modal(lang: str, *, title: str, meta: FormMeta) -> dict:
    """The question form behind a card's Ask support button (``meta`` names the deal)."""
    intro = t(lang, "sup_ask_intro", number=meta.number, title=esc(clip(title, 150)))
    return _form(Form.SUPPORT_ASK, t(lang, "sup_ask_title", number=meta.number), intro, "question", meta.dump(), lang)


def answer_modal(view: SupportView, config: Config, lang: str) -> dict:
    """The answer form behind a request's Answer button, with the question it answers."""
    intro = f"{_deal_line(view, config, lang)}\n" + t(lang, "sup_asked_by", user=view.asked_by) + "\n" + _quote(clip(view.question, 2500))
    return _form(Form.SUPPORT_ANSWER, t(lang, "sup_answer_title"), intro, "answer", json.dumps({"request": view.id}), lang)
