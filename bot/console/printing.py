"""Digests and reports as terminal text, for `oppbot digest … --print` and `oppbot report … --print`:
the same blocks Slack would get, drawn by the console's text renderer."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.blocks.errors import error_text
from bot.console.text import render_blocks
from bot.core.errors import UserError
from bot.core.runtime import Runtime
from bot.reporting.digests import Due, build, send_time, week_period
from bot.reporting.reports import build as build_report
from bot.reporting.reports import report_name
from bot.team.members import Actor, language_of
from store.models import Member, Workspace


def print_digest(rt: Runtime, kind: str, *, team: str | None = None, day: str | None = None, user: str | None = None, lang: str | None = None) -> str:
    """A digest as terminal text (``oppbot digest daily --date 2026-11-25 --print``), with the workspace's config."""
    team = _workspace(rt, team)
    config = rt.config_of(team)
    try:
        when = date.fromisoformat(day) if day else rt.clock.now().astimezone(config.tz).date()
    except ValueError:
        raise SystemExit(f"oppbot: --date: must be a day such as 2026-11-25, got {day!r}") from None
    with rt.transaction() as session:
        workspace_id = team
        member_id = None
        if kind == "brief":
            member = session.scalars(select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id == (user or ""))).one_or_none()
            if member is None:
                raise SystemExit("oppbot: --user: give the Slack user id of a member for their brief")
            member_id, lang = member.id, lang or language_of(member, config)
        lang = lang or config.language
        at = send_time(config, when, config.digest.brief_time if kind == "brief" else config.digest.daily_time)
        due = Due(workspace_id, kind, week_period(when) if kind == "weekly" else when.isoformat(), user or "print", lang, when, member_id)
        reply = build(session, config, due, at)
    return render_blocks(reply.blocks)


def print_report(rt: Runtime, name: str, words: str, *, team: str | None = None, lang: str | None = None, chart: str | None = None) -> str:
    """A report as terminal text (``oppbot report funnel --print``): ``name`` as `/opp report`
    takes it (漏斗 too), ``words`` what follows it there; ``chart`` writes its image. With the workspace's config."""
    workspace_id = _workspace(rt, team)
    with rt.in_workspace(workspace_id):
        return _report(rt, workspace_id, name, words, lang, chart)


def _workspace(rt: Runtime, team: str | None) -> str:
    """``team``, else the database's first workspace."""
    if team:
        return team
    with rt.reading() as session:
        first = session.scalar(select(Workspace.id).order_by(Workspace.id))
    if first is None:
        raise SystemExit("oppbot: the database has no workspace yet")
    return first


def _report(rt: Runtime, workspace_id: str, name: str, words: str, lang: str | None, chart: str | None) -> str:
    lang = lang or rt.config.language
    actor = Actor(
        member_id=0, workspace_id=workspace_id, slack_user_id="oppbot", name="oppbot", role="admin", lang=lang, timezone=rt.config.timezone, is_admin=True
    )
    try:
        reply = build_report(rt, actor, report_name(name), words, shareable=False)
    except UserError as err:
        raise SystemExit("oppbot: " + error_text(err, rt.config, lang)) from None
    if chart and reply.upload:
        with open(chart, "wb") as out:
            out.write(reply.upload.make())
    return render_blocks(reply.blocks)
