"""The Slack tier: every listener, grouped by area. A listener reads what Slack sent, calls one
service of bot/, renders with bot.blocks and answers; errors take the one path in handlers.errors.

    router   /opp: which subcommand, and the answer (reply, modal, file after the answer)
    deals    /opp new show edit list find move log won lost history; card buttons; deal forms
    handover /opp handover; the handover form (also after /opp won); a handover message's buttons
    qualify  /opp qualify grade prob tag
    risks    /opp risk remind; the card's Flag-risk menu
    team     /opp team who assign reassign pool claim; offer and pool buttons; decline form
    alerts   the buttons on an alert
    reports  /opp report export brief; Share to channel
    reviews  /opp review lessons; review buttons and form; lessons of similar deals
    home     the App Home tab and its buttons
    meeting  /opp meeting; the agenda's Assign action and Done buttons; the action form
    support  /opp ask; a card's Ask support button, a request's Answer button and their forms
    replays  a request Slack sends twice is done once (the guard every request passes)
    shortcuts Log to deal and Deal from message on a message, the New deal shortcut; the deal picker
    unfurls  a pasted link to a deal's page, unfolded into a preview (link_shared)
    installs the app removed from a workspace (app_uninstalled, tokens_revoked)
"""

from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from handlers import alerts, deals, handover, home, installs, meeting, replays, reports, reviews, router, shortcuts, support, team, unfurls
from handlers.errors import on_error


def register_listeners(app: App) -> None:
    app.middleware(Direct(replays.guard))  # after the app's own middleware: the signature checked, the actor known
    router.register(app)
    deals.register(app)
    handover.register(app)
    team.register(app)
    alerts.register(app)
    reports.register(app)
    reviews.register(app)
    home.register(app)
    meeting.register(app)
    support.register(app)
    shortcuts.register(app)
    unfurls.register(app)
    installs.register(app)
    app.error(on_error)


class Direct(Middleware):
    """A global middleware ``func(request, next)``, called as it is. Bolt calls a plain function
    middleware through its argument injection, which works out every argument a listener may ask
    for (~20, the payload looked up under each of its names) on every request before calling it;
    oppbot's middleware reads the request's context and body itself."""

    def __init__(self, func: Callable[[BoltRequest, Callable[[], None]], BoltResponse | None]):
        self.func = func

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        return self.func(req, next)

    @property
    def name(self) -> str:
        return f"Direct({self.func.__name__})"
