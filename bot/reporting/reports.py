"""Reports on demand and CSV export.

`/opp report funnel|forecast|reps|losses|cycle [this-week|this-month|this-quarter|YYYY-MM]` answers
privately with the figures (SQL aggregates, bot.reporting.metrics) and a "Share to channel" button; the
funnel and the forecast also come as a chart image, uploaded with files_upload_v2 after the
answer. `/opp export [filters]` uploads a CSV of the deals `/opp list [filters]` would match.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from slack_sdk import WebClient
from sqlalchemy import select

from bot.reporting import charts
from bot.reporting import metrics
from bot.core.money import format_amount
from bot.blocks.digests import Page, forecast_line, funnel_lines, loss_lines, pipeline_lines, rep_table, stage_time_lines
from bot.core.errors import BadInput
from bot.core.i18n import t
from bot.team.members import Actor, local_now
from bot.blocks.deals import Reply, clip, esc
from handlers.args import QUOTE_LIMIT, Request
from bot.core.runtime import Runtime
from store.queries import deals_with_owners

log = logging.getLogger(__name__)

REPORTS = {
    "funnel": ("funnel", "漏斗"),
    "forecast": ("forecast", "预测"),
    "reps": ("reps", "rep", "people", "人员", "销售"),
    "losses": ("losses", "loss", "lost", "输单", "输单原因"),
    "cycle": ("cycle", "周期", "成交周期"),
    "trend": ("trend", "趋势", "管道趋势"),
}
TREND_WEEKS = 12
REPORT_OF = {alias: name for name, aliases in REPORTS.items() for alias in aliases}
PERIOD_WORDS = {"本周": "this-week", "本月": "this-month", "本季度": "this-quarter", "上周": "last-week", "上月": "last-month", "上季度": "last-quarter"}
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
FORECAST_MONTHS = 6
EXPORT_LIMIT = 50_000
SHARE_ACTION = "report_share"


@dataclass(frozen=True)
class Upload:
    """A file to upload after answering: ``make`` builds its bytes (a chart, a CSV)."""

    filename: str
    title: str
    make: Callable[[], bytes]


@dataclass(frozen=True)
class FileReply(Reply):
    """A reply with a file to upload once it is shown."""

    upload: Upload | None = None


def read_period(text: str, today: date, tz, default: str) -> metrics.Period:
    word = (text.strip().split() or [default])[0]
    word = PERIOD_WORDS.get(word, word.lower())
    match = MONTH.match(word)
    if match and 1 <= int(match.group(2)) <= 12:
        return metrics.month_of(date(int(match.group(1)), int(match.group(2)), 1), tz)
    kind, _, unit = word.partition("-")
    make = {"week": metrics.week_of, "month": metrics.month_of, "quarter": metrics.quarter_of}.get(unit)
    if kind not in ("this", "last") or make is None:
        raise BadInput("rp_bad_period", value=clip(word, QUOTE_LIMIT))
    period = make(today, tz)
    return period.previous() if kind == "last" else period


def period_label(period: metrics.Period, lang: str) -> str:
    if period.name == "month":
        return f"{period.first:%Y-%m}"
    if period.name == "quarter":
        return f"{period.first.year} Q{(period.first.month - 1) // 3 + 1}"
    return f"{period.first.isoformat()} – {period.last.isoformat()}"


def cmd_report(req: Request, rest: str) -> FileReply:
    word, _, period_text = rest.strip().partition(" ")
    name = REPORT_OF.get(word.lower() or "funnel")
    if name is None:
        raise BadInput("rp_unknown", value=clip(word, QUOTE_LIMIT))
    return build(req.rt, req.actor, name, period_text.strip(), shareable=True)


def build(rt: Runtime, actor: Actor, name: str, period_text: str, *, shareable: bool, shared_by: str | None = None) -> FileReply:
    config, lang = rt.config, actor.lang
    today = local_now(rt.clock, actor).date()
    tz = config.tz
    period = read_period(period_text, today, tz, "this-quarter" if name == "forecast" else "this-month")
    token = period_text.strip().split()[0] if period_text.strip() else ""
    ws = actor.workspace_id
    title = t(lang, f"rp_title_{name}", period=period_label(period, lang))
    page = Page(lang)
    page.header(title)
    upload = None
    with rt.transaction() as session:
        if name == "funnel":
            rows = metrics.pipeline(session, config, ws)
            this = metrics.funnel(session, config, ws, period)
            prev = metrics.funnel(session, config, ws, period.previous())
            page.section("\n".join([t(lang, "dg_pipeline"), *pipeline_lines(rows, config, lang)]))
            page.section("\n".join(funnel_lines(this, prev, config, lang)))
            chart_lang = lang if lang == "en" or charts.has_cjk_font() else "en"
            stages = [
                (
                    config.stage(r.stage).name(chart_lang) if r.stage in {s.key for s in config.stages} else r.stage,
                    r.count,
                    float(r.amount.get(config.currency, 0)),
                )
                for r in rows
            ]
            chart_title = t(chart_lang, "rp_title_funnel", period=period_label(period, lang)) + f" ({config.currency})"
            upload = Upload(f"funnel-{period.first:%Y%m%d}.png", title, lambda: charts.funnel(chart_title, stages))
        elif name == "forecast":
            main = metrics.forecast(session, config, ws, period, config.digest.quarter_target if period.name == "quarter" else config.digest.month_target)
            months = metrics.forecast_by_month(session, config, ws, period.first, FORECAST_MONTHS, tz)
            page.section("\n".join([t(lang, "dg_forecast"), forecast_line(main, period_label(period, lang), config, lang)]))
            page.section("\n".join([t(lang, "rp_by_month"), *(forecast_line(f, f"{f.period.first:%Y-%m}", config, lang) for f in months)]))
            chart_lang = lang if lang == "en" or charts.has_cjk_font() else "en"
            cur = config.currency
            bars = [(f"{f.period.first:%Y-%m}", float(f.won.get(cur, 0)), float(f.committed.get(cur, 0)), float(f.weighted.get(cur, 0))) for f in months]
            labels = tuple(_word(chart_lang, k) for k in ("won", "committed", "weighted", "target"))
            chart_title = t(chart_lang, "rp_by_month").strip("*") + f" ({cur})"
            target = config.digest.month_target
            upload = Upload(f"forecast-{period.first:%Y%m}.png", title, lambda: charts.forecast(chart_title, bars, target, labels))
        elif name == "reps":
            rows = metrics.reps(session, config, ws, period.start, period.end, today)
            rep_table(page, rows, detailed=True, config=config)
        elif name == "losses":
            this = metrics.funnel(session, config, ws, period)
            prev = metrics.funnel(session, config, ws, period.previous())
            page.section("\n".join(loss_lines(this, prev, config, lang)))
        elif name == "trend":
            last = min(period.end, rt.clock.now())  # up to now, or to the end of a past period
            ends = [last - timedelta(weeks=k) for k in range(TREND_WEEKS - 1, -1, -1)]
            points = metrics.pipeline_trend(session, config, ws, ends)
            cur = config.currency
            lines = [f"`{p.at.astimezone(tz):%Y-%m-%d}`  {p.count} · {format_amount(p.amount, cur, lang)}" for p in points]
            page.section("\n".join([t(lang, "rp_trend_head", weeks=TREND_WEEKS), *lines]))
            chart_lang = lang if lang == "en" or charts.has_cjk_font() else "en"
            chart_title = t(chart_lang, "rp_title_trend", period=period_label(period, lang)) + f" ({cur})"
            series = [(f"{p.at.astimezone(tz):%m-%d}", float(p.amount), p.count) for p in points]
            upload = Upload(f"trend-{period.first:%Y%m%d}.png", title, lambda: charts.trend(chart_title, series))
        else:  # cycle
            this = metrics.funnel(session, config, ws, period)
            prev = metrics.funnel(session, config, ws, period.previous())
            lines = funnel_lines(this, prev, config, lang)
            page.section("\n".join(lines[-3:-1]))  # win rate, cycle
            page.section("\n".join(stage_time_lines(this, prev, config, lang)))
    tail = []
    if upload is not None and shareable:
        page.context(t(lang, "rp_chart_dm"))
    if shared_by:
        page.context(t(lang, "rp_shared", user=shared_by))
    if shareable:
        tail.append(
            {
                "type": "actions",
                "block_id": "report_actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": SHARE_ACTION,
                        "text": {"type": "plain_text", "text": t(lang, "rp_share")},
                        "value": f"{name} {token}".strip(),
                    }
                ],
            }
        )
    return FileReply(clip(title, 3000), page.done(tail), upload)


WORDS = {
    "won": ("已赢单", "Won"),
    "committed": ("承诺", "Committed"),
    "weighted": ("加权", "Weighted"),
    "target": ("目标", "Target"),
}


def _word(lang: str, key: str) -> str:
    zh, en = WORDS[key]
    return zh if lang == "zh" else en


def share(rt: Runtime, actor: Actor, value: str) -> FileReply:
    """The report behind a "Share to channel" button, for everyone in the channel."""
    name, _, period_text = value.partition(" ")
    if name not in REPORTS:
        raise BadInput("rp_unknown", value=clip(name, QUOTE_LIMIT))
    return build(rt, actor, name, period_text, shareable=False, shared_by=actor.slack_user_id)


# --- export -------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "number",
    "title",
    "account",
    "contact",
    "amount",
    "currency",
    "stage",
    "status",
    "expected_close",
    "next_step",
    "next_step_due",
    "owner",
    "grade",
    "score",
    "win_probability",
    "source",
    "industry",
    "region",
    "tags",
    "created_at",
    "closed_at",
)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(value)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not isinstance(value, (int, float, Decimal)):
        text = "'" + text  # a spreadsheet must not run it as a formula
    return text


def cmd_export(req: Request, rest: str) -> FileReply:
    from handlers.router import read_filters  # the same filters as /opp list

    with req.rt.transaction() as session:
        f = read_filters(req, rest, session)
        rows = deals_with_owners(session, f, limit=EXPORT_LIMIT)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for opp, owner in rows:
            writer.writerow([_cell(owner if c == "owner" else getattr(opp, c)) for c in CSV_COLUMNS])
    if not rows:
        return FileReply(t(req.lang, "ex_empty"), Page(req.lang).done([_section(t(req.lang, "ex_empty"))]))
    data = ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8 (Chinese) correctly
    today = local_now(req.rt.clock, req.actor).date()
    text = t(req.lang, "ex_done", count=len(rows))
    return FileReply(text, [_section(text)], Upload(f"deals-{today.isoformat()}.csv", f"deals {today.isoformat()}", lambda: data))


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": esc(text) if "<" in text else text}}


# --- uploading ----------------------------------------------------------------------------------


def send_file(client: WebClient, upload: Upload, *, user: str, channel: str | None = None) -> None:
    """Build the file and upload it to ``channel``, or to the user's DM with the app."""
    try:
        content = upload.make()
        if channel is None:
            channel = client.conversations_open(users=user)["channel"]["id"]
        client.files_upload_v2(channel=channel, content=content, filename=upload.filename, title=upload.title)
    except Exception:
        log.exception("could not upload %s for %s", upload.filename, user)


_uploads: set[threading.Thread] = set()


def send_file_later(client: WebClient, upload: Upload, *, user: str, channel: str | None = None) -> threading.Thread:
    """Upload in the background, so the answer to Slack is not held up by drawing a chart."""

    def run():
        try:
            send_file(client, upload, user=user, channel=channel)
        finally:
            _uploads.discard(thread)

    thread = threading.Thread(target=run, name=f"upload {upload.filename}", daemon=True)
    _uploads.add(thread)
    thread.start()
    return thread


def wait_for_uploads(timeout: float) -> None:
    """Let uploads in flight finish (before shutting down)."""
    for thread in list(_uploads):
        thread.join(timeout)


def print_report(rt: Runtime, name: str, period: str, *, team: str | None = None, lang: str | None = None, chart: str | None = None) -> str:
    """A report as terminal text (``oppbot report funnel --print``); ``chart`` writes its image."""
    from bot.console.repl import render_blocks
    from bot.core.errors import UserError
    from handlers.args import error_text
    from store.models import Workspace

    with rt.transaction() as session:
        workspace_id = team or session.scalar(select(Workspace.id).order_by(Workspace.id))
    if workspace_id is None:
        raise SystemExit("oppbot: the database has no workspace yet")
    lang = lang or rt.config.language
    actor = Actor(
        member_id=0, workspace_id=workspace_id, slack_user_id="oppbot", name="oppbot", role="admin", lang=lang, timezone=rt.config.timezone, is_admin=True
    )
    try:
        reply = build(rt, actor, name, period, shareable=False)
    except UserError as err:
        raise SystemExit("oppbot: " + error_text(err, rt.config, lang)) from None
    if chart and reply.upload:
        with open(chart, "wb") as out:
            out.write(reply.upload.make())
    return render_blocks(reply.blocks)
