"""The App Home tab's figures, in sections: "Today" (the person's deals whose next step or close
date is due today or past, and the alerts waiting on their deals), "This week" (closing or to follow
up in the rest of the week), for a manager "Team" (the team's deals at risk, stalled or overdue,
then its alerts, pipeline, forecast, targets and reps), then the person's other deals needing
attention (at risk, stalled, due back in the pool), their pipeline and targets. A manager is role
manager or admin, a workspace admin, or listed in [digest].managers; an admin or a listed manager's
team is the workspace, another manager's is themselves and the people who report to them.

Each of the three sections is paged (``PAGE_ROWS`` deals a page): the SQL counts and returns one
page (LIMIT/OFFSET), nothing loops over the deals here. ``Paging`` is the page asked for, read back
from a button's value; a value that is not ours gives page 1. ``audience`` says whose Home tabs show
the deals a request changed (handlers.home_refresh). bot.blocks.home draws the tab."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from bot.blocks import home as render
from bot.blocks.views import ItemList
from bot.core.config import Config
from bot.core.periods import month_of, quarter_of, week_of
from bot.core.runtime import Runtime
from bot.reporting import attainment, metrics
from bot.reporting.digests import returning
from bot.team.members import Actor, actor_for, local_now, team_member_ids
from store.models import Alert, Member, Opportunity, Risk

PAGE_ROWS = render.PAGE_ROWS
SECTIONS = ("today", "week", "team")
MAX_PAGE = 10_000
AUDIENCE_DEALS = 200  # a request that changed more deals than this redraws only its actor's Home
HOME_SEEN = timedelta(hours=8)  # a Home opened within a working day is redrawn after a change; an older one when opened


@dataclass(frozen=True)
class Paging:
    """The page of one section (the others are on their first)."""

    section: str = "today"
    page: int = 1

    def of(self, section: str) -> int:
        return self.page if section == self.section else 1


def paging_from(value: str | None) -> Paging:
    """A paging button's value ("week:3") read back; anything else is page 1."""
    section, _, number = (value or "").partition(":")
    if section in SECTIONS and number.isdigit() and number.isascii() and 1 <= int(number) <= MAX_PAGE:
        return Paging(section, int(number))
    return Paging()


def is_manager(rt: Runtime, actor: Actor) -> bool:
    return actor.is_admin or actor.role in ("manager", "admin") or actor.slack_user_id in rt.config.digest.managers


def home_view(rt: Runtime, actor: Actor, paging: Paging | None = None) -> dict:
    """``actor``'s Home tab, as a view for views.publish."""
    paging = paging or Paging()
    config = rt.config
    now = local_now(rt.clock, actor)
    today = now.date()
    mine = (actor.member_id,)
    ws = actor.workspace_id
    items = render.OTHER_ROWS
    manager = is_manager(rt, actor)
    week = week_of(today, config.tz)
    with rt.reading() as session:
        h = render.HomeView(
            manager=manager,
            now=now,
            week_last=week.last,
            today=_today(session, ws, mine, today, paging.of("today")),
            my_alerts=_alerts(session, ws, mine),
            week=_week(session, ws, mine, today, week.last, paging.of("week")),
            pipeline=metrics.pipeline(session, config, ws, mine),
            risks=metrics.at_risk(session, ws, items, mine),
            stalled=metrics.stalled(session, config, ws, rt.clock.now(), items, mine),
            returning=returning(session, config, ws, rt.clock.now(), items, mine),
            brief=bool(session.scalar(select(Member.brief_enabled).where(Member.id == actor.member_id))),
            my_attainment=attainment.personal_lines(session, config, ws, actor.member_id, month_of(today, config.tz), quarter_of(today, config.tz)),
        )
        if manager:
            _team(rt, session, actor, h, paging.of("team"))
    return render.home(h, config, actor.lang)


def _team(rt: Runtime, session: Session, actor: Actor, h: render.HomeView, page: int) -> None:
    config, ws, tz = rt.config, actor.workspace_id, rt.config.tz
    whole = actor.is_admin or actor.slack_user_id in config.digest.managers
    team = None if whole else tuple(team_member_ids(session, actor))
    team_day = rt.clock.now().astimezone(tz).date()
    h.team = _attention(session, config, ws, team, rt.clock.now(), team_day, page)
    h.team_returning = returning(session, config, ws, rt.clock.now(), render.OTHER_ROWS, team)
    h.team_pipeline = metrics.pipeline(session, config, ws)
    month, quarter = month_of(team_day, tz), quarter_of(team_day, tz)
    h.month = metrics.forecast(session, config, ws, month, attainment.team_target(session, config, ws, month))
    h.quarter = metrics.forecast(session, config, ws, quarter, attainment.team_target(session, config, ws, quarter))
    h.team_attainment = attainment.team_lines(h.month, h.quarter)
    h.alerts = metrics.open_alerts(session, ws)
    h.reps = metrics.reps(session, config, ws, week_of(team_day, tz).start, rt.clock.now(), team_day)  # this week so far


def _counted(session: Session, where, **flags) -> tuple[int, dict[str, int]]:
    """How many deals match ``where``, and how many of them each flag's condition holds for: one statement."""
    columns = [func.count(Opportunity.id), *(func.coalesce(func.sum(case((cond, 1), else_=0)), 0) for cond in flags.values())]
    total, *counts = session.execute(select(*columns).where(*where)).one()
    return total or 0, {name: int(n or 0) for name, n in zip(flags, counts, strict=True)}


def _page(session: Session, where, order, page: int, total: int, counts: dict[str, int], key: str, *, day_column=None) -> render.Section:
    """One page of a section: a page past the last (the deals moved on) is the first."""
    pages = max(1, -(-total // PAGE_ROWS))
    if page > pages:
        page = 1
    found = metrics.items(session, where, order, PAGE_ROWS, day_column=day_column, total=total, offset=(page - 1) * PAGE_ROWS)
    return render.Section(key, page, pages, found, counts)


def _today(session: Session, ws: str, mine: tuple[int, ...], today: date, page: int) -> render.Section:
    due = metrics.first_due()
    where = [*metrics.open_where(ws, mine), or_(Opportunity.next_step_due <= today, Opportunity.expected_close <= today)]
    total, counts = _counted(session, where, overdue=metrics.overdue_condition(today))
    counts["due"] = total - counts["overdue"]
    return _page(session, where, [due, Opportunity.number], page, total, counts, "today", day_column=due)


def _week(session: Session, ws: str, mine: tuple[int, ...], today: date, last: date, page: int) -> render.Section:
    """Deals closing or with a next step due after today and by the week's last day (none already due)."""

    def later(column):
        return or_(column.is_(None), column > today)

    def within(column):
        return and_(column > today, column <= last)

    close, step = Opportunity.expected_close, Opportunity.next_step_due
    where = [*metrics.open_where(ws, mine), later(close), later(step), or_(within(close), within(step))]
    total, counts = _counted(session, where, closing=within(close), follow=within(step))
    due = metrics.first_due()
    return _page(session, where, [due, Opportunity.number], page, total, counts, "week", day_column=due)


def _attention(session: Session, config: Config, ws: str, team: tuple[int, ...] | None, now, today: date, page: int) -> render.Section:
    """The team's deals at risk, stalled or overdue, biggest first, each marked with why."""
    flagged = exists().where(Risk.opportunity_id == Opportunity.id, Risk.cleared_at.is_(None))
    stalled, late = metrics.stalled_condition(config, now), metrics.overdue_condition(today)
    where = [*metrics.open_where(ws, team), or_(flagged, stalled, late)]
    total, counts = _counted(session, where, risky=flagged, stalled=stalled, overdue=late)
    section = _page(session, where, [Opportunity.amount.desc().nulls_last(), Opportunity.number], page, total, counts, "team", day_column=metrics.first_due())
    found = metrics.with_risk_kinds(session, ws, section.items)
    numbers = [i.number for i in found.items]
    why = {
        number: (is_stalled, is_late)
        for number, is_stalled, is_late in session.execute(
            select(Opportunity.number, case((stalled, 1), else_=0), case((late, 1), else_=0)).where(
                Opportunity.workspace_id == ws, Opportunity.number.in_(numbers)
            )
        )
    }
    section.items = ItemList(found.total, [render.marked(i, *why.get(i.number, (0, 0))) for i in found.items], found.amount)
    return section


def _alerts(session: Session, ws: str, mine: tuple[int, ...]) -> dict[str, int]:
    """The alerts not yet cleared on the person's deals, counted per condition."""
    query = (
        select(Alert.condition, func.count(Alert.id))
        .join(Opportunity, Opportunity.id == Alert.opportunity_id)
        .where(Alert.workspace_id == ws, Alert.cleared_at.is_(None), Opportunity.owner_id.in_(mine))
        .group_by(Alert.condition)
    )
    return dict(session.execute(query).all())


def seen_home(rt: Runtime, actor: Actor) -> None:
    """Note that ``actor`` opened their Home tab now (no change of theirs: no redraw, no request key)."""
    with rt.writing() as connection:
        connection.execute(update(Member).where(Member.id == actor.member_id).values(home_opened_at=rt.clock.now()))


def _people(member) -> ColumnElement[bool]:
    """``member`` is one of ``owners`` or owns one of ``deals`` (parameters)."""
    owning = select(Opportunity.owner_id).where(Opportunity.id.in_(bindparam("deals", expanding=True)))
    return or_(member.id.in_(bindparam("owners", expanding=True)), member.id.in_(owning))


_MANAGER = aliased(Member)
_MANAGED = select(_MANAGER.manager_id).where(_people(_MANAGER), _MANAGER.manager_id.is_not(None))
# the audience in one statement, built once: the deals' owners and ``owners``, their managers, the actor;
# of them, the ones who opened their Home since ``since``
_AUDIENCE = (
    select(Member.id, Member.workspace_id, Member.slack_user_id, Member.display_name, Member.role, Member.locale, Member.timezone)
    .where(Member.home_opened_at >= bindparam("since"), or_(Member.id == bindparam("actor"), _people(Member), Member.id.in_(_MANAGED)))
    .order_by(Member.id)
)


def audience(rt: Runtime, actor: Actor | None, deals: set[int], owners: set[int]) -> list[Actor]:
    """Whose Home tabs show what a request changed: the person who made it first, then the deals'
    owners (and who owned them before, when they moved), and those people's managers; of them, the
    ones who opened their Home within ``HOME_SEEN`` (anyone else's is drawn afresh when they open it,
    so drawing it now would be work nobody sees). One statement, on a connection (no ORM loading)."""
    many = len(deals) > AUDIENCE_DEALS  # only the actor's
    params = {
        "owners": [] if many else sorted(o for o in owners if o is not None),
        "deals": [] if many else sorted(deals),
        "actor": actor.member_id if actor is not None else None,
        "since": rt.clock.now() - HOME_SEEN,  # an unseen Home is drawn when opened
    }
    with rt.peeking() as connection:
        found = [actor_for(row, rt.config) for row in connection.execute(_AUDIENCE, params).all()]
    first = [a for a in found if actor is not None and a.member_id == actor.member_id]
    return first + [a for a in found if a not in first]
