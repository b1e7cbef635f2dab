"""The /opp command through the front door: signed slash-command requests in, the ephemeral answer
and the database out."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.router import ALIASES_OF
from store import queries
from store.models import Activity, Event, Member, Opportunity
from tests.conftest import SHANGHAI

NEW_YORK = ZoneInfo("America/New_York")


# --- helpers ---------------------------------------------------------------------------------


def state(db) -> tuple:
    """Everything a refused command must leave alone: row counts and every deal's fields."""
    counts = (db.count(Opportunity), db.count(Event), db.count(Activity))
    deals = [
        (
            d.number,
            d.title,
            d.amount,
            d.currency,
            d.stage,
            d.status,
            d.owner_id,
            d.expected_close,
            d.next_step,
            d.next_step_due,
            d.lost_reason,
            d.won_reason,
            d.version,
        )
        for d in db.deals()
    ]
    return counts, deals


def ephemeral(reply) -> str:
    """The text of an ephemeral command answer (failing if it is anything else)."""
    assert reply.status == 200, reply.body
    assert reply.json.get("response_type") == "ephemeral", reply.body
    return reply.text


def listed(reply) -> list[int]:
    """Deal numbers shown by a list/find answer, in order."""
    return [int(n) for n in re.findall(r"^\*#(\d+)\*", reply.text, flags=re.MULTILINE)]


def refused(slack, db, fake, who: str, text: str, *expected: str) -> str:
    """Run a command that must fail: a ⚠️ answer containing ``expected``, and nothing changed."""
    before = state(db)
    posted = len(fake.calls())
    answer = ephemeral(slack.command(who, text))
    assert answer.startswith("⚠️"), answer
    for part in expected:
        assert part in answer, f"{part!r} not in {answer!r}"
    # Slack reads <...> as a mention or link: only mentions of real people may appear
    assert all(re.fullmatch(r"<@U0[A-Z]+>", s) for s in re.findall(r"<[^>]*>", answer)), answer
    assert state(db) == before
    assert [c.method for c in fake.calls()[posted:] if c.method not in ("users.info", "auth.test")] == []
    return answer


# --- help and language -----------------------------------------------------------------------

CHINESE = ("新建", "查看", "编辑", "列表", "查找", "推进", "跟进", "赢单", "输单", "历史", "评估", "评级", "概率", "标签", "帮助")
EXAMPLES = (
    "`/opp new`",
    "/opp new Acme ERP rollout 50万 close next friday stage proposal",
    "`/opp show 42`",
    "`/opp edit 42`",
    "`/opp list`",
    "`/opp find Acme`",
    "`/opp move 42 proposal`",
    "`/opp log 42 called the CFO next send quote by friday`",
    "`/opp won 42 [reason]`",
    "`/opp lost 42 price [note]`",
    "`/opp history 42`",
    "`/opp qualify 42 budget:approved need:urgent`",
    *CHINESE,
)


def test_bare_opp_and_help_list_every_command_with_an_example(slack, db):
    for text in ("", "help", "   ", "HELP", "?"):
        answer = ephemeral(slack.command("alice", text))
        for example in EXAMPLES:
            assert example in answer, f"/opp {text!r}: {example!r} missing"
        assert "Lead `lead` → Contacted `contacted`" in answer  # the configured pipeline
        assert "…" not in answer  # not clipped
    assert db.count(Opportunity) == 0


@pytest.mark.parametrize("who,text", [("li", "help"), ("li", ""), ("alice", "帮助")])
def test_help_in_chinese_for_a_chinese_user_or_a_chinese_subcommand(slack, who, text):
    answer = ephemeral(slack.command(who, text))
    assert "oppbot 商机助手" in answer
    assert "`/opp 推进 42 方案提交` 推进阶段" in answer
    for word in CHINESE:
        assert word in answer
    assert "线索 → 初步接触 → 需求确认" in answer
    examples = re.findall(r"`/opp ([^`]*)`", answer)
    assert len(examples) > 20
    for example in examples:  # only Chinese examples: no English command or keyword (names of things may be)
        assert not re.search(r"[a-z]{3,}", example), example
    assert "manage deals" not in answer


def test_the_chinese_helps_examples_do_what_it_says(slack, db):
    """The examples of `/opp 帮助` are run as typed (42 being deal #1)."""
    slack.command("li", "新建 恒通 WMS 项目 五十万 成交日 下周五 阶段 方案提交 客户 苏州恒通 联系人 王经理 来源 展会 行业 制造 区域 华东 下一步：周五前发方案")
    deal = db.deal(1)
    assert (deal.title, deal.amount, deal.expected_close, deal.stage) == ("恒通 WMS 项目", Decimal("500000"), date(2026, 12, 4), "proposal")
    assert (deal.account, deal.contact, deal.source, deal.industry, deal.region) == ("苏州恒通", "王经理", "展会", "制造", "华东")
    assert (deal.next_step, deal.next_step_due) == ("发方案", date(2026, 11, 27))
    for query in ("阶段:方案提交", "本周", "本季度", "区域:华东", "行业:制造", "来源:展会", "恒通"):
        assert listed(slack.command("li", f"列表 {query}")) == ([] if query == "本周" else [1]), query
    slack.command("li", "跟进 1 电话：沟通了预算 下一步：周五前发报价")
    assert db.deal(1).next_step == "发报价"
    slack.command("li", "评估 1 预算:已批准 需求:紧迫")
    assert db.deal(1).qualification == {"budget": "approved", "need": "urgent"}
    slack.command("li", "风险 1 竞争对手 对方报价更低")
    assert "竞争对手" in slack.command("li", "查看 1").text
    slack.command("li", "赢单 1 客户关系")
    assert (db.deal(1).status, db.deal(1).won_reason) == ("won", "relationship")


# Each subcommand and its Chinese alias, run on deal #1 (English) and #2 (Chinese):
# (alias, text after the subcommand, English mark, Chinese mark)
SUBCOMMANDS = {
    "new": ("新建", "Globex rollout 30万", "Created #{n}", "已创建 #{n}"),
    "show": ("查看", "{n}", "*Stage*", "*阶段*"),
    "list": ("列表", "", "Deals (2 of 2)", "商机列表（2/2）"),
    "find": ("查找", "Acme", "Deals (2 of 2)", "商机列表（2/2）"),
    "move": ("推进", "{n} proposal", "Moved #{n} to Proposal", "#{n} 已推进到「方案提交」"),
    "log": ("跟进", "{n} called the CFO", "Logged activity on #{n}", "已记录 #{n} 的跟进"),
    "won": ("赢单", "{n}", "🎉 #{n} won!", "🎉 #{n} 赢单！"),
    "lost": ("输单", "{n} price", "#{n} marked lost (Price).", "#{n} 已标记为输单（价格）。"),
    "history": ("历史", "{n}", "History of #{n} (newest first)", "#{n} 的变更历史（最新在前）"),
    "help": ("帮助", "", "Commands work in English or Chinese", "英文命令也能用"),
}
EFFECTS = {
    "new": lambda d, events: (d.title, d.amount, d.creator.slack_user_id) == ("Globex rollout", Decimal("300000"), "U0ALICE"),
    "move": lambda d, events: d.stage == "proposal" and events[-1].kind == "stage",
    "log": lambda d, events: events[-1].kind == "activity" and events[-1].new == "called the CFO",
    "won": lambda d, events: d.status == "won",
    "lost": lambda d, events: (d.status, d.lost_reason) == ("lost", "price"),
}


@pytest.mark.parametrize("sub", list(SUBCOMMANDS))
def test_each_subcommand_in_english_and_in_chinese(slack, db, sub):
    alias, rest, english, chinese = SUBCOMMANDS[sub]
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "new Acme CRM 20万")
    first, second = (3, 4) if sub == "new" else (1, 2)
    en = ephemeral(slack.command("alice", f"{sub} {rest.format(n=first)}"))
    zh = ephemeral(slack.command("alice", f"{alias} {rest.format(n=second)}"))
    assert english.format(n=first) in en
    assert chinese.format(n=second) in zh
    assert english.format(n=second) not in zh  # the whole answer is in Chinese
    if sub in EFFECTS:
        for n in (first, second):
            assert EFFECTS[sub](db.deal(n), db.events(n)), f"{sub} did not change #{n}"
    elif sub != "new":
        assert db.count(Event) == 2  # read-only subcommands write nothing


def test_edit_and_its_chinese_alias_open_the_form_in_that_language(slack, fake):
    slack.command("alice", "new Acme ERP 50万")
    assert slack.command("alice", "edit 1").body == ""
    assert slack.opened_view()["title"]["text"] == "Edit #1"
    assert slack.command("alice", "编辑 1").body == ""
    view = slack.opened_view()
    assert view["title"]["text"] == "编辑 #1"
    assert view["blocks"][0]["label"]["text"] == "名称"


def test_a_chinese_user_gets_chinese_replies_to_english_commands(slack, db):
    created = ephemeral(slack.command("li", "new Acme ERP rollout 50万 close 下周五 stage proposal"))
    assert "已创建 #1" in created
    assert "¥50万" in created
    assert "方案提交" in created
    assert "2026-12-04 (周五)" in created
    assert "*负责人*\n<@U0LI>" in created
    assert "商机列表（1/1）" in ephemeral(slack.command("li", "list"))
    assert "找不到商机 #9" in ephemeral(slack.command("li", "show 9"))
    assert "没有「flarp」这个命令" in ephemeral(slack.command("li", "flarp"))


# --- /opp new ----------------------------------------------------------------------------------


def test_new_inline_reads_title_amount_close_date_and_stage(slack, db):
    answer = ephemeral(slack.command("alice", "new Acme ERP rollout 50万 close 下周五 stage proposal"))
    deal = db.deal(1)
    assert deal.title == "Acme ERP rollout"
    assert (deal.amount, deal.currency) == (Decimal("500000"), "CNY")
    assert deal.expected_close == date(2026, 12, 4)
    assert (deal.stage, deal.status) == ("proposal", "open")
    assert (deal.version, deal.grade_pinned, deal.playbook, deal.responsible_id, deal.pooled_at) == (1, False, {}, None, None)  # the defaults, as stored
    assert deal.owner.slack_user_id == deal.creator.slack_user_id == "U0ALICE"
    assert [(e.kind, e.new) for e in db.events(1)] == [("created", "#1 Acme ERP rollout")]
    assert answer.startswith("Created #1 — #1 Acme ERP rollout")
    for shown in ("*#1 Acme ERP rollout*", "*Amount*\n¥500k", "*Close date*\nFri 2026-12-04", "*Stage*\nProposal", "*Owner*\n<@U0ALICE>"):
        assert shown in answer
    actions = reply_actions(slack.command("alice", "show 1"))
    assert [e["action_id"] for e in actions] == ["deal_move", "deal_log", "deal_edit", "deal_history", "deal_ask", "deal_risk"]
    assert "1:proposal" not in [o["value"] for o in actions[0]["options"]]


def reply_actions(reply) -> list[dict]:
    """The card's own buttons and menus (not its key actions' buttons)."""
    return next(b for b in reply.json["blocks"] if b.get("block_id", "").startswith("deal_actions_"))["elements"]


def test_new_inline_reads_every_field(slack, db):
    ephemeral(
        slack.command(
            "alice",
            "new Globex CRM 20k account Globex Corp contact Jane Doe owner <@U0BOB|bob> source expo industry manufacturing "
            "region East tags hot,q4 next send quote by friday",
        )
    )
    deal = db.deal(1)
    assert deal.title == "Globex CRM"
    assert (deal.amount, deal.currency) == (Decimal("20000"), "CNY")
    assert (deal.account, deal.contact) == ("Globex Corp", "Jane Doe")
    assert (deal.source, deal.industry, deal.region) == ("expo", "manufacturing", "East")
    assert deal.tags == ["hot", "q4"]
    assert (deal.next_step, deal.next_step_due) == ("send quote", date(2026, 11, 27))
    assert deal.owner.slack_user_id == "U0BOB"
    assert deal.creator.slack_user_id == "U0ALICE"
    assert deal.stage == "lead"  # the first stage when none is given


AMOUNTS = (
    ("50000", "50000", "CNY"),
    ("50k", "50000", "CNY"),
    ("1.2M", "1200000", "CNY"),
    ("50万", "500000", "CNY"),
    ("3.5亿", "350000000", "CNY"),
    ("¥300,000", "300000", "CNY"),
    ("$20k", "20000", "USD"),
    ("300000 CNY", "300000", "CNY"),
    ("300000 USD", "300000", "USD"),
    ("USD 20k", "20000", "USD"),
    ("5万美元", "50000", "USD"),
    ("amount 1,234.50", "1234.50", "CNY"),
    ("五十万", "500000", "CNY"),
    ("一百二十万", "1200000", "CNY"),
    ("两百万", "2000000", "CNY"),
    ("三千五百万", "35000000", "CNY"),
    ("1.5千万", "15000000", "CNY"),
    ("十万元", "100000", "CNY"),
    ("五万美元", "50000", "USD"),
)


def test_new_inline_amount_forms(slack, db):
    for number, (amount, value, currency) in enumerate(AMOUNTS, start=1):
        assert f"Created #{number}" in ephemeral(slack.command("alice", f"new X {amount}"))
        deal = db.deal(number)
        assert (deal.title, deal.amount, deal.currency) == ("X", Decimal(value), currency), amount


def test_new_in_chinese_reads_an_amount_in_chinese_numerals(slack, db):
    answer = ephemeral(slack.command("li", "新建 苏州恒通 WMS 五十万 close 月底"))
    deal = db.deal(1)
    assert (deal.title, deal.amount, deal.currency, deal.expected_close) == ("苏州恒通 WMS", Decimal("500000"), "CNY", date(2026, 11, 30))
    assert "*金额*\n¥50万" in answer
    slack.command("li", "新建 恒通二期 二十")  # a small number is part of the title, as 20 is
    assert (db.deal(2).title, db.deal(2).amount) == ("恒通二期 二十", None)


def test_new_takes_the_amount_with_a_unit_over_a_plain_number_in_the_title(slack, db):
    """A number in a deal's name (a project code, an order number) stays in the title when another
    word is the amount by its unit or currency."""
    for number, text in enumerate(("new Bench deal 123456 50万", "新建 华为 8848 项目 五十万", "new PO 4500123 USD 20k", "new Order 77001 $20k"), start=1):
        assert f"#{number}" in ephemeral(slack.command("alice", text))
    assert [(d.title, d.amount, d.currency) for d in map(db.deal, (1, 2, 3, 4))] == [
        ("Bench deal 123456", Decimal("500000"), "CNY"),
        ("华为 8848 项目", Decimal("500000"), "CNY"),
        ("PO 4500123", Decimal("20000"), "USD"),
        ("Order 77001", Decimal("20000"), "USD"),
    ]
    slack.command("alice", "new Globex 300000")  # a plain number alone is still the amount
    assert (db.deal(5).title, db.deal(5).amount) == ("Globex", Decimal("300000"))


def test_new_reads_a_number_of_seats_users_or_licences_as_part_of_the_title_not_the_amount(slack, db):
    """`2k seats`, `5000 users`, `500 套`: a count of things, not money, even with a unit of its
    own; the amount is the other money-like word, or there is none."""
    cases = (
        ("new Globex 300000 for 2k seats", "Globex for 2k seats", Decimal("300000")),
        ("new Initech CRM 5000 licences", "Initech CRM 5000 licences", None),
        ("新建 恒通 OA 五十万 3千 用户", "恒通 OA 3千 用户", Decimal("500000")),
        ("new Hooli 20k users 80k", "Hooli 20k users", Decimal("80000")),
        ("new Umbrella 2k", "Umbrella", Decimal("2000")),  # no count after it: money, as before
        ("new Acme 2k seats, 300k", "Acme 2k seats,", Decimal("300000")),  # punctuation after the count
        ("new Acme 2k (seats/yr) 300k", "Acme 2k (seats/yr)", Decimal("300000")),
        ("新建 连锁 3千 家 门店 五十万", "连锁 3千 家 门店", Decimal("500000")),
        ("new Acme $50k servers upgrade", "Acme servers upgrade", Decimal("50000")),  # its own currency: money
        ("new Globex 80k user training", "Globex user training", Decimal("80000")),  # a singular word: what the money is for
    )
    for number, (text, title, amount) in enumerate(cases, start=1):
        assert f"#{number}" in ephemeral(slack.command("alice", text))
        assert (db.deal(number).title, db.deal(number).amount) == (title, amount), text


# The clock: Wednesday 2026-11-25 10:00 in Shanghai.
CLOSE_DATES = (
    ("下周五", date(2026, 12, 4)),
    ("月底", date(2026, 11, 30)),
    ("本周末", date(2026, 11, 29)),
    ("下个月初", date(2026, 12, 1)),
    ("end of month", date(2026, 11, 30)),
    ("end of quarter", date(2026, 12, 31)),
    ("next week", date(2026, 11, 30)),
    ("next friday", date(2026, 12, 4)),
    ("friday", date(2026, 11, 27)),
    ("tomorrow", date(2026, 11, 26)),
    ("2027-01-15", date(2027, 1, 15)),
)


def test_new_inline_close_date_phrases(slack, db):
    for number, (phrase, expected) in enumerate(CLOSE_DATES, start=1):
        ephemeral(slack.command("alice", f"new X 50万 close {phrase} stage needs"))
        deal = db.deal(number)
        assert (deal.title, deal.amount, deal.expected_close, deal.stage) == ("X", 500000, expected, "needs"), phrase


def test_tomorrow_is_read_in_the_users_own_timezone(slack, db, clock):
    # 22:00 in Shanghai is 09:00 the same day in New York: both mean Thursday
    clock.set(datetime(2026, 11, 25, 22, 0, tzinfo=SHANGHAI))
    slack.command("alice", "new Shanghai one close tomorrow")
    slack.command("nyc", "new New York one close tomorrow")
    assert db.deal(1).expected_close == db.deal(2).expected_close == date(2026, 11, 26)
    # 08:00 Thursday in Shanghai is still 19:00 Wednesday in New York
    clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=SHANGHAI))
    assert clock.now().astimezone(NEW_YORK).date() == date(2026, 11, 25)
    slack.command("alice", "new Shanghai two close tomorrow")
    answer = ephemeral(slack.command("nyc", "new New York two close tomorrow"))
    assert db.deal(3).expected_close == date(2026, 11, 27)
    assert db.deal(4).expected_close == date(2026, 11, 26)
    assert "*Close date*\nThu 2026-11-26" in answer


# --- show --------------------------------------------------------------------------------------


def test_show_by_number(slack, db):
    slack.command("alice", "new Acme ERP 50万 account Acme Corp contact Jane next demo by 下周五")
    before = state(db)
    for text in ("show 1", "show #1", "1", "#1", "查看 ＃1", "view 1"):
        answer = ephemeral(slack.command("bob", text))
        assert "*#1 Acme ERP*\nAcme Corp · Jane" in answer, text
        assert ("*下一步*\ndemo" if "查看" in text else "*Next step*\ndemo") in answer, text
    assert state(db) == before


# --- list --------------------------------------------------------------------------------------


@pytest.fixture
def pipeline(slack, rt):
    """#1 alice proposal closing 12-04 · #2 alice lead closing this friday · #3 bob needs ·
    #4 alice, won (account Acme Group) · #5 li, Acme 二期. Bob reports to alice."""
    slack.command("alice", "new Acme ERP 50万 close 下周五 stage proposal")
    slack.command("alice", "new Globex CRM 20万 close friday")
    slack.command("bob", "new Initech portal 10万 stage needs")
    slack.command("alice", "new Umbrella audit 5万 account Acme Group")
    slack.command("alice", "won 4")
    slack.command("li", "new Acme 二期 80万")
    with rt.transaction() as session:
        members = {m.slack_user_id: m for m in session.scalars(select(Member))}
        members["U0BOB"].manager_id = members["U0ALICE"].id


LIST_FILTERS = (
    ("", [2, 1]),  # mine, open, soonest close first
    ("mine", [2, 1]),
    ("我的", [2, 1]),
    ("team", [2, 1, 3]),
    ("all", [2, 1, 3, 5]),
    ("全部", [2, 1, 3, 5]),
    ("stage:proposal", [1]),
    ("all stage:needs", [3]),
    ("阶段:方案提交", [1]),
    ("owner:<@U0BOB|bob>", [3]),
    ("owner:<@U0LI>", [5]),
    ("closing:this-week", [2]),
    ("all closing:next-week", [1]),
    ("status:won", [4]),
    ("Acme", [1]),
    ("all Acme", [1, 5]),
    ("all status:all Acme", [1, 4, 5]),
    # the clock: Wednesday 2026-11-25; #2 closes on Friday the 27th, #1 on Friday 4 December
    ("本周", [2]),
    ("this-week", [2]),
    ("全部 下周", [1]),
    ("本月", [2]),
    ("成交:本月", [2]),
    ("成交日:下个月", [1]),
    ("本季度", [2, 1]),
    ("状态:赢单", [4]),
    ("全部 状态:全部 Acme", [1, 4, 5]),
)


def test_list_filters(slack, db, pipeline):
    before = state(db)
    for query, numbers in LIST_FILTERS:
        reply = slack.command("alice", f"list {query}")
        ephemeral(reply)
        assert listed(reply) == numbers, query
        buttons = [b["accessory"] for b in reply.json["blocks"] if b.get("accessory")]
        assert [(b["action_id"], b["value"]) for b in buttons] == [("deal_open", str(n)) for n in numbers], query
    assert state(db) == before


LABEL_FILTERS = (
    ("区域:华东", [1]),
    ("region:east", [2]),
    ("地区：华南", [3]),
    ("行业:制造", [1]),
    ("industry:Manufacturing", [2]),
    ("来源:展会", [1]),
    ("source:EXPO", [2]),
    ("区域:华东 行业:制造 来源:展会", [1]),
    ("区域:华东 来源:expo", []),
    ("region:华北", []),
)


@pytest.mark.parametrize("query, numbers", LABEL_FILTERS)
def test_list_filters_by_region_industry_and_source_in_either_language(slack, db, query, numbers):
    slack.command("alice", "new Acme ERP 50万 region 华东 industry 制造 source 展会")
    slack.command("alice", "new Globex CRM 20万 region East industry manufacturing source expo")
    slack.command("alice", "新建 恒通 WMS 10万 区域 华南")
    assert listed(slack.command("alice", f"list {query}")) == numbers


def test_list_overdue(slack, db, clock):
    slack.command("alice", "new Late one close 2026-11-30")
    slack.command("alice", "new Follow-up due next call back by 2026-12-02")
    slack.command("alice", "new On time close 2026-12-31")
    assert listed(slack.command("alice", "list overdue")) == []
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI))
    reply = slack.command("alice", "list overdue")
    assert listed(reply) == [1, 2]
    assert "Mon 2026-11-30 ⚠️ overdue" in reply.text
    assert listed(slack.command("alice", "列表 逾期")) == [1, 2]


def test_list_with_nothing_to_show(slack, pipeline):
    answer = ephemeral(slack.command("alice", "list stage:contract"))
    assert "No deals match" in answer


def test_list_shows_the_first_twenty_and_says_how_many_more(slack, db):
    for i in range(23):
        slack.command("alice", f"new Deal {i} 1万")
    reply = slack.command("alice", "list")
    assert len(listed(reply)) == 20
    assert "Deals (20 of 23)" in reply.text
    assert "3 more not shown" in reply.text


# --- find --------------------------------------------------------------------------------------


def test_find_searches_every_owner_and_closed_deals_newest_first(slack, db, pipeline):
    reply = slack.command("bob", "find acme")
    ephemeral(reply)
    assert listed(reply) == [5, 4, 1]  # #4 matches on its account and is won
    assert "won · Lead" in reply.text
    assert listed(slack.command("li", "查找 二期")) == [5]
    assert "No deals match" in slack.command("alice", "find nothing-like-this").text


def test_find_matches_contacts_and_takes_like_wildcards_literally(slack, db):
    slack.command("alice", "new Alpha contact Jane_Doe")
    slack.command("alice", "new Beta contact JaneXDoe")
    slack.command("alice", "new Gamma 100% uptime")
    assert listed(slack.command("alice", "find Jane_")) == [1]
    assert listed(slack.command("alice", "find a%e")) == []
    assert listed(slack.command("alice", "find 100%")) == [3]


# --- move --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,stage,shown",
    [
        ("move 1 negotiation", "negotiation", "Moved #1 to Negotiation"),
        ("move 1 Technical review", "tech_review", "Moved #1 to Technical review"),
        ("move 1 PROPOSAL", "proposal", "Moved #1 to Proposal"),
        ("move 1 合同签订", "contract", "Moved #1 to Contract"),
        ("推进 1 合同签订", "contract", "#1 已推进到「合同签订」"),
        ("推进 #1 needs confirmed", "needs", "#1 已推进到「需求确认」"),
    ],
)
def test_move_by_key_english_name_or_chinese_name(slack, db, text, stage, shown):
    slack.command("alice", "new Acme ERP 50万")
    answer = ephemeral(slack.command("alice", text))
    assert shown in answer
    deal = db.deal(1)
    assert deal.stage == stage
    assert deal.version == 2
    last = db.events(1)[-1]
    assert (last.kind, last.field, last.old, last.new) == ("stage", "stage", "lead", stage)
    with db.rt.sessions() as s:
        activity = s.scalars(select(Activity)).one()
    assert (activity.kind, activity.text) == ("stage_change", f"lead -> {stage}")


def test_move_to_the_stage_it_is_in_changes_nothing(slack, db, fake):
    slack.command("alice", "new Acme ERP 50万 stage proposal")
    refused(slack, db, fake, "alice", "move 1 proposal", "#1 is already in that stage")


def test_a_closed_deal_cannot_be_moved_or_closed_again(slack, db, fake):
    slack.command("alice", "new Acme ERP 50万")
    slack.command("alice", "won 1")
    refused(slack, db, fake, "alice", "move 1 proposal", "#1 is already won; it can't be moved or closed again.")
    refused(slack, db, fake, "alice", "lost 1 price", "#1 is already won")
    refused(slack, db, fake, "alice", "won 1", "#1 is already won")


# --- log ---------------------------------------------------------------------------------------


def test_log_with_next_step_and_due_date(slack, db):
    slack.command("alice", "new Acme ERP 50万")
    answer = ephemeral(slack.command("alice", "log 1 called the CFO next send quote by friday"))
    assert "Logged activity on #1" in answer
    assert "*Next step*\nsend quote" in answer
    assert "*Next step due*\nFri 2026-11-27" in answer
    deal = db.deal(1)
    assert (deal.next_step, deal.next_step_due) == ("send quote", date(2026, 11, 27))
    events = [(e.kind, e.field, e.old, e.new) for e in db.events(1)[1:]]
    assert events == [
        ("activity", "note", None, "called the CFO"),
        ("updated", "next_step", None, "send quote"),
        ("updated", "next_step_due", None, "2026-11-27"),
    ]
    with db.rt.sessions() as s:
        activity = s.scalars(select(Activity)).one()
    assert (activity.kind, activity.text, activity.member.slack_user_id) == ("note", "called the CFO", "U0ALICE")


def test_log_in_chinese_with_a_kind(slack, db):
    slack.command("alice", "new Acme ERP 50万")
    answer = ephemeral(slack.command("alice", "跟进 1 电话：沟通了预算 下一步 发报价 截止 下周五"))
    assert "已记录 #1 的跟进" in answer
    deal = db.deal(1)
    assert (deal.next_step, deal.next_step_due) == ("发报价", date(2026, 12, 4))
    with db.rt.sessions() as s:
        activity = s.scalars(select(Activity)).one()
    assert (activity.kind, activity.text) == ("call", "沟通了预算")


# The clock: Wednesday 2026-11-25. (what follows 跟进 1, the activity's kind and text, the next step, its due date)
CHINESE_NEXT_STEPS = (
    ("拜访：见了CIO 下一步：下周二前发方案", "visit", "见了CIO", "发方案", date(2026, 12, 1)),
    ("打了电话 下一步 周四前提交最终报价", "note", "打了电话", "提交最终报价", date(2026, 11, 26)),
    ("电话：沟通了预算，下一步：发报价 下周五之前", "call", "沟通了预算", "发报价", date(2026, 12, 4)),
    ("见了CIO下一步发方案", "note", "见了CIO", "发方案", date(2026, 11, 27)),  # no date: the one before stays
    ("会议：演示 下一步: 提前准备报价", "meeting", "演示", "提前准备报价", date(2026, 11, 27)),  # 提 is no date: 前 is part of the step
)


@pytest.mark.parametrize("text, kind, activity, step, due", CHINESE_NEXT_STEPS)
def test_log_in_chinese_reads_the_next_step_and_its_date_as_people_type_them(slack, db, text, kind, activity, step, due):
    slack.command("li", "新建 恒通 WMS 五十万 下一步：周五前约演示")
    assert (db.deal(1).next_step, db.deal(1).next_step_due) == ("约演示", date(2026, 11, 27))
    assert "已记录 #1 的跟进" in ephemeral(slack.command("li", f"跟进 1 {text}"))
    deal = db.deal(1)
    assert (deal.next_step, deal.next_step_due) == (step, due)
    with db.rt.sessions() as s:
        assert [(a.kind, a.text) for a in s.scalars(select(Activity))] == [(kind, activity)]


def test_log_without_a_next_step_keeps_the_current_one(slack, db):
    slack.command("alice", "new Acme ERP 50万 next demo by friday")
    slack.command("alice", "log 1 meeting: went through the demo script")
    deal = db.deal(1)
    assert (deal.next_step, deal.next_step_due) == ("demo", date(2026, 11, 27))
    assert [e.kind for e in db.events(1)] == ["created", "activity"]


# --- won / lost --------------------------------------------------------------------------------


def test_won(slack, db, clock):
    slack.command("alice", "new Acme ERP 50万")
    answer = ephemeral(slack.command("alice", "won 1 relationship"))
    assert "🎉 #1 won!" in answer
    assert "*Stage*\nwon · Lead" in answer
    assert "Reason: Relationship" in answer
    deal = db.deal(1)
    assert (deal.status, deal.won_reason, deal.closed_at) == ("won", "relationship", clock.now())
    assert [(e.kind, e.field, e.old, e.new) for e in db.events(1)[1:]] == [
        ("status", "status", "open", "won"),
        ("updated", "won_reason", None, "relationship"),
    ]
    # closed deals have no Move menu any more; their review is asked for
    actions = ["deal_log", "deal_edit", "deal_history", "review_write", "review_skip", "review_meeting"]
    assert [e["action_id"] for e in reply_actions(slack.command("alice", "show 1"))] == actions


def test_lost_with_reason_and_note(slack, db):
    slack.command("alice", "new Acme ERP 50万")
    answer = ephemeral(slack.command("alice", "lost 1 competitor undercut us on price"))
    assert "#1 marked lost (Competitor)." in answer
    deal = db.deal(1)
    assert (deal.status, deal.lost_reason) == ("lost", "competitor")
    with db.rt.sessions() as s:
        notes = [(a.kind, a.text) for a in s.scalars(select(Activity))]
    assert notes == [("note", "undercut us on price")]


def test_lost_by_chinese_reason_name(slack, db):
    slack.command("alice", "new Acme ERP 50万")
    answer = ephemeral(slack.command("alice", "输单 1 竞争对手 对方低价"))
    assert "#1 已标记为输单（竞争对手）。" in answer
    assert (db.deal(1).status, db.deal(1).lost_reason) == ("lost", "competitor")


@pytest.mark.parametrize(
    "text, reason, note",
    [
        ("赢单 1 关系", "relationship", None),  # part of 客户关系, the only reason holding it
        ("赢单 1 客户关系 老客户转介绍", "relationship", "老客户转介绍"),
        ("赢单 1 价格优势", "price", None),
        ("won 1 Product fit, beat the incumbent", "product", "beat the incumbent"),
        ("赢单 1 服务", "service", None),
    ],
)
def test_won_by_a_reason_in_either_language(slack, db, text, reason, note):
    slack.command("li", "新建 恒通 WMS 50万")
    slack.command("li", text)
    assert (db.deal(1).status, db.deal(1).won_reason) == ("won", reason)
    with db.rt.sessions() as s:
        assert [a.text for a in s.scalars(select(Activity))] == ([note] if note else [])


def test_a_closed_deal_says_so_in_plain_chinese(slack, db, fake):
    slack.command("li", "新建 恒通 WMS 50万")
    slack.command("li", "赢单 1")
    refused(slack, db, fake, "li", "推进 1 方案提交", "#1 已赢单，不能再推进或关闭。")
    refused(slack, db, fake, "li", "输单 1 价格", "#1 已赢单，不能再推进或关闭。")


def test_a_win_with_an_unknown_reason_is_refused_with_the_reasons(slack, db, fake):
    slack.command("li", "新建 恒通 WMS 50万")
    answer = refused(slack, db, fake, "li", "赢单 1 运气", "没有「运气」这个赢单原因。可选：`价格优势`、`产品匹配`、`客户关系`、`服务能力`。")
    assert "relationship" not in answer
    answer = refused(slack, db, fake, "alice", "won 1 luck", "“luck” is not a reason for a win. Reasons: `price` Price, `product` Product fit")
    assert db.deal(1).status == "open"


def test_lost_needs_a_configured_reason(slack, db, fake):
    slack.command("alice", "new Acme ERP 50万")
    answer = refused(slack, db, fake, "alice", "lost 1", "Say why it was lost, e.g. `/opp lost 1 price`.")
    assert "`no_budget` No budget" in answer
    answer = refused(slack, db, fake, "alice", "lost 1 bad weather", "“bad weather” is not a loss reason.")
    assert "`competitor` Competitor" in answer
    answer = refused(slack, db, fake, "alice", "输单 1 天气不好", "没有「天气不好」这个输单原因。可选：`价格`、`竞争对手`、`无预算`")
    assert "no_budget" not in answer
    assert db.deal(1).status == "open"


# --- history -----------------------------------------------------------------------------------


def test_history_is_newest_first(slack, db, clock):
    slack.command("alice", "new Acme ERP 50万")
    clock.advance(hours=1)
    slack.command("alice", "move 1 proposal")
    clock.advance(hours=1)
    slack.command("bob", "show 1")
    slack.command("alice", "log 1 sent the proposal")
    clock.advance(hours=1)
    slack.command("alice", "won 1")
    answer = ephemeral(slack.command("bob", "history 1"))
    lines = [line for line in answer.splitlines() if line.startswith("`2026")]
    assert lines == [
        "`2026-11-25 13:00` <@U0ALICE> changed the status from open to won",
        "`2026-11-25 12:00` <@U0ALICE> logged a note: sent the proposal",
        "`2026-11-25 11:00` <@U0ALICE> moved the stage from Lead to Proposal",
        "`2026-11-25 10:00` <@U0ALICE> created the deal",
    ]
    zh = ephemeral(slack.command("li", "历史 1"))
    assert "<@U0ALICE> 把阶段从 线索 推进到 方案提交" in zh


# --- bad input: a clear answer quoting the value, and nothing changes --------------------------


@pytest.fixture
def one_deal(slack):
    slack.command("alice", "new Acme ERP 50万 close 下周五")


def test_unknown_deal_number(slack, db, fake, one_deal):
    for text in ("show 99", "move 99 proposal", "log 99 called", "won 99", "lost 99 price", "history 99", "edit 99", "99"):
        refused(slack, db, fake, "alice", text, "There is no deal #99.", "`/opp list`, or `/opp find` with a word from its title")
    refused(slack, db, fake, "alice", "推进 99 方案提交", "找不到商机 #99。")
    assert fake.calls("views.open") == []


def test_not_a_deal_number(slack, db, fake, one_deal):
    refused(slack, db, fake, "alice", "move acme proposal", "“acme” is not a deal number", "`/opp move 42`")
    refused(slack, db, fake, "alice", "log", "Give a deal number, e.g. `/opp log 42`.")
    refused(slack, db, fake, "alice", "查看 第一个", "「第一个」不是商机编号")


def test_unknown_stage(slack, db, fake, one_deal):
    answer = refused(slack, db, fake, "alice", "move 1 closing-soon", "There is no stage “closing-soon”.", "`/opp move 42 proposal`")
    assert "`tech_review` Technical review" in answer
    refused(slack, db, fake, "alice", "move 1", "Give the stage to move to")
    refused(slack, db, fake, "alice", "new Acme stage bogus", "There is no stage “bogus”")
    refused(slack, db, fake, "alice", "list stage:bogus", "There is no stage “bogus”")
    refused(slack, db, fake, "alice", "推进 1 不存在", "没有「不存在」这个阶段")


@pytest.mark.parametrize("amount", ["lots", "12abc", "-5", "$50 CNY", "0"])
def test_unreadable_amount(slack, db, fake, one_deal, amount):
    refused(slack, db, fake, "alice", f"new Globex amount {amount}", f"Couldn't read the amount “{amount}”", "`50万`")


@pytest.mark.parametrize("phrase", ["blorp", "someday soon", "2月30日", "42"])
def test_unreadable_date(slack, db, fake, one_deal, phrase):
    refused(slack, db, fake, "alice", f"new Globex 20万 close {phrase}", f"Couldn't read the date “{phrase}”", "`end of quarter`")
    refused(slack, db, fake, "alice", f"log 1 called next demo by {phrase}", f"Couldn't read the date “{phrase}”")


def test_empty_or_missing_text(slack, db, fake, one_deal):
    refused(slack, db, fake, "alice", "find", "Say what to look for, e.g. `/opp find Acme`.")
    refused(slack, db, fake, "alice", "log 1", "Say what happened")
    refused(slack, db, fake, "alice", "new 50万 close 下周五", "Give the deal a title")
    refused(slack, db, fake, "alice", "show", "Give a deal number, e.g. `/opp show 42`.")
    before = state(db)
    assert "*oppbot*" in ephemeral(slack.command("alice", "   "))
    assert state(db) == before


def test_unknown_subcommand(slack, db, fake, one_deal):
    refused(slack, db, fake, "alice", "frobnicate 1 2", "There is no `/opp frobnicate` command.", "`/opp help`")
    refused(slack, db, fake, "alice", "删除 1", "没有「删除」这个命令。输入 `/opp 帮助` 查看全部命令。")
    answer = refused(slack, db, fake, "alice", "x" * 500, "There is no `/opp xxx")
    assert len(answer) < 400  # the value is quoted, not echoed whole


def test_bad_list_filters(slack, db, fake, one_deal):
    refused(slack, db, fake, "alice", "list closing:someday", "Couldn't use the filter “closing:someday”")
    refused(slack, db, fake, "alice", "list status:pending", "Couldn't use the filter “status:pending”")
    refused(slack, db, fake, "alice", "list colour:red", "Couldn't use the filter “colour:red”")
    refused(slack, db, fake, "alice", "list owner:bob", "“bob” is not a Slack user")
    refused(slack, db, fake, "alice", "list region:", "Couldn't use the filter “region:”")
    refused(slack, db, fake, "li", "列表 成交:明年", "看不懂筛选条件「成交:明年」。可以用：`我的`、`团队`")


def test_a_5000_character_title_is_refused(slack, db, fake, one_deal):
    title = "x" * 5000
    reply = slack.command("alice", f"new {title} 50万")
    assert len(reply.body) < 3000
    refused(slack, db, fake, "alice", f"new {title} 50万", "“Title” is too long (5000 characters); keep it to 200.")
    refused(slack, db, fake, "alice", "新建 " + "长" * 201, "「名称」太长了（201 个字符），最多 200 个字符。")
    refused(slack, db, fake, "alice", "log 1 " + "y" * 3001, "“Activity” is too long (3001 characters); keep it to 3000.")
    ephemeral(slack.command("alice", "new " + "z" * 200))
    assert db.deal(2).title == "z" * 200


def test_help_names_every_subcommand_in_both_languages(slack):
    """`/opp help` can't fall behind the router: every subcommand is shown with an example, and the
    Chinese help lists each one's Chinese word."""
    english, chinese = slack.command("alice", "help").text, slack.command("li", "帮助").text
    for name, aliases in ALIASES_OF.items():
        if name == "help":
            continue
        assert f"/opp {name}" in english, f"/opp help does not show {name}"
        word = next(a for a in aliases if not a.isascii() and a not in "？")
        assert word in chinese, f"/opp 帮助 does not list {word}"


def test_a_list_pages_by_close_date_with_undated_deals_last(slack):
    for title, close in (("no date A", ""), ("late", " close 2026-12-20"), ("no date B", ""), ("soon", " close 2026-11-27")):
        slack.command("alice", f"new {title}{close}")
    text = slack.command("alice", "list").text
    order = [text.index(t) for t in ("soon", "late", "no date A", "no date B")]
    assert order == sorted(order), text


def test_find_counts_its_matches_up_to_a_hundred(slack):
    for i in range(1, 103):
        slack.command("alice", f"new Acme rollout {i}")
    many = slack.command("alice", "find Acme").text
    assert "Deals (20 of 100+)" in many and "80+ more not shown" in many
    assert "#102" in many and "#83" in many and "#82" not in many  # newest first, one page
    few = slack.command("li", "查找 rollout 101").text
    assert "商机列表（1/1）" in few


def test_a_search_with_more_matches_than_it_reads_shows_the_newest(slack, monkeypatch):
    monkeypatch.setattr(queries, "SEARCH_CAP", 5)  # SQLite reads at most this many matches from its search index
    for i in range(1, 9):
        slack.command("alice", f"new Acme rollout {i}")
    slack.command("alice", "new Globex CRM")
    assert listed(slack.command("alice", "find rollout"))[:5] == [8, 7, 6, 5, 4]
    assert listed(slack.command("alice", "find rollout 3")) == [3]


def test_find_follows_an_edited_title_and_takes_short_words_too(slack):
    slack.command("alice", "new Acme ERP rollout")
    slack.command("alice", "new 华东制造 MES 升级")
    slack.command("alice", "edit 1")
    slack.submit("alice", slack.opened_view(), {"title": "Globex CRM"})
    assert "Globex CRM" in slack.command("alice", "find globex").text  # any case
    assert "No deals match" in slack.command("alice", "find Acme").text  # the old title is gone from the index
    assert "华东制造 MES 升级" in slack.command("alice", "find 华东").text  # two characters: read without the index
    assert "华东制造 MES 升级" in slack.command("alice", "find 制造 MES").text
