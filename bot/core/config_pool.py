"""The [pool] table of config.toml: per grade, the days without a customer touch before a deal
returns to the public pool (0: never; a grade not given takes ``assignment.pool_return_days``),
the stage from which deals never return, the warning's lead, and the claiming limits."""

from __future__ import annotations

from bot.core.config_checks import Checker
from bot.core.config_model import GRADES, PoolSettings


def parse_pool(check: Checker, raw: dict, stage_keys: list[str], fallback_days: int) -> PoolSettings:
    p = check.table(raw, "pool")
    days = p.get("return_days", {})
    if not isinstance(days, dict):
        check.fail("pool.return_days", "must be a table of days by grade, e.g. { A = 0, B = 21, C = 14 }")
    return_days = {grade: check.number(days, f"pool.return_days.{grade}", fallback_days, low=0, high=365) for grade in GRADES}
    exempt = p.get("exempt_from_stage")
    if exempt is not None and exempt not in stage_keys:
        check.fail("pool.exempt_from_stage", f"must be a stage key ({', '.join(stage_keys)}), got {exempt!r}")
    return PoolSettings(
        return_days=return_days,
        exempt_from_stage=exempt,
        warn_days=check.number(p, "pool.warn_days", 3, low=0, high=60),
        daily_claims=check.number(p, "pool.daily_claims", 0, low=0, high=1000),
        reclaim_after_days=check.number(p, "pool.reclaim_after_days", 0, low=0, high=365),
    )
