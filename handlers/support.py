"""Asking support (求助) in Slack: `/opp ask 42 <question>` (`/opp 求助 42 …`), the card's Ask
support button and its question form, and the Answer button on a request with its answer form.
Each listener reads what Slack sent, calls bot.deals.support and answers."""

from __future__ import annotations

import json

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.forms import FormMeta, answer_modal, ask_modal
from bot.blocks.ids import Action, Form
from bot.blocks.kit import Reply, message
from bot.blocks.support import asked_text
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.deals import support
from handlers.args import Request, parse_number, request_of, value_number
from handlers.forms import is_number, read_meta, text_of
from handlers.slack_io import open_modal, saved


def ask(req: Request, number: int, question: str) -> Reply:
    with req.rt.transaction() as session:
        view, people = support.ask(session, actor=req.actor, number=number, question=question, config=req.rt.config, now=req.rt.clock.now())
    return message(asked_text(req.lang, view.number, view.role, people))


def cmd_ask(req: Request, rest: str) -> Reply:
    """`/opp ask 42 Can we do single sign-on?`"""
    number, question = parse_number(rest, "ask")
    return ask(req, number, question)


SUBCOMMANDS = {"ask": cmd_ask}


def on_ask(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    """The card's Ask support button: the question form, for an open deal."""
    ack()
    req = request_of(context, body)
    number = value_number(action.get("value"))
    with req.rt.reading() as session:
        title = support.open_deal(session, actor=req.actor, number=number).title
    open_modal(client, body["trigger_id"], ask_modal(req.lang, title=title, meta=FormMeta(channel=req.channel, number=number)), req.lang, respond=respond)


def on_ask_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    meta = read_meta(view)
    if meta.number is None:
        raise BadInput("form_unreadable")
    req = Request(context["rt"], context["actor"], meta.channel, context["fetch_profile"])
    reply = ask(req, meta.number, text_of(view, "question"))
    ack()
    saved(client, context, reply, meta.channel)


def _request_id(view: dict) -> int:
    """The request an answer form is about, from its private_metadata."""
    try:
        request_id = json.loads(view.get("private_metadata") or "").get("request")
    except (ValueError, AttributeError):
        request_id = None
    if not is_number(request_id):
        raise BadInput("form_unreadable")
    return request_id


def on_answer(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    """A request's Answer button: the answer form, while the request is open; answered already,
    the clicker reads who answered it."""
    ack()
    req = request_of(context, body)
    with req.rt.reading() as session:
        view = support.answer_form(session, actor=req.actor, request_id=value_number(action.get("value")))
    open_modal(client, body["trigger_id"], answer_modal(view, req.rt.config, req.lang), req.lang, respond=respond)


def on_answer_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    rt, actor = context["rt"], context["actor"]
    with rt.transaction() as session:
        answered = support.answer(session, actor=actor, request_id=_request_id(view), text=text_of(view, "answer"), config=rt.config, now=rt.clock.now())
    ack()
    saved(client, context, message(t(actor.lang, "sup_answered", number=answered.number, user=answered.asked_by)), None)


def register(app: App) -> None:
    app.action(Action.DEAL_ASK)(on_ask)
    app.view(Form.SUPPORT_ASK)(on_ask_form)
    app.action(Action.SUPPORT_ANSWER)(on_answer)
    app.view(Form.SUPPORT_ANSWER)(on_answer_form)
