"""Data outlives code: a database at an earlier revision, holding deals, upgrades to the head
without losing a row (and downgrades where the migration has a downgrade). Runs on SQLite and, on
the PostgreSQL leg, in a scratch database of its own on that server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from alembic import command
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from store.db import alembic_config, current_revision, head_revision, make_engine
from store.queries import DealFilter, search_deals
from tests.scratchdb import scratch_database

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@contextmanager
def empty_engine(tmp_path) -> Iterator[Engine]:
    given = os.environ.get("OPPBOT_TEST_DATABASE_URL")
    if given:
        with scratch_database(given) as url:
            engine = make_engine(url)
            yield engine
            engine.dispose()
    else:
        engine = make_engine(f"sqlite:///{tmp_path}/migrate.db")
        yield engine
        engine.dispose()


def seed_at_0004(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workspaces (id, next_number, created_at) VALUES ('T1', 4, :now)"), {"now": NOW})
        conn.execute(
            text(
                "INSERT INTO members (id, workspace_id, slack_user_id, display_name, role, created_at, regions, industries)"
                " VALUES (1, 'T1', 'U1', 'li', 'ae', :now, '[]', '[]')"
            ),
            {"now": NOW},
        )
        for n, close in ((1, date(2026, 12, 1)), (2, None), (3, date(2026, 11, 30))):
            conn.execute(
                text(
                    "INSERT INTO opportunities (workspace_id, number, title, currency, stage, status, expected_close, owner_id, creator_id,"
                    " created_at, updated_at, stage_entered_at, last_activity_at, version, score, grade, strategic, tags)"
                    " VALUES ('T1', :n, :title, 'CNY', 'lead', 'open', :close, 1, 1, :now, :now, :now, :now, 1, 0, 'C', false, '[]')"
                ),
                {"n": n, "title": f"华东制造 #{n}", "close": close, "now": NOW},
            )


def deals(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT number, title, expected_close, owner_id FROM opportunities ORDER BY number"))]


def indexes(engine: Engine) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes("opportunities")}


def test_the_list_indexes_migration_keeps_every_deal_both_ways(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        before = deals(engine)
        assert len(before) == 3 and "ix_opportunities_ws_owner_list" not in indexes(engine)

        command.upgrade(config, "head")
        assert current_revision(engine) == head_revision(engine)
        assert deals(engine) == before
        with Session(engine) as session:  # deals already there are in the search index
            found = search_deals(session, DealFilter(workspace_id="T1", text="制造 #2"), limit=5, newest_first=True)
            assert [o.number for o in found.deals] == [2]
        assert {"ix_opportunities_ws_owner_list", "ix_opportunities_ws_stage_list", "ix_opportunities_ws_close_list"} <= indexes(engine)

        command.downgrade(config, "0007-1")
        assert deals(engine) == before
        command.downgrade(config, "0006-1")
        assert deals(engine) == before
        assert "ix_opportunities_ws_owner_list" not in indexes(engine)
        assert {"ix_opportunities_ws_status_stage", "ix_opportunities_ws_close"} <= indexes(engine)


def test_head_is_reachable_from_an_empty_database(tmp_path):
    with empty_engine(tmp_path) as engine:
        command.upgrade(alembic_config(engine), "head")
        assert current_revision(engine) == head_revision(engine)


def test_the_duplicates_migration_fills_each_deals_account_key_and_downgrades(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE opportunities SET account = '苏州恒通有限公司' WHERE number = 1"))
            conn.execute(text("UPDATE opportunities SET account = 'Acme Co., Ltd.' WHERE number = 3"))
        command.upgrade(config, "0007")
        before = deals(engine)

        command.upgrade(config, "0008")
        assert deals(engine) == before
        assert "ix_opportunities_ws_account_key" in indexes(engine)
        with engine.connect() as conn:
            keys = conn.execute(text("SELECT number, account_key FROM opportunities ORDER BY number")).all()
        assert [tuple(k) for k in keys] == [(1, "苏州恒通"), (2, None), (3, "acme")]

        command.downgrade(config, "0007")
        assert deals(engine) == before
        assert "account_key" not in {c["name"] for c in inspect(engine).get_columns("opportunities")}
        with Session(engine) as session:  # the search index of 0007 still works
            found = search_deals(session, DealFilter(workspace_id="T1", text="制造 #3"), limit=5, newest_first=True)
            assert [o.number for o in found.deals] == [3]


def test_the_pool_clock_migration_starts_open_deals_clocks_at_their_last_activity_and_downgrades(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE opportunities SET status = 'won' WHERE number = 2"))
        command.upgrade(config, "0008")
        before = deals(engine)

        command.upgrade(config, "0009")
        assert deals(engine) == before
        with engine.connect() as conn:
            clocks = conn.execute(text("SELECT number, pool_clock_at IS NOT NULL, pool_warned_at FROM opportunities ORDER BY number")).all()
        assert [tuple(c) for c in clocks] == [(1, True, None), (2, False, None), (3, True, None)]

        command.downgrade(config, "0008")
        assert deals(engine) == before
        assert not {"pool_clock_at", "pool_warned_at"} & {c["name"] for c in inspect(engine).get_columns("opportunities")}
        with Session(engine) as session:  # the search index of 0007 still works
            found = search_deals(session, DealFilter(workspace_id="T1", text="制造 #3"), limit=5, newest_first=True)
            assert [o.number for o in found.deals] == [3]


def test_the_outbox_threads_migration_adds_a_column_and_downgrades(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        command.upgrade(config, "0009")
        before = deals(engine)
        command.upgrade(config, "0010")
        assert deals(engine) == before
        assert "thread_of" in {c["name"] for c in inspect(engine).get_columns("outbox")}
        command.downgrade(config, "0009")
        assert deals(engine) == before
        assert "thread_of" not in {c["name"] for c in inspect(engine).get_columns("outbox")}


def test_the_imported_history_migration_adds_external_ids_and_emails_and_downgrades(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        command.upgrade(config, "0010")
        before = deals(engine)
        command.upgrade(config, "0011")
        assert deals(engine) == before
        with engine.begin() as conn:
            conn.execute(text("UPDATE opportunities SET external_id = '006A' WHERE number = 1"))
            conn.execute(text("UPDATE members SET email = 'li@example.com'"))
        try:  # one deal per external id in a workspace
            with engine.begin() as conn:
                conn.execute(text("UPDATE opportunities SET external_id = '006A' WHERE number = 2"))
        except Exception as exc:
            assert "unique" in str(exc).lower() or "duplicate" in str(exc).lower()
        else:
            raise AssertionError("two deals took one external id")
        command.downgrade(config, "0010")
        assert deals(engine) == before
        assert "external_id" not in {c["name"] for c in inspect(engine).get_columns("opportunities")}
        assert "email" not in {c["name"] for c in inspect(engine).get_columns("members")}
        with Session(engine) as session:  # the search index of 0007 still works
            found = search_deals(session, DealFilter(workspace_id="T1", text="制造 #3"), limit=5, newest_first=True)
            assert [o.number for o in found.deals] == [3]


def test_the_after_the_close_migration_adds_its_tables_and_columns_and_downgrades(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        command.upgrade(config, "0011")
        before = deals(engine)
        command.upgrade(config, "0012")
        assert deals(engine) == before
        with engine.begin() as conn:  # every deal's playbook starts empty; a follow-on names its deal
            assert conn.execute(text("SELECT count(*) FROM opportunities WHERE playbook IS NULL")).scalar() == 0
            conn.execute(text("UPDATE opportunities SET followon_of = (SELECT min(id) FROM opportunities) WHERE number = 3"))
        assert {"handovers", "payment_milestones", "payments", "reviews"} <= set(inspect(engine).get_table_names())
        command.downgrade(config, "0011")
        assert deals(engine) == before
        assert not {"handovers", "payment_milestones", "payments", "reviews"} & set(inspect(engine).get_table_names())
        assert not {"followon_of", "playbook"} & {c["name"] for c in inspect(engine).get_columns("opportunities")}
        with Session(engine) as session:  # the search index of 0007 still works
            found = search_deals(session, DealFilter(workspace_id="T1", text="制造 #3"), limit=5, newest_first=True)
            assert [o.number for o in found.deals] == [3]


def test_the_targets_migration_adds_its_tables_and_a_column_and_downgrades(tmp_path):
    tables = {"targets", "forecast_snapshots", "support_requests", "meeting_actions"}
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        command.upgrade(config, "0012")
        before = deals(engine)
        command.upgrade(config, "0013")
        assert deals(engine) == before
        assert tables <= set(inspect(engine).get_table_names())
        with engine.begin() as conn:  # no deal has a category of its own until its owner gives one
            assert conn.execute(text("SELECT count(*) FROM opportunities WHERE forecast_category IS NOT NULL")).scalar() == 0
            conn.execute(text("UPDATE opportunities SET forecast_category = 'commit' WHERE number = 1"))
            conn.execute(
                text(
                    "INSERT INTO targets (workspace_id, member_id, period, amount, currency, set_by_id, set_at) VALUES ('T1', 1, '2027-Q1', 2000000, 'CNY', 1, :now)"
                ),
                {"now": NOW},
            )
        command.downgrade(config, "0012")
        assert deals(engine) == before
        assert not tables & set(inspect(engine).get_table_names())
        assert "forecast_category" not in {c["name"] for c in inspect(engine).get_columns("opportunities")}
        with Session(engine) as session:  # the search index of 0007 still works
            found = search_deals(session, DealFilter(workspace_id="T1", text="制造 #3"), limit=5, newest_first=True)
            assert [o.number for o in found.deals] == [3]


def test_the_deal_threads_migration_keeps_deals_and_outbox_rows_and_downgrades(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        command.upgrade(config, "0013")
        with engine.begin() as conn:  # a deal's alert already posted in the channel before threads had cards
            conn.execute(
                text(
                    "INSERT INTO outbox (workspace_id, key, kind, channel, text, created_at, next_attempt_at, attempts, sent_at, slack_channel, slack_ts)"
                    " VALUES ('T1', 'deal:1:1:1:channel', 'alert', '#deal-alerts', 'old alert', :now, :now, 1, :now, 'C1', '1.000100')"
                ),
                {"now": NOW},
            )
        before = deals(engine)
        command.upgrade(config, "0014")
        assert current_revision(engine) == "0014"
        assert deals(engine) == before
        with engine.begin() as conn:  # no deal has a room or a thread yet; both can be written
            assert conn.execute(text("SELECT count(*) FROM opportunities WHERE room_channel IS NOT NULL OR room_archived_at IS NOT NULL")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM deal_threads")).scalar() == 0
            assert conn.execute(text("SELECT text FROM outbox")).scalars().all() == ["old alert"]
            deal = conn.execute(text("SELECT min(id) FROM opportunities")).scalar()
            conn.execute(text("UPDATE opportunities SET room_channel = 'C0ROOM' WHERE id = :id"), {"id": deal})
            conn.execute(
                text(
                    "INSERT INTO deal_threads (workspace_id, opportunity_id, channel, parent_id, event_seen, created_at) VALUES ('T1', :id, 'C0ROOM', 1, 0, :now)"
                ),
                {"id": deal, "now": NOW},
            )
        try:  # one thread per deal and channel
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO deal_threads (workspace_id, opportunity_id, channel, parent_id, event_seen, created_at) VALUES ('T1', :id, 'C0ROOM', 1, 0, :now)"
                    ),
                    {"id": deal, "now": NOW},
                )
        except Exception as exc:
            assert "unique" in str(exc).lower() or "duplicate" in str(exc).lower()
        else:
            raise AssertionError("two threads for one deal in one channel")
        command.downgrade(config, "0013")
        assert deals(engine) == before
        assert "deal_threads" not in inspect(engine).get_table_names()
        assert not {"room_channel", "room_archived_at"} & {c["name"] for c in inspect(engine).get_columns("opportunities")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT text FROM outbox")).scalars().all() == ["old alert"]


def test_the_home_opened_migration_adds_a_column_keeps_every_member_and_downgrades(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        command.upgrade(config, "0014")
        people = "SELECT id, slack_user_id, role, manager_id FROM members ORDER BY id"
        with engine.connect() as conn:
            before_members = conn.execute(text(people)).all()
        before = deals(engine)
        assert before_members
        command.upgrade(config, "0015")
        assert current_revision(engine) == "0015" and deals(engine) == before
        with engine.begin() as conn:
            assert conn.execute(text(people)).all() == before_members
            assert conn.execute(text("SELECT count(*) FROM members WHERE home_opened_at IS NOT NULL")).scalar() == 0  # nobody has opened it yet
            conn.execute(text("UPDATE members SET home_opened_at = :now"), {"now": NOW})
        command.downgrade(config, "0014")
        assert "home_opened_at" not in {c["name"] for c in inspect(engine).get_columns("members")}
        with engine.connect() as conn:
            assert conn.execute(text(people)).all() == before_members
        assert deals(engine) == before


def test_the_installations_migration_adds_slacks_tables_and_a_column_keeps_every_workspace_and_downgrades(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        command.upgrade(config, "0015")
        with engine.connect() as conn:
            workspaces = conn.execute(text("SELECT id, next_number FROM workspaces ORDER BY id")).all()
        before = deals(engine)
        assert workspaces and before
        command.upgrade(config, "0016_installations")
        assert current_revision(engine) == "0016_installations" and deals(engine) == before
        assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= set(inspect(engine).get_table_names())
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id, next_number FROM workspaces ORDER BY id")).all() == workspaces
            assert conn.execute(text("SELECT count(*) FROM workspaces WHERE uninstalled_at IS NOT NULL")).scalar() == 0  # every one is installed
            conn.execute(text("UPDATE workspaces SET uninstalled_at = :now"), {"now": NOW})
        # slack_sdk's own stores read and write the tables as made: every column they know
        store = SQLAlchemyInstallationStore(client_id="111.222", engine=engine)
        states = SQLAlchemyOAuthStateStore(expiration_seconds=60, engine=engine)
        for table in (store.installations, store.bots, states.oauth_states):
            assert {c["name"] for c in inspect(engine).get_columns(table.name)} == set(table.c.keys())
        store.save(Installation(app_id="A1", team_id="T1", team_name="Acme", bot_token="xoxb-1", bot_id="B1", bot_user_id="U0BOT", user_id="U0ALICE"))
        assert store.find_bot(enterprise_id=None, team_id="T1").bot_token == "xoxb-1"
        assert states.consume(states.issue())
        command.downgrade(config, "0015")
        assert "uninstalled_at" not in {c["name"] for c in inspect(engine).get_columns("workspaces")}
        assert not {"slack_installations", "slack_bots", "slack_oauth_states"} & set(inspect(engine).get_table_names())
        assert deals(engine) == before
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, next_number FROM workspaces ORDER BY id")).all() == workspaces


def test_the_workspace_configs_migration_adds_its_table_keeps_every_workspace_and_downgrades(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        command.upgrade(config, "0016_installations")
        workspaces_query = "SELECT id, next_number FROM workspaces ORDER BY id"
        with engine.connect() as conn:
            workspaces = conn.execute(text(workspaces_query)).all()
        before = deals(engine)
        assert workspaces and before
        command.upgrade(config, "0017_workspace_configs")
        assert current_revision(engine) == "0017_workspace_configs" and deals(engine) == before
        with engine.begin() as conn:
            assert conn.execute(text(workspaces_query)).all() == workspaces
            assert conn.execute(text("SELECT count(*) FROM workspace_configs")).scalar() == 0  # every workspace on the default
            conn.execute(
                text(
                    "INSERT INTO workspace_configs (workspace_id, source, file_name, version, loaded_by, loaded_at)"
                    " VALUES ('T1', :source, 'acme.toml', 1, 'ops', :now)"
                ),
                {"source": '[workspace]\nlanguage = "en"\n', "now": NOW},
            )
            assert conn.execute(text("SELECT source, version FROM workspace_configs")).one() == ('[workspace]\nlanguage = "en"\n', 1)
        command.downgrade(config, "0016_installations")
        assert "workspace_configs" not in inspect(engine).get_table_names()
        assert deals(engine) == before
        with engine.connect() as conn:
            assert conn.execute(text(workspaces_query)).all() == workspaces


def test_the_task_queue_migration_adds_a_table_and_a_column_keeps_every_outbox_row_and_downgrades(tmp_path):
    with empty_engine(tmp_path) as engine:
        config = alembic_config(engine)
        command.upgrade(config, "0004")
        seed_at_0004(engine)
        command.upgrade(config, "0017_workspace_configs")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO outbox (workspace_id, key, kind, channel, text, created_at, next_attempt_at, attempts, claimed_at)"
                    " VALUES ('T1', 'k:1', 'alert', 'U1', 'hi', :now, :now, 1, :now), ('T1', 'k:2', 'alert', 'U1', 'yo', :now, :now, 0, NULL)"
                ),
                {"now": NOW},
            )
            outbox = conn.execute(text("SELECT id, key, attempts, claimed_at IS NULL FROM outbox ORDER BY id")).all()
        before = deals(engine)
        command.upgrade(config, "0018_task_queue")
        assert current_revision(engine) == "0018_task_queue" and deals(engine) == before
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id, key, attempts, claimed_at IS NULL FROM outbox ORDER BY id")).all() == outbox
            assert conn.execute(text("SELECT count(*) FROM outbox WHERE claimed_by IS NOT NULL")).scalar() == 0
            conn.execute(text("UPDATE outbox SET claimed_by = 'send_outbox:T1:x' WHERE key = 'k:1'"))
            conn.execute(text("INSERT INTO queued_jobs (job, workspace_id, queued_at, task_id) VALUES ('scan', 'T1', :now, 'scan:T1:x')"), {"now": NOW})
        command.downgrade(config, "0017_workspace_configs")
        assert "queued_jobs" not in inspect(engine).get_table_names()
        assert "claimed_by" not in {c["name"] for c in inspect(engine).get_columns("outbox")}
        assert deals(engine) == before
        with engine.connect() as conn:
            assert conn.execute(text("SELECT id, key, attempts, claimed_at IS NULL FROM outbox ORDER BY id")).all() == outbox
