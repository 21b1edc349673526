"""design drafts: designers' working copies of a process bundle, their files, and the design events

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "design_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("base_version_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("deployed_version_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["base_version_id"], ["process_version.id"],
                                name=op.f("fk_design_draft_base_version_id_process_version")),
        sa.ForeignKeyConstraint(["deployed_version_id"], ["process_version.id"],
                                name=op.f("fk_design_draft_deployed_version_id_process_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_design_draft")),
    )
    with op.batch_alter_table("design_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_design_draft_status"), ["status"], unique=False)
    op.create_table(
        "design_draft_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", engine.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["design_draft.id"], name=op.f("fk_design_draft_file_draft_id_design_draft"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_design_draft_file")),
        sa.UniqueConstraint("draft_id", "path", name="uq_design_draft_file_path"),
    )
    with op.batch_alter_table("design_draft_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_design_draft_file_draft_id"), ["draft_id"], unique=False)
    op.create_table(
        "design_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["design_draft.id"], name=op.f("fk_design_event_draft_id_design_draft")),
        sa.ForeignKeyConstraint(["version_id"], ["process_version.id"],
                                name=op.f("fk_design_event_version_id_process_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_design_event")),
    )
    with op.batch_alter_table("design_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_design_event_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("design_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_design_event_at"))
    op.drop_table("design_event")
    with op.batch_alter_table("design_draft_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_design_draft_file_draft_id"))
    op.drop_table("design_draft_file")
    with op.batch_alter_table("design_draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_design_draft_status"))
    op.drop_table("design_draft")
