"""the public pool's clock: when each deal's owner got it or was last allowed to keep it
(pool_clock_at), and when its owner was last warned it would return (pool_warned_at)

Open deals start their clock at their last activity, so no deal returns sooner than it would
have under the old rule.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # not a batch: rebuilding the table on SQLite would drop the search triggers of 0007
    op.add_column("opportunities", sa.Column("pool_clock_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("opportunities", sa.Column("pool_warned_at", sa.DateTime(timezone=True), nullable=True))
    deals = sa.table("opportunities", sa.column("last_activity_at"), sa.column("pool_clock_at"), sa.column("status"))
    op.get_bind().execute(sa.update(deals).where(deals.c.status == "open").values(pool_clock_at=deals.c.last_activity_at))


def downgrade() -> None:
    op.drop_column("opportunities", "pool_warned_at")
    op.drop_column("opportunities", "pool_clock_at")
