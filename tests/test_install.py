"""oppbot as an installed command: it runs from any directory with the config shipped inside the
package, `oppbot init` writes one to edit, `--fresh` starts the console from an empty database, and
the commands print no Alembic chatter at the default log level."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from bot.cli import main
from bot.core.config import SHIPPED_CONFIG, Settings, load_config
from bot.demo.pipeline import SAMPLES

ROOT = Path(__file__).resolve().parent.parent
OPPBOT = Path(sys.executable).with_name("oppbot")


def oppbot(*args: str, cwd: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    """Run the installed `oppbot` as a user would: no OPPBOT_CONFIG, no Slack secrets, LOG_LEVEL unset."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPPBOT_", "LOG_LEVEL", "DATABASE_URL"))}
    clean.update(PYTHONIOENCODING="utf-8", **env)
    return subprocess.run([str(OPPBOT), *args], cwd=cwd, env=clean, input=stdin, capture_output=True, text=True, encoding="utf-8", timeout=120)


def test_the_repository_config_is_the_shipped_one():
    """One source of truth: the top-level config.toml (README quick start, tests) is a symlink to
    the package's default_config.toml, so the two cannot drift apart."""
    assert (ROOT / "config.toml").read_bytes() == SHIPPED_CONFIG.read_bytes()
    assert load_config(SHIPPED_CONFIG).stages


def test_package_data_ships_the_config_and_every_migration_file():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    assert "default_config.toml" in package_data["bot.core"]
    for path in (ROOT / "store" / "migrations").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = path.relative_to(ROOT / "store").as_posix()
            assert any(fnmatch.fnmatch(relative, pattern) for pattern in package_data["store"]), f"store/{relative} would not be installed"


def test_settings_fall_back_to_the_shipped_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env({}).config_path == str(SHIPPED_CONFIG)
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    assert Settings.from_env({}).config_path == "config.toml"
    assert Settings.from_env({"OPPBOT_CONFIG": "/elsewhere/mine.toml"}).config_path == "/elsewhere/mine.toml"


def test_init_writes_a_config_to_edit_and_never_overwrites_one(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPPBOT_CONFIG", raising=False)
    target = tmp_path / "config.toml"

    assert main(["init"]) == 0
    out, err = capsys.readouterr()
    assert f"wrote {target}" in out and err == ""
    assert target.read_bytes() == SHIPPED_CONFIG.read_bytes()
    assert target.read_text(encoding="utf-8").startswith("# oppbot configuration")
    assert load_config(target).stages

    target.write_text("# mine\n", encoding="utf-8")
    assert main(["init"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and f"{target} already exists" in err
    assert target.read_text(encoding="utf-8") == "# mine\n"


def test_without_a_config_anywhere_the_console_uses_the_shipped_one_and_says_so_once(tmp_path):
    result = oppbot("console", "--demo", "--fresh", cwd=tmp_path, stdin="/opp list all\n")
    assert result.returncode == 0, result.stderr
    for sample in SAMPLES[:3]:
        assert sample.title in result.stdout
    notes = [line for line in result.stderr.splitlines() if "shipped default config" in line]
    assert len(notes) == 1 and str(SHIPPED_CONFIG) in notes[0] and "oppbot init" in notes[0]
    assert "alembic" not in result.stderr.lower()
    assert list(tmp_path.iterdir()) == []  # --fresh: the session's database was a temporary file


def test_with_a_local_config_there_is_no_note(tmp_path):
    (tmp_path / "config.toml").write_bytes(SHIPPED_CONFIG.read_bytes())
    result = oppbot("scan", "--dry-run", cwd=tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/oppbot.db")
    assert result.returncode == 0, result.stderr
    assert "would be raised" in result.stdout
    assert "shipped default" not in result.stderr


def test_fresh_leaves_the_usual_database_alone(tmp_path):
    db = f"sqlite:///{tmp_path}/oppbot.db"
    first = oppbot("console", "--demo", cwd=tmp_path, stdin="/opp new Kept deal 5万\n", DATABASE_URL=db)
    assert first.returncode == 0, first.stderr
    fresh = oppbot("console", "--fresh", cwd=tmp_path, stdin="/opp list all\n", DATABASE_URL=db)
    assert fresh.returncode == 0, fresh.stderr
    assert "Kept deal" not in fresh.stdout and "starting from an empty database" in fresh.stderr
    again = oppbot("console", cwd=tmp_path, stdin="/opp find Kept\n", DATABASE_URL=db)
    assert "Kept deal" in again.stdout


def test_db_commands_print_no_alembic_lines_at_the_default_log_level(tmp_path):
    db = f"sqlite:///{tmp_path}/oppbot.db"
    upgraded = oppbot("db", "upgrade", cwd=tmp_path, DATABASE_URL=db)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("schema revision: ") and upgraded.stderr == ""
    current = oppbot("db", "current", cwd=tmp_path, DATABASE_URL=db)
    assert current.returncode == 0 and current.stderr == ""
    debug = oppbot("db", "current", cwd=tmp_path, DATABASE_URL=db, LOG_LEVEL="DEBUG")
    assert "alembic" in debug.stderr  # still there when asked for
