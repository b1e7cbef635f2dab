"""The schema: migrations match the models, a database holding data upgrades (and downgrades)
without loss, times stay UTC-aware, deal numbers never repeat."""

import contextlib
import os
import threading
from contextlib import nullcontext
from datetime import timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

from bot.deals.opportunities import DealInput, create
from bot.team.members import actor_for, ensure_member, load_actor
from bot.worker.jobs import BY_NAME
from store.db import alembic_config, current_revision, head_revision, make_engine, make_sessions, statement_reads, transaction, upgrade
from store.models import INSTALL_TABLES, Base, Member, Opportunity
from tests.scratchdb import scratch_database


def test_migrations_match_the_models(clean_db):
    assert current_revision(clean_db) == head_revision(clean_db)
    with clean_db.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": outside_the_models})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def outside_the_models(name, type_, _parent) -> bool:
    """The search index (SQLite's FTS5 table and its shadow tables, PostgreSQL's trigram indexes) is
    owned by migration 0007 alone: the models can't describe it."""
    return not (name or "").startswith(("opportunities_search", "ix_opportunities_search_", *INSTALL_TABLES))


@pytest.fixture
def empty_engine(tmp_path):
    """A database of its own with no schema: SQLite, or a scratch database on the PostgreSQL server."""
    server = os.environ.get("OPPBOT_TEST_DATABASE_URL")
    with scratch_database(server) if server else nullcontext(f"sqlite:///{tmp_path}/migrate.db") as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


AT = "2026-11-25 02:00:00+00:00"
ROWS_0004 = [
    "INSERT INTO workspaces (id, next_number, created_at) VALUES ('T1', 2, :at)",
    "INSERT INTO members (id, workspace_id, slack_user_id, display_name, role, created_at, alert_mode, brief_enabled, regions, industries, capacity)"
    " VALUES (1, 'T1', 'U0BOSS', 'boss', 'manager', :at, 'each', false, '[]', '[]', NULL)",
    "INSERT INTO members (id, workspace_id, slack_user_id, display_name, role, manager_id, created_at, alert_mode, brief_enabled, regions, industries, capacity)"
    " VALUES (2, 'T1', 'U0LI', 'li', 'ae', 1, :at, 'each', false, '[\"华东\"]', '[]', 20)",
    "INSERT INTO opportunities (id, workspace_id, number, title, currency, stage, status, owner_id, creator_id, tags, created_at, updated_at,"
    " last_activity_at, stage_entered_at, version, qualification, score, grade, grade_pinned, strategic, auto_tags)"
    " VALUES (1, 'T1', 1, 'Acme ERP', 'CNY', 'lead', 'open', 2, 1, '[]', :at, :at, :at, :at, 1, '{}', 0, 'C', false, false, '[]')",
    "INSERT INTO events (id, opportunity_id, actor_id, at, kind, field, old, new) VALUES (1, 1, 1, :at, 'created', NULL, NULL, '#1 Acme ERP')",
]


def _held(engine) -> dict:
    with engine.connect() as conn:
        return {
            "members": conn.execute(text("SELECT id, slack_user_id, role, manager_id, capacity FROM members ORDER BY id")).all(),
            "deals": conn.execute(text("SELECT id, number, title, owner_id, version FROM opportunities")).all(),
            "events": conn.execute(text("SELECT id, kind, new FROM events")).all(),
        }


def test_0005_upgrades_a_database_holding_data_without_loss_and_downgrades(empty_engine):
    upgrade(empty_engine, "0004")
    with empty_engine.begin() as conn:
        for statement in ROWS_0004:
            conn.execute(text(statement), {"at": AT})
    before = _held(empty_engine)
    assert len(before["members"]) == 2 and before["deals"][0].title == "Acme ERP"
    upgrade(empty_engine, "0005")
    assert _held(empty_engine) == before
    with empty_engine.begin() as conn:
        assert conn.execute(text("SELECT seed_applied FROM members")).scalars().all() == [None, None]
        conn.execute(
            text("INSERT INTO member_events (workspace_id, member_id, actor_id, at, field, old, new) VALUES ('T1', 2, 1, :at, 'role', 'ae', 'bdr')"), {"at": AT}
        )
        conn.execute(text("INSERT INTO processed_requests (workspace_id, key, created_at) VALUES ('T1', 'trigger:1', :at)"), {"at": AT})
    command.downgrade(alembic_config(empty_engine), "0004")
    assert current_revision(empty_engine) == "0004"
    assert _held(empty_engine) == before
    tables = set(inspect(empty_engine).get_table_names())
    assert "member_events" not in tables and "processed_requests" not in tables
    assert "seed_applied" not in {c["name"] for c in inspect(empty_engine).get_columns("members")}


def _actor(rt, user="U0ALICE"):
    with transaction(rt.sessions) as s:
        member = ensure_member(s, workspace_id="T0001", slack_user_id=user, clock=rt.clock, fetch_profile=lambda _: None)
        return actor_for(member, rt.config)


def test_times_come_back_aware_in_utc(rt):
    actor = _actor(rt)
    with transaction(rt.sessions) as s:
        create(s, actor=actor, deal=DealInput(title="x"), config=rt.config, clock=rt.clock)
    with rt.sessions() as s:
        opp = s.scalars(select(Opportunity)).unique().one()
        assert opp.created_at == rt.clock.now()
        assert opp.created_at.tzinfo is not None and opp.created_at.utcoffset() == timedelta(0)


def test_concurrent_creates_get_distinct_numbers(rt):
    actor = _actor(rt)
    numbers, errors = [], []

    def make(i):
        try:
            with transaction(rt.sessions) as s:
                opp, _ = create(s, actor=actor, deal=DealInput(title=f"deal {i}"), config=rt.config, clock=rt.clock)
                numbers.append(opp.number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=make, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 9))


def test_request_key_makes_create_idempotent(rt):
    actor = _actor(rt)
    for _ in range(2):
        with transaction(rt.sessions) as s:
            opp, created = create(s, actor=actor, deal=DealInput(title="once"), config=rt.config, clock=rt.clock, request_key="view:V1")
    assert created is False and opp.number == 1
    with rt.sessions() as s:
        assert len(s.scalars(select(Opportunity.id)).all()) == 1


def test_a_persons_first_requests_at_once_make_one_member(rt):
    """Slack can deliver a new person's first clicks together: each request finds or makes the one
    member row, none fails on the unique key."""
    _actor(rt, "U0FIRST")  # the workspace exists; the person below is new
    actors, errors = [], []

    def first_request():
        try:
            actors.append(load_actor(rt, workspace_id="T0001", slack_user_id="U0NEW", fetch_profile=lambda _: None))
        except Exception as exc:  # reported by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=first_request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({a.member_id for a in actors}) == 1
    with rt.sessions() as s:
        assert len(s.scalars(select(Member.id).where(Member.slack_user_id == "U0NEW")).all()) == 1


def test_the_nightly_refresh_gives_sqlites_planner_its_statistics(rt):
    """SQLite has no autovacuum: without ANALYZE its planner guesses, and picked an index that
    filters worse for "my deals". The worker's nightly job refreshes the statistics."""
    actor = _actor(rt)
    with transaction(rt.sessions) as s:
        for i in range(3):
            create(s, actor=actor, deal=DealInput(title=f"deal {i}"), config=rt.config, clock=rt.clock)
    BY_NAME["refresh_statistics"].run(rt, None, rt.clock.now())  # the nightly job
    engine = rt.sessions.kw["bind"]
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            analysed = {row[0] for row in conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}
        assert "opportunities" in analysed


def test_a_new_workspaces_first_requests_at_once_make_one_workspace(rt):
    """The first people of a newly installed workspace can arrive together: none of their first
    requests fails on the workspace's key."""
    actors, errors = [], []

    def first_request(user: str):
        try:
            actors.append(load_actor(rt, workspace_id="T0NEWTEAM", slack_user_id=user, fetch_profile=lambda _: None))
        except Exception as exc:  # reported by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=first_request, args=(f"U0P{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {a.workspace_id for a in actors} == {"T0NEWTEAM"} and len(actors) == 6


def test_postgresql_connections_run_without_jit(rt, postgres_only):
    """A report's query over a quarter's events is costly enough in the planner's eyes for PostgreSQL
    to compile it first (~300 ms each time, more than the query itself): oppbot's connections have it off."""
    with rt.peeking() as connection:
        assert connection.execute(text("SHOW jit")).scalar() == "off"


def test_a_peek_holds_no_transaction_and_each_statement_sees_the_latest_commit(rt):
    """The hot path's reads (the arrival every request reads, a card) run outside a transaction on
    both databases: no BEGIN and ROLLBACK around them, no read snapshot held between statements."""
    actor = _actor(rt)
    count = select(func.count()).select_from(Opportunity)
    with rt.peeking() as connection:
        before = connection.execute(count).scalar()
        assert not _driver_in_transaction(connection)
        with transaction(rt.sessions) as s:  # committed by another connection meanwhile
            create(s, actor=actor, deal=DealInput(title="meanwhile"), config=rt.config, clock=rt.clock)
        assert connection.execute(count).scalar() == before + 1
        assert not _driver_in_transaction(connection)


def _driver_in_transaction(connection) -> bool:
    dbapi = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite":
        return dbapi.in_transaction
    return dbapi.info.transaction_status != dbapi.info.transaction_status.IDLE


def test_a_peek_inside_a_transaction_on_an_in_memory_database_leaves_it_all_or_nothing():
    """An in-memory SQLite database has one connection a thread, shared by a transaction and a peek
    inside it: the peek must not end the transaction (its writes undone, the rest autocommitted)."""
    engine = make_engine("sqlite://")
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    sessions = make_sessions(engine)
    with contextlib.suppress(Exception), transaction(sessions) as s:
        s.execute(text("INSERT INTO t VALUES (1)"))
        with statement_reads(engine).connect() as c:
            c.execute(text("SELECT count(*) FROM t")).scalar()
        s.execute(text("INSERT INTO t VALUES (2)"))
    with engine.connect() as c:
        assert c.execute(text("SELECT x FROM t ORDER BY x")).scalars().all() in ([], [1, 2])
