"""What every request Slack sends carries, checked before Bolt reads it (bot/web.py refuses a
request that fails with a 400). Bolt takes the shape of a payload on trust: an ``actions`` that
is not a list, a ``view`` that is text or a team id of a hundred characters fails inside Bolt or
the database with a 500. Only what Bolt or oppbot reads is checked, and only the kinds of request
oppbot answers (slash commands, buttons and menus, forms, events, shortcuts, options); anything else is Bolt's to
answer as unhandled. ``problem(body)`` says what is wrong, or None."""

from __future__ import annotations

import re
from collections.abc import Callable

TEAM_ID = re.compile(r"[TE][A-Z0-9]{1,31}")  # the workspace (or org) id: stored as String(32)
USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")  # a person's id: stored as String(32)


def problem(body: dict) -> str | None:
    """Why ``body`` (a parsed request body) is not something Slack sends, or None."""
    if "command" in body:
        return _command(body)
    kind = body.get("type")
    if kind is not None and not isinstance(kind, str):
        return "type is not text"
    check = CHECKS.get(kind or "")
    return check(body) if check else None


def _command(body: dict) -> str | None:
    for name in ("command", "text", "channel_id", "trigger_id", "response_url"):
        if not _text(body.get(name)):
            return f"{name} is not text"
    return _id(body.get("team_id"), TEAM_ID, "team_id") or _id(body.get("user_id"), USER_ID, "user_id")


def _interactive(body: dict) -> str | None:
    user, team = body.get("user"), body.get("team")
    if not isinstance(user, dict) or not isinstance(team, dict):
        return "user or team is not an object"
    for name in ("channel", "container", "message", "view", "state"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            return f"{name} is not an object"
    for name in ("trigger_id", "response_url"):
        if not _text(body.get(name)):
            return f"{name} is not text"
    return _id(team.get("id"), TEAM_ID, "team.id") or _id(user.get("id"), USER_ID, "user.id")


def _block_actions(body: dict) -> str | None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
        return "actions is not a list of objects"
    for action in actions:
        wrong = _action(action)
        if wrong:
            return wrong
    return _interactive(body) or (_view(body["view"]) if body.get("view") is not None else None)


def _action(action: dict) -> str | None:
    for name in ("action_id", "block_id", "type", "value", "selected_user", "selected_date", "action_ts"):
        if not _text(action.get(name)):
            return f"action {name} is not text"
    if not action.get("action_id"):
        return "action without an action_id"
    option = action.get("selected_option")
    if option is not None and not (isinstance(option, dict) and _text(option.get("value"))):
        return "selected_option is not an option"
    return None


def _view_submission(body: dict) -> str | None:
    if not isinstance(body.get("view"), dict):
        return "view is not an object"
    return _interactive(body) or _view(body["view"])


def _view(view: dict) -> str | None:
    for name in ("id", "type", "callback_id", "private_metadata", "hash"):
        if not _text(view.get(name)):
            return f"view {name} is not text"
    if not view.get("type"):
        return "view without a type"
    state = view.get("state")
    if state is None:
        return None
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict) or not all(isinstance(b, dict) and all(isinstance(e, dict) for e in b.values()) for b in values.values()):
        return "view state is not blocks of elements"
    return None


def _block_suggestion(body: dict) -> str | None:
    """An options request (an external select's typed text): who asks, and text."""
    for name in ("action_id", "block_id", "value"):
        if not _text(body.get(name)):
            return f"{name} is not text"
    return _interactive(body) or (_view(body["view"]) if body.get("view") is not None else None)


def _event_callback(body: dict) -> str | None:
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "event is not an object with a type"
    if not _text(body.get("event_id")):
        return "event_id is not text"
    user = event.get("user")
    user = user.get("id") if isinstance(user, dict) else user  # user_change, team_join carry the whole user
    if user is not None and not (isinstance(user, str) and USER_ID.fullmatch(user)):
        return "event user is not a user id"
    return _id(body.get("team_id"), TEAM_ID, "team_id")


def _url_verification(body: dict) -> str | None:
    return None if isinstance(body.get("challenge"), str) else "challenge is not text"


def _text(value) -> bool:
    """Text, or left out (None): Slack leaves out what a payload doesn't have."""
    return value is None or isinstance(value, str)


def _id(value, pattern: re.Pattern, name: str) -> str | None:
    return None if isinstance(value, str) and pattern.fullmatch(value) else f"{name} is not a Slack id"


CHECKS: dict[str, Callable[[dict], str | None]] = {
    "block_actions": _block_actions,
    "view_submission": _view_submission,
    "view_closed": _view_submission,
    "event_callback": _event_callback,
    "url_verification": _url_verification,
    "shortcut": _interactive,
    "message_action": _interactive,
    "block_suggestion": _block_suggestion,
}
