"""queue index for the unclaimed queue: (organisation, role, assignee, due_at)

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_task", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_org_role_due")
        batch_op.create_index("ix_queue_org_role_assignee_due", ["organisation", "role", "assignee", "due_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queue_task", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_org_role_assignee_due")
        batch_op.create_index("ix_queue_org_role_due", ["organisation", "role", "due_at"], unique=False)
