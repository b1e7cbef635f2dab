"""search that does not read every deal: `/opp find` by title, account and contact

SQLite: an FTS5 index with the trigram tokenizer over the three columns (kept in step by triggers),
which answers substring searches of three characters or more. PostgreSQL: pg_trgm GIN indexes on
the three columns, which ILIKE '%…%' uses. Where pg_trgm can't be created (no extension available,
no privilege) the migration says so and searches keep scanning, as before.

Revision ID: 0007
Revises: 0006
"""

import logging

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)
COLUMNS = ("title", "account", "contact")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE opportunities_search USING fts5("
            "title, account, contact, content='opportunities', content_rowid='id', tokenize='trigram case_sensitive 0')"
        )
        new = "new.id, new.title, new.account, new.contact"
        old = "'delete', old.id, old.title, old.account, old.contact"
        into = "INSERT INTO opportunities_search(rowid, title, account, contact)"
        remove = "INSERT INTO opportunities_search(opportunities_search, rowid, title, account, contact)"
        op.execute(f"CREATE TRIGGER opportunities_search_ai AFTER INSERT ON opportunities BEGIN {into} VALUES ({new}); END")
        op.execute(f"CREATE TRIGGER opportunities_search_ad AFTER DELETE ON opportunities BEGIN {remove} VALUES ({old}); END")
        op.execute(
            "CREATE TRIGGER opportunities_search_au AFTER UPDATE OF title, account, contact ON opportunities "
            f"BEGIN {remove} VALUES ({old}); {into} VALUES ({new}); END"
        )
        op.execute("INSERT INTO opportunities_search(opportunities_search) VALUES ('rebuild')")
    elif bind.dialect.name == "postgresql":
        savepoint = bind.begin_nested()
        try:
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            savepoint.commit()
        except Exception as exc:  # no extension or no privilege: searches scan, as before
            savepoint.rollback()
            log.warning("pg_trgm is not available (%s); /opp find will scan the deals", exc.__class__.__name__)
            return
        for column in COLUMNS:
            op.execute(f"CREATE INDEX ix_opportunities_search_{column} ON opportunities USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS opportunities_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS opportunities_search")
    elif bind.dialect.name == "postgresql":
        for column in COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_opportunities_search_{column}")
