"""The App Home tab: published with views.publish when someone opens it (and after they act).

A rep sees their pipeline by stage and what is due today, overdue and stalled, each deal with
Open / Log activity; a manager (role manager or admin, a workspace admin, or listed in
[digest].managers) also sees the team's pipeline, the forecast, the alerts waiting and the
per-rep table. Every figure is an SQL aggregate (bot.reporting.metrics)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.reporting import digests as digest
from bot.blocks import digests as digest_render
from bot.blocks import forms
from handlers import deal_buttons as interactions
from bot.reporting import metrics
from bot.blocks import deals as render
from bot.core.i18n import t
from bot.team.members import Actor, local_now
from bot.blocks.deals import Reply
from handlers.args import Modal
from bot.core.runtime import Runtime
from store.models import Member

log = logging.getLogger(__name__)


def is_manager(rt: Runtime, actor: Actor) -> bool:
    return actor.is_admin or actor.role in ("manager", "admin") or actor.slack_user_id in rt.config.digest.managers


def publish(client, rt: Runtime, actor: Actor) -> None:
    """Draw ``actor``'s Home tab; a refusal from Slack is logged, never shown as an error."""
    try:
        client.views_publish(user_id=actor.slack_user_id, view=view(rt, actor))
    except SlackApiError as exc:
        log.warning("views.publish for %s failed: %s", actor.slack_user_id, exc.response.get("error"))


def view(rt: Runtime, actor: Actor) -> dict:
    config = rt.config
    now = local_now(rt.clock, actor)
    today = now.date()
    mine = (actor.member_id,)
    ws = actor.workspace_id
    items = digest_render.HOME_ITEMS
    manager = is_manager(rt, actor)
    with rt.transaction() as session:
        h = digest_render.Home(
            manager=manager,
            now=now,
            pipeline=metrics.pipeline(session, config, ws, mine),
            due=metrics.due_on(session, ws, today, items, mine),
            overdue=metrics.overdue(session, ws, today, items, mine),
            stalled=metrics.stalled(session, config, ws, rt.clock.now(), items, mine),
            brief=bool(session.scalar(select(Member.brief_enabled).where(Member.id == actor.member_id))),
        )
        if manager:
            tz = config.tz
            team_day = rt.clock.now().astimezone(tz).date()
            week = metrics.week_of(team_day, tz)
            h.team_pipeline = metrics.pipeline(session, config, ws)
            h.month = metrics.forecast(session, config, ws, metrics.month_of(team_day, tz), config.digest.month_target)
            h.quarter = metrics.forecast(session, config, ws, metrics.quarter_of(team_day, tz), config.digest.quarter_target)
            h.alerts = metrics.open_alerts(session, ws)
            h.reps = metrics.reps(session, config, ws, week.start, rt.clock.now(), team_day)  # this week so far
    return digest_render.home(h, config, actor.lang)


def new_deal_modal(rt: Runtime, actor: Actor) -> Modal:
    return Modal(forms.deal_modal(rt.config, actor.lang, owner=actor.slack_user_id, meta=forms.FormMeta(channel=None)))


def deal_action(rt: Runtime, actor: Actor, value: str) -> Modal | Reply:
    """A deal's menu on the Home tab: "open:12" shows its card (by DM), "log:12" opens the log form."""
    what, _, number = value.partition(":")
    if what == "log":
        return interactions.open_log(rt, actor, int(number), None)
    return interactions.show_card(rt, actor, int(number))


def modal_failed(actor: Actor) -> Reply:
    return render.message("⚠️ " + t(actor.lang, "modal_failed"))


def toggle_brief(rt: Runtime, actor: Actor, value: str) -> dict:
    """The Home tab's morning-brief button: turn it on or off, and the refreshed Home view."""
    digest.set_brief(rt, actor, value == "on")
    return view(rt, actor)
