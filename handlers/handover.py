"""Handovers to delivery in Slack: `/opp handover 42` (`/opp 交接 42`) shows a won deal's handover,
or opens its form when it has none; `… done scope` (`… 完成 实施范围确认`) ticks a step, `…
accepted [date]` (`… 验收 [日期]`) records the customer's acceptance, `… edit` (`… 编辑`) opens the
form; the form after `/opp won 42`; the buttons on a handover message (a step, Edit handover).
Each listener reads what Slack sent, calls bot.deals.handover and answers with the handover."""

from __future__ import annotations

from dataclasses import replace

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import forms
from bot.blocks.handover import handover_message
from bot.blocks.ids import HANDOVER_TICK, Action, Form
from bot.blocks.kit import Reply, fmt_date
from bot.blocks.views import HandoverView
from bot.core.config import Step
from bot.core.errors import BadInput, PermissionDenied
from bot.core.i18n import field_label, t
from bot.deals import handover, payments
from bot.deals.handover import HandoverInput
from bot.team.members import ensure_member, local_now
from handlers.args import Modal, Request, parse_number, read_date, request_of, value_number
from handlers.forms import read_handover_form, read_meta, read_payment_plan, values_of
from handlers.payments import plan_parts
from handlers.slack_io import open_modal, saved

DONE_WORDS = ("done", "tick", "完成", "勾选")
ACCEPT_WORDS = ("accepted", "accept", "验收")
EDIT_WORDS = ("edit", "编辑", "修改")


def cmd_handover(req: Request, rest: str) -> Reply | Modal:
    """`/opp handover 42 [done <step> | accepted [date] | edit]`."""
    number, tail = parse_number(rest, "handover")
    word, _, arg = tail.partition(" ")
    word = word.lower()
    if not word:
        return show_or_form(req, number)
    if word in DONE_WORDS:
        shown, step = tick(req, number, arg)
        return ticked_reply(req, shown, step)
    if word in ACCEPT_WORDS:
        return accept(req, number, arg.strip())
    if word in EDIT_WORDS and not arg.strip():
        return handover_form(req, number)
    raise BadInput("handover_usage", number=number)


def show_or_form(req: Request, number: int) -> Reply | Modal:
    """The handover, with its buttons; the form for a won deal that has none yet."""
    with req.rt.reading() as session:
        shown = handover.show(session, actor=req.actor, number=number, config=req.rt.config)
    if not shown.exists:
        return handover_form(req, number)
    return handover_message(shown, req.rt.config, req.lang)


def handover_form(req: Request, number: int) -> Modal:
    with req.rt.reading() as session:
        shown = handover.form_view(session, actor=req.actor, number=number, config=req.rt.config)
    meta = forms.FormMeta(channel=req.channel, number=number)
    return Modal(forms.handover_modal(req.lang, meta=meta, view=shown))


def form_after_win(req: Request, number: int, reply: Reply) -> Reply | Modal:
    """After `/opp won 42`: the handover form opens, the win said with it; someone who may not hand
    the deal over (the person responsible for its last stage, say) reads the win alone."""
    try:
        modal = handover_form(req, number)
    except PermissionDenied:
        return reply
    return replace(modal, reply=reply)


def tick(req: Request, number: int, step_text: str) -> tuple[HandoverView, Step]:
    today = local_now(req.rt.clock, req.actor).date()
    with req.rt.transaction() as session:
        return handover.tick(session, actor=req.actor, number=number, step_text=step_text, config=req.rt.config, now=req.rt.clock.now(), today=today)


def ticked_reply(req: Request, shown: HandoverView, step: Step) -> Reply:
    """The handover, under what was ticked (the acceptance step: that the handover closed)."""
    if shown.accepted_on is not None:
        headline = t(req.lang, "handover_accepted", number=shown.number, day=fmt_date(shown.accepted_on, req.lang))
    else:
        headline = t(req.lang, "handover_ticked", number=shown.number, step=step.name(req.lang))
    return handover_message(shown, req.rt.config, req.lang, headline=headline)


def accept(req: Request, number: int, date_text: str) -> Reply:
    """The customer's acceptance on the day typed (as people type dates), else today."""
    today = local_now(req.rt.clock, req.actor).date()
    day = read_date(req, date_text) if date_text else today
    with req.rt.transaction() as session:
        shown = handover.accept(session, actor=req.actor, number=number, day=day, config=req.rt.config, now=req.rt.clock.now(), today=today)
    headline = t(req.lang, "handover_accepted", number=number, day=fmt_date(day, req.lang))
    return handover_message(shown, req.rt.config, req.lang, headline=headline)


SUBCOMMANDS = {"handover": cmd_handover}


# --- the form and the buttons on a handover message -----------------------------------------------


def on_handover_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    """Make the deal's handover, or change it: the person reads it where they opened the form."""
    rt, actor = context["rt"], context["actor"]
    meta = read_meta(view)
    if meta.number is None:
        raise BadInput("form_unreadable")
    values = values_of(view)
    owner, texts = read_handover_form(values)
    typed_plan = read_payment_plan(values)
    plan = plan_parts(Request(rt, actor, meta.channel, context["fetch_profile"]), typed_plan, field="payment_plan") if typed_plan else None
    with rt.transaction() as session:
        owner_id = (
            ensure_member(session, workspace_id=actor.workspace_id, slack_user_id=owner, clock=rt.clock, fetch_profile=context["fetch_profile"]).id
            if owner
            else None
        )
        shown, changed = handover.save(
            session, actor=actor, number=meta.number, given=HandoverInput(delivery_owner_id=owner_id, **texts), config=rt.config, now=rt.clock.now()
        )
        if plan:  # 回款: the plan given with the handover, as `/opp pay 42 plan …` would set it
            payments.plan(session, actor=actor, number=meta.number, parts=plan, config=rt.config, now=rt.clock.now())
    ack()
    saved(client, context, handover_message(shown, rt.config, actor.lang, headline=saved_headline(actor.lang, shown, changed)), meta.channel)


def saved_headline(lang: str, shown: HandoverView, changed: list[str]) -> str:
    """Who delivers a new handover (or that nobody could be found); what an edit changed."""
    if "opened" in changed:
        if shown.delivery_owner:
            return t(lang, "handover_saved", number=shown.number, user=shown.delivery_owner)
        return t(lang, "handover_saved_nobody", number=shown.number)
    if changed:
        return t(lang, "handover_updated", number=shown.number, fields=t(lang, "perm_join").join(field_label(lang, name) for name in changed))
    return t(lang, "handover_unchanged", number=shown.number)


def on_tick(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    """A step's button ("<number>:<step key>"): the clicked message is replaced at once by the
    handover as it now reads (its other copies are updated through the outbox); a refusal is said
    to the clicker alone and the message stays."""
    ack()
    number, _, step = str(action.get("value") or "").partition(":")
    req = request_of(context, body)
    shown, _ = tick(req, value_number(number), step)
    respond(replace_original=True, **handover_message(shown, req.rt.config, req.lang).payload())


def on_edit(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    ack()
    req = request_of(context, body)
    modal = handover_form(req, value_number(action.get("value")))
    open_modal(client, body["trigger_id"], modal.view, req.lang, respond=respond)


def register(app: App) -> None:
    app.action(HANDOVER_TICK)(on_tick)
    app.action(Action.HANDOVER_EDIT)(on_edit)
    app.view(Form.HANDOVER)(on_handover_form)
