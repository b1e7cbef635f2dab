"""Block Kit for asking support (求助) on a deal: the request sent to each person of the role asked
(with its Answer button), the same message once the request is answered, the answer sent back
to the person who asked (its two small forms are in bot.blocks.forms). All user
text passes through ``esc``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.blocks.ids import Action
from bot.blocks.kit import Reply, button, clip, context, esc, section, stage_name
from bot.blocks.links import number_link
from bot.core.config import Config
from bot.core.i18n import t

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


def deal_line(view: SupportView, config: Config, lang: str) -> str:
    facts = [f"*{number_link(config, view.number)} {esc(clip(view.title, 150))}*", esc(clip(view.account or "", 100)), stage_name(config, view.stage, lang)]
    return " · ".join(fact for fact in facts if fact)


def quote(text: str) -> str:
    return "\n".join("> " + line for line in esc(text).split("\n"))


def request_message(view: SupportView, config: Config, lang: str) -> Reply:
    """The request a person of the role asked reads: who asks about which deal, the question, and
    Answer; once answered, who answered and what, without the button."""
    head = t(lang, "sup_request_head", user=view.asked_by, role=t(lang, f"role_{view.role}"))
    blocks = [section(f"{head}\n{deal_line(view, config, lang)}"), section(quote(view.question))]
    if view.answered_by:
        blocks.append(section(t(lang, "sup_request_answered", user=view.answered_by) + "\n" + quote(view.answer or "")))
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
        section(f"{head}\n{deal_line(view, config, lang)}"),
        context(t(lang, "sup_your_question") + " " + esc(clip(view.question, 500))),
        section(quote(view.answer or "")),
    ]
    return Reply(clip(f"{head}: {esc(view.answer or '')}", 3000), blocks)


def asked_text(lang: str, number: int, role: str, people: int) -> str:
    """ "Asked sales support about #42 (2 people)." """
    return t(lang, "sup_asked", number=number, role=t(lang, f"role_{role}"), count=people)
