"""Block Kit for alerts, risk flags and reminders: the alert message with its buttons, the daily
bundle, the escalation note. All user text passes through ``esc``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.blocks.ids import ALERT_SNOOZE_PREFIX, Action
from bot.blocks.kit import PLAIN_LIMIT, SECTION_LIMIT, Reply, button, clip, esc, fmt_date, fmt_money, mrkdwn, option, plain, risks_text, stage_name, step_name
from bot.blocks.links import number_link, with_number_linked
from bot.core.config import Config
from bot.core.i18n import t
from bot.core.money import format_amount


@dataclass(frozen=True)
class AlertView:
    """The alerts open on one deal, as shown to people, taken inside the transaction: one message
    per deal and reader lists every open condition."""

    alert_id: int  # the deal's first open alert: the buttons act on the deal's alerts through it
    items: tuple[tuple[str, dict], ...]  # (condition, parameters of its "why_" sentence, dates as date objects)
    number: int
    title: str
    amount: Decimal | None
    currency: str
    stage: str
    grade: str
    owner: str  # Slack user id
    severity: str = "warn"  # high (🔴) | warn (⚠️) | info (no sign)
    acted: tuple[str, dict] | None = None  # (i18n key, params) of the last action taken on it
    escalated_to: str | None = None
    escalated_days: int = 0
    cleared: bool = False
    open: bool = True  # whether the deal is still open (buttons only then)


def condition_name(condition: str, lang: str) -> str:
    return t(lang, f"cond_{condition}")


SIGNS = {"high": "🔴 ", "warn": "⚠️ ", "info": ""}
BURST_TOP = 5  # deals listed in one DM about several deals; the rest are counted


def why_text(condition: str, why: dict, config: Config, lang: str) -> str:
    params = {}
    for key, value in why.items():
        if isinstance(value, date):
            params[key] = fmt_date(value, lang)
        elif key == "stage":
            params[key] = stage_name(config, value, lang)
        elif key == "risks":
            continue
        elif key == "money":  # (amount, currency), in the reader's way of counting
            params["amount"] = fmt_money(*value, lang)
        elif key == "steps":  # a handover's steps still to do, by name
            params[key] = t(lang, "alert_list_sep").join(esc(step_name(config.after.handover_steps, k, lang)) for k in value) or t(lang, "none")
        elif isinstance(value, str):
            params[key] = esc(clip(value, 300))
        else:
            params[key] = value
    if condition == "risk":
        params["risks"] = "; ".join(t(lang, f"risk_{kind.replace('-', '_')}") + (f" — {esc(clip(note, 300))}" if note else "") for kind, note in why["risks"])
    if why.get("days") == 0 and condition not in ("stalled", "handover_stalled"):  # a stall is never 0 days
        return t(lang, f"why_{condition}_today", **params)
    return t(lang, f"why_{condition}", **params)


def conditions_text(view: AlertView, lang: str) -> str:
    return t(lang, "alert_list_sep").join(condition_name(c, lang) for c, _ in view.items)


def reasons_text(view: AlertView, config: Config, lang: str) -> str:
    """One line per open condition: its name and why."""
    return "\n".join(f"• *{condition_name(c, lang)}*: {why_text(c, why, config, lang)}" for c, why in view.items)


def alert_title(view: AlertView, lang: str) -> str:
    sign = "" if view.cleared else SIGNS.get(view.severity, "")
    return t(lang, "alert_title", sign=sign, number=view.number, title=esc(clip(view.title, 150)), conditions=conditions_text(view, lang))


def alert_message(view: AlertView, config: Config, lang: str) -> Reply:
    title = alert_title(view, lang)
    facts = [stage_name(config, view.stage, lang)]
    if view.amount is not None:
        facts.append(format_amount(view.amount, view.currency, lang))
    facts.append(f"{view.grade}")
    body = f"*{with_number_linked(title, config, view.number)}*\n{reasons_text(view, config, lang)}\n{t(lang, 'alert_whose_move', owner=view.owner)} · {' · '.join(facts)}"
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(clip(body, SECTION_LIMIT))}]
    notes = []
    if view.escalated_to:
        notes.append(t(lang, "alert_escalated", manager=view.escalated_to, days=view.escalated_days))
    if view.acted:
        key, params = view.acted
        notes.append(t(lang, key, **params))
    if view.cleared:
        notes.append(t(lang, "alert_cleared"))
    if notes:
        blocks.append({"type": "context", "elements": [mrkdwn(clip(" · ".join(notes), SECTION_LIMIT))]})
    if view.open and not view.cleared:
        blocks.append(alert_actions(view, config, lang))
    text = clip(title, 3000)
    return Reply(text, blocks)


def alert_actions(view: AlertView, config: Config, lang: str) -> dict:
    aid = str(view.alert_id)
    elements: list[dict] = [button(t(lang, "btn_log"), Action.ALERT_LOG, aid, "primary")]
    for days in config.alerts.snooze_days:
        elements.append(button(t(lang, "btn_snooze", days=days), f"{ALERT_SNOOZE_PREFIX}{days}", f"{aid}:{days}"))
    elements.append({"type": "users_select", "action_id": Action.ALERT_REASSIGN, "placeholder": plain(t(lang, "placeholder_reassign"), PLAIN_LIMIT)})
    options = [option(r.name(lang), f"{aid}:{r.key}") for r in config.lost_reasons][:100]
    if options:
        elements.append(
            {"type": "static_select", "action_id": Action.ALERT_LOST, "placeholder": plain(t(lang, "placeholder_mark_lost"), PLAIN_LIMIT), "options": options}
        )
    return {"type": "actions", "block_id": f"alert_{aid}", "elements": elements}


def bundle_message(views: list[AlertView], config: Config, lang: str, *, burst: bool = False) -> Reply:
    """The daily bundle (deal by deal), or, ``burst``, the one DM about several deals that need
    attention at once: the top ``BURST_TOP`` first, then "and N more" with the command to see them."""
    title = t(lang, "alert_burst_title" if burst else "alert_bundle_title", count=len(views))
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(f"*{title}*")}]
    shown = views[: BURST_TOP if burst else 45]
    for view in shown:
        line = f"*{with_number_linked(alert_title(view, lang), config, view.number)}*\n{reasons_text(view, config, lang)}"
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(clip(line, SECTION_LIMIT)),
                "accessory": button(f"#{view.number}", Action.DEAL_OPEN, str(view.number)),
            }
        )
    if len(views) > len(shown):
        more = t(lang, "alert_burst_more" if burst else "list_more", more=len(views) - len(shown))
        blocks.append({"type": "context", "elements": [mrkdwn(more)]})
    return Reply(title, blocks)


@dataclass(frozen=True)
class RiskNews:
    """A flag just raised on a deal, as its owner's manager is told of it."""

    number: int
    title: str
    amount: Decimal | None
    currency: str
    grade: str
    owner: str  # Slack user id
    kind: str
    note: str | None
    raised_by: str | None  # Slack user id; None: the app flagged it (客户沉默)
    silent_days: int = 0


def risk_news_message(news: RiskNews, config: Config, lang: str) -> Reply:
    """The manager's DM: 🔴 which deal, which risk, who flagged it, and a button to open the deal."""
    risk = risks_text(((news.kind, news.note),), lang, 1000)
    line = t(lang, "risk_news", owner=news.owner, number=news.number, title=esc(clip(news.title, 150)), risk=risk)
    amount = format_amount(news.amount, news.currency, lang) if news.amount is not None else t(lang, "none")
    who = t(lang, "risk_news_by", who=news.raised_by) if news.raised_by else t(lang, "risk_news_auto", days=news.silent_days)
    blocks: list[dict] = [
        {
            "type": "section",
            "text": mrkdwn(clip(with_number_linked(line, config, news.number), SECTION_LIMIT)),
            "accessory": button(f"#{news.number}", Action.DEAL_OPEN, str(news.number)),
        },
        {"type": "context", "elements": [mrkdwn(clip(f"{who} · {amount} · {t(lang, 'risk_news_grade', grade=news.grade)}", SECTION_LIMIT))]},
    ]
    return Reply(clip(line, 3000), blocks)


def reminder_message(text: str, number: int | None, title: str | None, lang: str, *, config: Config | None = None) -> Reply:
    line = t(lang, "reminder_due", text=esc(clip(text, 2000)))
    blocks: list[dict] = [{"type": "section", "text": mrkdwn(line)}]
    if number is not None:
        blocks[0]["accessory"] = button(f"#{number}", Action.DEAL_OPEN, str(number))
        shown = number_link(config, number) if config else f"#{number}"
        blocks.append({"type": "context", "elements": [mrkdwn(f"{shown} {esc(clip(title or '', 150))}")]})
    return Reply(clip(line, 3000), blocks)


def when_text(at: datetime, lang: str) -> str:
    return f"{fmt_date(at.date(), lang)} {at:%H:%M}"
