"""one thread per deal per channel, and deal rooms: ``deal_threads`` (a deal's live card in a
channel, the parent every later post about the deal there replies to, and the last change it was
told about); the room made for a deal (``opportunities.room_channel``, ``room_archived_at``)

Revision ID: deal_threads_and_rooms
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "deal_threads_and_rooms"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # columns, not constraints: SQLite adds them in place (see 0012)
    op.add_column("opportunities", sa.Column("room_channel", sa.String(40), nullable=True))
    op.add_column("opportunities", sa.Column("room_archived_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "deal_threads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(32), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id"), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=False),
        sa.Column("event_seen", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("opportunity_id", "channel", name="uq_deal_threads_channel"),
    )


def downgrade() -> None:
    op.drop_table("deal_threads")
    op.drop_column("opportunities", "room_archived_at")
    op.drop_column("opportunities", "room_channel")
