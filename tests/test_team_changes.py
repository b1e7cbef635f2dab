"""Who may change a person (`/opp team set`, `/opp team away`): nobody their own role or manager,
only admins grant manager or admin, a manager only the people who report to them; every change
recorded in member_events. And the [[team]] seed: applied once, then Slack-side changes win until
the config entry itself changes, on every start (web, worker)."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.core.config_model import TeamSeed
from store.models import Member, MemberEvent, Opportunity
from tests.conftest import ROOT, SlackClient

ALICE, BOB, LI, BOSS = "<@U0ALICE|alice>", "<@U0BOB|bob>", "<@U0LI|li>", "<@U0ADMIN|boss>"


def member_events(rt) -> list[tuple[str, str, str, str | None, str | None]]:
    """(whose, by whom, field, old, new) for every recorded change, oldest first."""
    with rt.sessions() as s:
        ids = {m.id: m.slack_user_id for m in s.scalars(select(Member))}
        rows = s.scalars(select(MemberEvent).order_by(MemberEvent.id)).all()
        return [(ids[e.member_id], ids.get(e.actor_id, "config"), e.field, e.old, e.new) for e in rows]


def role_and_manager(db, slack_id: str) -> tuple[str, str | None]:
    member = db.member(slack_id)
    manager = None
    if member.manager_id is not None:
        with db.rt.sessions() as s:
            manager = s.get(Member, member.manager_id).slack_user_id
    return member.role, manager


@pytest.fixture
def alice_manages_li(slack, db):
    """An admin (boss) makes alice a manager with li reporting to her; bob reports to nobody."""
    for who in ("alice", "bob", "li"):
        slack.command(who, "show 1")  # they have used the app
    assert "Updated <@U0ALICE>: role manager" in slack.command("boss", f"team set {ALICE} role:manager").text
    assert "Updated <@U0LI>: manager <@U0ALICE>" in slack.command("boss", f"team set {LI} manager:{ALICE}").text
    assert role_and_manager(db, "U0ALICE") == ("manager", None)
    assert role_and_manager(db, "U0LI") == ("ae", "U0ALICE")


def test_a_manager_cannot_make_themselves_admin(slack, db, alice_manages_li):
    before = member_events(db.rt)
    answer = slack.command("alice", f"team set {ALICE} role:admin")
    assert "You can't change your own role or manager" in answer.text
    assert role_and_manager(db, "U0ALICE") == ("manager", None)
    answer = slack.command("alice", f"team set {ALICE} manager:{BOSS}")
    assert "You can't change your own role or manager" in answer.text
    assert role_and_manager(db, "U0ALICE") == ("manager", None)
    # nor an admin their own
    boss_role = db.member("U0ADMIN").role
    assert "You can't change your own role or manager" in slack.command("boss", f"team set {BOSS} role:manager").text
    assert db.member("U0ADMIN").role == boss_role
    assert member_events(db.rt) == before


def test_a_manager_cannot_take_over_someone_elses_report_and_close_their_deal(slack, db, alice_manages_li):
    assert "Created #1" in slack.command("bob", "new Bob's deal 10万").text
    answer = slack.command("alice", f"team set {BOB} manager:{ALICE}")
    assert "<@U0BOB> does not report to you" in answer.text
    assert role_and_manager(db, "U0BOB") == ("ae", None)
    assert "You can't change #1" in slack.command("alice", "won 1").text
    assert db.deal(1).status == "open"
    # nor change anything else about bob, or his time away
    assert "<@U0BOB> does not report to you" in slack.command("alice", f"team set {BOB} capacity:0").text
    assert "<@U0BOB> does not report to you" in slack.command("alice", f"team away {BOB} until 12月10日").text
    assert (db.member("U0BOB").capacity, db.member("U0BOB").away_until) == (None, None)


def test_only_admins_grant_manager_or_admin(slack, db, alice_manages_li):
    for role in ("manager", "admin"):
        answer = slack.command("alice", f"team set {LI} role:{role}")
        assert "Only an admin can make someone a manager or an admin" in answer.text
        assert db.member("U0LI").role == "ae"
    # a role below her own, for someone who reports to her: fine, and recorded
    assert "Updated <@U0LI>: role BDR, capacity 5" in slack.command("alice", f"team set {LI} role:bdr capacity:5").text
    assert (db.member("U0LI").role, db.member("U0LI").capacity) == ("bdr", 5)
    # in Chinese, in li's language
    answer = slack.command("li", f"团队 设置 {LI} role:admin")
    assert "不能修改自己的角色或经理" in answer.text
    assert db.member("U0LI").role == "bdr"


def test_the_team_commands_in_chinese(slack, db, alice_manages_li):
    answer = slack.command("li", f"团队 设置 {BOB} 角色:bdr")
    assert "只有经理或管理员可以修改团队设置" in answer.text and db.member("U0BOB").role == "ae"
    answer = slack.command("boss", f"团队 设置 {LI} 角色:bdr 区域:华东 行业:制造 上限:25 经理:{ALICE}")
    assert "已更新 <@U0LI>：角色 商机开发" in answer.text
    li = db.member("U0LI")
    assert (li.role, li.regions, li.industries, li.capacity) == ("bdr", ["华东"], ["制造"], 25)
    assert "<@U0LI> 休假至 2026-12-10" in slack.command("li", f"团队 休假 {LI} 到 12月10日").text


def test_a_manager_cannot_demote_a_manager_or_hand_a_report_to_someone_who_is_not_one(slack, db, alice_manages_li):
    slack.command("boss", f"team set {BOB} role:manager manager:{ALICE}")
    assert (
        "<@U0BOB> is a manager or an admin: only an admin can change the role of a manager or an admin"
        in slack.command("alice", f"team set {BOB} role:ae").text
    )
    assert db.member("U0BOB").role == "manager"
    slack.command("nyc", "show 1")
    answer = slack.command("alice", f"team set {LI} manager:<@U0NYC|nyc>")
    assert "<@U0NYC> is not a manager" in answer.text
    assert role_and_manager(db, "U0LI") == ("ae", "U0ALICE")
    # to another manager: fine
    assert "Updated <@U0LI>" in slack.command("alice", f"team set {LI} manager:{BOB}").text
    assert role_and_manager(db, "U0LI") == ("ae", "U0BOB")


def test_nobody_manages_themselves_or_their_own_manager(slack, db, alice_manages_li):
    assert "can't be their own manager" in slack.command("boss", f"team set {LI} manager:{LI}").text
    answer = slack.command("boss", f"team set {ALICE} manager:{LI}")  # li reports to alice
    assert "<@U0LI> reports to <@U0ALICE>" in answer.text
    assert role_and_manager(db, "U0ALICE") == ("manager", None)
    assert role_and_manager(db, "U0LI") == ("ae", "U0ALICE")


def test_every_change_of_a_person_is_recorded(slack, db, rt, alice_manages_li):
    slack.command("alice", f"team set {LI} role:bdr region:华东 capacity:5")
    rt.clock.advance(hours=1)
    slack.command("boss", f"team set {LI} manager:{BOSS} capacity:none")
    assert member_events(rt) == [
        ("U0ALICE", "U0ADMIN", "role", "ae", "manager"),
        ("U0LI", "U0ADMIN", "manager", None, "U0ALICE"),
        ("U0LI", "U0ALICE", "role", "ae", "bdr"),
        ("U0LI", "U0ALICE", "regions", None, "华东"),
        ("U0LI", "U0ALICE", "capacity", None, "5"),
        ("U0LI", "U0ADMIN", "manager", "U0ALICE", "U0ADMIN"),
        ("U0LI", "U0ADMIN", "capacity", "5", None),
    ]
    with rt.sessions() as s:
        times = [e.at for e in s.scalars(select(MemberEvent).order_by(MemberEvent.id))]
    assert times[-1] - times[0] == rt.clock.now() - times[0] and times[-1] != times[0]
    # the same value again is no change and no record
    slack.command("boss", f"team set {LI} manager:{BOSS}")
    assert len(member_events(rt)) == 7


# --- the [[team]] seed -----------------------------------------------------------------------------

SEED = (TeamSeed(user="U0BOB", role="manager", capacity=10), TeamSeed(user="U0LI", role="ae", manager="U0BOB"))


def test_a_demotion_made_in_slack_survives_a_restart(rt, fake, db):
    rt.config = replace(rt.config, team=SEED)
    slack = SlackClient(rt, fake)
    assert "<@U0BOB> · manager" in slack.command("boss", "team").text
    assert role_and_manager(db, "U0LI") == ("ae", "U0BOB")
    assert "Updated <@U0BOB>: role account manager" in slack.command("boss", f"team set {BOB} role:ae").text
    earlier = rt.config
    rt.config = replace(rt.config)  # the process restarts with the same config.toml
    restarted = SlackClient(rt, fake)
    restarted._n = slack._n  # Slack's trigger ids stay new across our restarts
    assert "<@U0BOB> · account manager" in restarted.command("boss", "team").text
    assert db.member("U0BOB").role == "ae"
    assert earlier is not rt.config


def write_config(tmp_path, seeds: str):
    path = tmp_path / "config.toml"
    path.write_text((ROOT / "config.toml").read_text(encoding="utf-8") + "\n" + seeds, encoding="utf-8")
    return path


def test_each_start_applies_only_the_seed_entries_that_changed(rt, fake, db, tmp_path, monkeypatch, caplog, engine):
    """The worker's start (`oppbot worker --once`) reconciles [[team]] with what was applied."""
    slack = SlackClient(rt, fake)
    slack.command("boss", "show 1")  # the workspace exists
    seeds = '[[team]]\nuser = "U0BOB"\nrole = "manager"\ncapacity = 10\n\n[[team]]\nuser = "U0LI"\nrole = "ae"\nmanager = "U0BOB"\n'
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", fake.api_url)
    monkeypatch.setenv("OPPBOT_CONFIG", str(write_config(tmp_path, seeds)))
    caplog.set_level(logging.INFO, logger="bot.team.roster")
    assert main(["worker", "--once"]) == 0
    assert role_and_manager(db, "U0BOB") == ("manager", None) and db.member("U0BOB").capacity == 10
    assert role_and_manager(db, "U0LI") == ("ae", "U0BOB")
    assert "seeded U0BOB" in caplog.text
    # a demotion in Slack, then restarts: kept
    slack.command("boss", f"team set {BOB} role:ae")
    caplog.clear()
    assert main(["worker", "--once"]) == 0
    assert db.member("U0BOB").role == "ae"
    assert "seeded" not in caplog.text and "U0BOB" not in caplog.text
    # the config entry changes (capacity only): that change is applied, the demotion stays
    monkeypatch.setenv("OPPBOT_CONFIG", str(write_config(tmp_path, seeds.replace("capacity = 10", "capacity = 12"))))
    assert main(["worker", "--once"]) == 0
    assert (db.member("U0BOB").role, db.member("U0BOB").capacity) == ("ae", 12)
    assert "U0BOB: capacity 10 -> 12 (config changed)" in caplog.text
    # the entry's role changes: the config wins for that field
    monkeypatch.setenv("OPPBOT_CONFIG", str(write_config(tmp_path, seeds.replace("capacity = 10", "capacity = 12").replace('"manager"\n', '"bdr"\n', 1))))
    assert main(["worker", "--once"]) == 0
    assert db.member("U0BOB").role == "bdr"
    changes = [(m, f, o, n) for m, by, f, o, n in member_events(rt) if by == "config" and m == "U0BOB"]
    assert ("U0BOB", "capacity", "10", "12") in changes and ("U0BOB", "role", "ae", "bdr") in changes
    with rt.sessions() as s:
        assert s.scalars(select(Opportunity)).first() is None


def test_a_person_set_up_in_slack_before_config_named_them_is_kept(rt, fake, db, caplog):
    slack = SlackClient(rt, fake)
    slack.command("boss", f"team set {BOB} role:bdr capacity:3")
    rt.config = replace(rt.config, team=(TeamSeed(user="U0BOB", role="manager", capacity=10),))
    caplog.set_level(logging.INFO, logger="bot.team.roster")
    slack.command("boss", "team")
    assert (db.member("U0BOB").role, db.member("U0BOB").capacity) == ("bdr", 3)
    assert "U0BOB: kept as set in Slack: role bdr (config says manager), capacity 3 (config says 10)" in caplog.text
    # once the entry itself changes, its change is applied
    rt.config = replace(rt.config, team=(TeamSeed(user="U0BOB", role="manager", capacity=12),))
    slack.command("boss", "team")
    assert (db.member("U0BOB").role, db.member("U0BOB").capacity) == ("bdr", 12)
    assert "U0BOB: capacity 3 -> 12 (config changed)" in caplog.text


def test_a_team_change_is_read_back_in_words_not_keys(slack, db):
    for who in ("alice", "bob"):
        slack.command(who, "show 1")
    done = slack.command("boss", "团队 set <@U0BOB|bob> 角色:bdr 区域:华东,华南 容量:不限")
    assert "已更新 <@U0BOB>：角色 商机开发，区域 华东、华南，容量 不限" in done.text
    assert "=" not in done.text and "capacity" not in done.text
