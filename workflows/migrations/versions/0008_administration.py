"""administration and sign-in protection: the admin_event log; per-user must-change flag, failed sign-ins,
lock, session epoch and password change time

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_event")),
    )
    with op.batch_alter_table("admin_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_event_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_event_target"), ["target"], unique=False)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_until", engine.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("session_epoch", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("password_changed_at", engine.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("password_changed_at")
        batch_op.drop_column("session_epoch")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("must_change_password")
    with op.batch_alter_table("admin_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_event_target"))
        batch_op.drop_index(batch_op.f("ix_admin_event_action"))
        batch_op.drop_index(batch_op.f("ix_admin_event_actor"))
        batch_op.drop_index(batch_op.f("ix_admin_event_at"))
    op.drop_table("admin_event")
