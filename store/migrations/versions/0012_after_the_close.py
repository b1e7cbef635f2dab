"""after the close: handovers to delivery, payment plans and payments (回款), reviews (复盘), each
deal's stage playbook ticks, and follow-on deals linked to the won deal they grew from

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # columns and an index, not a foreign-key constraint: SQLite adds them in place (a constraint
    # would copy the table and lose the search index's triggers); the model names the link
    op.add_column("opportunities", sa.Column("followon_of", sa.Integer(), nullable=True))
    op.add_column("opportunities", sa.Column("playbook", sa.JSON(), nullable=False, server_default="{}"))
    op.create_index("ix_opportunities_followon_of", "opportunities", ["followon_of"])
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id"), nullable=False),
        sa.Column("delivery_owner_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("key_dates", sa.String(500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("progress_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("opportunity_id", name="uq_handovers_opportunity"),
    )
    op.create_index("ix_handovers_open", "handovers", ["accepted_on", "progress_at"])
    op.create_table(
        "payment_milestones",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("share", sa.Numeric(7, 4), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("received", sa.Numeric(18, 2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_payment_milestones_deal", "payment_milestones", ["opportunity_id", "position"])
    op.create_index("ix_payment_milestones_due", "payment_milestones", ["paid_on", "due_on"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id"), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_payments_deal", "payments", ["opportunity_id", "received_on"])
    op.create_index("ix_payments_received", "payments", ["received_on"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id"), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("competitor", sa.String(100), nullable=True),
        sa.Column("worked", sa.Text(), nullable=True),
        sa.Column("didnt", sa.Text(), nullable=True),
        sa.Column("lesson", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("opportunity_id", name="uq_reviews_opportunity"),
    )
    op.create_index("ix_reviews_status", "reviews", ["status", "asked_at"])


def downgrade() -> None:
    for table in ("reviews", "payments", "payment_milestones", "handovers"):
        op.drop_table(table)
    op.drop_index("ix_opportunities_followon_of", table_name="opportunities")
    op.drop_column("opportunities", "playbook")
    op.drop_column("opportunities", "followon_of")
