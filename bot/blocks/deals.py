"""Block Kit rendering: deal cards, lists, history, help and errors. The one place blocks are built
for messages; modals are in bot.blocks.forms. All user text passes through ``esc`` first."""

from __future__ import annotations

from datetime import date, datetime

from bot.blocks.ids import PLAYBOOK_TICK_PREFIX, Action
from bot.blocks.kit import (
    FIELD_LIMIT,
    SECTION_LIMIT,
    Reply,
    button,
    checklist,
    clip,
    context,
    esc,
    fmt_date,
    fmt_money,
    mrkdwn,
    option,
    plain,
    risk_name,
    risks_text,
    section,
    split_lines,
    stage_name,
    step_name,
    tick_buttons,
)
from bot.blocks.links import number_link
from bot.blocks.reviews import lessons_hint, review_buttons
from bot.blocks.views import DealLine, DealView, EventView
from bot.core.config import Config, Stage
from bot.core.forecast_categories import category_of
from bot.core.help_text import HELP
from bot.core.i18n import field_label, t


def fmt_amount(view: DealView | DealLine, lang: str) -> str:
    return fmt_money(view.amount, view.currency, lang)


def status_label(view: DealView | DealLine, config: Config, lang: str) -> str:
    if view.status == "open":
        return stage_name(config, view.stage, lang)
    return f"{t(lang, 'status_' + view.status)} · {stage_name(config, view.stage, lang)}"


def _due(value: date | None, today: date, lang: str) -> str:
    text = fmt_date(value, lang)
    return f"{text} ⚠️ {t(lang, 'overdue')}" if value and value < today else text


def forecast_category_line(view: DealView, config: Config, lang: str) -> str:
    """承诺 when the owner chose it; 承诺（阶段默认） when it is the stage's."""
    name = t(lang, "fc_" + category_of(config, view.stage, view.forecast_category))
    return name if view.forecast_category else t(lang, "fc_default", category=name)


def deal_card(view: DealView, config: Config, lang: str, now: datetime, *, headline: str | None = None) -> Reply:
    today = now.date()
    heading = f"*{number_link(config, view.number)} {esc(view.title)}*"
    who = " · ".join(esc(x) for x in (view.account, view.contact) if x)
    days = max(0, (now - view.stage_entered_at).days)
    facts = [
        (field_label(lang, "stage"), f"{status_label(view, config, lang)} ({t(lang, 'age_in_stage', days=days)})"),
        (field_label(lang, "amount"), fmt_amount(view, lang)),
        (field_label(lang, "owner"), f"<@{view.owner}>"),
        (field_label(lang, "expected_close"), _due(view.expected_close, today, lang) if view.status == "open" else fmt_date(view.expected_close, lang)),
        (field_label(lang, "next_step"), esc(view.next_step) or t(lang, "none")),
        (field_label(lang, "next_step_due"), _due(view.next_step_due, today, lang)),
    ]
    blocks: list[dict] = []
    if headline:
        blocks.append(section(headline))
    blocks.append(section(heading + (f"\n{who}" if who else "")))
    if view.risks:
        blocks.append(section(t(lang, "card_risks", risks=risks_text(view.risks, lang))))
    if view.status == "open":
        facts += [
            (field_label(lang, "grade"), grade_line(view, config, lang)),
            (field_label(lang, "win_probability"), probability_line(view, config, lang)),
            (field_label(lang, "forecast_category"), forecast_category_line(view, config, lang)),
        ]
    blocks.append({"type": "section", "fields": [mrkdwn(clip(f"*{k}*\n{v}", FIELD_LIMIT)) for k, v in facts]})
    blocks.append(context(score_line(view, config, lang)))
    extra = [
        f"{field_label(lang, name)}: {esc(getattr(view, name))}"
        for name in ("budget", "authority", "need", "timing", "source", "industry", "region")
        if getattr(view, name)
    ]
    tags = (*view.tags, *(tag for tag in view.auto_tags if tag not in view.tags))
    if view.strategic:
        extra.append(t(lang, "field_strategic"))
    if tags:
        extra.append(f"{field_label(lang, 'tags')}: {esc(', '.join(tags))}")
    reason = view.won_reason if view.status == "won" else view.lost_reason if view.status == "lost" else None
    if reason:
        reasons = config.won_reasons if view.status == "won" else config.lost_reasons
        name = next((r.name(lang) for r in reasons if r.key == reason), reason)
        extra.append(f"{field_label(lang, 'reason')}: {esc(name)}")
    if extra:
        blocks.append(context(" · ".join(extra)))
    blocks += playbook_blocks(view, config, lang)
    blocks += _review_and_lessons(view, lang)
    blocks.append(deal_actions(view, config, lang))
    text = (headline + " — " if headline else "") + f"#{view.number} {esc(view.title)}"
    return Reply(clip(text, 3000), blocks)


def playbook_lines(stage: Stage, ticked: dict, lang: str) -> str:
    """The stage's key actions as a checklist, ticked ones marked."""
    return checklist([(action.name(lang), action.key in ticked, None) for action in stage.actions])


def playbook_blocks(view: DealView, config: Config, lang: str) -> list[dict]:
    """An open deal's stage playbook: its key actions as a checklist, and a button to tick each
    one not yet done (none when the stage has no actions, or is no longer configured)."""
    stage = next((s for s in config.stages if s.key == view.stage), None)
    if view.status != "open" or stage is None or not stage.actions:
        return []
    ticked = view.playbook.get(stage.key, {})
    done = sum(1 for action in stage.actions if action.key in ticked)
    title = t(lang, "card_playbook", stage=stage.name(lang), done=done, total=len(stage.actions))
    blocks = [section(f"{title}\n{playbook_lines(stage, ticked, lang)}")]
    todo = [(action.name(lang), f"{view.number}:{stage.key}:{action.key}") for action in stage.actions if action.key not in ticked]
    if todo:
        blocks.append({"type": "actions", "block_id": f"playbook_{view.number}", "elements": tick_buttons(PLAYBOOK_TICK_PREFIX, todo, lang)})
    return blocks


def _review_and_lessons(view: DealView, lang: str) -> list[dict]:
    """A closed deal's review still asked for; a new or moved deal's lessons from similar deals."""
    blocks = []
    if view.status in ("won", "lost") and view.review == "asked":
        blocks.append(context(t(lang, "rv_card_asked")))
    if view.lessons:
        blocks.append(lessons_hint(view.number, view.lessons, lang))
    return blocks


def score_line(view: DealView, config: Config, lang: str) -> str:
    """ "Score 45/100 · Budget 25/25 · Authority 10/20 · ..." (below the threshold: how far)."""
    q = config.qualification
    parts = []
    for c in q.criteria:
        choice = c.choice(view.qualification.get(c.key))
        earned = round(c.weight * choice.points) if choice else 0
        parts.append(f"{c.name(lang)} {earned}/{c.weight}")
    mark = "✅" if view.score >= q.threshold else "⚠️"
    return f"{mark} *{field_label(lang, 'score')} {view.score}/100* · " + " · ".join(parts)


def grade_line(view: DealView, config: Config, lang: str) -> str:
    text = t(lang, "grade_line", grade=view.grade, days=config.qualification.cadence_days[view.grade])
    if view.grade_pinned:
        text += t(lang, "grade_pinned_mark")
    if view.next_touch_due:
        local = view.next_touch_due.astimezone(config.tz).date()
        text += f"\n{field_label(lang, 'next_touch_due')}: {fmt_date(local, lang)}"
    return text


def probability_line(view: DealView, config: Config, lang: str) -> str:
    if view.probability_override is not None:
        return t(lang, "prob_override", pct=round(view.probability_override * 100))
    value = view.win_probability if view.win_probability is not None else config.stage(view.stage).probability
    if view.closed_deals >= config.qualification.min_closed:
        return t(lang, "prob_learned", pct=round(value * 100), n=view.closed_deals)
    return t(lang, "prob_stage", pct=round(value * 100))


def deal_actions(view: DealView, config: Config, lang: str) -> dict:
    value = str(view.number)
    elements: list[dict] = []
    if view.status == "open":
        options = [option(s.name(lang), f"{view.number}:{s.key}") for s in config.stages if s.key != view.stage]
        if options:
            elements.append(
                {
                    "type": "static_select",
                    "action_id": Action.DEAL_MOVE,
                    "placeholder": plain(t(lang, "placeholder_move")),
                    "options": options[:100],
                }
            )
    elements += [
        button(t(lang, "btn_log"), Action.DEAL_LOG, value),
        button(t(lang, "btn_edit"), Action.DEAL_EDIT, value),
        button(t(lang, "btn_history"), Action.DEAL_HISTORY, value),
    ]
    if view.status in ("won", "lost"):
        elements += review_buttons(view.number, view.review, lang)
    if view.status == "open":
        elements.append(button(t(lang, "sup_btn_ask"), Action.DEAL_ASK, value))  # 求助 (bot.deals.support)
        elements.append(
            {
                "type": "overflow",
                "action_id": Action.DEAL_RISK,
                "options": [
                    option(t(lang, "flag_risk", risk=t(lang, "risk_" + kind.replace("-", "_"))), f"{view.number}:{kind}")
                    for kind in ("silent", "champion-left", "budget-cut", "competitor")
                ],
            }
        )
    return {"type": "actions", "block_id": f"deal_actions_{view.number}", "elements": elements}


def deal_list(views: list[DealLine], total: int, config: Config, lang: str, now: datetime, *, more_than: bool = False) -> Reply:
    """A page of deals; ``more_than``: ``total`` is where counting stopped ("20 of 100+")."""
    if not views:
        return Reply(t(lang, "list_empty"), [section(t(lang, "list_empty"))])
    title = t(lang, "list_title", shown=len(views), total=f"{total}+" if more_than else total)
    blocks = [section(f"*{title}*")]
    line = _list_line(config, lang, now.date())
    for view in views:
        blocks.append(
            {
                "type": "section",
                "text": mrkdwn(clip(line(view), SECTION_LIMIT)),
                "accessory": button(f"#{view.number}", Action.DEAL_OPEN, str(view.number)),
            }
        )
    if total > len(views):
        more = total - len(views)
        blocks.append(context(t(lang, "list_more", more=f"{more}+" if more_than else more)))
    return Reply(title, blocks)


def _list_line(config: Config, lang: str, today: date):
    """What a list says of a deal (its number, title and account; its stage, amount, owner, close
    date and, when open, its grade, score and win probability), with the words every line shares
    looked up once for the list (a stage unknown to the config by its key, as ``stage_name`` says it)."""
    stages: dict[str, str] = {}
    for stage in config.stages:
        stages.setdefault(stage.key, stage.name(lang))

    def line(view: DealLine) -> str:
        is_open = view.status == "open"
        stage = stages.get(view.stage, view.stage)
        text = ("🔴 " if view.at_risk and is_open else "") + f"*{number_link(config, view.number)}* {esc(clip(view.title, 150))}"
        if view.account:
            text += f" — {esc(clip(view.account, 100))}"
        facts = [stage if is_open else f"{t(lang, 'status_' + view.status)} · {stage}", fmt_amount(view, lang), f"<@{view.owner}>"]
        if view.expected_close:
            facts.append(_due(view.expected_close, today, lang) if is_open else fmt_date(view.expected_close, lang))
        if is_open:
            probability = view.probability_override if view.probability_override is not None else view.win_probability
            facts.append(t(lang, "list_quality", grade=view.grade, score=view.score, pct=round((probability or 0) * 100)))
        return text + "\n" + " · ".join(facts)

    return line


def history(number: int, events: list[EventView], total: int, config: Config, lang: str, tz) -> Reply:
    title = t(lang, "history_title", number=number)
    lines = [_event_line(e, config, lang, tz) for e in events]
    blocks = [section(f"*{title}*")]
    chunk = ""
    for line in lines:
        if len(chunk) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    if total > len(events):
        blocks.append(context(t(lang, "history_more", more=total - len(events))))
    return Reply(title, blocks)


def _event_line(event: EventView, config: Config, lang: str, tz) -> str:
    when = event.at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    who = f"<@{event.actor}>"
    old, new = _event_value(event, event.old, config, lang), _event_value(event, event.new, config, lang)
    if event.kind == "created":
        what = t(lang, "ev_created")
    elif event.kind == "activity":
        what = t(lang, "ev_activity", kind=t(lang, f"kind_{event.field}"), new=clip(new, 200))
    elif event.kind in ("stage", "status"):
        what = t(lang, f"ev_{event.kind}", old=old, new=new)
    elif event.kind in ("duplicate_confirmed", "duplicate_found", "merged"):
        what = t(lang, f"ev_{event.kind}_{event.field}", new=clip(new, 200))
    elif event.kind == "risk" and event.field:
        cleared = event.new == "cleared"
        note = "" if cleared or event.new in (None, event.field) else f" — {esc(clip(event.new, 200))}"
        what = t(lang, "ev_risk_cleared" if cleared else "ev_risk_raised", risk=risk_name(event.field, lang) + note)
    elif event.kind == "override":
        what = t(lang, "ev_override", old=old, new=clip(new, 200))
    elif event.kind in ("handover", "playbook"):
        what = _after_win_event(event, config, lang)
    elif event.kind == "review":
        what = t(lang, f"ev_review_{event.field}", new=esc(clip(event.new or "", 200)))
    elif event.kind in (
        "payment_plan",
        "payment",
        "followon",
        "support",
        "meeting_action",
        "room",
    ):  # 回款, 二次商机, 求助, 评审会, 群 (bot.deals.payments, followons, support, meeting_actions, rooms)
        what = t(lang, f"ev_{event.kind}_{event.field}", new=esc(clip(event.new or "", 300)))
    elif _pool_event(event):
        what = _pool_event(event)(lang)
    else:
        what = t(lang, "ev_updated", field=_event_field(event.field or "", config, lang), old=clip(old, 200), new=clip(new, 200))
    return clip(f"`{when}` {who} {what}", 900)


def _after_win_event(event: EventView, config: Config, lang: str) -> str:
    """A handover's opening, change, tick or acceptance; a stage's key action ticked."""
    if event.kind == "playbook":
        stage = next((s for s in config.stages if s.key == event.field), None)
        action = step_name(stage.actions if stage else (), event.new or "", lang)
        return t(lang, "ev_playbook", action=esc(action), stage=stage_name(config, event.field or "", lang))
    if event.field == "step":
        return t(lang, "ev_handover_step", step=esc(step_name(config.after.handover_steps, event.new or "", lang)))
    if event.field == "accepted":
        return t(lang, "ev_handover_accepted", new=esc(event.new or ""))
    person = event.field in ("opened", "delivery_owner")
    old, new = ((f"<@{v}>" if person else esc(clip(v, 200))) if v else t(lang, "none") for v in (event.old, event.new))
    if event.field == "opened":
        return t(lang, "ev_handover_opened", new=new)
    return t(lang, "ev_handover_changed", field=field_label(lang, event.field or ""), old=old, new=new)


POOL_EVENTS = {("pool", field) for field in ("warned", "keep_asked", "keep_approved", "keep_declined")} | {("assigned", "pool"), ("assigned", "claim")}


def _pool_event(event: EventView):
    """Moves into and out of the public pool, its warnings and Keep requests: a renderer, or None."""
    key = (event.kind, event.field)
    if key not in POOL_EVENTS and not (key == ("assigned", "owner") and event.old == "pool"):
        return None
    old, new = esc(event.old or ""), esc(event.new or "")
    return lambda lang: t(lang, f"ev_{event.kind}_{event.field}", old=old, new=new)


def _criterion(field: str, config: Config):
    key = field[2:] if field.startswith("q:") else None
    return next((c for c in config.qualification.criteria if c.key == key), None)


def _event_field(field: str, config: Config, lang: str) -> str:
    criterion = _criterion(field, config)
    return criterion.name(lang) if criterion else field_label(lang, field)


def _event_value(event: EventView, value: str | None, config: Config, lang: str) -> str:
    if event.field == "forecast_category":  # none: the stage's default
        return t(lang, "fc_" + value) if value else t(lang, "fc_stage_default")
    if value is None or value == "":
        return t(lang, "none")
    if event.kind == "stage":
        return stage_name(config, value, lang)
    if event.kind == "status":
        return t(lang, f"status_{value}")
    if event.field == "owner":
        return f"<@{value}>"
    if event.field == "probability_override":
        return f"{round(float(value) * 100)}%"
    criterion = _criterion(event.field or "", config)
    if criterion and criterion.choice(value):
        return criterion.choice(value).name(lang)
    reasons = {"won_reason": config.won_reasons, "lost_reason": config.lost_reasons}.get(event.field or "")
    reason = next((r for r in reasons or () if r.key == value), None)
    return reason.name(lang) if reason else esc(value)


BUTTON_VALUE_LIMIT = 2000  # characters of a button's value


def duplicate_choice(matches, lang: str, create_value: str | None) -> Reply:
    """The answer to a new deal that looks like open ones (each with .number, .title, .owner):
    each match with an Open button, then Create anyway carrying ``create_value`` (left out when
    there is none or it is too long for a button)."""
    headline = t(lang, "duplicate_found")
    blocks = [section(headline)]
    for m in matches:
        line = t(lang, "duplicate_line", number=m.number, title=esc(clip(m.title, 200)), owner=m.owner)
        blocks.append(section(line, button(t(lang, "duplicate_open", number=m.number), Action.DEAL_OPEN, str(m.number))))
    if create_value and len(create_value) <= BUTTON_VALUE_LIMIT:
        blocks.append(context(t(lang, "duplicate_choice")))
        blocks.append({"type": "actions", "elements": [button(t(lang, "duplicate_create"), Action.DEAL_CREATE_ANYWAY, create_value, "danger")]})
    else:
        blocks.append(context(t(lang, "duplicate_too_long")))
    return Reply(headline, blocks)


def help_reply(config: Config, lang: str) -> Reply:
    # a Chinese reader types a stage by its name (推进 42 方案提交); an English one sees what to type
    stages = " → ".join(s.name(lang) if lang == "zh" else f"{s.name(lang)} `{s.key}`" for s in config.stages)
    text = HELP[lang].format(stages=stages)
    return Reply(text.splitlines()[0].replace("*", ""), [section(chunk) for chunk in split_lines(text)])  # whole, a section per 3,000 characters
