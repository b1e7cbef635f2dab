"""Reading what a person typed after `/opp new`, `/opp log` and `/opp list`: fields at their
field words (`close 下周五 stage proposal`), an amount inside a title (`Acme ERP 50万`), the next
step after "next"/"下一步", `criterion:choice` answers, and list filters (`mine stage:proposal`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.blocks.kit import clip
from bot.core.config import GRADES
from bot.core.errors import BadInput
from bot.core.money import UnreadableAmount, looks_like_amount, names_its_size, parse_amount
from bot.core.periods import month_of, quarter_of, week_of
from bot.deals.opportunities import DealInput
from bot.reporting.metrics import stall_cutoffs
from bot.team.members import local_now, team_member_ids
from handlers.args import QUOTE_LIMIT, Request, find_stage, is_date, mentioned, read_amount, read_date, read_member
from store.queries import DealFilter

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


# "下一步：发方案" and "见了CIO，下一步发方案" are "… 下一步 发方案"; "next: send quote" is "next send quote"
NEXT_MARK = re.compile(r"[，,；;。]?\s*下一步\s*[:：]?\s*|(?:(?<=\s)|^)next\s*[:：]\s*", re.IGNORECASE)
# "下周二前发方案": a date, then 前 / 之前 / 以前, then the step (or the date and 前 after the step)
DUE_BEFORE = re.compile(r"^(?P<due>.+?)(?:之前|以前|前)(?P<step>.*)$")


def split_next_step(text: str, is_date: Callable[[str], bool]) -> tuple[str, str | None, str | None]:
    """ "called CFO next send quote by friday" -> ("called CFO", "send quote", "friday");
    "见了CIO 下一步：下周二前发方案" -> ("见了CIO", "发方案", "下周二")."""
    words = NEXT_MARK.sub(lambda m: " 下一步 " if "下一步" in m.group() else " next ", text).split()
    starts = [i for i, w in enumerate(words) if w.lower() in ("next", "下一步") and i > 0]
    if not starts:
        return text, None, None
    i = starts[-1]
    step, due = split_due(words[i + 1 :], is_date)
    return " ".join(words[:i]), step, due


def split_due(step_words: list[str], is_date: Callable[[str], bool]) -> tuple[str | None, str | None]:
    """A next step and its due date: after a due word ("send quote by friday", "发方案 截止 周五"),
    or in the Chinese way, a date and 前 before the step or after it ("周三前提交报价",
    "提交报价 周三之前")."""
    dues = [j for j, w in enumerate(step_words) if w.lower() in DUE_WORDS]
    if dues:
        j = dues[-1]
        return " ".join(step_words[:j]) or None, " ".join(step_words[j + 1 :]) or None
    if step_words:
        first = DUE_BEFORE.match(step_words[0])
        if first and is_date(first["due"]):
            return " ".join([first["step"], *step_words[1:]]).strip() or None, first["due"]
        last = DUE_BEFORE.match(step_words[-1])
        if last and not last["step"] and len(step_words) > 1 and is_date(last["due"]):
            return " ".join(step_words[:-1]), last["due"]
    return " ".join(step_words) or None, None


OVERRIDE = re.compile(r"(?:(?:^|(?<=\s))override|破例)\s*[:：]", re.IGNORECASE)


def split_override(text: str) -> tuple[str, str | None]:
    """ "product override: signed, entered late" -> ("product", "signed, entered late"); the
    reason is "" when the word has none, None when there is no override."""
    match = OVERRIDE.search(text)
    if not match:
        return text, None
    return text[: match.start()].strip(), text[match.end() :].strip()


def take_answers(req: Request, text: str) -> tuple[dict[str, str], str]:
    """Pull `criterion:choice` words (budget:approved, 预算:已批准) out of ``text``; returns them,
    by key, and the rest."""
    qualification = req.rt.config.qualification
    answers, rest = {}, []
    for word in text.split():
        name, sep, value = word.replace("：", ":").partition(":")
        criterion = qualification.criterion(name) if sep else None
        if criterion is None:
            rest.append(word)
            continue
        choice = criterion.read(value)
        if choice is None:
            raise BadInput("unknown_choice", criterion=criterion.key, value=clip(value, QUOTE_LIMIT))
        answers[criterion.key] = choice.key
    return answers, " ".join(rest)


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


# words that make the number before them a count of things (`2k seats`, `500 套`), not money; in
# English only plurals (`50k server upgrade` is money for a server)
COUNTED = frozenset(
    ("seats", "users", "licences", "licenses", "units", "people", "persons", "employees", "nodes", "devices", "sites", "stores", "servers")
    + ("instances", "pcs", "sets", "人", "个", "位", "名", "家", "台", "套", "户", "件", "份", "张", "席", "座席", "坐席", "用户", "个用户", "节点")
    + ("终端", "门店", "员工", "账号", "许可")
)
_PUNCTUATION = ",.;:!?，。；：！？、()（）[]【】\"'“”‘’…—-"


def _counts(word: str, next_word: str | None, before: str | None) -> bool:
    """Whether ``word`` counts the things ``next_word`` names (`2k seats,`): never when it names
    its currency, or has one beside it before (`$50k`, `USD 20k`)."""
    if next_word is None or next_word.strip(_PUNCTUATION).split("/")[0].casefold() not in COUNTED:
        return False
    return not names_currency(word) and not (before is not None and names_currency(f"{before} {word}"))


def take_amount(words: list[str]) -> str | None:
    """Take the word that looks like money out of ``words``, with a currency written apart from it
    (`300000 CNY`, `USD 20k`), and return it. A word with a unit or a currency of its own (`50万`,
    `$20k`) is the amount before a plain number beside a currency code, and that before a plain
    number: in `Bench deal 123456 50万` and `PO 4500123 USD 20k` the numbers are part of the name.
    A number followed by what it counts (`2k seats`, `3千 用户`) is never the amount."""
    best = None
    for i, word in enumerate(words):
        if not looks_like_amount(word) or _counts(word, words[i + 1] if i + 1 < len(words) else None, words[i - 1] if i else None):
            continue
        start, end = i, i + 1
        if end < len(words) and names_currency(f"{word} {words[end]}"):
            end += 1
        elif start > 0 and names_currency(f"{words[start - 1]} {word}"):
            start -= 1
        rank = 2 * names_its_size(word) + (end - start > 1)
        if best is None or rank > best[0]:
            best = (rank, start, end)
    if best is None:
        return None
    _, start, end = best
    taken = " ".join(words[start:end])
    del words[start:end]
    return taken


def names_currency(text: str) -> bool:
    """Whether ``text`` reads as an amount that names its currency."""
    try:
        return parse_amount(text, default_currency="XXX")[1] != "XXX"
    except UnreadableAmount:
        return False


def read_inline_deal(req: Request, text: str) -> tuple[DealInput, str | None]:
    """The deal ``text`` describes, and the Slack id of the owner it names (None: not named), for
    the caller to make a member in its write transaction (``handlers.args.member_id``): the text is
    read before that transaction begins."""
    owner = None
    parts = split_fields(text)
    title_words = parts.pop("title")
    if "next_step" in parts and "next_step_due" not in parts:  # 下一步：周五前发方案
        step, due = split_due(parts["next_step"], lambda words: is_date(req, words))
        parts["next_step"] = [step] if step else []
        if due:
            parts["next_step_due"] = [due]
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
            owner = mentioned(value)
        elif name == "tags":
            deal.tags = [tag.strip() for tag in re.split(r"[,，]", value) if tag.strip()]
        else:
            setattr(deal, name, value)
    return deal, owner


LIST_WORDS = {
    "mine": ("mine", "my", "我的"),
    "team": ("team", "团队"),
    "all": ("all", "全部"),
    "overdue": ("overdue", "逾期"),
    "due": ("due", "待跟进"),
    "stalled": ("stalled", "停滞"),
}
LIST_WORD = {alias: name for name, aliases in LIST_WORDS.items() for alias in aliases}
# closing periods, as `closing:this-month` or `成交:本月`, and alone as a word (`本季度`, `this-month`)
CLOSING = {
    "this-week": ("this-week", "本周", "这周"),
    "next-week": ("next-week", "下周"),
    "this-month": ("this-month", "本月", "这个月"),
    "next-month": ("next-month", "下月", "下个月"),
    "this-quarter": ("this-quarter", "本季度", "本季", "这个季度"),
}
CLOSING_OF = {alias: name for name, aliases in CLOSING.items() for alias in aliases}
STATUSES = {"open": ("open",), "won": ("won",), "lost": ("lost",), "closed": ("won", "lost"), "all": ("open", "won", "lost")}
STATUSES.update({"进行中": STATUSES["open"], "赢单": STATUSES["won"], "输单": STATUSES["lost"], "已关闭": STATUSES["closed"], "全部": STATUSES["all"]})


@dataclass
class _ListQuery:
    """What the words of `/opp list` asked for so far; read_filters makes a DealFilter of it."""

    today: date
    scope: str = "mine"
    stage: str | None = None
    owner_ids: tuple[int, ...] | None = None
    overdue: date | None = None
    statuses: tuple[str, ...] = ("open",)
    grade: str | None = None
    touch_due: datetime | None = None
    close_from: date | None = None
    close_to: date | None = None
    quiet_since: tuple[tuple[str, datetime], ...] | None = None
    labels: dict[str, str] = field(default_factory=dict)  # region, industry, source
    free: list[str] = field(default_factory=list)


def read_filters(req: Request, text: str, session) -> DealFilter:
    """The deals `/opp list` (or `/opp export`) asks for: list words (`mine`, `overdue`),
    `word:value` filters (`stage:proposal`), and any other words as text to search for."""
    actor = req.actor
    asked = _ListQuery(today=local_now(req.rt.clock, actor).date())
    for word in text.split():
        _read_word(req, asked, word, session)
    owner_ids = asked.owner_ids
    if owner_ids is None and asked.scope != "all":
        owner_ids = tuple(team_member_ids(session, actor)) if asked.scope == "team" else (actor.member_id,)
    return DealFilter(
        workspace_id=actor.workspace_id,
        statuses=asked.statuses,
        owner_ids=owner_ids,
        stage=asked.stage,
        overdue_on=asked.overdue,
        close_from=asked.close_from,
        close_to=asked.close_to,
        text=" ".join(asked.free) or None,
        grade=asked.grade,
        touch_due_by=asked.touch_due,
        quiet_since=asked.quiet_since,
        **asked.labels,
    )


def _read_word(req: Request, asked: _ListQuery, word: str, session) -> None:
    """One word of `/opp list`: a list word, a `word:value` filter, or text to search for (an
    unknown `word:value` is an error, a link like https://... is text)."""
    key, sep, value = word.partition(":") if ":" in word else word.partition("：")
    key_l = key.lower()
    if not sep and key_l in LIST_WORD:
        _read_list_word(req, asked, LIST_WORD[key_l])
    elif not sep and key_l in CLOSING_OF:
        asked.close_from, asked.close_to = period(CLOSING_OF[key_l], asked.today)
    elif sep and key_l in FILTER_READERS:
        FILTER_READERS[key_l](req, asked, value, word, session)
    elif sep and key_l.isascii() and key_l.isalpha() and not value.startswith("//"):
        raise _bad_filter(word)
    else:
        asked.free.append(word)


def _read_list_word(req: Request, asked: _ListQuery, name: str) -> None:
    """A list word: whose deals (mine, team, all), or which ones (overdue, due, stalled)."""
    if name == "overdue":
        asked.overdue = asked.today
    elif name == "due":
        asked.touch_due = req.rt.clock.now()
    elif name == "stalled":
        asked.quiet_since = stall_cutoffs(req.rt.config, req.rt.clock.now())
    else:
        asked.scope = name


def _bad_filter(word: str) -> BadInput:
    """The error for a filter word that can't be read, quoting it."""
    return BadInput("bad_filter", value=clip(word, QUOTE_LIMIT))


def _read_stage(req: Request, asked: _ListQuery, value: str, word: str, session) -> None:
    asked.stage = find_stage(req, value)


def _read_owner(req: Request, asked: _ListQuery, value: str, word: str, session) -> None:
    asked.owner_ids = (read_member(req, value, session),)


def _read_closing(req: Request, asked: _ListQuery, value: str, word: str, session) -> None:
    if value.lower() not in CLOSING_OF:
        raise _bad_filter(word)
    asked.close_from, asked.close_to = period(CLOSING_OF[value.lower()], asked.today)


def _read_grade(req: Request, asked: _ListQuery, value: str, word: str, session) -> None:
    if value.upper() not in GRADES:
        raise _bad_filter(word)
    asked.grade = value.upper()


def _read_status(req: Request, asked: _ListQuery, value: str, word: str, session) -> None:
    if value.lower() not in STATUSES:
        raise _bad_filter(word)
    asked.statuses = STATUSES[value.lower()]


def _label_reader(name: str):
    """The reader of a text field filtered by its whole value (`region:华东`, `source:expo`)."""

    def read(req: Request, asked: _ListQuery, value: str, word: str, session) -> None:
        if not value.strip():
            raise _bad_filter(word)
        asked.labels[name] = value.strip()

    return read


# `word:value` filters of `/opp list`, each with the function that reads its value
FILTER_WORDS = (
    (("stage", "阶段"), _read_stage),
    (("owner", "负责人"), _read_owner),
    (("closing", "成交", "成交日", "预计成交"), _read_closing),
    (("grade", "评级", "等级"), _read_grade),
    (("status", "状态"), _read_status),
    (("region", "区域", "地区"), _label_reader("region")),
    (("industry", "行业"), _label_reader("industry")),
    (("source", "来源"), _label_reader("source")),
)
FILTER_READERS = {word: reader for words, reader in FILTER_WORDS for word in words}


def period(name: str, today: date) -> tuple[date, date]:
    """First and last day of this/next week, month or quarter ("next-month", "this-quarter")."""
    unit = {"week": week_of, "month": month_of, "quarter": quarter_of}[name.split("-")[1]]
    span = unit(today, UTC)  # calendar days only: the timezone doesn't matter here
    if name.startswith("next"):
        span = unit(span.last + timedelta(days=1), UTC)
    return span.first, span.last
