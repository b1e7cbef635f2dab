"""The `/opp` command: read the text a person typed (English or Chinese), call one deal service,
and answer with a reply to show or a modal to open."""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import replace
from datetime import date, timedelta, timezone

from bot.reporting import digests as digest
from bot.blocks import forms
from bot.reporting import metrics
from bot.deals import opportunities
from bot.blocks import deals as render
from bot.reporting import reports
from bot.deals import risks
from handlers import team
from bot.core.money import UnreadableAmount, looks_like_amount, parse_amount
from bot.core.config import GRADES
from bot.core.errors import BadInput, UserError
from bot.core.i18n import t
from bot.team.members import Actor, ProfileFetcher, local_now, team_member_ids
from bot.deals.opportunities import DealInput
from bot.blocks.deals import DealView, Reply, clip
from handlers.args import (
    NUMBER,
    QUOTE_LIMIT,
    Modal,
    Request,
    card,
    error_reply,
    find_stage,
    parse_number,
    read_amount,
    read_date,
    read_member,
    unescape,
)
from bot.core.runtime import Runtime
from store.queries import DealFilter, search_deals

log = logging.getLogger(__name__)

LIST_LIMIT = 20

SUBCOMMANDS = {
    "new": ("new", "create", "add", "新建", "创建", "新增"),
    "show": ("show", "view", "查看", "详情"),
    "edit": ("edit", "编辑", "修改"),
    "list": ("list", "ls", "列表"),
    "find": ("find", "search", "查找", "搜索"),
    "move": ("move", "推进"),
    "log": ("log", "跟进", "记录"),
    "won": ("won", "win", "赢单", "成交"),
    "lost": ("lost", "lose", "输单"),
    "history": ("history", "历史"),
    "qualify": ("qualify", "bant", "评估"),
    "grade": ("grade", "评级"),
    "prob": ("prob", "probability", "概率"),
    "tag": ("tag", "tags", "标签"),
    "help": ("help", "帮助", "?", "？"),
    "risk": ("risk", "风险"),
    "remind": ("remind", "reminder", "提醒"),
    "report": ("report", "reports", "报表", "报告"),
    "export": ("export", "导出"),
    "brief": ("brief", "早报"),
    "team": ("team", "团队"),
    "who": ("who", "谁负责", "职责"),
    "assign": ("assign", "分配"),
    "reassign": ("reassign", "转交", "改派"),
    "pool": ("pool", "公海"),
    "claim": ("claim", "认领"),
}
ALIASES = {alias: name for name, aliases in SUBCOMMANDS.items() for alias in aliases}

# Words that start a field in `/opp new ...` (also as `word:value`). Everything before the first
# one is the title (an amount-looking word in it, like 50万, becomes the amount).
FIELD_WORDS = {
    "expected_close": ("close", "closing", "成交日", "预计成交", "截止"),
    "stage": ("stage", "阶段"),
    "account": ("account", "company", "客户", "公司"),
    "contact": ("contact", "联系人"),
    "owner": ("owner", "负责人"),
    "source": ("source", "来源"),
    "industry": ("industry", "行业"),
    "region": ("region", "区域", "地区"),
    "amount": ("amount", "金额"),
    "next_step": ("next", "下一步"),
    "tags": ("tags", "tag", "标签"),
}
FIELD_OF = {word: name for name, words in FIELD_WORDS.items() for word in words}
DUE_WORDS = ("by", "due", "截止", "之前")
DATE_FIELDS = ("expected_close", "next_step_due")
# Words that, after "next", make it part of a date ("close next friday") rather than a next step.
DATE_WORDS = {
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
    "week",
    "month",
    "quarter",
    "year",
}
KIND_PREFIX = re.compile(r"^(note|call|meeting|email|visit|备注|电话|会议|邮件|拜访)\s*[:：]\s*", re.IGNORECASE)
KIND_WORDS = {"备注": "note", "电话": "call", "会议": "meeting", "邮件": "email", "拜访": "visit"}


def run(rt: Runtime, actor: Actor, text: str, *, channel: str | None, fetch_profile: ProfileFetcher) -> Reply | Modal:
    text = unescape(text or "").strip()
    word, _, rest = text.partition(" ")
    word = word.strip()
    if word and not word.isascii():  # typed in Chinese: answer in Chinese
        actor = replace(actor, lang="zh")
    req = Request(rt, actor, channel, fetch_profile)
    try:
        if not word:
            return render.help_reply(rt.config, actor.lang)
        name = ALIASES.get(word.lower())
        if name is None and NUMBER.match(word):
            name, rest = "show", text
        if name is None:
            raise BadInput("unknown_subcommand", value=clip(word, QUOTE_LIMIT))
        return HANDLERS[name](req, rest.strip())
    except UserError as err:
        return error_reply(err, rt.config, actor.lang)
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("/opp %s failed (ref %s)", word, ref)
        return render.message("⚠️ " + t(actor.lang, "internal_error", ref=ref))


# --- subcommands ---------------------------------------------------------------------------


def cmd_help(req: Request, _rest: str) -> Reply:
    return render.help_reply(req.rt.config, req.lang)


def cmd_new(req: Request, rest: str) -> Reply | Modal:
    if not rest:
        meta = forms.FormMeta(channel=req.channel)
        return Modal(forms.deal_modal(req.rt.config, req.lang, owner=req.actor.slack_user_id, meta=meta))
    answers, rest = take_answers(req, rest)
    with req.rt.transaction() as session:
        deal = read_inline_deal(req, rest, session)
        deal.qualification = answers or None
        opp, _ = opportunities.create(session, actor=req.actor, deal=deal, config=req.rt.config, clock=req.rt.clock)
        view = DealView.of(opp)
    return card(req, view, t(req.lang, "created", number=view.number))


def cmd_show(req: Request, rest: str) -> Reply:
    number, _ = parse_number(rest, "show")
    with req.rt.transaction() as session:
        view = DealView.of(opportunities.get(session, actor=req.actor, number=number))
    return card(req, view)


def cmd_edit(req: Request, rest: str) -> Modal:
    number, _ = parse_number(rest, "edit")
    return edit_modal(req.rt, req.actor, number, channel=req.channel)


def edit_modal(rt: Runtime, actor: Actor, number: int, *, channel: str | None) -> Modal:
    with rt.transaction() as session:
        opp = opportunities.get(session, actor=actor, number=number)
        opportunities.require_change(actor, opp)
        view = DealView.of(opp)
    meta = forms.FormMeta(channel=channel, number=number, version=view.version)
    return Modal(forms.deal_modal(rt.config, actor.lang, owner=actor.slack_user_id, meta=meta, deal=view))


def cmd_move(req: Request, rest: str) -> Reply:
    number, stage_text = parse_number(rest, "move")
    stage = find_stage(req, stage_text)
    with req.rt.transaction() as session:
        opp = opportunities.move_stage(session, actor=req.actor, number=number, stage=stage, config=req.rt.config, clock=req.rt.clock)
        view = DealView.of(opp)
    return card(req, view, t(req.lang, "moved", number=number, stage=req.rt.config.stage(stage).name(req.lang)))


def cmd_log(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "log")
    kind = "note"
    match = KIND_PREFIX.match(text)
    if match:
        word = match.group(1).lower()
        kind, text = KIND_WORDS.get(word, word), text[match.end() :]
    text, next_step, due_text = split_next_step(text)
    due = read_date(req, due_text) if due_text else None
    with req.rt.transaction() as session:
        opp = opportunities.log_activity(
            session, actor=req.actor, number=number, text=text, kind=kind, next_step=next_step, next_step_due=due, config=req.rt.config, clock=req.rt.clock
        )
        view = DealView.of(opp)
    return card(req, view, t(req.lang, "logged", number=number))


def split_next_step(text: str) -> tuple[str, str | None, str | None]:
    """ "called CFO next send quote by friday" -> ("called CFO", "send quote", "friday")."""
    words = text.split()
    starts = [i for i, w in enumerate(words) if w.lower() in ("next", "下一步") and i > 0]
    if not starts:
        return text, None, None
    i = starts[-1]
    step_words = words[i + 1 :]
    due = None
    dues = [j for j, w in enumerate(step_words) if w.lower() in DUE_WORDS]
    if dues:
        j = dues[-1]
        due = " ".join(step_words[j + 1 :]) or None
        step_words = step_words[:j]
    return " ".join(words[:i]), " ".join(step_words) or None, due


def cmd_close(req: Request, rest: str, *, won: bool) -> Reply:
    number, text = parse_number(rest, "won" if won else "lost")
    config = req.rt.config
    reason, note = None, text or None
    if text:
        found = config.find_reason(text, won=won)
        if found:
            reason, note = found[0].key, found[1] or None
        elif not won:
            raise BadInput("unknown_lost_reason", value=clip(text, QUOTE_LIMIT))
    with req.rt.transaction() as session:
        opp = opportunities.close(session, actor=req.actor, number=number, won=won, reason=reason, note=note, config=req.rt.config, clock=req.rt.clock)
        view = DealView.of(opp)
    if won:
        return card(req, view, t(req.lang, "won", number=number))
    reason_name = next(r.name(req.lang) for r in config.lost_reasons if r.key == reason)
    return card(req, view, t(req.lang, "lost", number=number, reason=reason_name))


def cmd_history(req: Request, rest: str) -> Reply:
    number, _ = parse_number(rest, "history")
    with req.rt.transaction() as session:
        opp, events, total = opportunities.history(session, actor=req.actor, number=number)
        return render.history(opp.number, events, total, req.rt.config, req.lang, req.actor.tz)


def cmd_list(req: Request, rest: str) -> Reply:
    with req.rt.transaction() as session:
        f = read_filters(req, rest, session)
        rows, total = search_deals(session, f, limit=LIST_LIMIT)
        views = [DealView.of(o) for o in rows]
    return render.deal_list(views, total, req.rt.config, req.lang, local_now(req.rt.clock, req.actor))


def cmd_find(req: Request, rest: str) -> Reply:
    if not rest:
        raise BadInput("need_find_text")
    f = DealFilter(workspace_id=req.actor.workspace_id, statuses=("open", "won", "lost"), text=rest)
    with req.rt.transaction() as session:
        rows, total = search_deals(session, f, limit=LIST_LIMIT, newest_first=True)
        views = [DealView.of(o) for o in rows]
    return render.deal_list(views, total, req.rt.config, req.lang, local_now(req.rt.clock, req.actor))


# --- qualification: answers, grade, probability, tags ----------------------------------------


def take_answers(req: Request, text: str) -> tuple[dict[str, str], str]:
    """Pull `criterion:choice` words (budget:approved) out of ``text``; returns them and the rest."""
    criteria = {c.key: c for c in req.rt.config.qualification.criteria}
    answers, rest = {}, []
    for word in text.split():
        key, sep, value = word.replace("：", ":").partition(":")
        if sep and key.lower() in criteria:
            criterion = criteria[key.lower()]
            if criterion.choice(value.lower()) is None:
                raise BadInput("unknown_choice", criterion=criterion.key, value=clip(value, QUOTE_LIMIT))
            answers[criterion.key] = value.lower()
        else:
            rest.append(word)
    return answers, " ".join(rest)


def cmd_qualify(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "qualify")
    answers, leftover = take_answers(req, text)
    if leftover:  # a word that is not criterion:answer
        raise BadInput("unknown_choice", criterion=leftover.split(":")[0], value=clip(leftover, QUOTE_LIMIT))
    if not answers:
        raise BadInput("need_answers")
    with req.rt.transaction() as session:
        opp = opportunities.get(session, actor=req.actor, number=number)
        merged = {**(opp.qualification or {}), **answers}
        opp, _ = opportunities.update(
            session, actor=req.actor, number=number, changes=DealInput(qualification=merged), config=req.rt.config, clock=req.rt.clock
        )
        view = DealView.of(opp)
    return card(req, view, t(req.lang, "qualified", number=number, score=view.score, grade=view.grade))


def cmd_grade(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "grade")
    value = text.strip().upper()
    if value not in ("A", "B", "C", "AUTO", "自动"):
        raise BadInput("bad_grade", value=clip(text, QUOTE_LIMIT))
    grade = None if value in ("AUTO", "自动") else value
    with req.rt.transaction() as session:
        opp = opportunities.pin_grade(session, actor=req.actor, number=number, grade=grade, config=req.rt.config, clock=req.rt.clock)
        view = DealView.of(opp)
    return card(req, view, t(req.lang, "grade_set" if grade else "grade_auto", number=number, grade=view.grade))


def cmd_prob(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "prob")
    value = text.strip().rstrip("%％").strip()
    if value.lower() in ("clear", "auto", "清除", "自动"):
        probability = None
    else:
        try:
            probability = float(value) / 100
        except ValueError:
            probability = -1
        if not 0 <= probability <= 1:
            raise BadInput("bad_probability", value=clip(text, QUOTE_LIMIT))
    with req.rt.transaction() as session:
        opp = opportunities.set_probability(session, actor=req.actor, number=number, value=probability, config=req.rt.config, clock=req.rt.clock)
        view = DealView.of(opp)
    if probability is None:
        return card(req, view, t(req.lang, "probability_cleared", number=number))
    return card(req, view, t(req.lang, "probability_set", number=number, pct=round(probability * 100)))


def cmd_tag(req: Request, rest: str) -> Reply:
    number, text = parse_number(rest, "tag")
    words = [w for w in re.split(r"[\s,，]+", text) if w]
    if not words:
        raise BadInput("need_tags")
    with req.rt.transaction() as session:
        opp = opportunities.get(session, actor=req.actor, number=number)
        tags = list(opp.tags or [])
        for word in words:
            if word[0] in "-－":
                tags = [tag for tag in tags if tag != word[1:]]
            elif word.lstrip("+＋") not in tags:
                tags.append(word.lstrip("+＋"))
        opp, _ = opportunities.update(session, actor=req.actor, number=number, changes=DealInput(tags=tags), config=req.rt.config, clock=req.rt.clock)
        view = DealView.of(opp)
    return card(req, view, t(req.lang, "tags_set", number=number))


# --- reading values --------------------------------------------------------------------------


def split_fields(text: str) -> dict[str, list[str]]:
    """Cut `/opp new` text into fields at the field words; "title" holds the words before them."""
    parts: dict[str, list[str]] = {"title": []}
    current = "title"
    words = text.split()
    for i, word in enumerate(words):
        match = re.match(r"^([^:：]+)[:：](.*)$", word)
        key, tail = (match.group(1), match.group(2)) if match else (word, "")
        name = FIELD_OF.get(key.lower())
        if current == "next_step" and not match and word.lower() in DUE_WORDS:
            current = "next_step_due"
            parts.setdefault(current, [])
            continue
        if name == "next_step" and current in DATE_FIELDS:
            following = words[i + 1].lower() if i + 1 < len(words) else ""
            if not parts[current] or following in DATE_WORDS:
                name = None  # "close next friday": part of the date
        if name is None:
            parts[current].append(word)
            continue
        current = name
        parts.setdefault(current, [])
        if tail:
            parts[current].append(tail)
    return parts


def take_amount(words: list[str]) -> str | None:
    """Take the first word that looks like money out of ``words``, with a currency written apart
    from it (`300000 CNY`, `USD 20k`), and return it."""
    for i, word in enumerate(words):
        if not looks_like_amount(word):
            continue
        start, end = i, i + 1
        if end < len(words) and names_currency(f"{word} {words[end]}"):
            end += 1
        elif start > 0 and names_currency(f"{words[start - 1]} {word}"):
            start -= 1
        taken = " ".join(words[start:end])
        del words[start:end]
        return taken
    return None


def names_currency(text: str) -> bool:
    """Whether ``text`` reads as an amount that names its currency."""
    try:
        return parse_amount(text, default_currency="XXX")[1] != "XXX"
    except UnreadableAmount:
        return False


def read_inline_deal(req: Request, text: str, session) -> DealInput:
    parts = split_fields(text)
    title_words = parts.pop("title")
    deal = DealInput()
    if "amount" not in parts:
        amount = take_amount(title_words)
        if amount:
            parts["amount"] = [amount]
    deal.title = " ".join(title_words)
    for name, words in parts.items():
        value = " ".join(words).strip()
        if name == "amount":
            deal.amount, deal.currency = read_amount(req, value)
        elif name in DATE_FIELDS:
            setattr(deal, name, read_date(req, value))
        elif name == "stage":
            deal.stage = find_stage(req, value)
        elif name == "owner":
            deal.owner_id = read_member(req, value, session)
        elif name == "tags":
            deal.tags = [tag.strip() for tag in re.split(r"[,，]", value) if tag.strip()]
        else:
            setattr(deal, name, value)
    return deal


HANDLERS = {
    "help": cmd_help,
    "new": cmd_new,
    "show": cmd_show,
    "edit": cmd_edit,
    "list": cmd_list,
    "find": cmd_find,
    "move": cmd_move,
    "log": cmd_log,
    "won": lambda req, rest: cmd_close(req, rest, won=True),
    "lost": lambda req, rest: cmd_close(req, rest, won=False),
    "history": cmd_history,
    "qualify": cmd_qualify,
    "grade": cmd_grade,
    "prob": cmd_prob,
    "tag": cmd_tag,
    "risk": risks.cmd_risk,
    "remind": risks.cmd_remind,
    "report": lambda req, rest: reports.cmd_report(req, rest),
    "export": lambda req, rest: reports.cmd_export(req, rest),
    "brief": lambda req, rest: digest.cmd_brief(req, rest),
    "team": team.cmd_team,
    "who": team.cmd_who,
    "assign": team.cmd_assign,
    "reassign": team.cmd_assign,
    "pool": team.cmd_pool,
    "claim": team.cmd_claim,
}


LIST_WORDS = {
    "mine": ("mine", "my", "我的"),
    "team": ("team", "团队"),
    "all": ("all", "全部"),
    "overdue": ("overdue", "逾期"),
    "due": ("due", "待跟进"),
    "stalled": ("stalled", "停滞"),
}
LIST_WORD = {alias: name for name, aliases in LIST_WORDS.items() for alias in aliases}
CLOSING = ("this-week", "next-week", "this-month", "next-month", "this-quarter")
STATUSES = {"open": ("open",), "won": ("won",), "lost": ("lost",), "closed": ("won", "lost"), "all": ("open", "won", "lost")}


def read_filters(req: Request, text: str, session) -> DealFilter:
    actor = req.actor
    scope, stage, owner_ids, overdue, statuses, grade, touch_due = "mine", None, None, None, ("open",), None, None
    close_from = close_to = quiet_since = None
    free: list[str] = []
    today = local_now(req.rt.clock, actor).date()
    for word in text.split():
        key, sep, value = word.partition(":") if ":" in word else word.partition("：")
        key_l = key.lower()
        if not sep and key_l in LIST_WORD:
            name = LIST_WORD[key_l]
            if name == "overdue":
                overdue = today
            elif name == "due":
                touch_due = req.rt.clock.now()
            elif name == "stalled":
                quiet_since = metrics.stall_cutoffs(req.rt.config, req.rt.clock.now())
            else:
                scope = name
        elif sep and key_l in ("stage", "阶段"):
            stage = find_stage(req, value)
        elif sep and key_l in ("owner", "负责人"):
            owner_ids = (read_member(req, value, session),)
        elif sep and key_l in ("closing", "成交"):
            if value.lower() not in CLOSING:
                raise BadInput("bad_filter", value=clip(word, QUOTE_LIMIT))
            close_from, close_to = period(value.lower(), today)
        elif sep and key_l in ("grade", "评级"):
            if value.upper() not in GRADES:
                raise BadInput("bad_filter", value=clip(word, QUOTE_LIMIT))
            grade = value.upper()
        elif sep and key_l in ("status", "状态"):
            if value.lower() not in STATUSES:
                raise BadInput("bad_filter", value=clip(word, QUOTE_LIMIT))
            statuses = STATUSES[value.lower()]
        elif sep and key_l.isascii() and key_l.isalpha() and not value.startswith("//"):
            raise BadInput("bad_filter", value=clip(word, QUOTE_LIMIT))
        else:
            free.append(word)
    if owner_ids is None and scope != "all":
        owner_ids = tuple(team_member_ids(session, actor)) if scope == "team" else (actor.member_id,)
    return DealFilter(
        workspace_id=actor.workspace_id,
        statuses=statuses,
        owner_ids=owner_ids,
        stage=stage,
        overdue_on=overdue,
        close_from=close_from,
        close_to=close_to,
        text=" ".join(free) or None,
        grade=grade,
        touch_due_by=touch_due,
        quiet_since=quiet_since,
    )


def period(name: str, today: date) -> tuple[date, date]:
    """First and last day of this/next week, month or quarter ("next-month", "this-quarter")."""
    unit = {"week": metrics.week_of, "month": metrics.month_of, "quarter": metrics.quarter_of}[name.split("-")[1]]
    span = unit(today, timezone.utc)  # calendar days only: the timezone doesn't matter here
    if name.startswith("next"):
        span = unit(span.last + timedelta(days=1), timezone.utc)
    return span.first, span.last
