"""a person's history (member_events), the [[team]] entry last applied to each person, and Slack
requests handled once (processed_requests)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seed_applied", sa.JSON(), nullable=True))

    op.create_table(
        "member_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old", sa.Text(), nullable=True),
        sa.Column("new", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["members.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("member_events", schema=None) as batch_op:
        batch_op.create_index("ix_member_events_member", ["member_id", "id"], unique=False)

    op.create_table(
        "processed_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workspace_id", "key", name="uq_processed_requests_key"),
    )
    with op.batch_alter_table("processed_requests", schema=None) as batch_op:
        batch_op.create_index("ix_processed_requests_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("processed_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_processed_requests_created")
    op.drop_table("processed_requests")
    with op.batch_alter_table("member_events", schema=None) as batch_op:
        batch_op.drop_index("ix_member_events_member")
    op.drop_table("member_events")
    # not in batch mode: on SQLite that copies the table, and rows of other tables refer to members;
    # SQLite (3.35 and later) and PostgreSQL both drop a plain column in place
    op.drop_column("members", "seed_applied")
