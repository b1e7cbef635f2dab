"""Block Kit for digests, reports and the Home tab. Every list shows its first few deals and then
"and 37 more — `/opp list …`"; long text is split into sections of at most 3000 characters and a
message never exceeds Slack's block limit (50 in a message, 100 in the Home tab)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.blocks.kit import Page, Reply, clip, esc, fmt_date, fmt_day, risk_name, stage_name
from bot.blocks.links import number_link
from bot.blocks.views import Forecast, Funnel, Item, ItemList, Money, RepRow, StageRow
from bot.core.config import Config
from bot.core.i18n import t
from bot.core.money import format_amount, total_in
from bot.core.periods import period_label

REP_ROWS = 40  # rows of the per-rep table before "N more"


# --- formatting --------------------------------------------------------------------------------


def fmt_total(value: Money, config: Config, lang: str) -> str:
    """A total: in the workspace currency when every currency in it has a rate ([currencies]),
    else each currency's part, the workspace currency first (¥150万 + $12万): never two
    currencies added as one, none left out."""
    total = total_in(value, config.currency, config.rates)
    if total is not None:
        return format_amount(total, config.currency, lang)
    order = sorted(value, key=lambda c: (c != config.currency, c))
    return " + ".join(format_amount(value[c], c, lang) for c in order)


def person(slack_user_id: str, name: str) -> str:
    """A person by name, not as a mention: a digest in a channel must not ping every rep daily."""
    return "@" + esc(clip(name or slack_user_id, 60))


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def fmt_days(value: float | None, lang: str) -> str:
    return "—" if value is None else t(lang, "dg_days", days=value)


def item_line(item: Item, config: Config, lang: str, *, day_key: str | None = None, now: datetime | None = None) -> str:
    amount = format_amount(item.amount, item.currency, lang) if item.amount is not None else t(lang, "none")
    line = f"• *{number_link(config, item.number)}* {esc(clip(item.title, 80))} — {amount} · {person(item.owner, item.owner_name)}"
    if day_key and item.day:
        line += " · " + t(lang, day_key, day=fmt_date(item.day, lang))
    if now is not None and item.since is not None:
        line += " · " + t(lang, "dg_item_quiet", days=max(0, (now - item.since).days))
    if item.risks:
        line += " · 🔴 " + ", ".join(risk_name(kind, lang) for kind in item.risks)
    return line


def item_list(page: Page, title: str, items: ItemList, config: Config, more_command: str, *, day_key=None, now=None) -> None:
    """A titled list of deals: the first few, then "and N more — `command`"."""
    lang = page.lang
    lines = [title]
    lines += [item_line(i, config, lang, day_key=day_key, now=now) for i in items.items] or [t(lang, "dg_nothing")]
    if items.more > 0:
        lines.append("_" + t(lang, "dg_more", more=items.more, command=more_command) + "_")
    page.section("\n".join(lines))


def pipeline_lines(rows: list[StageRow], config: Config, lang: str) -> list[str]:
    lines = [
        t(
            lang,
            "dg_stage_line",
            stage=esc(stage_name(config, r.stage, lang)),
            count=r.count,
            amount=fmt_total(r.amount, config, lang),
            weighted=fmt_total(r.weighted, config, lang),
        )
        for r in rows
        if r.count  # an empty stage says nothing
    ]
    total_amount, total_weighted = {}, {}
    for r in rows:
        for c, v in r.amount.items():
            total_amount[c] = total_amount.get(c, 0) + v
        for c, v in r.weighted.items():
            total_weighted[c] = total_weighted.get(c, 0) + v
    lines.append(
        "*"
        + t(
            lang,
            "dg_pipeline_total",
            count=sum(r.count for r in rows),
            amount=fmt_total(total_amount, config, lang),
            weighted=fmt_total(total_weighted, config, lang),
        )
        + "*"
    )
    return lines


def forecast_line(f: Forecast, label: str, config: Config, lang: str) -> str:
    target = ""
    if f.target:
        shown = format_amount(Decimal(str(f.target)), config.currency, lang)
        unrated = sorted({*f.won, *f.committed} - {config.currency, *config.rates})
        if unrated:  # a share of part of the amount would mislead: say why there is none
            target = t(lang, "dg_target_no_rate", target=shown, codes="、".join(unrated) if lang == "zh" else ", ".join(unrated))
        else:
            target = t(lang, "dg_target", target=shown, pct=pct(f.attainment(config.currency, config.rates)))
    return "• " + t(
        lang,
        "dg_forecast_line",
        label=label,
        won=fmt_total(f.won, config, lang),
        committed=fmt_total(f.committed, config, lang),
        weighted=fmt_total(f.weighted, config, lang),
        target=target,
    )


def forecast_section(page: Page, month: Forecast, quarter: Forecast, config: Config) -> None:
    lang = page.lang
    page.section(
        "\n".join(
            [
                t(lang, "dg_forecast"),
                forecast_line(month, t(lang, "dg_this_month", name=period_label(month.period, lang)), config, lang),
                forecast_line(quarter, t(lang, "dg_this_quarter", name=period_label(quarter.period, lang)), config, lang),
            ]
        )
    )


def who(row, lang: str, *, mention: bool) -> str:
    """The team, or a person (a mention in replies; a name in digests, which must ping nobody)."""
    if row.member_id is None:
        return t(lang, "tg_team")
    return f"<@{row.slack_user_id}>" if mention else person(row.slack_user_id, row.name)


def attainment_line(row, config: Config, lang: str, *, mention: bool = True, label: str | None = None) -> str:
    """A target's line (bot.blocks.targets.Attained): the target, then won, committed and weighted
    each with its share of the target; ``label`` in place of who it is for."""
    target = format_amount(row.target, config.currency, lang) if row.target else t(lang, "tg_no_target")
    return t(
        lang,
        "tg_line",
        who=label or who(row, lang, mention=mention),
        target=target,
        won=fmt_total(row.won, config, lang),
        won_pct=pct(row.share(row.won, config)),
        committed=fmt_total(row.committed, config, lang),
        committed_pct=pct(row.share(row.committed, config)),
        weighted=fmt_total(row.weighted, config, lang),
        weighted_pct=pct(row.share(row.weighted, config)),
    )


def attainment_section(page: Page, rows: list, config: Config, title: str = "dg_attainment") -> None:
    """The targets set for this month and quarter, as (period, Attained) pairs, and what they reached."""
    lang = page.lang
    if rows:
        lines = [attainment_line(row, config, lang, mention=False, label=_this(period, lang)) for period, row in rows]
        page.section("\n".join([t(lang, title), *lines]))


def _this(period, lang: str) -> str:
    return t(lang, "dg_this_month" if period.name == "month" else "dg_this_quarter", name=period_label(period, lang))


def rep_table(page: Page, reps: list[RepRow], *, detailed: bool = False, config: Config | None = None) -> None:
    lang = page.lang
    shown = reps[:REP_ROWS]
    if detailed:
        lines = [
            t(
                lang,
                "rp_rep_line",
                who=person(r.slack_user_id, r.name),
                open=r.open,
                advanced=r.advanced,
                activities=r.activities,
                overdue=r.overdue,
                won=r.won,
                won_amount=fmt_total(r.won_amount, config, lang),
            )
            for r in shown
        ]
    else:
        lines = [t(lang, "dg_reps")] + [
            "• " + t(lang, "dg_rep_line", who=person(r.slack_user_id, r.name), open=r.open, advanced=r.advanced, activities=r.activities, overdue=r.overdue)
            for r in shown
        ]
    if not shown:
        lines.append(t(lang, "dg_nothing"))
    if len(reps) > len(shown):
        lines.append("_" + t(lang, "dg_reps_more", more=len(reps) - len(shown)) + "_")
    page.section("\n".join(lines))


def alert_counts(alerts: dict[str, int], lang: str) -> str:
    """ "停滞 2, 风险 1": open alerts by condition, by name."""
    return ", ".join(f"{t(lang, 'cond_' + k)} {v}" for k, v in sorted(alerts.items()))


def day_label(day: date, lang: str) -> str:
    return fmt_date(day, lang)


# --- digests -----------------------------------------------------------------------------------


@dataclass
class Daily:
    day: date
    start: datetime
    end: datetime
    changes: object
    risks: ItemList  # open deals with an open risk flag
    returning: ItemList  # deals due back in the public pool within 7 days
    stalled: ItemList
    overdue: ItemList
    alerts: dict[str, int]
    closing: ItemList
    closing_weighted: Money
    unanswered: int
    pipeline: list[StageRow]
    month: Forecast
    quarter: Forecast
    reps: list[RepRow]
    cash: object = None  # 回款 falling due this week and overdue (bot.reporting.cash.CashDue)
    attainment: list = field(default_factory=list)  # (period, bot.blocks.targets.Attained): the team's targets set


def cash_section(page: Page, due, config: Config) -> None:
    """回款 in the digest: what falls due this week and what is overdue, with the first deals of each."""
    lang = page.lang
    if due is None or not (due.due or due.overdue):
        return
    lines = [t(lang, "dg_cash", due=fmt_total(due.due, config, lang), overdue=fmt_total(due.overdue, config, lang))]
    for key, items in (("dg_cash_overdue_item", due.overdue_items), ("dg_cash_due_item", due.due_items)):
        lines += [t(lang, key, number=n, title=esc(clip(title, 80)), day=fmt_day(day), amount=fmt_total(left, config, lang)) for n, title, day, left in items]
    page.section("\n".join(lines))


def daily(d: Daily, config: Config, lang: str) -> Reply:
    """The daily digest, what needs action first (at risk, stalled, overdue, due back in the pool),
    then what changed since the last one, what closes this week, and the pipeline."""
    page = Page(lang)
    page.header(t(lang, "dg_daily_title", day=day_label(d.day, lang)))
    alerts = sum(d.alerts.values())
    attention = t(lang, "dg_attention", risks=d.risks.total, stalled=d.stalled.total, overdue=d.overdue.total, unanswered=d.unanswered, alerts=alerts)
    page.section(attention)
    if alerts:
        page.context(t(lang, "dg_alerts_by", parts=alert_counts(d.alerts, lang)))
    if d.risks.total:
        item_list(page, t(lang, "dg_risks", total=d.risks.total), d.risks, config, "/opp list all")
    if d.stalled.total:
        item_list(page, t(lang, "dg_stalled", total=d.stalled.total), d.stalled, config, "/opp list all stalled", now=d.end)
    if d.overdue.total:
        item_list(page, t(lang, "dg_overdue", total=d.overdue.total), d.overdue, config, "/opp list all overdue", day_key="dg_item_due")
    if d.returning.total:
        item_list(page, t(lang, "dg_returning", total=d.returning.total), d.returning, config, "/opp list all")
    cash_section(page, d.cash, config)
    page.divider()
    c = d.changes
    page.section(
        t(lang, "dg_changes")
        + "\n"
        + t(
            lang,
            "dg_changes_line",
            new=c.new,
            new_amount=fmt_total(c.new_amount, config, lang),
            advanced=c.advanced,
            won=c.won.total,
            won_amount=fmt_total(c.won.amount, config, lang),
            lost=c.lost.total,
            lost_amount=fmt_total(c.lost.amount, config, lang),
            owners=c.owner_changes,
        )
    )
    if c.won.total:
        item_list(page, t(lang, "dg_won"), c.won, config, "/opp list all status:won")
    if c.lost.total:
        item_list(page, t(lang, "dg_lost"), c.lost, config, "/opp list all status:lost")
    page.divider()
    item_list(
        page,
        t(lang, "dg_closing", total=d.closing.total, amount=fmt_total(d.closing.amount, config, lang), weighted=fmt_total(d.closing_weighted, config, lang)),
        d.closing,
        config,
        "/opp list all closing:this-week",
        day_key="dg_item_close",
    )
    page.divider()
    page.section("\n".join([t(lang, "dg_pipeline"), *pipeline_lines(d.pipeline, config, lang)]))
    forecast_section(page, d.month, d.quarter, config)
    attainment_section(page, d.attainment, config)
    page.divider()
    rep_table(page, d.reps)
    text = t(lang, "dg_fallback_daily", day=d.day.isoformat(), new=c.new, won=c.won.total, stalled=d.stalled.total, overdue=d.overdue.total)
    return Reply(text, page.done())


def _prev(lang: str, value: str) -> str:
    return t(lang, "dg_prev", value=value)


def funnel_lines(f: Funnel, prev: Funnel | None, config: Config, lang: str) -> list[str]:
    prev_conv = {s: (m, left) for s, m, left in prev.conversion} if prev else {}
    lines = [t(lang, "dg_conversion")]
    for stage, moved, left in f.conversion[:-1] if len(f.conversion) > 1 else f.conversion:
        p = ""
        if prev:
            pm, pl = prev_conv.get(stage, (0, 0))
            p = _prev(lang, pct(pm / pl if pl else None))
        lines.append(
            "• "
            + t(
                lang, "dg_conversion_line", stage=esc(stage_name(config, stage, lang)), rate=pct(moved / left if left else None), moved=moved, left=left, prev=p
            )
        )
    lines.append(t(lang, "dg_win_rate", rate=pct(f.win_rate), won=f.won, lost=f.lost, prev=_prev(lang, pct(prev.win_rate)) if prev else ""))
    lines.append(t(lang, "dg_cycle", days=fmt_days(f.cycle_days, lang), prev=_prev(lang, fmt_days(prev.cycle_days, lang)) if prev else ""))
    lines.append(
        t(
            lang,
            "dg_new_pipeline",
            count=f.new,
            amount=fmt_total(f.new_amount, config, lang),
            prev=_prev(lang, f"{prev.new} · {fmt_total(prev.new_amount, config, lang)}") if prev else "",
        )
    )
    return lines


def stage_time_lines(f: Funnel, prev: Funnel | None, config: Config, lang: str) -> list[str]:
    lines = [t(lang, "dg_stage_time")]
    for s in config.stages:
        if s.key in f.stage_days or (prev and s.key in prev.stage_days):
            p = _prev(lang, fmt_days(prev.stage_days.get(s.key), lang)) if prev else ""
            lines.append("• " + t(lang, "dg_stage_time_line", stage=esc(s.name(lang)), days=fmt_days(f.stage_days.get(s.key), lang), prev=p))
    if len(lines) == 1:
        lines.append(t(lang, "dg_nothing"))
    return lines


def loss_lines(f: Funnel, prev: Funnel | None, config: Config, lang: str, links: dict[str, str] | None = None) -> list[str]:
    """The period's loss reasons, the most frequent first; ``links``: what follows each reason's
    line (the report's way to its lessons)."""
    names = {r.key: r.name(lang) for r in config.lost_reasons}
    prev_counts = {r: n for r, n, _ in prev.losses} if prev else {}
    lines = [t(lang, "dg_losses")]
    for reason, count, amount in f.losses:
        p = _prev(lang, str(prev_counts.get(reason, 0))) if prev else ""
        line = t(lang, "dg_loss_line", reason=esc(names.get(reason, reason)), count=count, amount=fmt_total(amount, config, lang), prev=p)
        lines.append("• " + line + (f" — {links[reason]}" if links and reason in links else ""))
    if not f.losses:
        lines.append(t(lang, "rp_no_losses"))
    return lines


def competitor_lines(rows: list[tuple[str, int, Money]], links: dict[str, str], config: Config, lang: str) -> list[str]:
    """The competitors the period's lost deals' reviews name, the most frequent first, each with
    what follows it in ``links``."""
    lines = [t(lang, "rp_competitors")]
    for name, count, amount in rows:
        line = t(lang, "rp_competitor_line", name=esc(name), count=count, amount=fmt_total(amount, config, lang))
        lines.append("• " + line + (f" — {links[name]}" if name in links else ""))
    if not rows:
        lines.append(t(lang, "rp_no_competitors"))
    return lines


def weekly(this: Funnel, prev: Funnel, config: Config, lang: str) -> Reply:
    page = Page(lang)
    first, last = day_label(this.period.first, lang), day_label(this.period.last, lang)
    page.header(t(lang, "dg_weekly_title", first=first, last=last))
    page.section("\n".join(funnel_lines(this, prev, config, lang)))
    page.section("\n".join(stage_time_lines(this, prev, config, lang)))
    page.section("\n".join(loss_lines(this, prev, config, lang)))
    return Reply(t(lang, "dg_fallback_weekly", first=this.period.first.isoformat(), last=this.period.last.isoformat()), page.done())


@dataclass
class Brief:
    day: date
    now: datetime
    due: ItemList
    overdue: ItemList
    stalled: ItemList
    closing: ItemList


def brief(b: Brief, config: Config, lang: str) -> Reply:
    page = Page(lang)
    page.header(t(lang, "dg_brief_title", day=day_label(b.day, lang)))
    if not (b.due.total or b.overdue.total or b.stalled.total):
        page.section(t(lang, "dg_brief_empty"))
    if b.due.total:
        item_list(page, t(lang, "dg_due_today", total=b.due.total), b.due, config, "/opp list", day_key="dg_item_due")
    if b.overdue.total:
        item_list(page, t(lang, "dg_overdue", total=b.overdue.total), b.overdue, config, "/opp list overdue", day_key="dg_item_due")
    if b.stalled.total:
        item_list(page, t(lang, "dg_stalled", total=b.stalled.total), b.stalled, config, "/opp list stalled", now=b.now)
    if b.closing.total:
        item_list(page, t(lang, "dg_closing_short", total=b.closing.total), b.closing, config, "/opp list closing:this-week", day_key="dg_item_close")
    text = t(lang, "dg_fallback_brief", due=b.due.total, overdue=b.overdue.total, stalled=b.stalled.total, closing=b.closing.total)
    return Reply(text, page.done())
