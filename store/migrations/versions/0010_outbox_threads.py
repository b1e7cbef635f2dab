"""outbox rows that reply in another row's thread (thread_of): a deal's later alert post in a
channel goes into the thread of its first

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("thread_of", sa.Integer(), nullable=True))  # the row whose post starts the thread


def downgrade() -> None:
    op.drop_column("outbox", "thread_of")
