"""when each member last opened the Home tab (``members.home_opened_at``): after a change only the
Home tabs seen lately are redrawn; the others are drawn fresh when opened

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a column, not a constraint: SQLite adds it in place (see 0012)
    op.add_column("members", sa.Column("home_opened_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("members", "home_opened_at")
