"""The pages as HTML: Jinja2 templates (``templates/``, autoescaped: user text can never become
markup) filled from what bot.pages.reading read, with the texts, money and dates of Slack's
answers (bot.core.i18n, bot.blocks)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

from bot.blocks.deals import fmt_amount, forecast_category_line, grade_line, probability_line, status_label
from bot.blocks.digests import fmt_total
from bot.blocks.kit import fmt_date, fmt_money, risk_name, stage_name
from bot.blocks.payments import _milestone_line as milestone_line
from bot.core.config import Config
from bot.core.i18n import field_label, t
from bot.pages.reading import Column, DealPage, Line

ENV = Environment(loader=PackageLoader("bot.pages", "templates"), autoescape=select_autoescape(default=True, default_for_string=True))
REVIEW_TEXTS = ("competitor", "worked", "didnt", "lesson")


def page(template: str, lang: str, **values) -> str:
    """A whole page in ``lang``; ``t`` in the templates says each text in it."""
    return ENV.get_template(template).render(lang=lang, t=lambda key, **params: t(lang, key, **params), **values)


def message(lang: str, title_key: str, text: str, *, link: tuple[str, str] | None = None) -> str:
    """A page saying one thing (a refusal, signed out), with a link onward (address, label)."""
    return page("message.html", lang, title=t(lang, title_key), text=text, link=link)


def _when(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _due(value: date | None, today: date, lang: str) -> tuple[str, bool]:
    return fmt_date(value, lang), bool(value and value < today)


def deal_html(data: DealPage, config: Config, lang: str, now: datetime, tz: ZoneInfo, who: str) -> str:
    view, today = data.view, now.astimezone(tz).date()
    days = max(0, (now - view.stage_entered_at).days)
    close = _due(view.expected_close, today, lang) if view.status == "open" else (fmt_date(view.expected_close, lang), False)
    facts = [
        (field_label(lang, "stage"), f"{status_label(view, config, lang)} ({t(lang, 'age_in_stage', days=days)})", False),
        (field_label(lang, "amount"), fmt_amount(view, lang), False),
        (field_label(lang, "owner"), data.owner_name, False),
        (field_label(lang, "expected_close"), *close),
        (field_label(lang, "next_step"), view.next_step or t(lang, "none"), False),
        (field_label(lang, "next_step_due"), *_due(view.next_step_due, today, lang)),
    ]
    if view.status == "open":
        facts += [
            (field_label(lang, "grade"), grade_line(view, config, lang), False),
            (field_label(lang, "win_probability"), probability_line(view, config, lang), False),
            (field_label(lang, "forecast_category"), forecast_category_line(view, config, lang), False),
        ]
    facts.append((field_label(lang, "score"), f"{view.score}/100", view.score < config.qualification.threshold))
    return page(
        "deal.html",
        lang,
        view=view,
        who=who,
        subtitle=" · ".join(x for x in (view.account, view.contact) if x),
        facts=facts,
        risks=[risk_name(kind, lang) + (f" — {note}" if note else "") for kind, note in view.risks],
        stages=[(_when(line.at, tz), line.who, _stage_text(line, config, lang)) for line in data.stages],
        activities=[(_when(line.at, tz), line.who, t(lang, f"kind_{line.kind}"), line.new) for line in data.activities],
        more_activities=data.more_activities,
        review=_review(data, config, lang),
        payments=_payments(data, today, lang),
    )


def _stage_text(line: Line, config: Config, lang: str) -> str:
    if line.kind == "created":
        return t(lang, "ev_created")
    if line.kind == "stage":
        return t(lang, "ev_stage", old=stage_name(config, line.old or "", lang), new=stage_name(config, line.new or "", lang))
    name = lambda value: t(lang, f"status_{value}") if value else t(lang, "none")  # noqa: E731
    return t(lang, "ev_status", old=name(line.old), new=name(line.new))


def _review(data: DealPage, config: Config, lang: str) -> dict | None:
    review = data.review
    if review is None:
        return None
    reasons = config.won_reasons if review.outcome == "won" else config.lost_reasons
    reason = next((r.name(lang) for r in reasons if r.key == review.reason), review.reason)
    fields = [(field_label(lang, "reason"), reason)] if reason else []
    fields += [(field_label(lang, name), getattr(review, name)) for name in REVIEW_TEXTS if getattr(review, name)]
    note = t(lang, f"web_review_status_{review.status}") if review.status in ("asked", "skipped") else None
    return {"fields": fields, "note": note}


def _payments(data: DealPage, today: date, lang: str) -> dict | None:
    standing = data.standing
    if standing is None or not (standing.milestones or standing.payments):
        return None
    money = lambda value: fmt_money(value, standing.currency, lang)  # noqa: E731
    return {
        "milestones": [milestone_line(m, today, lang, money) for m in standing.milestones],
        "totals": [("received", money(standing.received)), ("outstanding", money(standing.outstanding)), ("overdue", money(standing.overdue))],
        "received": [
            t(lang, "pay_received_line", day=p.received_on.isoformat(), amount=money(p.amount), note=f" · {p.note}" if p.note else "")
            for p in standing.payments
        ],
    }


def board_html(columns: list[Column], names: dict[str, str], config: Config, lang: str, who: str) -> str:
    shown = []
    for column in columns:
        row = column.stage
        deals = [
            {
                "number": line.number,
                "title": line.title,
                "account": line.account,
                "amount": fmt_amount(line, lang),
                "owner": names.get(line.owner, line.owner),
                "close": fmt_date(line.expected_close, lang),
                "at_risk": line.at_risk,
            }
            for line in column.deals
        ]
        shown.append(
            {
                "name": stage_name(config, row.stage, lang),
                "count": row.count,
                "count_text": t(lang, "web_column_count_one" if row.count == 1 else "web_column_count", count=row.count),
                "total": fmt_total(row.amount, config, lang) if row.amount else fmt_money(0, config.currency, lang),
                "deals": deals,
                "more": row.count - len(deals),
            }
        )
    return page("board.html", lang, columns=shown, who=who, empty=not any(c["count"] for c in shown))
