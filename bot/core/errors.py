"""Errors a user caused. Each carries an i18n message key and its parameters; the rendering layer
turns it into an ephemeral reply (or inline modal errors) in the user's language."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix. ``key`` names a message in bot.core.i18n; ``params`` fill it."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params
        self.field: str | None = params.pop("field", None)


class NotFound(UserError):
    pass


class PermissionDenied(UserError):
    pass


class Conflict(UserError):
    pass


class BadInput(UserError):
    pass


class Replayed(Conflict):
    """The same request was done already (Slack sent it twice); this attempt changed nothing."""
