"""Deals in Slack: `/opp new show edit list find move log won lost history`, the buttons and menus
on a deal card (move, open, log, edit, history, flag a risk, tick a key action) and the deal and
log-activity forms; a win opens the handover form (handlers.handover).
Each listener reads what Slack sent, calls one deal service and answers with a card."""

from __future__ import annotations

import re
from dataclasses import replace

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import forms
from bot.blocks.deals import deal_list, duplicate_choice, history
from bot.blocks.errors import error_text
from bot.blocks.forms import DUPLICATE_OK
from bot.blocks.ids import PLAYBOOK_TICK, Action, Form
from bot.blocks.kit import Reply, clip
from bot.core.errors import BadInput, UserError
from bot.core.i18n import field_label, t
from bot.core.runtime import Runtime
from bot.core.text import clean
from bot.deals import duplicates, from_messages, merging, opportunities, playbook
from bot.deals.views import card_view, deal_lines, deal_view, event_views
from bot.team.members import Actor, ensure_member, local_now
from handlers import handover
from handlers.args import (
    NUMBER,
    QUOTE_LIMIT,
    Modal,
    Request,
    card,
    card_for,
    chosen,
    find_stage,
    is_date,
    member_id,
    parse_number,
    read_date,
    request_of,
    value_number,
)
from handlers.deal_text import KIND_PREFIX, KIND_WORDS, read_filters, read_inline_deal, split_next_step, split_override, take_answers
from handlers.forms import form_ticked, read_deal_form, read_log_form, read_meta, values_of
from handlers.reviews import with_review_form
from handlers.risks import flag_risk
from handlers.slack_io import open_modal, saved
from store.queries import DealFilter, search_deals

LIST_LIMIT = 20
FIND_COUNT_LIMIT = 100  # a search counts its matches up to here, then says "100+"


def cmd_new(req: Request, rest: str) -> Reply | Modal:
    if not rest:
        meta = forms.FormMeta(channel=req.channel)
        return Modal(forms.deal_modal(req.rt.config, req.lang, owner=req.actor.slack_user_id, meta=meta))
    return new_deal(req, rest, mode=merging.ASK)


def new_deal(req: Request, text: str, *, mode: str, request_key: str | None = None) -> Reply:
    """Create the deal ``text`` describes; one that looks like open deals is not created unless
    ``mode`` says the person chose Create anyway: the answer lists them to choose from."""
    answers, rest = take_answers(req, text)
    deal, owner = read_inline_deal(req, rest)
    deal.qualification = answers or None
    compared = None
    if req.rt.config.duplicate_check:  # the title compared before the write transaction, which then compares only deals added since
        with req.rt.peeking() as connection:
            compared = duplicates.compare_titles(connection, req.actor.workspace_id, deal.title)
    try:
        with req.rt.transaction() as session:
            if owner:
                deal.owner_id = member_id(req, owner, session)
            opp, created, others = merging.create(
                session, actor=req.actor, deal=deal, config=req.rt.config, clock=req.rt.clock, mode=mode, request_key=request_key, compared=compared
            )
            view = deal_view(opp, lessons=True, people={req.actor.member_id: req.actor.slack_user_id})
    except merging.DuplicateFound as found:
        numbers = ",".join(str(m.number) for m in found.matches)
        return duplicate_choice(found.matches, req.lang, f"{req.lang}|{numbers}|{text}")
    if not created:
        return card(req, view, t(req.lang, "already_created", number=view.number))
    if others:
        return card(req, view, t(req.lang, "created_anyway", number=view.number, others=", ".join(f"#{n}" for n in others)))
    return card(req, view, t(req.lang, "created", number=view.number))


# two numbers, set apart by a space or a word: "12" is one number, not #1 and #2
MERGE = re.compile(r"^[#＃]?(\d+)(?:\s+|\s*(?:into|to|->|→|=>|到|并入|合并到|至)\s*)[#＃]?(\d+)$", re.IGNORECASE)


def _merge_number(digits: str) -> int:
    """One of a merge's two numbers; one longer than any deal's is refused before it reaches the database."""
    if not NUMBER.match(digits):
        raise BadInput("bad_merge_number", value=clip(digits, QUOTE_LIMIT))
    return int(digits)


def cmd_merge(req: Request, rest: str) -> Reply:
    """`/opp merge 12 into 15` (`/opp 合并 12 到 15`): #12 is merged into #15."""
    match = MERGE.match(rest.strip())
    if not match:
        raise BadInput("need_merge_numbers")
    source, target = (_merge_number(match.group(i)) for i in (1, 2))
    with req.rt.transaction() as session:
        opp = merging.merge(session, actor=req.actor, source=source, target=target, clock=req.rt.clock, config=req.rt.config)
        view = deal_view(opp)
    return card(req, view, t(req.lang, "merged", source=source, target=target))


def cmd_show(req: Request, rest: str) -> Reply:
    number, _ = parse_number(rest, "show")
    return show(req, number)


def show(req: Request, number: int) -> Reply:
    with req.rt.peeking() as connection:
        view = card_view(connection, req.actor.workspace_id, number)
    return card(req, view)


def cmd_edit(req: Request, rest: str) -> Modal:
    number, _ = parse_number(rest, "edit")
    return edit_modal(req.rt, req.actor, number, channel=req.channel)


def edit_modal(rt: Runtime, actor: Actor, number: int, *, channel: str | None) -> Modal:
    with rt.transaction() as session:
        opp = opportunities.get(session, actor=actor, number=number)
        opportunities.require_change(actor, opp)
        view = deal_view(opp)
    meta = forms.FormMeta(channel=channel, number=number, version=view.version)
    return Modal(forms.deal_modal(rt.config, actor.lang, owner=actor.slack_user_id, meta=meta, deal=view))


def cmd_move(req: Request, rest: str) -> Reply:
    number, stage_text = parse_number(rest, "move")
    return move(req, number, find_stage(req, stage_text))


def move(req: Request, number: int, stage: str) -> Reply:
    with req.rt.transaction() as session:
        opp = opportunities.move_stage(session, actor=req.actor, number=number, stage=stage, config=req.rt.config, clock=req.rt.clock)
        view = deal_view(opp, lessons=True)
    return card(req, view, t(req.lang, "moved", number=number, stage=req.rt.config.stage(stage).name(req.lang)))


def cmd_log(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "log")
    kind = "note"
    match = KIND_PREFIX.match(text)
    if match:
        word = match.group(1).lower()
        kind, text = KIND_WORDS.get(word, word), text[match.end() :]
    text, next_step, due_text = split_next_step(text, lambda words: is_date(req, words))
    due = read_date(req, due_text) if due_text else None
    with req.rt.transaction() as session:
        opp = opportunities.log_activity(
            session, actor=req.actor, number=number, text=text, kind=kind, next_step=next_step, next_step_due=due, config=req.rt.config, clock=req.rt.clock
        )
        view = deal_view(opp)
    return card(req, view, t(req.lang, "logged", number=number))


def cmd_close(req: Request, rest: str, *, won: bool) -> Reply:
    number, text = parse_number(rest, "won" if won else "lost")
    config = req.rt.config
    text, override = split_override(text) if won else (text, None)
    reason, note = None, text or None
    if text:
        found = config.find_reason(text, won=won)
        if found:
            reason, note = found[0].key, found[1] or None
        else:
            raise BadInput("unknown_won_reason" if won else "unknown_lost_reason", value=clip(text, QUOTE_LIMIT))
    with req.rt.transaction() as session:
        opp = opportunities.close(
            session, actor=req.actor, number=number, won=won, reason=reason, note=note, override=override, config=config, clock=req.rt.clock
        )
        view = deal_view(opp)
    if won:
        return card(req, view, t(req.lang, "won", number=number))
    reason_name = next(r.name(req.lang) for r in config.lost_reasons if r.key == reason)
    return with_review_form(req, card(req, view, t(req.lang, "lost", number=number, reason=reason_name)), number)


def cmd_won(req: Request, rest: str) -> Reply | Modal:
    """`/opp won 42`: the deal is marked won, then its handover form opens with the win said."""
    reply = cmd_close(req, rest, won=True)
    return handover.form_after_win(req, parse_number(rest, "won")[0], reply)


def cmd_history(req: Request, rest: str) -> Reply:
    number, _ = parse_number(rest, "history")
    return deal_history(req, number)


def deal_history(req: Request, number: int) -> Reply:
    with req.rt.reading() as session:
        opp, events, total = opportunities.history(session, actor=req.actor, number=number)
        return history(opp.number, event_views(events), total, req.rt.config, req.lang, req.actor.tz)


def cmd_list(req: Request, rest: str) -> Reply:
    with req.rt.reading() as session:
        f = read_filters(req, rest, session)
        page = search_deals(session, f, limit=LIST_LIMIT)
    return deal_list(deal_lines(page.deals), page.total, req.rt.config, req.lang, local_now(req.rt.clock, req.actor))


def cmd_find(req: Request, rest: str) -> Reply:
    if not rest:
        raise BadInput("need_find_text")
    f = DealFilter(workspace_id=req.actor.workspace_id, statuses=("open", "won", "lost"), text=rest)
    with req.rt.reading() as session:
        page = search_deals(session, f, limit=LIST_LIMIT, newest_first=True, count_limit=FIND_COUNT_LIMIT)
    return deal_list(deal_lines(page.deals), page.total, req.rt.config, req.lang, local_now(req.rt.clock, req.actor), more_than=page.more_than)


def log_modal(req: Request, number: int) -> Modal:
    """The log-activity form for a deal the person may change."""
    with req.rt.transaction() as session:
        opportunities.require_change(req.actor, opportunities.get(session, actor=req.actor, number=number), "log", req.rt.config)
    return Modal(forms.log_modal(req.lang, number=number, meta=forms.FormMeta(channel=req.channel, number=number)))


SUBCOMMANDS = {
    "new": cmd_new,
    "show": cmd_show,
    "edit": cmd_edit,
    "list": cmd_list,
    "find": cmd_find,
    "move": cmd_move,
    "log": cmd_log,
    "won": cmd_won,
    "lost": lambda req, rest: cmd_close(req, rest, won=False),
    "history": cmd_history,
    "merge": cmd_merge,
}


# --- the buttons and menus on a deal card ---------------------------------------------------------


def on_move(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    """The card's Move-stage menu ("<number>:<stage>"): the card is replaced by the moved one; a
    refusal is said to the clicker alone and the card stays."""
    ack()
    number, _, stage = chosen(action).partition(":")
    req = request_of(context, body)
    if req.rt.config.find_stage(stage) is None:
        raise BadInput("unknown_stage", value=clip(stage, QUOTE_LIMIT))
    respond(replace_original=True, **move(req, value_number(number), stage).payload())


def on_playbook(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    """A key action ticked on the card ("<number>:<stage>:<action>"): the card is replaced by the
    ticked one; a refusal is said to the clicker alone and the card stays."""
    ack()
    number, _, rest = str(action.get("value") or "").partition(":")
    stage, _, key = rest.partition(":")
    req = request_of(context, body)
    with req.rt.transaction() as session:
        opp, step = playbook.tick(session, actor=req.actor, number=value_number(number), stage=stage, action=key, config=req.rt.config, now=req.rt.clock.now())
        view = deal_view(opp)
    headline = t(req.lang, "playbook_ticked", number=view.number, action=step.name(req.lang))
    respond(replace_original=True, **card(req, view, headline).payload())


def on_open(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = show(request_of(context, body), value_number(action.get("value")))
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def on_create_anyway(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    """Create anyway under a duplicate warning: "<lang>|<matched numbers>|<the typed text>". The
    same button clicked twice (or a click Slack sends again) creates one deal."""
    ack()
    lang, numbers, text = (action.get("value") or "").split("|", 2) if (action.get("value") or "").count("|") >= 2 else ("", "", "")
    if not text.strip():
        raise BadInput("form_unreadable")
    if lang in ("zh", "en"):
        context["actor"] = replace(context["actor"], lang=lang)
    req = request_of(context, body)
    key = f"duplicate:{req.actor.slack_user_id}:{numbers}:{text}"
    reply = new_deal(req, clean(text).strip(), mode=merging.CONFIRMED, request_key=key)
    respond(replace_original=True, **reply.payload())


def on_history(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = deal_history(request_of(context, body), value_number(action.get("value")))
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def on_edit(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    ack()
    req = request_of(context, body)
    modal = edit_modal(req.rt, req.actor, value_number(action.get("value")), channel=req.channel)
    open_modal(client, body["trigger_id"], modal.view, req.lang, respond=respond)


def on_log(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    ack()
    req = request_of(context, body)
    open_modal(client, body["trigger_id"], log_modal(req, value_number(action.get("value"))).view, req.lang, respond=respond)


def on_risk(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    """The card's "Flag risk" menu: "<number>:<kind>"."""
    ack()
    number, _, kind = chosen(action).partition(":")
    reply = flag_risk(request_of(context, body), value_number(number), kind, note=None, clearing=False)
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


# --- the deal and log-activity forms ---------------------------------------------------------------


def on_deal_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    """The new-deal form creates, the edit form updates the deal its metadata names: which one is
    the form's callback_id, never whether a number could be read (an edit form that can't say
    which deal it is about is refused, not saved as a new deal)."""
    rt, actor = context["rt"], context["actor"]
    meta = read_meta(view)
    creating = view.get("callback_id") == Form.NEW_DEAL
    if not creating and meta.number is None:
        raise BadInput("form_unreadable")
    deal, problems, owner = read_deal_form(values_of(view), config=rt.config, today=local_now(rt.clock, actor).date())
    if problems:
        errors = {block: error_text(UserError(key, **params), rt.config, actor.lang) for block, (key, params) in problems.items()}
        ack(response_action="errors", errors=errors)
        return
    with rt.transaction() as session:
        if owner:
            deal.owner_id = ensure_member(
                session, workspace_id=actor.workspace_id, slack_user_id=owner, clock=rt.clock, fetch_profile=context["fetch_profile"]
            ).id
        if creating:
            key = f"view:{view['id']}" if view.get("id") else None  # a repeated submission of one form saves once
            opp, created = _create_from_form(session, actor, deal, rt, key, anyway=form_ticked(values_of(view), DUPLICATE_OK))
            if created and meta.source:  # made from a message (handlers.shortcuts): its address is the first note
                from_messages.keep_source(session, opp, actor, meta.source, rt.clock)
            headline = t(actor.lang, "created" if created else "already_created", number=opp.number)
            entered = created  # a new deal's card shows lessons from similar deals, as a move's does
        else:
            opp, changed = opportunities.update(
                session, actor=actor, number=meta.number, changes=deal, config=rt.config, clock=rt.clock, expected_version=meta.version
            )
            labels = ", ".join(field_label(actor.lang, name) for name in changed)
            headline = t(actor.lang, "updated", number=opp.number, fields=labels) if changed else t(actor.lang, "nothing_changed", number=opp.number)
            entered = "stage" in changed
        view_of_deal = deal_view(opp, lessons=entered)
    ack()
    saved(client, context, card_for(rt, actor, view_of_deal, headline), meta.channel)


def _create_from_form(session, actor: Actor, deal, rt: Runtime, key: str | None, *, anyway: bool):
    """The new-deal form's deal; one that looks like open deals is sent back to the form, naming them,
    unless its Create anyway box is ticked (then created, recorded and the other owners told)."""
    mode = merging.CONFIRMED if anyway else merging.ASK
    try:
        opp, created, _ = merging.create(session, actor=actor, deal=deal, config=rt.config, clock=rt.clock, mode=mode, request_key=key)
    except merging.DuplicateFound as found:
        names = ", ".join(f"#{m.number} {clip(m.title, 60)}" for m in found.matches)
        raise BadInput("duplicate_form", field="title", matches=names) from None
    return opp, created


def on_log_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    rt, actor = context["rt"], context["actor"]
    meta = read_meta(view)
    if meta.number is None:
        raise BadInput("form_unreadable")
    kind, text, next_step, due = read_log_form(values_of(view), today=local_now(rt.clock, actor).date())
    with rt.transaction() as session:
        opp = opportunities.log_activity(
            session, actor=actor, number=meta.number, text=text, kind=kind, next_step=next_step, next_step_due=due, config=rt.config, clock=rt.clock
        )
        view_of_deal = deal_view(opp)
    ack()
    saved(client, context, card_for(rt, actor, view_of_deal, t(actor.lang, "logged", number=meta.number)), meta.channel)


def register(app: App) -> None:
    app.action(Action.DEAL_MOVE)(on_move)
    app.action(Action.DEAL_OPEN)(on_open)
    app.action(Action.DEAL_HISTORY)(on_history)
    app.action(Action.DEAL_CREATE_ANYWAY)(on_create_anyway)
    app.action(Action.DEAL_EDIT)(on_edit)
    app.action(Action.DEAL_LOG)(on_log)
    app.action(Action.DEAL_RISK)(on_risk)
    app.action(PLAYBOOK_TICK)(on_playbook)
    app.view(Form.NEW_DEAL)(on_deal_form)
    app.view(Form.EDIT_DEAL)(on_deal_form)
    app.view(Form.LOG_ACTIVITY)(on_log_form)
