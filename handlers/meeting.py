"""The weekly review meeting (商机评审会) in Slack: `/opp meeting` (`/opp 评审`) posts the agenda to
the team channel (managers and admins), `/opp meeting preview` shows it to the person alone; an
agenda line's "Assign action" button opens the action form, whose submission makes the action the
deal's next step and DMs the assignee; an action's "Done" button marks it done."""

from __future__ import annotations

from datetime import timedelta

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks import forms
from bot.blocks.errors import error_text
from bot.blocks.ids import Action, Form
from bot.blocks.kit import Reply, clip, esc, fmt_date, message
from bot.core.errors import BadInput, UserError
from bot.core.i18n import t
from bot.deals import meeting_actions
from bot.reporting import meeting
from bot.team.members import ensure_member, local_now
from handlers.args import QUOTE_LIMIT, Request, request_of, value_number
from handlers.forms import deal_meta, read_meeting_action_form, values_of
from handlers.slack_io import open_modal, saved

PREVIEW_WORDS = ("preview", "show", "me", "预览", "查看")
ACTION_DAYS = 7  # an action is due a week after the meeting unless the form says otherwise


def cmd_meeting(req: Request, rest: str) -> Reply:
    """`/opp meeting` posts the agenda; `/opp meeting preview` shows it to the person alone."""
    word = rest.strip().lower()
    now = req.rt.clock.now()
    if word in PREVIEW_WORDS:
        with req.rt.reading() as session:
            return meeting.preview(session, req.rt.config, req.actor, now)
    if word:
        raise BadInput("mt_usage", value=clip(word, QUOTE_LIMIT))
    with req.rt.transaction() as session:
        channel = meeting.post(session, req.rt.config, req.actor, now)
    return message(t(req.lang, "mt_posted", channel=esc(channel)))


SUBCOMMANDS = {"meeting": cmd_meeting}


def on_assign(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    """ "Assign action" on an agenda line (value: the deal number): the action form, for someone
    who may set the deal's next step."""
    ack()
    req = request_of(context, body)
    with req.rt.reading() as session:
        deal = meeting_actions.target(session, actor=req.actor, number=value_number(action.get("value")), config=req.rt.config)
    due = local_now(req.rt.clock, req.actor).date() + timedelta(days=ACTION_DAYS)
    meta = forms.FormMeta(channel=req.channel, number=deal.number)
    view = forms.meeting_action_modal(req.lang, number=deal.number, title=deal.title, owner=deal.owner, due=due, meta=meta)
    open_modal(client, body["trigger_id"], view, req.lang, respond=respond)


def on_action_form(ack: Ack, view: dict, client: WebClient, context: BoltContext) -> None:
    """The action form submitted: inline errors for what is missing, else the action assigned."""
    rt, actor = context["rt"], context["actor"]
    meta = deal_meta(view)
    text, assignee, due, problems = read_meeting_action_form(values_of(view), today=local_now(rt.clock, actor).date())
    if problems:
        errors = {block: error_text(UserError(key, **params), rt.config, actor.lang) for block, (key, params) in problems.items()}
        ack(response_action="errors", errors=errors)
        return
    with rt.transaction() as session:
        person = ensure_member(session, workspace_id=actor.workspace_id, slack_user_id=assignee, clock=rt.clock, fetch_profile=context["fetch_profile"])
        done, opp = meeting_actions.assign(session, actor=actor, number=meta.number, text=text, assignee=person, due_on=due, config=rt.config, clock=rt.clock)
        said = t(actor.lang, "mt_assigned", number=opp.number, text=esc(clip(done.text, 300)), assignee=f"<@{assignee}>", due=fmt_date(due, actor.lang))
    ack()
    saved(client, context, message(said), meta.channel)


def on_done(ack: Ack, action: dict, body: dict, context: BoltContext, respond: Respond) -> None:
    """ "Done" on an agenda's action or the assignee's DM (value: the action's id): said to the
    clicker alone; the agenda stays as it was posted, the next one leaves the action out."""
    ack()
    req = request_of(context, body)
    with req.rt.transaction() as session:
        done, opp, now_done = meeting_actions.done(session, actor=req.actor, action_id=value_number(action.get("value")), clock=req.rt.clock)
        if now_done:
            said = t(req.lang, "mt_done", number=opp.number, text=esc(clip(done.text, 300)))
        else:
            said = t(req.lang, "mt_already_done", number=opp.number, by=meeting_actions.done_by(session, done))
    respond(response_type="ephemeral", replace_original=False, **message(said).payload())


def register(app: App) -> None:
    app.action(Action.MEETING_ASSIGN)(on_assign)
    app.action(Action.MEETING_DONE)(on_done)
    app.view(Form.MEETING_ACTION)(on_action_form)
