"""a workspace's own config: the TOML text `oppbot config load` stored, with a version every
process compares to its copy, and who loaded it when (bot.core.workspace_configs)

Revision ID: 0017_workspace_configs
Revises: 0016_installations
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_workspace_configs"
down_revision = "0016_installations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspace_configs",
        sa.Column("workspace_id", sa.String(32), sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("source", sa.Text, nullable=True),
        sa.Column("file_name", sa.String(300), nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("loaded_by", sa.String(200), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workspace_configs")
