"""duplicate deals: each deal's account as compared (account_key), indexed, filled for every deal

The key is the rule new and edited deals use (bot.deals.duplicates.account_key) as it stood when
this migration was written, copied here: a migration is a snapshot, it must give the same keys
whatever the rule becomes later, and store/ knows nothing of bot/.

Revision ID: 0008
Revises: 0007
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 1000
KEY_LIMIT = 200
SUFFIXES = tuple(
    sorted(
        {"股份有限公司", "有限责任公司", "集团有限公司", "集团股份有限公司", "有限公司", "集团公司", "集团", "公司", "coltd", "colimited", "companylimited"}
        | {"corporation", "company", "limited", "ltd", "inc", "incorporated", "corp", "llc", "gmbh", "plc", "co"},
        key=len,
        reverse=True,
    )
)


def account_key(account: str | None) -> str | None:
    """NFKC, casefolded, letters and digits only, company suffixes cut (longest first, repeatedly, never the whole name)."""
    key = "".join(ch for ch in unicodedata.normalize("NFKC", account or "").casefold() if unicodedata.category(ch)[0] in "LN")
    cut = True
    while cut:
        cut = False
        suffix = next((s for s in SUFFIXES if key.endswith(s)), None)
        if suffix is not None and len(key) > len(suffix):
            key, cut = key[: -len(suffix)], True
    return key[:KEY_LIMIT] or None


def upgrade() -> None:
    op.add_column("opportunities", sa.Column("account_key", sa.String(200), nullable=True))
    bind = op.get_bind()
    deals = sa.table("opportunities", sa.column("id", sa.Integer), sa.column("account", sa.String), sa.column("account_key", sa.String))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(deals.c.id, deals.c.account).where(deals.c.id > last, deals.c.account.is_not(None)).order_by(deals.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        keys = [{"deal_id": row.id, "key": key} for row in rows if (key := account_key(row.account))]
        if keys:  # one statement a batch
            bind.execute(sa.update(deals).where(deals.c.id == sa.bindparam("deal_id")).values(account_key=sa.bindparam("key")), keys)
        last = rows[-1].id
    op.create_index("ix_opportunities_ws_account_key", "opportunities", ["workspace_id", "account_key", "status"])


def downgrade() -> None:
    op.drop_index("ix_opportunities_ws_account_key", table_name="opportunities")
    # not a batch: rebuilding the table on SQLite would drop the search triggers of 0007
    op.drop_column("opportunities", "account_key")
