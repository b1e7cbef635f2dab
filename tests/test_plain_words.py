"""No internal key reaches a person. Every kind of message — cards, lists, history, alerts, digests,
reports, the Home tab, team, who, errors — is rendered in Chinese and in English over the demo
pipeline, and none may show a configuration key (a stage's, a reason's, an answer's, a risk's, a
role's), a condition or status value, or a ``key=value`` fragment, outside what the person is told
to type (`in backticks`). The clock is fixed."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.alerts.preferences import MODES
from bot.alerts.scan import CONDITIONS
from bot.core.config_model import ROLES, STRATEGIES
from bot.core.deal_fields import ACTIVITY_KINDS
from bot.core.glossary import AVOID, TERMS
from bot.core.i18n import t, zone_name
from bot.core.messages import MESSAGES
from bot.deals.risks import RISK_KINDS
from bot.demo.pipeline import SAMPLES, load_demo
from bot.worker.jobs import tick
from bot.worker.sender import sender_client
from store.models import Member, Opportunity
from tests.conftest import SHANGHAI, payload_text
from tests.test_home import open_home

TEAM = "T0001"
CAST = {"alice": "U0ALICE", "bob": "U0BOB", "li": "U0LI", "wang": "U0WANG"}
READERS = {"zh": "li", "en": "alice"}


def internal_keys(config) -> set[str]:
    """Every key of the configuration and every fixed value a person must not see as such."""
    keys = {s.key for s in config.stages}
    keys |= {r.key for r in (*config.won_reasons, *config.lost_reasons)}
    for criterion in config.qualification.criteria:
        keys |= {criterion.key, *(c.key for c in criterion.choices)}
    keys |= set(RISK_KINDS) | set(ROLES) | set(CONDITIONS) | set(ACTIVITY_KINDS)
    keys |= set(STRATEGIES) | set(MODES) | {"default", "open", "won", "lost", "deleted"}
    return keys


def people_typed(config) -> set[str]:
    """What the demo's people wrote (titles, accounts, notes...): their words, not the app's."""
    typed = set()
    for sample in SAMPLES:
        for value in vars(sample).values():
            if isinstance(value, str):
                typed.add(value)
            elif isinstance(value, tuple):
                typed |= {v for item in value for v in (item if isinstance(item, tuple) else (item,)) if isinstance(v, str)}
    return {t for t in typed if len(t) > 3} - internal_keys(config)


def english_words(config) -> set[str]:
    """The words the English messages and names use themselves ("won" and "open" are words there,
    and "budget" is one of "No budget"), not keys."""
    words = set()
    for _zh, en in MESSAGES.values():
        words |= set(re.findall(r"[a-z]+", re.sub(r"`[^`]*`|\{[^}]*\}", " ", en)))
    named = [*config.stages, *config.won_reasons, *config.lost_reasons, *config.qualification.criteria]
    named += [c for criterion in config.qualification.criteria for c in criterion.choices]
    for item in named:
        words |= set(re.findall(r"[a-z]+", item.name("en").lower()))
    return words


def leaks(text: str, keys: set[str], typed: set[str], lang: str, english: set[str]) -> list[str]:
    """The fragments of ``text`` that are internal keys (see the module's docstring)."""
    text = re.sub(r"`[^`]*`", " ", text)  # what to type
    text = re.sub(r"<[@#!][^>]*>|<https?://[^>]*>", " ", text)  # mentions, links
    for words in sorted(typed, key=len, reverse=True):
        text = text.replace(words, " ")
    found = re.findall(r"\b[a-z]+(?:_[a-z]+)+\b|\b\w+=\w+", text)  # snake_case, key=value
    if lang == "zh":  # a Chinese reader sees no English key at all, nor a time zone's name
        found += [w for w in re.findall(r"(?<![\w-])[a-z][a-z-]*[a-z](?![\w-])", text) if w in keys]
        found += re.findall(r"\b[A-Z][a-z]+/[A-Z][A-Za-z_]+\b", text)
    else:  # an English reader sees a key only where it is also a word of the messages
        found += [w for w in re.findall(r"(?<![\w-])[a-z][a-z-]*[a-z](?![\w-])", text) if w in keys and w not in english]
    return found


# what each reader types, in their own language (42 is replaced by every deal's number)
COMMANDS = {
    "zh": [
        "团队 设置 <@U0WANG> 容量:12 角色:客户经理 区域:华东",
        "早报 开",
        "提醒设置 静音 3天",
        "提醒 1 明天上午10点 给CFO打电话",
        "风险 2 竞争对手 对方降价",
        "帮助",
        "列表",
        "列表 团队",
        "列表 全部",
        "列表 全部 状态:全部",
        "列表 逾期",
        "列表 停滞",
        "查找 恒通",
        "团队",
        "团队 负载",
        "公海",
        "报表 漏斗",
        "报表 预测",
        "报表 人员",
        "报表 输单",
        "报表 周期",
        "报表 趋势",
        "提醒设置",
        "早报",
    ],
    "en": [
        "team set <@U0BOB> capacity:12 role:ae region:East",
        "brief on",
        "alerts mute 3d",
        "remind 3 tomorrow 10am call the CFO",
        "risk 4 competitor price cut",
        "help",
        "list",
        "list team",
        "list all",
        "list all status:all",
        "list overdue",
        "list stalled",
        "find Acme",
        "team",
        "team load",
        "pool",
        "report funnel",
        "report forecast",
        "report reps",
        "report losses",
        "report cycle",
        "report trend",
        "alerts",
        "brief",
    ],
}
PER_DEAL = {"zh": ["查看 {n}", "历史 {n}", "谁负责 {n}"], "en": ["show {n}", "history {n}", "who {n}"]}
MISTAKES = {
    "zh": [
        "新建",
        "新建 X 金额 很多",
        "推进 1 月球",
        "输单 1 天气",
        "赢单 1 运气",
        "评估 1 预算:很多",
        "评估 1",
        "列表 颜色:红",
        "列表 成交:明年",
        "提醒 1 昨天 打电话",
        "概率 1 200%",
        "评级 1 Z",
        "风险 1 下雨",
        "团队 设置 <@U0BOB> 角色:国王",
        "查看 999",
        "删除 1",
        "报表 什么",
        "早报 也许",
    ],
    "en": [
        "new",
        "new X amount lots",
        "move 1 moon",
        "lost 1 weather",
        "won 1 luck",
        "qualify 1 budget:lots",
        "qualify 1",
        "list colour:red",
        "list closing:someday",
        "remind 1 yesterday call",
        "prob 1 200%",
        "grade 1 Z",
        "risk 1 rain",
        "team set <@U0BOB> role:king",
        "show 999",
        "delete 1",
        "report what",
        "brief maybe",
    ],
}


def test_no_internal_key_reaches_a_person_in_any_message(slack, rt, clock, fake):
    assert load_demo(rt, TEAM, CAST) > 0
    with rt.transaction() as session:
        numbers = list(session.scalars(select(Opportunity.number).order_by(Opportunity.number)))
        people = {m.slack_user_id: m for m in session.scalars(select(Member))}
        people["U0LI"].role, people["U0ALICE"].role = "admin", "manager"  # they may change the team, and see it
        people["U0BOB"].manager_id = people["U0WANG"].manager_id = people["U0ALICE"].id
    keys, typed, english = internal_keys(rt.config), people_typed(rt.config), english_words(rt.config)
    seen: dict[str, list[tuple[str, str]]] = {"zh": [], "en": []}
    for lang, who in READERS.items():
        for text in COMMANDS[lang] + [c.format(n=n) for n in numbers for c in PER_DEAL[lang]] + MISTAKES[lang]:
            seen[lang].append((text, slack.command(who, text).text))
        seen[lang].append(("Home", payload_text({"blocks": open_home(slack, who)["blocks"]})))
    before = len(fake.calls("chat.postMessage"))
    clock.set(datetime(2026, 11, 30, 9, 5, tzinfo=SHANGHAI))  # a Monday morning: alerts and digests
    tick(rt, sender_client("xoxb-test", fake.api_url, retries=0), clock.now())
    for post in fake.calls("chat.postMessage")[before:]:
        reader = post.args["channel"]
        lang = "en" if reader in ("U0ALICE", "U0BOB") else "zh"  # the channels get the workspace's language
        seen[lang].append((f"post to {reader}", payload_text(post.args)))
    found = {(lang, what, leak) for lang, items in seen.items() for what, text in items for leak in leaks(text, keys, typed, lang, english)}
    assert not found, "\n".join(f"{lang} {what}: {leak}" for lang, what, leak in sorted(found))


def test_the_chinese_messages_teach_commands_in_chinese():
    """Every `/opp …` a Chinese message shows as an example is typed in Chinese."""
    english = {
        key: example
        for key, (zh, _en) in MESSAGES.items()
        for example in re.findall(r"`/opp ([^`]*)`", zh)
        if re.search(r"[a-z]{3,}", re.sub(r"\{[^}]*\}", "", example))
    }
    assert english == {}


def test_a_time_zone_reads_as_its_reader_knows_it():
    now = datetime(2026, 11, 25, 10, tzinfo=SHANGHAI)
    assert zone_name("zh", "Asia/Shanghai", now) == zone_name("zh", "Asia/Hong_Kong", now) == "北京时间"
    assert zone_name("zh", "America/New_York", now) == "UTC−5"  # winter
    assert zone_name("zh", "America/New_York", datetime(2026, 7, 1, tzinfo=SHANGHAI)) == "UTC−4"
    assert zone_name("zh", "Asia/Kolkata", now) == "UTC+5:30"
    assert zone_name("zh", "UTC", now) == "UTC+0"
    assert zone_name("en", "Asia/Shanghai", now) == "Asia/Shanghai"


def test_history_names_the_reason_a_deal_was_won_or_lost(slack):
    slack.command("li", "新建 恒通 WMS 50万")
    slack.command("li", "新建 恒通 MES 80万")
    slack.command("li", "赢单 1 关系")
    slack.command("li", "输单 2 无预算 明年再说")
    assert "把赢单原因从 — 改为 客户关系" in slack.command("li", "历史 1").text
    assert "changed Lost reason from — to No budget" in slack.command("alice", "history 2").text


def test_each_concept_has_one_name_in_each_language(config):
    """No message, and no name in the shipped configuration, calls a concept by a name the glossary
    avoids (赢率 for 赢单概率, 决策权 for 决策人)."""
    texts = {key: f"{zh}\n{en}" for key, (zh, en) in MESSAGES.items()}
    named = [*config.stages, *config.won_reasons, *config.lost_reasons, *config.qualification.criteria]
    named += [choice for criterion in config.qualification.criteria for choice in criterion.choices]
    texts |= {f"config {item.key}": "\n".join(item.names.values()) for item in named}
    uses = {(where, variant, AVOID[variant]) for where, text in texts.items() for variant in AVOID if variant.lower() in re.sub(r"`[^`]*`", " ", text).lower()}
    assert uses == set()
    criteria = {c.key: c for c in config.qualification.criteria}
    assert criteria["authority"].names == {"zh": TERMS["authority"][0], "en": TERMS["authority"][1]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_glossary_fills_the_terms_a_message_names(lang):
    assert t(lang, "probability_set", number=8, pct=60) == {"zh": "#8 赢单概率设为 60%", "en": "#8 win probability set to 60%"}[lang]
    assert t(lang, "field_authority") == {"zh": "决策人 (A)", "en": "Authority (A)"}[lang]
