"""Slack surfaces. Each module registers its listeners; listeners stay thin: read the payload,
call one bot function, answer."""

from slack_bolt import App

from handlers import actions, commands, events, views


def register_listeners(app: App) -> None:
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
