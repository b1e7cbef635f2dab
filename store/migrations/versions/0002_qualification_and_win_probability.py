"""qualification and win probability

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:30:44.264409
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "win_stats",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("feature", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("won", sa.Integer(), nullable=False),
        sa.Column("lost", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
        ),
        sa.PrimaryKeyConstraint("workspace_id", "feature", "value"),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("qualification", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("score", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("grade", sa.String(length=1), server_default="C", nullable=False))
        batch_op.add_column(sa.Column("grade_pinned", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("strategic", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("next_touch_due", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("auto_tags", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("win_probability", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("probability_override", sa.Float(), nullable=True))
        batch_op.create_index("ix_opportunities_ws_grade", ["workspace_id", "status", "grade"], unique=False)
        batch_op.create_index("ix_opportunities_ws_touch", ["workspace_id", "status", "next_touch_due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_ws_touch")
        batch_op.drop_index("ix_opportunities_ws_grade")
        batch_op.drop_column("probability_override")
        batch_op.drop_column("win_probability")
        batch_op.drop_column("auto_tags")
        batch_op.drop_column("next_touch_due")
        batch_op.drop_column("strategic")
        batch_op.drop_column("grade_pinned")
        batch_op.drop_column("grade")
        batch_op.drop_column("score")
        batch_op.drop_column("qualification")

    op.drop_table("win_stats")
