"""What the pages show, read in one read-only transaction by the services Slack's answers use:
the deal as its card shows it (bot.deals.views), its history (store.queries), review and payments
(bot.deals.reviews, bot.deals.payments), the open pipeline by stage (bot.reporting.metrics and
store.queries' list pages). Who may see what: bot.deals.permissions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.blocks.views import DealLine, DealView, ReviewView, StageRow
from bot.core.errors import NotFound
from bot.core.runtime import Runtime
from bot.deals import opportunities, payments, permissions, reviews
from bot.deals.views import deal_lines, deal_view
from bot.pages.cookies import Visitor
from bot.reporting import metrics
from bot.team.members import Actor, actor_for, members_by_slack_id
from store.queries import DealFilter, deal_activities, deal_events, search_deals

HISTORY_KINDS = ("created", "stage", "status")  # the events a page's stage history lists
EVENTS_READ = 200  # the latest events a page looks through for its stage history
ACTIVITIES_SHOWN = 50
COLUMN_DEALS = 50  # deals a board column lists (its count and total cover all of them)


@dataclass(frozen=True)
class Line:
    """One line of a deal's stage history or activities."""

    at: datetime
    who: str  # a display name
    kind: str
    old: str | None = None
    new: str | None = None


@dataclass(frozen=True)
class DealPage:
    view: DealView
    owner_name: str
    stages: list[Line]
    activities: list[Line]
    more_activities: int
    review: ReviewView | None
    standing: payments.Standing | None


@dataclass(frozen=True)
class Column:
    stage: StageRow
    deals: list[DealLine] = field(default_factory=list)


def actor_of(rt: Runtime, visitor: Visitor) -> Actor | None:
    """The member the visitor is in their Slack team's workspace, or None when oppbot doesn't know
    them there (never used /opp, or another team)."""
    with rt.reading() as session:
        member = members_by_slack_id(session, visitor.team_id, [visitor.user_id]).get(visitor.user_id)
        return actor_for(member, rt.config, lang=visitor.lang) if member is not None else None


def deal_page(rt: Runtime, actor: Actor, number: int) -> DealPage:
    """Deal ``number`` of the actor's workspace; NotFound when there is none or they may not see it."""
    with rt.reading() as session:
        opp = opportunities.get(session, actor=actor, number=number)
        if not permissions.may_view(actor, opp):
            raise NotFound("deal_not_found", number=number)
        events, _ = deal_events(session, opp.id, limit=EVENTS_READ)
        stages = [Line(e.at, e.actor.display_name, e.kind, e.old, e.new) for e in reversed(events) if e.kind in HISTORY_KINDS]
        rows, total = deal_activities(session, opp.id, limit=ACTIVITIES_SHOWN)
        activities = [Line(a.created_at, a.member.display_name, a.kind, new=a.text) for a in rows]
        today = rt.clock.now().astimezone(rt.config.tz).date()
        return DealPage(
            view=deal_view(opp),
            owner_name=opp.owner.display_name,
            stages=stages,
            activities=activities,
            more_activities=total - len(activities),
            review=reviews.review_of(session, opp),
            standing=payments.standing(session, opp, today) if opp.status == "won" else None,
        )


def board(rt: Runtime, actor: Actor) -> tuple[list[Column], dict[str, str]]:
    """The actor's workspace's open deals by stage, in pipeline order (every stage configured, and
    any other a deal is in), and the owners' display names by Slack id."""
    with rt.reading() as session:
        columns = []
        for row in metrics.pipeline(session, rt.config, actor.workspace_id):
            # the column's count is the pipeline row's: no count of the page (count_limit=0)
            page = search_deals(session, DealFilter(actor.workspace_id, stage=row.stage), limit=COLUMN_DEALS, count_limit=0) if row.count else None
            columns.append(Column(row, deal_lines(page.deals) if page else []))
        owners = {line.owner for column in columns for line in column.deals}
        names = {slack_id: m.display_name for slack_id, m in members_by_slack_id(session, actor.workspace_id, list(owners)).items()}
        return columns, names
