"""oversight: the backlog ledger, leader ownership, supervision orders, early warnings and their event log

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backlog_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=60), nullable=False),
        sa.Column("org_path", sa.String(length=400), nullable=False),
        sa.Column("overdue_since", engine.models.UTCDateTime(), nullable=False),
        sa.Column("entered_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=True),
        sa.Column("plan", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("approver_role", sa.String(length=20), nullable=True),
        sa.Column("requested_by", sa.String(length=80), nullable=True),
        sa.Column("requested_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("struck_off_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("struck_off_by", sa.String(length=80), nullable=True),
        sa.Column("updated_at", engine.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["petition_case.id"], name=op.f("fk_backlog_entry_case_id_petition_case"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backlog_entry")),
        sa.UniqueConstraint("case_id", name=op.f("uq_backlog_entry_case_id")),
    )
    with op.batch_alter_table("backlog_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_backlog_entry_entered_at"), ["entered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_backlog_entry_org_path"), ["org_path"], unique=False)
        batch_op.create_index(batch_op.f("ix_backlog_entry_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_backlog_entry_struck_off_at"), ["struck_off_at"], unique=False)

    op.create_table(
        "case_ownership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("leader", sa.String(length=80), nullable=False),
        sa.Column("organisation", sa.String(length=60), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("taken_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("released_at", engine.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["petition_case.id"],
                                name=op.f("fk_case_ownership_case_id_petition_case"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_ownership")),
    )
    with op.batch_alter_table("case_ownership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_ownership_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_ownership_leader"), ["leader"], unique=False)

    op.create_table(
        "early_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("organisation", sa.String(length=60), nullable=False),
        sa.Column("org_path", sa.String(length=400), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("subject_label", sa.String(length=300), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Double(), nullable=True),
        sa.Column("window_start", engine.models.UTCDateTime(), nullable=False),
        sa.Column("window_end", engine.models.UTCDateTime(), nullable=False),
        sa.Column("case_ids", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=400), nullable=False),
        sa.Column("raised_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("handled_by", sa.String(length=80), nullable=True),
        sa.Column("handled_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_warning")),
        sa.UniqueConstraint("dedupe_key", name="uq_early_warning_dedupe"),
    )
    with op.batch_alter_table("early_warning", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_early_warning_org_path"), ["org_path"], unique=False)
        batch_op.create_index(batch_op.f("ix_early_warning_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_early_warning_status"), ["status"], unique=False)

    op.create_table(
        "supervision_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("issuer_org", sa.String(length=60), nullable=False),
        sa.Column("target_org", sa.String(length=60), nullable=False),
        sa.Column("target_path", sa.String(length=400), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("issued_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("feedback_due", engine.models.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("escalated_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("feedback_by", sa.String(length=80), nullable=True),
        sa.Column("feedback_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("warning_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["petition_case.id"],
                                name=op.f("fk_supervision_order_case_id_petition_case"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["warning_id"], ["early_warning.id"],
                                name=op.f("fk_supervision_order_warning_id_early_warning")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_order")),
    )
    with op.batch_alter_table("supervision_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supervision_order_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_supervision_order_feedback_due"), ["feedback_due"], unique=False)
        batch_op.create_index(batch_op.f("ix_supervision_order_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_supervision_order_target_org"), ["target_org"], unique=False)
        batch_op.create_index(batch_op.f("ix_supervision_order_target_path"), ["target_path"], unique=False)

    op.create_table(
        "oversight_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("organisation", sa.String(length=60), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["petition_case.id"],
                                name=op.f("fk_oversight_event_case_id_petition_case"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_event")),
    )
    with op.batch_alter_table("oversight_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oversight_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_oversight_event_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_oversight_event_subject", ["subject", "subject_id"], unique=False)


def downgrade() -> None:
    op.drop_table("oversight_event")
    op.drop_table("supervision_order")
    op.drop_table("early_warning")
    op.drop_table("case_ownership")
    op.drop_table("backlog_entry")
