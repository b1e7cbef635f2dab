"""Block Kit for targets, attainment, forecast categories and forecast accuracy: the lines of
`/opp target`, its history, the targets and forecast-accuracy reports, the digest's and Home tab's
attainment lines; and the view objects they are drawn from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bot.blocks.digests import attainment_line, fmt_total, pct, who
from bot.blocks.kit import Page, Reply, fmt_money
from bot.blocks.views import Money
from bot.core.config import Config
from bot.core.forecast_categories import FORECAST_CATEGORIES
from bot.core.i18n import t
from bot.core.money import total_in


def category_name(category: str, lang: str) -> str:
    """承诺 / Commit, 乐观 / Best case, 管道 / Pipeline: never the key."""
    return t(lang, f"fc_{category}")


@dataclass
class Attained:
    """One line of attainment: a person (``member_id``; None for the team), the target in force
    (None when none is set) and what was reached in the period."""

    member_id: int | None
    slack_user_id: str = ""
    name: str = ""
    target: Decimal | None = None
    won: Money = field(default_factory=dict)
    committed: Money = field(default_factory=dict)
    weighted: Money = field(default_factory=dict)

    def share(self, part: Money, config: Config) -> float | None:
        """``part`` as a share of the target, in the workspace currency; None without a target or
        with an amount in a currency that has no rate."""
        if not self.target:
            return None
        total = total_in(part, config.currency, config.rates)
        return None if total is None else float(total) / float(self.target)


@dataclass
class Accuracy:
    """One line of forecast accuracy: the forecast at the period's start (commit, weighted) and
    what was won in it."""

    member_id: int | None
    slack_user_id: str = ""
    name: str = ""
    commit: Money = field(default_factory=dict)
    weighted: Money = field(default_factory=dict)
    won: Money = field(default_factory=dict)


def ratio(part: Money, whole: Money, config: Config) -> float | None:
    """``part`` ÷ ``whole`` in the workspace currency; None when ``whole`` is nothing or a
    currency has no rate."""
    a, b = total_in(part, config.currency, config.rates), total_in(whole, config.currency, config.rates)
    return None if a is None or not b else float(a) / float(b)


def difference(won: Money, commit: Money, config: Config, lang: str) -> str:
    """won − commit as an amount (−¥10万), or each currency's when they can't be added."""
    a, b = total_in(won, config.currency, config.rates), total_in(commit, config.currency, config.rates)
    if a is None or b is None:
        return t(lang, "none")
    gap = a - b
    return ("+" if gap > 0 else "−" if gap < 0 else "") + fmt_money(abs(gap), config.currency, lang)


def attainment_lines(team: Attained, people: list[Attained], config: Config, lang: str, *, mention: bool = True) -> list[str]:
    return [attainment_line(team, config, lang, mention=mention), *(attainment_line(p, config, lang, mention=mention) for p in people)]


def targets_page(periods: list[tuple[str, str, Attained, list[Attained]]], config: Config, lang: str, may_set: bool) -> Reply:
    """`/opp target`: per period (label, key, team, people) the targets in force and attainment."""
    page = Page(lang)
    page.header(t(lang, "tg_title"))
    for label, key, team, people in periods:
        lines = [t(lang, "tg_period_head", period=label), *attainment_lines(team, people, config, lang)]
        if not team.target and not any(p.target for p in people):
            lines.append(t(lang, "tg_none_set", period=key))
        page.section("\n".join(lines))
    page.context(t(lang, "rp_targets_note"))
    if may_set:
        page.context(t(lang, "tg_usage"))
    return Reply(t(lang, "tg_title"), page.done())


def history_page(lines, total: int, config: Config, lang: str) -> Reply:
    """`/opp target history`: each target set, newest first, who set it and when it was replaced."""
    page = Page(lang)
    page.header(t(lang, "tg_history_title"))
    if not lines:
        page.section(t(lang, "tg_history_none"))
    text = [
        t(
            lang,
            "tg_history_line",
            period=h.period,
            who=f"<@{h.who}>" if h.who else t(lang, "tg_team"),
            amount=fmt_money(h.amount, h.currency, lang),
            split=t(lang, "tg_history_split", how=t(lang, f"tg_split_{h.split}")) if h.split else "",
            by=f"<@{h.set_by}>",
            at=_when(h.set_at, config),
            replaced=t(lang, "tg_history_replaced", at=_when(h.replaced_at, config)) if h.replaced_at else "",
        )
        for h in lines
    ]
    if text:
        page.section("\n".join(text))
    if total > len(lines):
        page.context(t(lang, "tg_history_more", shown=len(lines), total=total))
    return Reply(t(lang, "tg_history_title"), page.done())


def _when(at: datetime, config: Config) -> str:
    return at.astimezone(config.tz).strftime("%Y-%m-%d %H:%M")


def target_set(change, who_id: str | None, period: str, config: Config, lang: str) -> Reply:
    """The answer to setting a target: what was set, what it replaced, and a split's parts."""
    amount = fmt_money(change.amount, config.currency, lang)
    lines = [t(lang, "tg_set_person", user=who_id, period=period, amount=amount) if who_id else t(lang, "tg_set_team", period=period, amount=amount)]
    if change.replaced is not None:
        lines[0] += " " + t(lang, "tg_replaced", amount=fmt_money(change.replaced, config.currency, lang))
    if change.parts:
        lines.append(t(lang, "tg_split_done", how=t(lang, f"tg_split_{change.split}"), count=len(change.parts)))
        lines += [f"• <@{slack_id}> {fmt_money(part, config.currency, lang)}" for slack_id, part, _ in change.parts]
    page = Page(lang)
    page.section("\n".join(lines))
    return Reply(lines[0], page.done())


def accuracy_line(row: Accuracy, config: Config, lang: str) -> str:
    return t(
        lang,
        "fa_line",
        who=who(row, lang, mention=True),
        commit=fmt_total(row.commit, config, lang),
        weighted=fmt_total(row.weighted, config, lang),
        won=fmt_total(row.won, config, lang),
        won_commit=pct(ratio(row.won, row.commit, config)),
        won_weighted=pct(ratio(row.won, row.weighted, config)),
        error=difference(row.won, row.commit, config, lang),
    )


def category_lines(rows: list[tuple[str, dict[str, Money]]], config: Config, lang: str) -> list[str]:
    """Per period (label, {category: amount}), the amounts by forecast category."""
    return [
        t(lang, "rp_category_line", label=label, **{c: fmt_total(amounts.get(c, {}), config, lang) for c in FORECAST_CATEGORIES}) for label, amounts in rows
    ]
