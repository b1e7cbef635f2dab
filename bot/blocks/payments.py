"""回款 as Slack shows it: a won deal's plan, milestone by milestone (paid, to come, overdue), and
the money received."""

from __future__ import annotations

from datetime import date

from bot.blocks.kit import Reply, clip, context, esc, fmt_money, section, split_lines
from bot.core.i18n import t

PAYMENTS_SHOWN = 10  # the latest payments listed under the plan


def payments_card(standing, today: date, lang: str, *, headline: str | None = None) -> Reply:
    """The deal's plan and payments (``standing``: bot.deals.payments.Standing)."""
    money = lambda value: fmt_money(value, standing.currency, lang)  # noqa: E731
    title = t(lang, "pay_title", number=standing.number, title=esc(clip(standing.title, 150)))
    lines = [_milestone_line(m, today, lang, money) for m in standing.milestones] or [t(lang, "pay_no_plan", number=standing.number)]
    blocks = [section(f"*{title}*")]
    if headline:
        blocks.insert(0, section(headline))
    blocks += [section(chunk) for chunk in split_lines("\n".join(lines))]
    blocks.append(section(t(lang, "pay_totals", received=money(standing.received), outstanding=money(standing.outstanding), overdue=money(standing.overdue))))
    received = [
        t(lang, "pay_received_line", day=p.received_on.isoformat(), amount=money(p.amount), note=f" · {esc(clip(p.note, 100))}" if p.note else "")
        for p in standing.payments[-PAYMENTS_SHOWN:]
    ]
    if received:
        blocks.append(context(clip(" · ".join(received), 2000)))
    return Reply(clip(headline or title, 3000), blocks)


def _milestone_line(m, today: date, lang: str, money) -> str:
    share = f" ({m.share * 100:.0f}%)" if m.share is not None else ""
    values = {"amount": money(m.amount), "share": share, "due": m.due_on.isoformat(), "received": money(m.received)}
    if m.paid_on is not None:
        return t(lang, "pay_milestone_paid", paid=m.paid_on.isoformat(), **values)
    if m.due_on < today:
        return t(lang, "pay_milestone_overdue", days=(today - m.due_on).days, **values)
    return t(lang, "pay_milestone_due", **values)
