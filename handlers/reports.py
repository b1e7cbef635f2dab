"""Reports in Slack: `/opp report funnel|forecast|reps|losses|cycle|trend [period]`, its "Share to
channel" button, `/opp export [filters]` (a CSV of what `/opp list [filters]` matches) and
`/opp brief on|off`. Charts and files are uploaded after the answer."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.ids import Action
from bot.blocks.kit import Reply, clip, message, section
from bot.core.errors import BadInput
from bot.core.i18n import t, zone_name
from bot.reporting.digests import BRIEF_WORDS, set_brief
from bot.reporting.export import deals_csv
from bot.reporting.reports import FileReply, Upload, build, report_name
from bot.team.members import local_now
from handlers.args import Request, channel_of
from handlers.deal_text import read_filters
from handlers.slack_io import upload_later


def cmd_report(req: Request, rest: str) -> FileReply:
    word, _, period_text = rest.strip().partition(" ")
    name = report_name(word or "funnel")
    return build(req.rt, req.actor, name, period_text.strip(), shareable=True)


def cmd_export(req: Request, rest: str) -> FileReply:
    with req.rt.transaction() as session:
        count, data = deals_csv(session, read_filters(req, rest, session), req.rt.config)
    if not count:
        return FileReply(t(req.lang, "ex_empty"), [section(t(req.lang, "ex_empty"))])
    today = local_now(req.rt.clock, req.actor).date()
    text = t(req.lang, "ex_done", count=count)
    return FileReply(text, [section(text)], Upload(f"deals-{today.isoformat()}.csv", f"deals {today.isoformat()}", lambda: data))


def cmd_brief(req: Request, rest: str) -> Reply:
    """`/opp brief on|off` (`/opp 早报 开|关`); without a word, says whether it is on."""
    word = rest.strip().lower()
    if word and word not in BRIEF_WORDS:
        raise BadInput("bad_brief", value=clip(word, 40))
    on = set_brief(req.rt, req.actor, BRIEF_WORDS.get(word))
    if not word:
        return message(t(req.lang, "br_status", state=t(req.lang, "br_state_on" if on else "br_state_off")))
    if on:
        return message(t(req.lang, "br_on", time=req.rt.config.digest.brief_time, tz=zone_name(req.lang, req.rt.config.timezone, req.rt.clock.now())))
    return message(t(req.lang, "br_off"))


SUBCOMMANDS = {"report": cmd_report, "export": cmd_export, "brief": cmd_brief}


def on_share(ack: Ack, action: dict, body: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    """The report behind a "Share to channel" button, for everyone in the channel."""
    ack()
    rt, actor = context["rt"], context["actor"]
    name, _, period_text = (action.get("value") or "").partition(" ")
    reply = build(rt, actor, report_name(name), period_text, shareable=False, shared_by=actor.slack_user_id)
    respond(response_type="in_channel", replace_original=False, **reply.payload())
    upload_later(context, client, reply.upload, user=actor.slack_user_id, channel=channel_of(body))  # its chart, into the channel


def register(app: App) -> None:
    app.action(Action.REPORT_SHARE)(on_share)
