"""The App Home tab's figures: a rep's deals with an open risk flag, due today, overdue, stalled and due
back in the pool, and their pipeline by stage; a manager (role manager or admin, a workspace admin,
or listed in [digest].managers) first gets the team's: the same lists, the alerts waiting, the
pipeline, the forecast, the team's targets and the per-rep table; everyone sees their own targets'
attainment (bot.reporting.attainment). Every figure is an SQL
aggregate (bot.reporting.metrics); bot.blocks.digests draws the tab."""

from __future__ import annotations

from sqlalchemy import select

from bot.blocks import digests
from bot.core.periods import month_of, quarter_of, week_of
from bot.core.runtime import Runtime
from bot.reporting import attainment, metrics
from bot.reporting.digests import returning
from bot.team.members import Actor, local_now
from store.models import Member


def is_manager(rt: Runtime, actor: Actor) -> bool:
    return actor.is_admin or actor.role in ("manager", "admin") or actor.slack_user_id in rt.config.digest.managers


def home_view(rt: Runtime, actor: Actor) -> dict:
    """``actor``'s Home tab, as a view for views.publish."""
    config = rt.config
    now = local_now(rt.clock, actor)
    today = now.date()
    mine = (actor.member_id,)
    ws = actor.workspace_id
    items = digests.HOME_ITEMS
    manager = is_manager(rt, actor)
    with rt.transaction() as session:
        h = digests.Home(
            manager=manager,
            now=now,
            pipeline=metrics.pipeline(session, config, ws, mine),
            risks=metrics.at_risk(session, ws, items, mine),
            due=metrics.due_on(session, ws, today, items, mine),
            overdue=metrics.overdue(session, ws, today, items, mine),
            stalled=metrics.stalled(session, config, ws, rt.clock.now(), items, mine),
            returning=returning(session, config, ws, rt.clock.now(), items, mine),
            brief=bool(session.scalar(select(Member.brief_enabled).where(Member.id == actor.member_id))),
            my_attainment=attainment.personal_lines(session, config, ws, actor.member_id, month_of(today, config.tz), quarter_of(today, config.tz)),
        )
        if manager:
            tz = config.tz
            team_day = rt.clock.now().astimezone(tz).date()
            week = week_of(team_day, tz)
            h.team_pipeline = metrics.pipeline(session, config, ws)
            month, quarter = month_of(team_day, tz), quarter_of(team_day, tz)
            h.month = metrics.forecast(session, config, ws, month, attainment.team_target(session, config, ws, month))
            h.quarter = metrics.forecast(session, config, ws, quarter, attainment.team_target(session, config, ws, quarter))
            h.team_attainment = attainment.team_lines(h.month, h.quarter)
            h.alerts = metrics.open_alerts(session, ws)
            h.team_risks = metrics.at_risk(session, ws, items)
            h.team_stalled = metrics.stalled(session, config, ws, rt.clock.now(), items)
            h.team_overdue = metrics.overdue(session, ws, team_day, items)
            h.team_returning = returning(session, config, ws, rt.clock.now(), items)
            h.reps = metrics.reps(session, config, ws, week.start, rt.clock.now(), team_day)  # this week so far
    return digests.home(h, config, actor.lang)
