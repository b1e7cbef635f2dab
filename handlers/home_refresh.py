"""The Home tab kept current: after the answer to any request that changed something (a `/opp`
command, a button, a form, a shortcut), the Home tabs that show what it changed are redrawn, once
per person: the person who made the change, the owners of the deals it changed (and who owned them
before), and their managers (bot.reporting.home.audience). A request that changed nothing redraws
nothing. It happens after the answer, so Slack's 3-second acknowledgement never waits for it:
whose tabs (``viewers``, a database look-up) in the thread that answered, the drawing and
publishing (``publish``, calls to Slack) on the app's after-answer pool (bot.app.OppApp.afterwards);
a failure is logged, never raised.

Redraws of one person's Home are coalesced: while it is being drawn, the changes that would redraw
it again only mark it, and the drawing thread draws it once more when it is done (reading the
changes committed meanwhile). A manager whose ten reps change deals in the same second has their
Home drawn two times, not ten."""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient

from bot.core.runtime import Handling, Runtime
from bot.reporting.home import audience, home_view
from bot.team.members import Actor
from handlers.slack_io import publish_home, unhurried

log = logging.getLogger(__name__)

_lock = threading.Lock()
_drawing: set[tuple[str, str]] = set()  # (workspace, user) whose Home a thread is drawing now
_again: set[tuple[str, str]] = set()  # of those, the ones changed again since their drawing began


def wanted(handling: Handling) -> bool:
    """Whether the request changed something, so Home tabs are to be redrawn after its answer."""
    return handling.changed


def viewers(rt: Runtime, actor: Actor | None, handling: Handling) -> list[Actor]:
    """Whose Home tabs show what ``handling``'s request changed (a database look-up, no Slack call;
    its caller logs a failure)."""
    return list(audience(rt, actor, handling.deals, handling.owners))


def publish(rt: Runtime, client: WebClient, people: list[Actor]) -> None:
    """Draw and publish the Home tab of each of ``people`` (with the unhurried client)."""
    client = unhurried(client)
    for person in people:
        key = (person.workspace_id, person.slack_user_id)
        with _lock:
            if key in _drawing:  # the thread drawing it will draw it again
                _again.add(key)
                continue
            _drawing.add(key)
        try:
            while True:
                try:
                    publish_home(client, person.slack_user_id, home_view(rt, person))
                except Exception:
                    log.exception("could not redraw the Home tab of %s", person.slack_user_id)
                with _lock:  # done, unless changed meanwhile: decided under the lock a marker takes
                    if key not in _again:
                        _drawing.discard(key)
                        break
                    _again.discard(key)
        except BaseException:
            with _lock:
                _drawing.discard(key)
                _again.discard(key)
            raise
