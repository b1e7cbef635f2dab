"""Duplicate deals (撞单): a new deal like an open one asks first (command, form), is recorded when
created anyway or imported, and tells the other deal's owner and manager once; `/opp merge` by a
manager keeps both histories on the survivor. Through the front door, with the check on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.blocks.ids import Action
from bot.deals.duplicates import account_key, similar_titles
from store.models import Activity, Event, Opportunity, OutboxMessage, Risk
from tests.slackcheck import assert_valid_view
from tests.test_commands import ephemeral, refused
from tests.test_import import imported
from tests.test_permissions import set_role

pytestmark = pytest.mark.duplicates


# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["苏州恒通", "苏州恒通有限公司", "苏州恒通股份有限公司", "苏州恒通有限责任公司", "苏州 恒通 集团", "（苏州恒通）有限公司", "苏州恒通集团有限公司"],
)
def test_chinese_company_names_lose_spaces_punctuation_and_suffixes(name):
    assert account_key(name) == "苏州恒通"


@pytest.mark.parametrize(
    "name",
    [
        "Suzhou Hengtong",
        "ＳＵＺＨＯＵ hengtong",
        "Suzhou Hengtong Co., Ltd.",
        "SUZHOU HENGTONG LTD",
        "Suzhou-Hengtong Inc.",
        "suzhou hengtong corp",
        "Suzhou Hengtong LLC",
    ],
)
def test_latin_names_lose_width_case_and_suffixes(name):
    assert account_key(name) == "suzhouhengtong"


def test_a_name_that_is_only_a_suffix_or_nothing_is_kept_or_none():
    assert account_key("有限公司") == "有限公司"  # nothing else to compare: kept as it is
    assert account_key("Inc.") == "inc"
    assert account_key("  ，。") is None and account_key(None) is None and account_key("") is None
    assert account_key("华为") != account_key("华为云")


def test_titles_are_similar_only_when_very_nearly_the_same():
    assert similar_titles("苏州恒通 WMS", "苏州恒通WMS项目")  # 7 of 7 and 9 characters: ratio 0.875
    assert similar_titles("Acme ERP rollout", "ACME ERP Roll-out")
    assert not similar_titles("苏州恒通 WMS", "无锡恒通 WMS")  # 5 of 7: ratio 0.71
    assert not similar_titles("Acme ERP", "Acme CRM")
    assert not similar_titles("Acme ERP rollout phase 1", "Acme ERP rollout phase 2")  # only the numbers differ: ratio 0.95
    assert not similar_titles("恒通 2025 年度续约", "恒通 2026 年度续约")
    assert not similar_titles("", "") and not similar_titles(None, "x")


def test_titles_exactly_at_the_similarity_threshold_are_similar():
    """17 of 20 characters in common is a ratio of exactly 0.85: similar; 16 of 20 is not. So is a
    title of 17 characters inside one of 23 (2 × 17 / 40); inside one of 24 it is not."""
    assert similar_titles("abcdefghijklmnopqrst", "abcdefghijklmnopqxyz")
    assert not similar_titles("abcdefghijklmnopqrst", "abcdefghijklmnopwxyz")
    assert similar_titles("abcdefghijklmnopq", "abcdefghijklmnopqrstuvw") and similar_titles("abcdefghijklmnopqrstuvw", "abcdefghijklmnopq")
    assert not similar_titles("abcdefghijklmnopq", "abcdefghijklmnopqrstuvwx")


def test_long_titles_are_compared_character_by_character():
    """Titles of 200 characters (the field's limit) that differ in one: similar. difflib's
    autojunk would treat every character that repeats in a long text as junk and find nothing."""
    long = "abcdefghij" * 20
    assert similar_titles(long, "x" + long[1:]) and similar_titles(long, long[:100] + "x" + long[101:])


# --- /opp new ------------------------------------------------------------------------------------


def team(slack, rt):
    """alice and li are reps reporting to bob, a manager."""
    for who in ("alice", "li", "bob"):
        slack.command(who, "help")
    set_role(rt, "U0BOB", "manager")
    set_role(rt, "U0ALICE", "ae", manager="U0BOB")
    set_role(rt, "U0LI", "ae", manager="U0BOB")


def dms(rt) -> list[tuple[str, str]]:
    with rt.sessions() as s:
        return [(m.channel, m.text) for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def create_button(reply) -> dict:
    buttons = [e for b in reply.json["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return next(e for e in buttons if e["action_id"] == Action.DEAL_CREATE_ANYWAY)


@pytest.mark.parametrize(
    "typed",
    ["新建 仓储系统 客户 苏州恒通有限公司", "新建 苏州恒通WMS项目", "新建 二期 客户 （苏州 恒通）股份有限公司"],
)
def test_a_second_rep_is_told_of_the_open_deal_and_nothing_is_created(slack, db, fake, rt, typed):
    team(slack, rt)
    slack.command("alice", "new 苏州恒通 WMS 50万 客户 苏州恒通")
    answer = refused(slack, db, fake, "li", typed, "可能撞单", "*#1* 苏州恒通 WMS", "<@U0ALICE>")
    assert "打开 #1" in answer and "仍然创建" in answer
    assert dms(rt) == []


@pytest.mark.parametrize("before", [0, 1], ids=["no-open-deal", "one-open-deal"])
def test_a_deal_created_while_the_title_was_being_compared_is_still_found(slack, db, rt, monkeypatch, before):
    """A new deal's title is compared with the open deals before its write transaction; a deal
    created in between (alice's, after li's comparison saw the ``before`` open deals) is compared
    in li's transaction, and li is asked first: nothing created."""
    from bot.deals import duplicates

    if before:
        assert "已创建 #1" in slack.command("alice", "新建 无锡华光 MES").text
    compare = duplicates.compare_titles
    number = before + 1

    def then_alice_creates_hers(connection, workspace_id, title):
        compared = compare(connection, workspace_id, title)
        monkeypatch.setattr(duplicates, "compare_titles", compare)  # alice's own comparison as it is
        assert f"已创建 #{number}" in slack.command("alice", "新建 苏州恒通 WMS 50万").text
        return compared

    monkeypatch.setattr(duplicates, "compare_titles", then_alice_creates_hers)
    answer = ephemeral(slack.command("li", "新建 苏州恒通WMS项目"))
    assert answer.startswith("⚠️") and "可能撞单" in answer and f"*#{number}* 苏州恒通 WMS" in answer, answer
    assert [d.number for d in db.deals()] == list(range(1, number + 1))


def test_a_deal_closed_while_the_title_was_being_compared_is_not_offered(slack, db, monkeypatch):
    """alice's deal looked like li's when li's title was compared; she marks it lost before li's
    transaction: li's deal is created, with no duplicate named."""
    from bot.deals import duplicates

    assert "已创建 #1" in slack.command("alice", "新建 苏州恒通 WMS 50万").text
    compare = duplicates.compare_titles

    def then_alice_loses_hers(connection, workspace_id, title):
        compared = compare(connection, workspace_id, title)
        slack.command("alice", "lost 1 价格")
        return compared

    monkeypatch.setattr(duplicates, "compare_titles", then_alice_loses_hers)
    assert ephemeral(slack.command("li", "新建 苏州恒通WMS项目")).startswith("已创建 #2")


def test_full_width_latin_names_are_the_same_account(slack, db, fake):
    slack.command("alice", "new Warehouse rollout account Suzhou Hengtong Co., Ltd.")
    answer = refused(slack, db, fake, "nyc", "new Scanners account ＳＵＺＨＯＵ hengtong", "Possible duplicate", "#1")
    assert "Create anyway" in answer
    assert "Created #2" in slack.command("nyc", "new Scanners account Suzhou Hengyuan").text  # another customer


def test_closed_deals_and_other_titles_are_not_duplicates(slack, db):
    slack.command("alice", "new 苏州恒通 WMS 客户 苏州恒通")
    slack.command("alice", "lost 1 价格")
    assert "已创建 #2" in slack.command("li", "新建 苏州恒通 WMS 客户 苏州恒通").text
    assert "已创建 #3" in slack.command("li", "新建 无锡华光 MES 客户 无锡华光").text


def test_titles_that_differ_only_in_numbers_or_in_order_are_other_deals(slack, db):
    """Through `/opp new`: phase 2 of a project is a deal of its own, and so is a title with the
    same letters in another order (as many letters in common, in no common run)."""
    slack.command("alice", "new Acme ERP rollout phase 1")
    assert slack.command("li", "new Acme ERP rollout phase 2").text.startswith("已创建 #2")  # li reads Chinese
    slack.command("alice", "new abcdefghijklmnop")
    assert slack.command("li", "new ponmlkjihgfedcba").text.startswith("已创建 #4")


def test_create_anyway_records_it_and_tells_the_owner_and_manager_once(slack, db, fake, rt):
    team(slack, rt)
    slack.command("alice", "new 苏州恒通 WMS 客户 苏州恒通")
    answer = slack.command("li", "新建 恒通仓储二期 50万 客户 苏州恒通有限公司")
    value = create_button(answer)["value"]
    slack.click("li", Action.DEAL_CREATE_ANYWAY, value)
    slack.click("li", Action.DEAL_CREATE_ANYWAY, value)  # clicked again (or sent again by Slack)
    assert [d.number for d in db.deals()] == [1, 2]
    new = db.deal(2)
    assert (new.title, new.account, new.owner.slack_user_id, int(new.amount)) == ("恒通仓储二期", "苏州恒通有限公司", "U0LI", 500000)
    assert [(e.kind, e.new) for e in db.events(2) if e.kind.startswith("duplicate")] == [("duplicate_confirmed", "#1")]
    assert [(e.kind, e.new) for e in db.events(1) if e.kind.startswith("duplicate")] == [("duplicate_confirmed", "#2")]
    told = dms(rt)
    assert sorted(channel for channel, _ in told) == ["U0ALICE", "U0BOB"]
    assert all("#2" in text and "#1" in text and "<@U0LI>" in text for _, text in told)
    replies = slack.responses()
    assert replies[0]["replace_original"] is True and "已创建 #2" in replies[0]["text"] and "撞单" in replies[0]["text"]
    assert "#2 已经创建过了" in replies[1]["text"]
    history = slack.command("alice", "history 1").text
    assert "创建了可能与此撞单的 #2" in history or "created #2, a possible duplicate of this deal" in history


def test_a_forged_create_anyway_value_is_refused(slack, db):
    slack.command("alice", "new Acme ERP account Acme")
    slack.click("bob", Action.DEAL_CREATE_ANYWAY, "nonsense")
    assert db.count(Opportunity) == 1
    assert "⚠️" in slack.responses()[-1]["text"]


def test_the_new_deal_form_names_the_duplicates_inline(slack, db):
    slack.command("alice", "new 苏州恒通 WMS 客户 苏州恒通")
    slack.command("li", "新建")
    view = slack.opened_view()
    body = slack.submit("li", view, {"title": "恒通二期", "account": "苏州恒通有限公司"}).json
    assert body["response_action"] == "errors" and list(body["errors"]) == ["title"]
    assert "#1 苏州恒通 WMS" in body["errors"]["title"] and "仍然创建" in body["errors"]["title"]
    assert db.count(Opportunity) == 1


def test_the_new_deal_form_creates_anyway_when_its_box_is_ticked(slack, db, rt):
    slack.command("alice", "new 苏州恒通 WMS 客户 苏州恒通")
    slack.command("li", "新建")
    view = slack.opened_view()
    assert_valid_view(view)
    answer = slack.submit("li", view, {"title": "恒通二期", "account": "苏州恒通有限公司", "duplicate_ok": True}, view_id="V0DUP")
    assert answer.status == 200 and answer.body == ""  # saved: the modal closes
    assert [d.title for d in db.deals()] == ["苏州恒通 WMS", "恒通二期"]
    assert [(e.kind, e.new) for e in db.events(2) if e.kind.startswith("duplicate")] == [("duplicate_confirmed", "#1")]
    told = [channel for channel, _ in dms(rt)]
    assert told.count("U0ALICE") == 1  # the other deal's owner, once
    slack.submit("li", view, {"title": "恒通二期", "account": "苏州恒通有限公司", "duplicate_ok": True}, view_id="V0DUP")  # a double submit
    assert db.count(Opportunity) == 2 and [channel for channel, _ in dms(rt)].count("U0ALICE") == 1


# --- imports -------------------------------------------------------------------------------------


def test_an_import_records_duplicates_and_counts_them(slack, db, rt, tmp_path):
    slack.command("alice", "new 苏州恒通 WMS 客户 苏州恒通")
    path = tmp_path / "deals.csv"
    path.write_text("title,account,owner\n恒通二期,苏州恒通有限公司,U0BOB\n无锡华光 MES,无锡华光,U0BOB\nGlobex CRM,Globex,U0BOB\n", encoding="utf-8")
    result = imported(rt, path)
    assert (sum(result.created.values()), result.duplicates) == (3, 1)
    assert [(e.kind, e.new) for e in db.events(2) if e.kind.startswith("duplicate")] == [("duplicate_found", "#1")]
    assert not any(e.kind.startswith("duplicate") for n in (3, 4) for e in db.events(n))
    assert dms(rt) == [] or all(channel != "U0ALICE" for channel, _ in dms(rt))  # imports tell nobody of duplicates


# --- /opp merge ----------------------------------------------------------------------------------


def two_deals(slack, rt) -> None:
    team(slack, rt)
    slack.command("alice", "new 苏州恒通 WMS 客户 苏州恒通")
    slack.command("alice", "log 1 见了采购")
    value = create_button(slack.command("li", "新建 恒通仓储 客户 苏州恒通有限公司"))["value"]
    slack.click("li", Action.DEAL_CREATE_ANYWAY, value)
    slack.command("li", "跟进 2 电话沟通了预算")
    slack.command("li", "风险 2 竞争对手")


def test_a_rep_cannot_merge(slack, db, fake, rt):
    two_deals(slack, rt)
    refused(slack, db, fake, "li", "合并 2 到 1", "只有", "经理或管理员")
    refused(slack, db, fake, "alice", "merge 2 into 1", "Only a manager")


def test_a_manager_merges_and_the_survivor_keeps_both_histories(slack, db, fake, rt):
    two_deals(slack, rt)
    with rt.sessions() as s:
        id1, id2 = (s.scalars(select(Opportunity.id).where(Opportunity.number == n)).one() for n in (1, 2))
        activities2 = set(s.scalars(select(Activity.id).where(Activity.opportunity_id == id2)))
        events2 = set(s.scalars(select(Event.id).where(Event.opportunity_id == id2)))
        risks2 = set(s.scalars(select(Risk.id).where(Risk.opportunity_id == id2)))
    assert activities2 and events2 and risks2
    answer = ephemeral(slack.command("bob", "合并 2 到 1"))
    assert "#2 已并入 #1" in answer and "*#1 苏州恒通 WMS*" in answer
    with rt.sessions() as s:
        assert activities2 <= set(s.scalars(select(Activity.id).where(Activity.opportunity_id == id1)))
        assert events2 <= set(s.scalars(select(Event.id).where(Event.opportunity_id == id1)))
        assert risks2 <= set(s.scalars(select(Risk.id).where(Risk.opportunity_id == id1)))
        assert s.scalars(select(Activity).where(Activity.opportunity_id == id2)).first() is None
    assert db.deal(2).status == "merged" and db.deal(1).status == "open"
    assert [(e.kind, e.field) for e in db.events(2)] == [("status", "status"), ("merged", "merged_into")]
    assert "把 #2 恒通仓储 并入此商机" in slack.command("bob", "历史 1").text
    assert "merged" in slack.command("bob", "show 2").text
    again = ephemeral(slack.command("bob", "merge 2 into 1"))
    assert again.startswith("⚠️") and db.deal(2).status == "merged"


@pytest.mark.parametrize("typed", ["merge 1 into 1", "merge 1", "merge one into two"])
def test_merge_needs_two_different_numbers(slack, db, fake, typed):
    slack.command("alice", "new Acme ERP")
    refused(slack, db, fake, "boss", typed, "merge")


def test_the_button_value_is_the_typed_text(slack):
    slack.command("alice", "new Acme ERP account Acme")
    value = create_button(slack.command("bob", "new Acme ERP budget:approved account Acme"))["value"]
    assert value == "en|1|Acme ERP budget:approved account Acme"


def test_the_migrations_frozen_account_key_agrees_with_todays_rule():
    """Migration 0008 keeps its own copy of the rule (a migration must not change with the code):
    today the two agree."""
    import importlib.util

    from store.db import MIGRATIONS

    path = next((MIGRATIONS / "versions").glob("0008_*.py"))
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    names = ["苏州恒通有限公司", "ＳＵＺＨＯＵ hengtong", "Suzhou Hengtong Co., Ltd.", "苏州恒通集团有限公司", "有限公司", "Globex Inc.", "", None]
    assert [migration.account_key(n) for n in names] == [account_key(n) for n in names]
