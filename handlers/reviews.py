"""Reviews (复盘) and the lessons base (经验库) in Slack: `/opp review 42` (the form), `/opp review 42
skip|meeting`, `/opp lessons <word>`; the review buttons on a closed deal's card and on the owner's
reminder, the review form, and the button listing the lessons of deals like a new or moved one.
A lost deal's close opens the review form at once (``with_review_form``)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import forms
from bot.blocks.forms import FormMeta
from bot.blocks.ids import Action, Form
from bot.blocks.kit import Reply, esc, message
from bot.blocks.reviews import found_lessons, similar_lessons
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.core.runtime import Runtime
from bot.deals import lessons, opportunities, reviews
from bot.team.members import Actor
from handlers.args import Modal, ReplyAndModal, Request, parse_number, request_of, value_number
from handlers.forms import read_meta, read_review_form, values_of
from handlers.slack_io import open_modal, saved

# what may follow the number in `/opp review 42 …`
REVIEW_WORDS = {"": "write", "skip": "skip", "跳过": "skip", "meeting": "meeting", "复盘会": "meeting", "会议": "meeting"}
WORD_LIMIT = 100  # characters of a lessons search


def cmd_review(req: Request, rest: str) -> Reply | Modal:
    """`/opp review 42` opens the review form; `skip` skips it; `meeting` calls a review meeting."""
    number, word = parse_number(rest, "review")
    doing = REVIEW_WORDS.get(word.lower())
    if doing is None:
        raise BadInput("rv_help")
    if doing == "skip":
        return skip(req, number)
    if doing == "meeting":
        return meeting(req, number)
    return review_modal(req.rt, req.actor, number, channel=req.channel)


def review_modal(rt: Runtime, actor: Actor, number: int, *, channel: str | None) -> Modal:
    """The review form of a won or lost deal ``actor`` may review (else refused, nothing opens)."""
    with rt.reading() as session:
        view = reviews.form(session, actor=actor, number=number, config=rt.config)
    return Modal(forms.review_modal(view, rt.config, actor.lang, meta=FormMeta(channel=channel, number=number)))


def with_review_form(req: Request, reply: Reply, number: int) -> ReplyAndModal:
    """A close's answer, with the deal's review form to open at once with the command's trigger."""
    return ReplyAndModal(reply.text, reply.blocks, review_modal(req.rt, req.actor, number, channel=req.channel).view)


def skip(req: Request, number: int) -> Reply:
    """Skip deal ``number``'s review (the command's `skip`, the Skip button)."""
    with req.rt.transaction() as session:
        reviews.skip(session, actor=req.actor, number=number, config=req.rt.config, clock=req.rt.clock)
    return message(t(req.lang, "rv_skipped", number=number))


def meeting(req: Request, number: int) -> Reply:
    """Call a review meeting on deal ``number`` (the command's `meeting`, the card's button)."""
    with req.rt.transaction() as session:
        channel = reviews.meeting(session, actor=req.actor, number=number, config=req.rt.config, clock=req.rt.clock)
    return message(t(req.lang, "rv_meeting_posted", number=number, channel=esc(channel)))


def cmd_lessons(req: Request, rest: str) -> Reply:
    """`/opp lessons <word>`: lessons by a word, a competitor, an industry or a reason."""
    word = rest.strip()
    if not word:
        raise BadInput("ls_need_word")
    if len(word) > WORD_LIMIT:
        raise BadInput("input_too_long", length=len(word), limit=WORD_LIMIT)
    with req.rt.reading() as session:
        lines, total = lessons.search(session, req.rt.config, req.actor.workspace_id, word)
    return found_lessons(word, lines, total, req.rt.config, req.lang)


SUBCOMMANDS = {"review": cmd_review, "lessons": cmd_lessons}


# --- the buttons and the form --------------------------------------------------------------------


def on_write(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    """Write the review (a closed deal's card, the owner's reminder): the form."""
    ack()
    req = request_of(context, body)
    modal = review_modal(req.rt, req.actor, value_number(action.get("value")), channel=req.channel)
    open_modal(client, body["trigger_id"], modal.view, req.lang, respond=respond)


def on_skip(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = skip(request_of(context, body), value_number(action.get("value")))
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def on_meeting(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    ack()
    reply = meeting(request_of(context, body), value_number(action.get("value")))
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def on_similar(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    """The lessons of deals like this one, to the clicker alone."""
    ack()
    req = request_of(context, body)
    number = value_number(action.get("value"))
    with req.rt.reading() as session:
        opp = opportunities.get(session, actor=req.actor, number=number)
        lines, total = lessons.similar(session, req.rt.config, opp)
    reply = similar_lessons(number, lines, total, req.rt.config, req.lang)
    respond(response_type="ephemeral", replace_original=False, **reply.payload())


def on_review_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    """The review form sent: written (or changed); a refusal is shown on the field at fault."""
    rt, actor = context["rt"], context["actor"]
    meta = read_meta(view)
    if meta.number is None:
        raise BadInput("form_unreadable")
    given = read_review_form(values_of(view))
    with rt.transaction() as session:
        again = reviews.submit(session, actor=actor, number=meta.number, given=given, config=rt.config, clock=rt.clock)
    ack()
    saved(client, context, message(t(actor.lang, "rv_changed" if again else "rv_saved", number=meta.number)), meta.channel)


BUTTONS = {Action.REVIEW_WRITE: on_write, Action.REVIEW_SKIP: on_skip, Action.REVIEW_MEETING: on_meeting, Action.LESSONS_SIMILAR: on_similar}


def register(app: App) -> None:
    for action_id, listener in BUTTONS.items():
        app.action(action_id)(listener)
    app.view(Form.REVIEW)(on_review_form)
