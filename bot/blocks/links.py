"""A deal's number as a link to its web page (bot.core.links) on every card, list row, alert and
digest line; plain ``#42`` when the deployment has no public URL. Only mrkdwn text can hold a link:
button labels, options and plain_text stay as they are."""

from __future__ import annotations

from bot.core.config import Config
from bot.core.links import deal_link


def number_link(config: Config, number: int) -> str:
    """``<https://…/deals/42|#42>``, or ``#42`` without a public URL."""
    return deal_link(config.public_url, number)


def with_number_linked(text: str, config: Config, number: int) -> str:
    """``text`` (a sentence already made, e.g. an alert's title) with its first ``#42`` a link."""
    return text.replace(f"#{number}", number_link(config, number), 1)
