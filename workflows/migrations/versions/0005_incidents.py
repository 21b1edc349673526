"""incidents: steps stopped at a script limit (or failing when a timer fired), and each instance's count of open ones

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("open_incidents", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(length=40), nullable=False),
        sa.Column("element", sa.String(length=120), nullable=True),
        sa.Column("limit", sa.String(length=20), nullable=True),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("last_failed_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["instance.id"], name=op.f("fk_incident_instance_id_instance"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["process_version.id"],
                                name=op.f("fk_incident_version_id_process_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_instance_id"), ["instance_id"], unique=False)
        batch_op.create_index("ix_incident_status_last", ["status", "last_failed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_status_last")
        batch_op.drop_index(batch_op.f("ix_incident_instance_id"))
    op.drop_table("incident")
    with op.batch_alter_table("instance", schema=None) as batch_op:
        batch_op.drop_column("open_incidents")
