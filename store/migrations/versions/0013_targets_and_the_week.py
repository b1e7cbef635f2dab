"""targets and the manager's week: team and personal targets per month or quarter (a changed target
keeps its history), each deal's forecast category, the forecast each owner had at the start of a
period, requests to pre-sales support, and the actions a weekly review meeting assigns

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a column, not a constraint: SQLite adds it in place (see 0012)
    op.add_column("opportunities", sa.Column("forecast_category", sa.String(12), nullable=True))
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=True),  # none: the team's
        sa.Column("period", sa.String(10), nullable=False),  # 2027-Q1, 2027-03
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("split", sa.String(12), nullable=True),  # even, capacity: split from the team's
        sa.Column("set_by_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_targets_period", "targets", ["workspace_id", "period", "replaced_at"])
    op.create_table(
        "forecast_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),  # {"commit": {"CNY": "1200.00"}, "best_case": …}
        sa.UniqueConstraint("workspace_id", "period", "owner_id", name="uq_forecast_snapshots_owner"),
    )
    op.create_table(
        "support_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id"), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
    )
    op.create_index("ix_support_requests_asked", "support_requests", ["workspace_id", "asked_at"])
    op.create_index("ix_support_requests_deal", "support_requests", ["opportunity_id", "answered_at"])
    op.create_table(
        "meeting_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id"), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("assignee_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("meeting_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), sa.ForeignKey("members.id"), nullable=True),
    )
    op.create_index("ix_meeting_actions_open", "meeting_actions", ["workspace_id", "done_at"])


def downgrade() -> None:
    for table in ("meeting_actions", "support_requests", "forecast_snapshots", "targets"):
        op.drop_table(table)
    op.drop_column("opportunities", "forecast_category")
