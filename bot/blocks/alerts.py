"""Block Kit for alerts, risk flags and reminders: the alert message with its buttons, the daily
bundle, the escalation note. All user text passes through ``esc``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.core.money import format_amount
from bot.core.config import Config
from bot.core.i18n import t
from bot.blocks.deals import Reply, clip, esc, fmt_date, stage_name

SECTION_LIMIT = 3000


@dataclass(frozen=True)
class AlertView:
    """An alert as shown to people, taken inside the transaction."""

    alert_id: int
    condition: str
    number: int
    title: str
    amount: Decimal | None
    currency: str
    stage: str
    grade: str
    owner: str  # Slack user id
    why: dict  # the parameters of the condition's "why_" sentence, dates as date objects
    acted: tuple[str, dict] | None = None  # (i18n key, params) of the last action taken on it
    escalated_to: str | None = None
    escalated_days: int = 0
    cleared: bool = False
    open: bool = True  # whether the deal is still open (buttons only then)


def condition_name(condition: str, lang: str) -> str:
    return t(lang, f"cond_{condition}")


def why_text(view: AlertView, config: Config, lang: str) -> str:
    params = {}
    for key, value in view.why.items():
        if isinstance(value, date):
            params[key] = fmt_date(value, lang)
        elif key == "stage":
            params[key] = stage_name(config, value, lang)
        elif key == "risks":
            continue
        elif isinstance(value, str):
            params[key] = esc(clip(value, 300))
        else:
            params[key] = value
    if view.condition == "risk":
        params["risks"] = "; ".join(
            t(lang, f"risk_{kind.replace('-', '_')}") + (f" — {esc(clip(note, 300))}" if note else "") for kind, note in view.why["risks"]
        )
    return t(lang, f"why_{view.condition}", **params)


def alert_message(view: AlertView, config: Config, lang: str) -> Reply:
    title = t(lang, "alert_title", number=view.number, title=esc(clip(view.title, 150)), condition=condition_name(view.condition, lang))
    facts = [stage_name(config, view.stage, lang)]
    if view.amount is not None:
        facts.append(format_amount(view.amount, view.currency, lang))
    facts.append(f"{view.grade}")
    body = f"*{title}*\n{why_text(view, config, lang)}\n{t(lang, 'alert_whose_move', owner=view.owner)} · {' · '.join(facts)}"
    blocks: list[dict] = [{"type": "section", "text": _mrkdwn(clip(body, SECTION_LIMIT))}]
    notes = []
    if view.escalated_to:
        notes.append(t(lang, "alert_escalated", manager=view.escalated_to, days=view.escalated_days))
    if view.acted:
        key, params = view.acted
        notes.append(t(lang, key, **params))
    if view.cleared:
        notes.append(t(lang, "alert_cleared"))
    if notes:
        blocks.append({"type": "context", "elements": [_mrkdwn(clip(" · ".join(notes), SECTION_LIMIT))]})
    if view.open and not view.cleared:
        blocks.append(alert_actions(view, config, lang))
    text = clip(title + " — " + why_text(view, config, lang), 3000)
    return Reply(text, blocks)


def alert_actions(view: AlertView, config: Config, lang: str) -> dict:
    aid = str(view.alert_id)
    elements: list[dict] = [
        {"type": "button", "action_id": "alert_log", "text": _plain(t(lang, "btn_log")), "value": aid, "style": "primary"},
    ]
    for days in config.alerts.snooze_days:
        elements.append({"type": "button", "action_id": f"alert_snooze_{days}", "text": _plain(t(lang, "btn_snooze", days=days)), "value": f"{aid}:{days}"})
    elements.append({"type": "users_select", "action_id": "alert_reassign", "placeholder": _plain(t(lang, "placeholder_reassign"))})
    options = [{"text": _plain(clip(r.name(lang), 75)), "value": f"{aid}:{r.key}"} for r in config.lost_reasons][:100]
    if options:
        elements.append({"type": "static_select", "action_id": "alert_lost", "placeholder": _plain(t(lang, "placeholder_mark_lost")), "options": options})
    return {"type": "actions", "block_id": f"alert_{aid}", "elements": elements}


def bundle_message(views: list[AlertView], config: Config, lang: str) -> Reply:
    title = t(lang, "alert_bundle_title", count=len(views))
    blocks: list[dict] = [{"type": "section", "text": _mrkdwn(f"*{title}*")}]
    shown = views[:45]
    for view in shown:
        line = f"*#{view.number}* {esc(clip(view.title, 120))} — {condition_name(view.condition, lang)}: {why_text(view, config, lang)}"
        blocks.append(
            {
                "type": "section",
                "text": _mrkdwn(clip(line, SECTION_LIMIT)),
                "accessory": {"type": "button", "action_id": "deal_open", "text": _plain(f"#{view.number}"), "value": str(view.number)},
            }
        )
    if len(views) > len(shown):
        blocks.append({"type": "context", "elements": [_mrkdwn(t(lang, "list_more", more=len(views) - len(shown)))]})
    return Reply(title, blocks)


def reminder_message(text: str, number: int | None, title: str | None, lang: str) -> Reply:
    line = t(lang, "reminder_due", text=esc(clip(text, 2000)))
    blocks: list[dict] = [{"type": "section", "text": _mrkdwn(line)}]
    if number is not None:
        blocks[0]["accessory"] = {"type": "button", "action_id": "deal_open", "text": _plain(f"#{number}"), "value": str(number)}
        blocks.append({"type": "context", "elements": [_mrkdwn(f"#{number} {esc(clip(title or '', 150))}")]})
    return Reply(clip(line, 3000), blocks)


def when_text(at: datetime, lang: str) -> str:
    return f"{fmt_date(at.date(), lang)} {at:%H:%M}"


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": clip(text, 75), "emoji": True}
