"""Hostile input through the front door: every `/opp` subcommand, typed in English and in Chinese,
and every button, menu and form oppbot listens on, given values nobody should type or send. Each
answer is a 200 (a 400 for a malformed envelope) that says something specific in the person's
language — never the internal-error apology, an error reference, a traceback or an internal key —
and an answer that refuses changes nothing."""

from __future__ import annotations

import logging
import re

import pytest

from bot.blocks.ids import ALERT_SNOOZE_PREFIX, HANDOVER_TICK_PREFIX, PLAYBOOK_TICK_PREFIX, Action
from handlers.router import ALIASES_OF
from store.models import Activity, Event, Opportunity, Reminder, Risk
from tests.conftest import USERS, payload_text

BIDI = "\u202e\u2066"
HOSTILE = [
    "",
    "   ",
    "x" * 5000,
    "a\x00b",
    f"{BIDI}Acme\u202c",
    "😀🔥",
    "１２３",
    "-1",
    "99999999999999999999",
    "#0",
    "#424242",
    "U123",
    "<@U0NOBODY>",
    "<#C123|x>",
    "*x* <!channel> <https://evil|click>",
    "1; DROP TABLE deals",
    "0000-00-00",
    "2026-02-30",
    "明年十三月",
    "五十万万",
    "1e309",
    "NaN",
    "-50万",
]
# in the places of PLACES: one value of each kind
IN_PLACE = [
    "",
    "x" * 5000,
    "a\x00b",
    "😀🔥",
    "１２３",
    "-1",
    "99999999999999999999",
    "<@U0NOBODY>",
    "*x* <!channel> <https://evil|click>",
    "2026-02-30",
    "五十万万",
    "1e309",
    "NaN",
    "-50万",
]
INTERNAL = ("Something went wrong", "出错了", "出了点问题", "error ref", "错误编号", "Traceback")
CJK = re.compile(r"[\u4e00-\u9fff]")
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z_]+=")


def state(db) -> tuple:
    counts = tuple(db.count(model) for model in (Opportunity, Event, Activity, Risk, Reminder))
    one = db.deal(1)
    return counts, (one.version, one.status, one.stage) if one else None


def strip_typed(shown: str, text: str) -> str:
    """``shown`` without what was typed, or the parts of it quoted back (“…”)."""
    shown = re.sub(r"“[^”]*”|「[^」]*」|`[^`]*`", " ", shown)  # quoted back, or what to type
    for part in sorted(re.split(r"[\s:：]+", text), key=len, reverse=True):
        shown = shown.replace(part, " ")
    return shown


def problems(answer, text: str, typed: str) -> list[str]:
    found = []
    if answer.status != 200:
        found.append(f"HTTP {answer.status}")
    found += [f"says {s!r}" for s in INTERNAL if s in text]
    shown = text.replace(typed, " ")  # what the person typed is theirs to see again
    shown = re.sub(r"`[^`]*`|<[@#!][^>]*>|<https?://[^>]*>", " ", shown)
    found += [f"shows key {k!r}" for k in SNAKE.findall(shown)]
    return found


def errors_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# Where a hostile value goes in each subcommand's grammar, beyond right after the word and after a
# deal number: {x} is each value of HOSTILE in turn. English for alice, Chinese for li.
PLACES = {
    "alice": [
        "new Acme {x} 50万",
        "new Acme amount {x}",
        "new Acme 50万 close {x}",
        "new Acme stage {x}",
        "new Acme owner {x}",
        "new Acme account {x} tags {x}",
        "list stage:{x}",
        "list owner:{x}",
        "list closing:{x}",
        "list grade:{x}",
        "list status:{x}",
        "list region:{x}",
        "export grade:{x}",
        "move {x} proposal",
        "log 1 called next {x} by {x}",
        "remind 1 {x} call the CFO",
        "risk 1 clear {x}",
        "alerts mute {x}",
        "report funnel {x}",
        "report kpi {x}",
        "report funnel region:{x}",
        "team set <@U0BOB> capacity:{x}",
        "team set <@U0BOB> role:{x}",
        "team set {x} role:ae",
        "pay 1 received {x}",
        "pay 1 received 15万 {x}",
        "pay 1 plan {x}",
        "pay 1 plan 30% {x}, 70% 2027-03-31",
        "pay 1 plan {x}% 2026-12-31",
        "followon 1 Phase 2 {x}",
        "target <@U0BOB> {x} 2m",
        "target <@U0BOB> 2027-Q1 {x}",
        "target team {x} 10m split even",
        "target team next-quarter 10m split {x}",
        "target history {x}",
        "prob 1 {x}%",
        "qualify 1 budget:{x}",
        "qualify 1 {x}:approved",
        "tag 1 +{x}",
        "tag 1 need:{x}",
        "lost 1 price {x}",
        "review 1 meeting {x}",
        "merge 1 into {x}",
        "merge {x} into 1",
        "assign 1 {x}",
        "meeting preview {x}",
    ],
    "li": [
        "新建 恒通 {x} 50万",
        "新建 恒通 金额 {x}",
        "新建 恒通 五十万 成交日 {x}",
        "新建 恒通 阶段 {x}",
        "列表 阶段:{x}",
        "列表 负责人:{x}",
        "列表 评级:{x}",
        "推进 1 {x}",
        "跟进 1 电话 下一步：{x}",
        "提醒 1 {x} 打电话",
        "风险 1 解除 {x}",
        "提醒设置 静音 {x}",
        "报表 漏斗 {x}",
        "报表 考核 {x}",
        "团队 设置 <@U0BOB> 容量:{x}",
        "回款 1 收到 {x}",
        "回款 1 计划 30% {x}, 70% 2027-03-31",
        "追加 1 二期 {x}",
        "目标 <@U0BOB> {x} 200万",
        "目标 <@U0BOB> 2027年第一季度 {x}",
        "目标 团队 下季度 1000万 {x}",
        "概率 1 {x}%",
        "评估 1 预算:{x}",
        "标签 1 需求:{x}",
        "输单 1 价格 {x}",
        "合并 1 到 {x}",
        "分配 1 {x}",
    ],
}


def words(name: str) -> dict[str, str]:
    aliases = ALIASES_OF[name]
    return {"alice": aliases[0], "li": next(a for a in aliases if not a.isascii())}


def typed_after(who: str, word: str) -> list[str]:
    """Each value right after the word, and after deal #1; in Chinese, after #1 only (kept fast)."""
    after = [f"{word} 1 {arg}" for arg in HOSTILE]
    return after if who == "li" else [f"{word} {arg}" for arg in HOSTILE] + after


def check(slack, db, who: str, texts: list[str]) -> list[str]:
    """Type each of ``texts`` as ``who``; what went wrong, one line per answer."""
    found = []
    for text in texts:
        before = state(db)
        answer = slack.send(slack.command_request(who, text))  # (not schema-checked: thousands of answers, kept fast)
        shown = answer.text
        bad = problems(answer, shown, text)
        refused = shown.startswith("⚠️")
        if refused and state(db) != before:
            bad.append("refused but changed the database")
        if refused and who == "li" and not CJK.search(shown.replace(text, " ")):
            bad.append("not in Chinese")
        if refused and who == "alice" and CJK.search(strip_typed(shown, text)):
            bad.append("not in English")
        if bad:
            found.append(f"{who} /opp {text[:60]!r} -> {bad}: {shown[:300]!r}")
    return found


@pytest.mark.parametrize("name", list(ALIASES_OF))
def test_every_subcommand_answers_hostile_arguments_plainly(slack, db, caplog, name):
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    found = []
    for who, word in words(name).items():
        found += check(slack, db, who, typed_after(who, word))
    assert not found, "\n".join(found)
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("who", list(PLACES))
def test_hostile_values_in_every_place_a_subcommand_reads_one(slack, db, caplog, who):
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    found = check(slack, db, who, [place.replace("{x}", arg) for place in PLACES[who] for arg in IN_PLACE])
    assert not found, "\n".join(found)
    assert errors_logged(caplog) == []


@pytest.mark.parametrize("text", ["merge 12", "merge #12", "合并 12", "合并 １２"])
def test_one_number_given_to_merge_is_not_read_as_two(slack, db, text):
    """`merge 12` names one deal: it is not #1 merged into #2 (an admin may merge any two)."""
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "new Beta CRM 30万")
    before = state(db), db.deal(2).version
    answer = slack.command("boss", text)
    assert ("Give two deal numbers" if text.isascii() else "请给出两个商机编号") in answer.text, answer.text
    assert (state(db), db.deal(2).version) == before
    assert [d.status for d in db.deals()] == ["open", "open"]


@pytest.mark.parametrize(
    ("who", "text", "expected"),
    [
        ("alice", "merge 1 into 99999999999999999999", "“99999999999999999999” is not a deal number. Give two deal numbers"),
        ("alice", "merge 99999999999999999999 1", "“99999999999999999999” is not a deal number. Give two deal numbers"),
        ("li", "合并 1 到 99999999999999999999", "「99999999999999999999」不是商机编号。请给出两个商机编号"),
    ],
)
def test_a_merge_number_longer_than_any_deals_is_refused(slack, db, caplog, who, text, expected):
    slack.command("alice", "new Acme ERP 50万")
    before = state(db)
    assert expected in slack.command(who, text).text
    assert state(db) == before
    assert errors_logged(caplog) == []


# --- buttons, menus, forms -----------------------------------------------------------------------

ACTIONS = [a.value for a in Action] + [ALERT_SNOOZE_PREFIX + "1", HANDOVER_TICK_PREFIX + "1", PLAYBOOK_TICK_PREFIX + "1"]
VALUES = [None, "x", "1:bogus", ":1", "-1", "424242", "99999999999999999999", "x" * 5000, "a\x00b", "open:99999999999999999999"]


# the calls that show the clicker something: a reply under the message or by DM, a form, the Home tab
SAYS = ("response_url", "chat.postMessage", "chat.postEphemeral", "chat.update", "views.open", "views.push", "views.update", "views.publish")


def press(slack, who: str, action: dict):
    slack._n += 1
    key = f"act{slack._n}"
    request = slack.requests.block_actions(
        user=slack.user(who),
        actions=[{"block_id": "b", "action_ts": "1.2", **action}],
        channel={"id": "C0SALES", "name": "sales"},
        container={"type": "message", "channel_id": "C0SALES", "is_ephemeral": True, "message_ts": "1.1"},
        response_url=slack.fake.response_url(key),
        trigger_id=f"trigger.{slack._n}",
    )
    return slack.send(request), key


@pytest.mark.parametrize("who", ["alice", "li"])
def test_every_button_and_menu_answers_values_that_are_not_ours_plainly(slack, db, fake, caplog, who):
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    found = []
    for action_id in ACTIONS:
        for value in VALUES:
            shapes = [{"action_id": action_id, "type": "button", "value": value}]
            if value is not None and who == "alice":  # the menus' shapes once; the language is the buttons' concern
                option = {"text": {"type": "plain_text", "text": "x"}, "value": value}
                shapes.append({"action_id": action_id, "type": "static_select", "selected_option": option})
                if action_id == Action.ALERT_REASSIGN:
                    shapes.append({"action_id": action_id, "type": "users_select", "block_id": value[:255], "selected_user": value})
            for action in shapes:
                before, calls = state(db), len(fake.calls())
                answer, _ = press(slack, who, action)
                said = "\n".join(payload_text(c.args) for c in fake.calls()[calls:] if c.method in SAYS)
                bad = problems(answer, said + answer.body, str(value))
                if not said.strip():
                    bad.append("said nothing")
                if state(db) != before:
                    bad.append("changed the database")
                if bad:
                    found.append(f"{who} {action_id} {action['type']} {str(value)[:40]!r} -> {bad}: {said[:300]!r}")
    assert not found, "\n".join(found)
    assert errors_logged(caplog) == []


@pytest.mark.parametrize(
    ("who", "value", "expected"), [("alice", "bogus", "“bogus” isn't on or off"), ("li", None, "看不懂「」"), ("alice", "x" * 5000, "isn't on or off")]
)
def test_a_brief_button_value_that_is_neither_on_nor_off_leaves_the_brief_as_it_was(slack, db, who, value, expected):
    slack.command(who, "brief on")
    answer, _ = press(slack, who, {"action_id": Action.HOME_BRIEF, "type": "button", "value": value})
    assert answer.status == 200
    assert expected in "\n".join(payload_text(c.args) for c in slack.fake.calls("response_url"))
    assert db.member(USERS[who]["user_id"]).brief_enabled
