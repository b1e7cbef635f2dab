"""Block Kit for a won deal's handover to delivery: the message posted to the delivery channel and
sent to the delivery owner (also the answer to `/opp handover 42`), with the checklist, a button per
step not yet ticked and one to edit the handover. All user text passes through ``esc``."""

from __future__ import annotations

from bot.blocks.ids import HANDOVER_TICK_PREFIX, Action
from bot.blocks.kit import FIELD_LIMIT, Reply, button, checklist, clip, context, esc, fmt_date, fmt_money, mrkdwn, section, step_name, tick_buttons
from bot.blocks.views import HandoverView
from bot.core.config import Config
from bot.core.i18n import field_label, t

TEXTS = ("scope", "key_dates", "notes")


def handover_title(view: HandoverView, lang: str) -> str:
    return t(lang, "ho_title", number=view.number, title=esc(clip(view.title, 150)))


def handover_message(view: HandoverView, config: Config, lang: str, *, headline: str | None = None) -> Reply:
    """The handover: the deal, its amount and customer, who sold and who delivers it, the scope, key
    dates and notes, the checklist (who ticked each step, and when), then the buttons, or the
    customer's acceptance once it is closed."""
    title = handover_title(view, lang)
    delivery = f"<@{view.delivery_owner}>" if view.delivery_owner else t(lang, "ho_nobody", number=view.number)
    facts = [
        (field_label(lang, "amount"), fmt_money(view.amount, view.currency, lang)),
        (field_label(lang, "account"), esc(view.account) or t(lang, "none")),
        (field_label(lang, "owner"), f"<@{view.owner}>"),
        (field_label(lang, "delivery_owner"), delivery),
    ]
    blocks: list[dict] = [section(headline)] if headline else []
    blocks.append(section(f"*{title}*"))
    blocks.append({"type": "section", "fields": [mrkdwn(clip(f"*{k}*\n{v}", FIELD_LIMIT)) for k, v in facts]})
    blocks += [section(f"*{field_label(lang, name)}*\n{esc(getattr(view, name))}") for name in TEXTS if getattr(view, name)]
    blocks.append(section(checklist_text(view, config, lang)))
    if view.accepted_on is not None:
        blocks.append(context(t(lang, "ho_accepted", day=fmt_date(view.accepted_on, lang))))
    else:
        blocks.append(handover_actions(view, config, lang))
    text = (headline + " — " if headline else "") + title
    return Reply(clip(text, 3000), blocks)


def _step_keys(view: HandoverView, config: Config) -> list[str]:
    """The configured steps in order, then any step ticked that the config no longer has."""
    keys = [step.key for step in config.after.handover_steps]
    return keys + [key for key in view.ticked if key not in keys]


def checklist_text(view: HandoverView, config: Config, lang: str) -> str:
    """ "*Checklist* (1 of 4)" and a line per step: ✅ with who ticked it and when, or ⬜."""
    keys = _step_keys(view, config)
    items = []
    for key in keys:
        day, who = view.ticked.get(key, (None, None))
        note = None if day is None else t(lang, "ho_ticked", user=who, day=fmt_date(day, lang)) if who else fmt_date(day, lang)
        items.append((step_name(config.after.handover_steps, key, lang), key in view.ticked, note))
    done = sum(1 for key in keys if key in view.ticked)
    return f"{t(lang, 'ho_checklist', done=done, total=len(keys))}\n{checklist(items)}"


def handover_actions(view: HandoverView, config: Config, lang: str) -> dict:
    """A "✓ <step>" button per step not yet ticked (the acceptance step records the acceptance
    today), and Edit handover."""
    todo = [(step.name(lang), f"{view.number}:{step.key}") for step in config.after.handover_steps if step.key not in view.ticked]
    elements = tick_buttons(HANDOVER_TICK_PREFIX, todo, lang)
    elements.append(button(t(lang, "btn_handover_edit"), Action.HANDOVER_EDIT, str(view.number)))
    return {"type": "actions", "block_id": f"handover_{view.number}", "elements": elements}
