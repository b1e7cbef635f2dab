"""/opp slash command."""

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from handlers import router as commands
from bot.reporting import reports
from handlers.args import Modal
from handlers.modals import open_modal


def opp(ack: Ack, command: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    outcome = commands.run(context["rt"], context["actor"], command.get("text", ""), channel=command.get("channel_id"), fetch_profile=context["fetch_profile"])
    if isinstance(outcome, Modal):
        ack()
        open_modal(client, command["trigger_id"], outcome.view, respond, context["actor"].lang)
    else:
        ack(response_type="ephemeral", **outcome.payload())
        if getattr(outcome, "upload", None):  # a report's chart, an export's CSV
            reports.send_file_later(client, outcome.upload, user=context["actor"].slack_user_id)


def register(app: App) -> None:
    app.command("/opp")(opp)
