"""An account's page (`/opp account <name>`), a follow-on deal's confirmation and the revisit
reminder (二次商机), as Slack shows them."""

from __future__ import annotations

from bot.blocks.digests import fmt_total
from bot.blocks.kit import Reply, clip, context, esc, fmt_money, message, section, split_lines
from bot.core.config import Config
from bot.core.i18n import t


def account_page(page, config: Config, lang: str) -> Reply:
    """``page``: bot.deals.followons.AccountPage."""
    title = t(lang, "account_title", name=esc(clip(page.name, 150)), total=page.total)
    count, pipeline = page.pipeline
    followons, followon_won = page.followons
    facts = t(
        lang,
        "account_facts",
        won=fmt_total(page.won, config, lang),
        open=count,
        pipeline=fmt_total(pipeline, config, lang),
        received=fmt_total(page.received, config, lang),
        outstanding=fmt_total(page.outstanding, config, lang),
        followons=followons,
        followon_won=fmt_total(followon_won, config, lang),
    )
    lines = [
        t(lang, "account_deal", number=n, title=esc(clip(title_, 80)), status=t(lang, f"status_{status}"), amount=fmt_money(amount, currency, lang))
        + (" · " + t(lang, "account_followon") if is_followon else "")
        for n, title_, status, amount, currency, is_followon in page.deals
    ]
    blocks = [section(f"*{title}*\n{facts}"), *(section(chunk) for chunk in split_lines("\n".join(lines)))]
    if page.lessons:
        blocks.append(context(clip(" · ".join(t(lang, "account_lesson", number=n, lesson=esc(clip(text, 200))) for n, text in page.lessons), 2000)))
    return Reply(clip(title, 3000), blocks)


def followon_created(number: int, title: str, won: int, lang: str) -> Reply:
    return message(t(lang, "followon_created", number=number, title=esc(clip(title, 150)), won=won))


def revisit_message(number: int, title: str, account: str | None, days: int, lang: str) -> Reply:
    return message(t(lang, "revisit", number=number, title=esc(clip(title, 150)), account=esc(clip(account or title, 100)), days=days))
