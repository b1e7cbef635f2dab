"""indexes in the order deal lists page in: (filters…, expected_close, number)

A list is sorted by close date, then number. With these the database walks the index in that order
and stops at the page's last row, instead of sorting every matching deal (and, on SQLite without
statistics, picking an index that filters worse).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_ws_status_stage")
        batch_op.drop_index("ix_opportunities_ws_close")
        batch_op.create_index("ix_opportunities_ws_stage_list", ["workspace_id", "status", "stage", "expected_close", "number"], unique=False)
        batch_op.create_index("ix_opportunities_ws_owner_list", ["workspace_id", "owner_id", "status", "expected_close", "number"], unique=False)
        batch_op.create_index("ix_opportunities_ws_close_list", ["workspace_id", "status", "expected_close", "number"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_ws_close_list")
        batch_op.drop_index("ix_opportunities_ws_owner_list")
        batch_op.drop_index("ix_opportunities_ws_stage_list")
        batch_op.create_index("ix_opportunities_ws_close", ["workspace_id", "status", "expected_close"], unique=False)
        batch_op.create_index("ix_opportunities_ws_status_stage", ["workspace_id", "status", "stage"], unique=False)
