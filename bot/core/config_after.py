"""The tables of config.toml about what follows a close: [handover] (its checklist and when an
open one counts as stalled), [payments] (who besides the owner hears of an overdue payment),
[review] (when an owner is reminded of a missing review) and [followon] (when a won account's
owner is reminded to go back); and each stage's playbook (``actions``)."""

from __future__ import annotations

from bot.core.config_checks import Checker
from bot.core.config_model import ROLES, AfterClose, Step


def parse_steps(check: Checker, raw: dict, key: str) -> tuple[Step, ...]:
    """A list of { key, name = { zh, en } } tables (a stage's actions, the handover checklist)."""
    items = raw.get(key.rsplit(".", 1)[-1], [])
    if not isinstance(items, list):
        check.fail(key, 'must be a list such as [{ key = "demo", name = { zh = "方案演示", en = "Demo" } }]')
    steps: list[Step] = []
    for i, item in enumerate(items):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            check.fail(where, "must be a table with a key and a name")
        step_key = check.string(item, f"{where}.key")
        if not step_key.replace("_", "").isalnum() or step_key != step_key.lower():
            check.fail(f"{where}.key", f"must be lower-case letters, digits or _, got {step_key!r}")
        if step_key in (s.key for s in steps):
            check.fail(f"{where}.key", f"duplicate key {step_key!r}")
        steps.append(Step(step_key, check.names(item, f"{where}.name")))
    return tuple(steps)


def find_step(steps: tuple[Step, ...], text: str) -> Step | None:
    """The step ``text`` names: its key, or its name in either language (case and spaces set aside,
    so `scope`, `Scope confirmed` and `实施范围确认` all find the same step)."""
    wanted = "".join(text.split()).lower()
    for step in steps:
        if wanted in (step.key, *("".join(name.split()).lower() for name in step.names.values())):
            return step
    return None


def parse_after(check: Checker, raw: dict) -> AfterClose:
    handover = check.table(raw, "handover")
    payments = check.table(raw, "payments")
    roles = payments.get("tell_roles", list(AfterClose.payment_roles))
    if not isinstance(roles, list) or not all(r in ROLES for r in roles):
        check.fail("payments.tell_roles", f"must be a list of roles from {', '.join(ROLES)}, got {roles!r}")
    return AfterClose(
        handover_steps=parse_steps(check, handover, "handover.checklist"),
        handover_stall_days=check.number(handover, "handover.stall_days", AfterClose.handover_stall_days, low=1, high=365),
        payment_roles=tuple(roles),
        review_remind_days=check.number(check.table(raw, "review"), "review.remind_days", AfterClose.review_remind_days, low=1, high=365),
        revisit_days=check.number(check.table(raw, "followon"), "followon.revisit_days", AfterClose.revisit_days, low=1, high=3650),
    )
