"""the task queue: ``queued_jobs`` (a job's task waiting or running on the queue, one per job and
workspace) and ``outbox.claimed_by`` (the task sending a row: a task run again after its worker
died takes its own rows back at once)

Revision ID: 0018_task_queue
Revises: 0017_workspace_configs
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_task_queue"
down_revision = "0017_workspace_configs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queued_jobs",
        sa.Column("job", sa.String(50), primary_key=True),
        sa.Column("workspace_id", sa.String(32), primary_key=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("task_id", sa.String(200), nullable=False),
    )
    # a column, not a constraint: SQLite adds it in place (see 0012)
    op.add_column("outbox", sa.Column("claimed_by", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claimed_by")
    op.drop_table("queued_jobs")
