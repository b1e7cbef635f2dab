"""A workspace's own config, for `oppbot config load|show|reset --team T…`: loaded from a file
(checked exactly as config.toml is at start-up; a file with a fault is refused and nothing is
stored), its [[team]] seeded into that workspace's members in the same transaction, what changed
said in a line or two; shown; reset to the default. How every process reads it:
bot.core.workspace_configs.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.config import Config, ConfigError, load_config
from bot.core.runtime import Runtime
from bot.core.workspace_configs import RECHECK, own
from bot.team.roster import seed_team
from store import workspace_configs as stored
from store.models import Opportunity

# Said apart in what changed; the others by their config.toml section.
NAMED = {"stages": "stages", "won_reasons": "won reasons", "lost_reasons": "lost reasons"}
NOT_SETTINGS = ("path", "public_url")


def load(rt: Runtime, workspace_id: str, path: Path, *, by: str) -> list[str]:
    """Store the file as the workspace's own config and seed its [[team]]; the lines to print."""
    config = load_config(path)  # the same checks, and messages, as at start-up
    source = path.read_text(encoding="utf-8")
    with rt.transaction() as session:
        _known(session, workspace_id)
        _stages_in_use(session, workspace_id, config, str(path))
        before = rt.config_of(workspace_id)
        was = stored.current(session, workspace_id)
        previously = f"its own config (version {was.version})" if was is not None and was.source is not None else "the default config"
        row = stored.save(session, workspace_id, source=source, file_name=path.name, by=by, at=rt.clock.now())
        config = own(source, workspace_id, path.name, rt.default_config)
        seeded = seed_team(session, config=config, workspace_id=workspace_id, clock=rt.clock, fetch_profile=lambda _user: None)
    rt.forget_config(workspace_id)
    return [
        f"{workspace_id}: loaded its own config from {path.name} (version {row.version}); in effect everywhere within {RECHECK.seconds} seconds",
        f"changed from {previously}: {differences(before, config)}",
        *(f"team: {line}" for line in seeded),
    ]


def reset(rt: Runtime, workspace_id: str, *, by: str) -> list[str]:
    """Back to the default config; the default's [[team]] seeded again."""
    with rt.transaction() as session:
        _known(session, workspace_id)
        was = stored.current(session, workspace_id)
        if was is None or was.source is None:
            return [f"{workspace_id}: already on the default config ({rt.default_config.path}); nothing changed"]
        _stages_in_use(session, workspace_id, rt.default_config, rt.default_config.path)
        before, was_version = rt.config_of(workspace_id), was.version
        row = stored.save(session, workspace_id, source=None, file_name=None, by=by, at=rt.clock.now())
        seeded = seed_team(session, config=rt.default_config, workspace_id=workspace_id, clock=rt.clock, fetch_profile=lambda _user: None)
    rt.forget_config(workspace_id)
    return [
        f"{workspace_id}: back on the default config ({rt.default_config.path}) (version {row.version}); in effect everywhere within {RECHECK.seconds} seconds",
        f"changed from its own config (version {was_version}): {differences(before, rt.default_config)}",
        *(f"team: {line}" for line in seeded),
    ]


def show(rt: Runtime, workspace_id: str) -> list[str]:
    """Which config is in effect for the workspace, and its stages and reasons."""
    with rt.reading() as session:
        _known(session, workspace_id)
        row = stored.current(session, workspace_id)
    config = rt.config_of(workspace_id)
    if row is None or row.source is None:
        head = f"{workspace_id}: the default config ({rt.default_config.path})"
        if row is not None:
            head += f"; its own was reset by {row.loaded_by} at {_when(row.loaded_at)} (version {row.version})"
    elif config is rt.default_config:
        head = (
            f"{workspace_id}: the default config ({rt.default_config.path}): its own (version {row.version}, {row.file_name}) no longer passes"
            " the checks; load it again after fixing it (the worker and web logs say what is wrong)"
        )
    else:
        head = f"{workspace_id}: its own config, from {row.file_name} (version {row.version}, loaded by {row.loaded_by} at {_when(row.loaded_at)})"
    return [head, *summary(config)]


def summary(config: Config) -> list[str]:
    return [f"{NAMED[name]}: {', '.join(item.key for item in getattr(config, name)) or '-'}" for name in NAMED] + [
        f"team: {len(config.team)} seeded; language {config.language}, timezone {config.timezone}, currency {config.currency}"
    ]


def differences(before: Config, after: Config) -> str:
    """What differs, in a line: stages and reasons by key, other settings by section."""
    said = []
    for name, words in NAMED.items():
        old, new = [i.key for i in getattr(before, name)], [i.key for i in getattr(after, name)]
        if old != new:
            said.append(f"{words} {', '.join(old) or '-'} -> {', '.join(new) or '-'}")
        elif getattr(before, name) != getattr(after, name):
            said.append(f"{words} (names or settings)")
    others = [f.name for f in fields(Config) if f.name not in (*NAMED, *NOT_SETTINGS) and getattr(before, f.name) != getattr(after, f.name)]
    if others:
        said.append(f"also {', '.join(others)}")
    return "; ".join(said) or "the same settings"


def _known(session: Session, workspace_id: str) -> None:
    if not stored.known(session, workspace_id):
        raise ConfigError(f"--team {workspace_id}: no such workspace in the database (it appears once the app is installed there and used)")


def _stages_in_use(session: Session, workspace_id: str, config: Config, path: str) -> None:
    """A stage that open deals of the workspace are at must stay: their cards and moves need it."""
    keys = {stage.key for stage in config.stages}
    rows = session.execute(
        select(Opportunity.stage, func.count())
        .where(Opportunity.workspace_id == workspace_id, Opportunity.status == "open", Opportunity.stage.not_in(keys))
        .group_by(Opportunity.stage)
        .order_by(Opportunity.stage)
    ).all()
    if rows:
        raise ConfigError(
            "\n".join(f"{path}: stages: {stage} is the stage of {n} open deal(s) in {workspace_id}; keep it, or move those deals first" for stage, n in rows)
        )


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
