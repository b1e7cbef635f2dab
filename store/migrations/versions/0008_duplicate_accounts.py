"""duplicate deals: each deal's account as compared (account_key), indexed, filled for every deal

The key is computed by bot.deals.duplicates.account_key, the rule new and edited deals use.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from bot.deals.duplicates import account_key

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 1000


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
        for row in rows:
            key = account_key(row.account)
            if key:
                bind.execute(sa.update(deals).where(deals.c.id == row.id).values(account_key=key))
        last = rows[-1].id
    op.create_index("ix_opportunities_ws_account_key", "opportunities", ["workspace_id", "account_key", "status"])


def downgrade() -> None:
    op.drop_index("ix_opportunities_ws_account_key", table_name="opportunities")
    # not a batch: rebuilding the table on SQLite would drop the search triggers of 0007
    op.drop_column("opportunities", "account_key")
