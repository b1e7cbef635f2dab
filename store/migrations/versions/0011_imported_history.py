"""deals brought from other systems keep their id there (external_id: a re-import updates the same
deal), and people are known by their email as well (an import names owners by email)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a column and a unique index, not a constraint: SQLite adds both in place (a constraint would
    # mean copying the table, and losing the search index's triggers on it)
    op.add_column("opportunities", sa.Column("external_id", sa.String(100), nullable=True))
    op.create_index("uq_opportunities_external_id", "opportunities", ["workspace_id", "external_id"], unique=True)
    op.add_column("members", sa.Column("email", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("members", "email")
    op.drop_index("uq_opportunities_external_id", table_name="opportunities")
    op.drop_column("opportunities", "external_id")
