"""config.toml: the shipped file loads; each kind of mistake stops start-up with one line naming
the file, the key and the fault."""

import tomllib
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
    ],
)
def test_each_fault_is_named(change, key, fault):
    with pytest.raises(ConfigError) as err:
        parse_config(broken(change), "team.toml")
    message = str(err.value)
    assert message.startswith(f"team.toml: {key}: "), message
    assert fault in message
    assert "\n" not in message


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
