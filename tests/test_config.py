"""config.toml: the shipped file loads; each kind of mistake stops start-up with one line naming
the file, the key and the fault."""

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parent.parent


def raw():
    return tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))


def test_shipped_config_has_the_teams_pipeline():
    config = load_config(ROOT / "config.toml")
    assert [s.names["zh"] for s in config.stages] == ["线索", "初步接触", "需求确认", "方案提交", "技术交流", "价格谈判", "合同签订"]
    assert [s.key for s in config.stages][:2] == ["lead", "contacted"]
    assert config.find_stage("方案提交").key == "proposal"
    assert config.find_stage("Technical Review").key == "tech_review"
    assert config.find_stage("nope") is None
    assert config.language == "zh" and config.currency == "CNY" and config.timezone == "Asia/Shanghai"


def broken(change):
    data = raw()
    change(data)
    return data


@pytest.mark.parametrize(
    "change, key, fault",
    [
        (lambda d: d["workspace"].update(language="fr"), "workspace.language", "must be one of zh, en"),
        (lambda d: d["workspace"].update(timezone="Mars/Base"), "workspace.timezone", "unknown timezone"),
        (lambda d: d["workspace"].update(currency="yuan"), "workspace.currency", "3-letter ISO code"),
        (lambda d: d["workspace"].update(admins=["alice"]), "workspace.admins", "Slack user ids"),
        (lambda d: d["stages"][2].update(probability=1.5), "stages[2].probability", "from 0 to 1, got 1.5"),
        (lambda d: d["stages"][1].update(stall_days=0), "stages[1].stall_days", ">= 1"),
        (lambda d: d["stages"][1].update(owner_role="boss"), "stages[1].owner_role", "must be one of"),
        (lambda d: d["stages"][3].update(key="lead"), "stages[3].key", "duplicate stage key 'lead'"),
        (lambda d: d["stages"][0].update(key="won"), "stages[0].key", "not won/lost"),
        (lambda d: d["stages"][0].update(name={"zh": "线索"}), "stages[0].name", "both names"),
        (lambda d: d["stages"][0].pop("key"), "stages[0].key", "is required"),
        (lambda d: d.update(stages=[]), "stages", "at least one"),
        (lambda d: d["reasons"].update(lost=[]), "reasons.lost", "non-empty list"),
        (lambda d: d["channels"].update(alerts=""), "channels.alerts", "channel name"),
        (lambda d: d.update(currencies={"rates": {"usd": 7}}), "currencies.rates.usd", "3-letter ISO code"),
        (lambda d: d.update(currencies={"rates": {"CNY": 1}}), "currencies.rates.CNY", "the workspace currency itself"),
        (lambda d: d.update(currencies={"rates": {"USD": 0}}), "currencies.rates.USD", "a number above 0 (what 1 USD is worth in CNY)"),
        (lambda d: d.update(currencies={"rates": {"USD": "7.2"}}), "currencies.rates.USD", "got '7.2'"),
        (lambda d: d.update(currencies={"rates": 7}), "currencies.rates", "must be a table"),
    ],
)
def test_each_fault_is_named(change, key, fault):
    with pytest.raises(ConfigError) as err:
        parse_config(broken(change), "team.toml")
    message = str(err.value)
    assert message.startswith(f"team.toml: {key}: "), message
    assert fault in message
    assert "\n" not in message


def test_exchange_rates_are_read_as_decimals():
    config = parse_config(broken(lambda d: d.update(currencies={"rates": {"USD": 7.2, "EUR": 8}})), "team.toml")
    assert config.rates == {"USD": Decimal("7.2"), "EUR": Decimal("8")}
    assert parse_config(raw(), "team.toml").rates == {}


def test_unreadable_file_and_missing_file(tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text("[workspace\nlanguage = 'zh'", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.toml: not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_cli_stops_with_one_line(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "config.toml"
    bad.write_text((ROOT / "config.toml").read_text(encoding="utf-8").replace('timezone = "Asia/Shanghai"', 'timezone = "Nowhere"'), encoding="utf-8")
    monkeypatch.setenv("OPPBOT_CONFIG", str(bad))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    assert main(["worker"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"oppbot: {bad}: workspace.timezone: unknown timezone 'Nowhere' (use an IANA name such as Asia/Shanghai)"


def test_web_needs_its_secrets(monkeypatch, capsys):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert main(["web"]) == 2
    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET not set" in capsys.readouterr().err


def test_reasons_match_whole_words_in_english_and_prefixes_in_chinese():
    config = load_config(ROOT / "config.toml")
    assert config.find_reason("otherwise fine", won=False) is None
    reason, note = config.find_reason("other: went quiet", won=False)
    assert (reason.key, note) == ("other", "went quiet")
    reason, note = config.find_reason("竞争对手低价抢单", won=False)
    assert (reason.key, note) == ("competitor", "低价抢单")
    reason, note = config.find_reason("No budget this year", won=False)
    assert (reason.key, note) == ("no_budget", "this year")


# --- unknown keys and people: every table is checked, every fault is named at once --------------

TEAM = '[[team]]\nuser = "U0BOB"\nrole = "manager"\n\n[[team]]\nuser = "U0LI"\nrole = "ae"\nmanager = "U0BOB"\n'


def config_file(tmp_path, extra: str = "", edit=lambda text: text) -> Path:
    """The shipped config.toml with ``edit`` applied and ``extra`` appended, written to tmp_path."""
    path = tmp_path / "config.toml"
    path.write_text(edit((ROOT / "config.toml").read_text(encoding="utf-8")) + "\n" + extra, encoding="utf-8")
    return path


def faults(path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_config(path)
    return str(err.value).splitlines()


def test_a_misspelt_key_in_a_team_entry_is_named_with_the_nearest_key(tmp_path):
    path = config_file(tmp_path, TEAM + "capacty = 20\n")
    assert faults(path) == [f"{path}: team[1].capacty: unknown key; did you mean `capacity`?"]


def test_a_misspelt_key_in_a_rule_is_named_with_what_it_leaves_missing(tmp_path):
    path = config_file(tmp_path, TEAM + '\n[[assignment.rules]]\nname = "华东"\nstrategey = "round_robin"\npeople = ["U0LI"]\n')
    assert faults(path) == [
        f"{path}: assignment.rules[0].strategey: unknown key; did you mean `strategy`?",
        f"{path}: assignment.rules[0].strategy: is required",
    ]


def test_a_misspelt_alerts_key_is_named_with_the_nearest_key(tmp_path):
    path = config_file(tmp_path, edit=lambda text: text.replace('quiet_start = "20:00"', 'quiet_strat = "20:00"'))
    assert faults(path) == [f"{path}: alerts.quiet_strat: unknown key; did you mean `quiet_start`?"]


def test_misspelt_keys_in_nested_tables_are_named_by_their_whole_path(tmp_path):
    def edit(text):
        text = text.replace("targets = { month = 5000000", "targets = { monthly = 5000000")
        text = text.replace(
            '{ key = "planned", name = { zh = "有预算计划", en = "Planned" }, points = 0.6 }',
            '{ key = "planned", name = { zh = "有预算计划", en = "Planned" }, pionts = 0.6, points = 0.6 }',
        )
        return text.replace("cadence_days = { A = 1, B = 7, C = 30 }", "cadence_days = { A = 1, B = 7, C = 30, c = 30 }")

    path = config_file(tmp_path, edit=edit)
    assert faults(path) == [
        f"{path}: qualification.criteria[0].choices[1].pionts: unknown key; did you mean `points`?",
        f"{path}: grading.cadence_days.c: unknown key; did you mean `C`?",
        f"{path}: digest.targets.monthly: unknown key; did you mean `month`?",
    ]


def test_a_key_like_no_known_one_lists_the_known_keys(tmp_path):
    path = config_file(tmp_path, "[hazards]\nstale = 3\n", edit=lambda text: text.replace("snooze_days = [1, 3, 7]", "snooze_days = [1, 3, 7]\nloudness = 11"))
    assert faults(path) == [
        f"{path}: hazards: unknown key (known: alerts, assignment, channels, currencies, digest, followon, grading, handover, meeting, payments, pool, probability, qualification, reasons, review, risks, rooms, stages, tag_rules, team, unfurls, workspace)",
        f"{path}: alerts.loudness: unknown key (known: bundle_time, channel_grades, channel_min_amount, escalate_after_days, quiet_end, quiet_start, snooze_days, working_days)",
    ]


def test_silent_days_is_read_and_checked(tmp_path):
    assert load_config(config_file(tmp_path, "", edit=lambda text: text.replace("silent_days = 14", "silent_days = 21"))).risks.silent_days == 21
    path = config_file(tmp_path, "", edit=lambda text: text.replace("silent_days = 14", "silent_days = 0"))
    assert [f for f in faults(path) if "risks.silent_days" in f]


def test_people_the_config_names_must_be_in_the_team(tmp_path):
    rule = '\n[[assignment.rules]]\nname = "华东"\nstrategy = "round_robin"\npeople = ["U0LI", "U0NOBODY"]\n'
    path = config_file(
        tmp_path,
        TEAM.replace('"U0BOB"\n', '"U0BOSS"\n', 1) + rule,
        edit=lambda text: text.replace('# pool_manager = "U0MANAGER1"', 'pool_manager = "U0MANAGER1"'),
    )
    assert faults(path) == [
        f'{path}: team[1].manager: U0BOB is not in [[team]]; fix the id, add a [[team]] entry with user = "U0BOB", or remove the manager',
        f'{path}: assignment.rules[0].people: U0NOBODY is not in [[team]]; fix the id, add a [[team]] entry with user = "U0NOBODY", or take them out of the rule',
        f'{path}: assignment.pool_manager: U0MANAGER1 is not in [[team]]; fix the id, add a [[team]] entry with user = "U0MANAGER1", or remove pool_manager (the admins are told instead)',
    ]
    assert load_config(config_file(tmp_path, TEAM + rule.replace(', "U0NOBODY"', ""))).assignment.rules[0].people == ("U0LI",)


def test_cli_names_every_fault_at_once_and_stops(tmp_path, monkeypatch, capsys):
    path = config_file(
        tmp_path,
        TEAM + "capacty = 20\n",
        edit=lambda text: text.replace('[workspace]\nlanguage = "zh"', '[workspace]\nlanguage = "zh"\nlangauge = "en"').replace(
            "stall_days = 14", "stall_days = 0"
        ),
    )
    monkeypatch.setenv("OPPBOT_CONFIG", str(path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    assert main(["worker"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"oppbot: {path}: workspace.langauge: unknown key; did you mean `language`?",
        f"oppbot: {path}: team[1].capacty: unknown key; did you mean `capacity`?",
        f"oppbot: {path}: stages[4].stall_days: must be a whole number of days >= 1, got 0",
    ]


# --- [pool] -----------------------------------------------------------------------------------------


def test_the_shipped_pool_rules(tmp_path):
    """As shipped: grade A never returns, B and C after 14 days; 价格谈判 and later never."""
    pool = load_config(config_file(tmp_path)).pool
    assert (pool.return_days, pool.exempt_from_stage, pool.warn_days, pool.daily_claims, pool.reclaim_after_days) == (
        {"A": 0, "B": 14, "C": 14},
        "negotiation",
        3,
        5,
        7,
    )


def test_a_grade_the_pool_does_not_list_takes_pool_return_days(tmp_path):
    def edit(text):
        return text.replace("return_days = { A = 0, B = 14, C = 14 }", "return_days = { B = 30 }").replace("pool_return_days = 14", "pool_return_days = 9")

    assert load_config(config_file(tmp_path, edit=edit)).pool.return_days == {"A": 9, "B": 30, "C": 9}


def test_pool_mistakes_are_named(tmp_path):
    def edit(text):
        return (
            text.replace('exempt_from_stage = "negotiation"', 'exempt_from_stage = "haggling"')
            .replace("return_days = { A = 0, B = 14, C = 14 }", "return_days = { A = -1, D = 3 }")
            .replace("warn_days = 3", "warn_day = 3")
        )

    path = config_file(tmp_path, edit=edit)
    assert faults(path) == [
        f"{path}: pool.warn_day: unknown key; did you mean `warn_days`?",
        f"{path}: pool.return_days.D: unknown key (known: A, B, C)",
        f"{path}: pool.return_days.A: must be a whole number from 0 to 365, got -1",
    ]


def test_a_pool_exempt_stage_must_be_a_stage(tmp_path):
    path = config_file(tmp_path, edit=lambda text: text.replace('exempt_from_stage = "negotiation"', 'exempt_from_stage = "haggling"'))
    assert faults(path) == [
        f"{path}: pool.exempt_from_stage: must be a stage key (lead, contacted, needs, proposal, tech_review, negotiation, contract), got 'haggling'"
    ]


def test_what_follows_a_close_and_each_stages_playbook_are_read_and_checked(tmp_path):
    """[handover], [payments], [review], [followon] and a stage's actions, as shipped; a bad value
    in each is named with what would do."""
    config = load_config(config_file(tmp_path))
    assert [s.key for s in config.after.handover_steps] == ["requirements", "scope", "timeline", "acceptance"]
    assert config.after.handover_steps[3].name("zh") == "客户验收"
    assert (config.after.handover_stall_days, config.after.payment_roles, config.after.review_remind_days, config.after.revisit_days) == (
        7,
        ("finance", "manager"),
        3,
        90,
    )
    assert [a.name("zh") for a in config.stage("proposal").actions] == ["方案演示", "提交方案书"] and config.stage("lead").actions == ()

    for wrong, right, said in (
        (
            'tell_roles = ["finance", "manager"]',
            'tell_roles = ["cfo"]',
            "payments.tell_roles: must be a list of roles from bdr, ae, support, delivery, finance, manager, admin, got ['cfo']",
        ),
        ("remind_days = 3", "remind_days = 0", "review.remind_days: must be a whole number from 1 to 365, got 0"),
        ('{ key = "scope", name', '{ key = "Scope", name', "handover.checklist[1].key: must be lower-case letters, digits or _, got 'Scope'"),
        ('{ key = "demo", name', '{ key = "proposal_sent", name', "stages[3].actions[1].key: duplicate key 'proposal_sent'"),
    ):
        path = config_file(tmp_path, edit=lambda text, wrong=wrong, right=right: text.replace(wrong, right))
        assert faults(path) == [f"{path}: {said}"]


def test_rooms_take_a_true_or_false_and_no_other_key(tmp_path):
    assert load_config(config_file(tmp_path)).rooms.archive_on_close is True
    path = config_file(tmp_path, edit=lambda text: text.replace("[rooms]\narchive_on_close = true", '[rooms]\narchive_on_close = "yes"\nprivate = true'))
    assert faults(path) == [
        f"{path}: rooms.private: unknown key (known: archive_on_close, big_deal)",
        f"{path}: rooms.archive_on_close: must be true or false, got 'yes'",
    ]
    path = config_file(
        tmp_path,
        edit=lambda text: text.replace("big_deal = 500000\n[rooms]", "").replace(
            "[rooms]\narchive_on_close = true\nbig_deal = 500000", "[rooms]\nbig_deal = -1"
        ),
    )
    assert faults(path) == [f"{path}: rooms.big_deal: must be a number >= 0, got -1"]


def test_unfurls_show_amounts_in_shared_channels_only_when_told(tmp_path):
    def shared(value: str):
        return lambda text: text.replace("amounts_in_shared_channels = false", f"amounts_in_shared_channels = {value}")

    assert load_config(config_file(tmp_path)).unfurls.amounts_in_shared_channels is False
    assert load_config(config_file(tmp_path, edit=shared("true"))).unfurls.amounts_in_shared_channels is True
    path = config_file(tmp_path, edit=shared('"yes"'))
    assert faults(path) == [f"{path}: unfurls.amounts_in_shared_channels: must be true or false, got 'yes'"]
