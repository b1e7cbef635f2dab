"""The [unfurls] table of config.toml: what a pasted deal link's preview shows. Amounts stay out of
channels shared with other organisations (Slack Connect) unless ``amounts_in_shared_channels``."""

from __future__ import annotations

from bot.core.config_checks import Checker
from bot.core.config_model import UnfurlSettings


def parse_unfurls(check: Checker, raw: dict) -> UnfurlSettings:
    u = check.table(raw, "unfurls")
    shared = u.get("amounts_in_shared_channels", UnfurlSettings.amounts_in_shared_channels)
    if not isinstance(shared, bool):
        check.fail("unfurls.amounts_in_shared_channels", f"must be true or false, got {shared!r}")
    return UnfurlSettings(amounts_in_shared_channels=shared)
