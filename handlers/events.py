"""Events: the App Home tab."""

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from handlers import home


def app_home_opened(event: dict, client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home" or "actor" not in context:
        return
    home.publish(client, context["rt"], context["actor"])


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened)
