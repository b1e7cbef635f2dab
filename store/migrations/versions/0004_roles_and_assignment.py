"""roles, responsibility per stage, assignment offers, round-robin cursors, the public pool

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("regions", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("industries", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("away_until", sa.Date(), nullable=True))
    # the old default role "rep" is an account manager (ae)
    op.execute("UPDATE members SET role = 'ae' WHERE role = 'rep'")

    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("responsible_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pooled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_opportunities_responsible", "members", ["responsible_id"], ["id"])
        batch_op.create_index("ix_opportunities_ws_pooled", ["workspace_id", "pooled_at"], unique=False)
        batch_op.create_index("ix_opportunities_responsible_status", ["responsible_id", "status"], unique=False)

    op.create_table(
        "assignment_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("passed_over", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"]),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunities.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assignment_offers", schema=None) as batch_op:
        batch_op.create_index("ix_assignment_offers_open", ["status", "expires_at"], unique=False)
        batch_op.create_index("ix_assignment_offers_opportunity", ["opportunity_id", "status"], unique=False)

    op.create_table(
        "assignment_cursors",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("last_member_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "rule"),
    )


def downgrade() -> None:
    op.drop_table("assignment_cursors")
    with op.batch_alter_table("assignment_offers", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_offers_opportunity")
        batch_op.drop_index("ix_assignment_offers_open")
    op.drop_table("assignment_offers")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_responsible_status")
        batch_op.drop_index("ix_opportunities_ws_pooled")
        batch_op.drop_constraint("fk_opportunities_responsible", type_="foreignkey")
        batch_op.drop_column("pooled_at")
        batch_op.drop_column("responsible_id")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("away_until")
        batch_op.drop_column("capacity")
        batch_op.drop_column("industries")
        batch_op.drop_column("regions")
