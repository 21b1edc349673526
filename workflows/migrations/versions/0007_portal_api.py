"""portal and channels: API tokens, the API call log, import sources and the rows imported from them

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

import engine.models

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("organisation", sa.String(length=60), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("revoked_by", sa.String(length=80), nullable=True),
        sa.Column("revoked_at", engine.models.UTCDateTime(), nullable=True),
        sa.Column("last_used_at", engine.models.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["organisation"], ["organisation.code"],
                                name=op.f("fk_api_token_organisation_organisation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("name", name=op.f("uq_api_token_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_table(
        "api_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("at", engine.models.UTCDateTime(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["token_id"], ["api_token.id"], name=op.f("fk_api_call_token_id_api_token")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_call")),
    )
    with op.batch_alter_table("api_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_call_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_call_token_id"), ["token_id"], unique=False)
    op.create_table(
        "import_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("organisation", sa.String(length=60), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", engine.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organisation"], ["organisation.code"],
                                name=op.f("fk_import_source_organisation_organisation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_source")),
        sa.UniqueConstraint("name", name=op.f("uq_import_source_name")),
    )
    op.create_table(
        "imported_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_row_id", sa.String(length=100), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", engine.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["petition_case.id"], name=op.f("fk_imported_row_case_id_petition_case")),
        sa.ForeignKeyConstraint(["source_id"], ["import_source.id"],
                                name=op.f("fk_imported_row_source_id_import_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_row")),
        sa.UniqueConstraint("source_id", "source_row_id", name="uq_imported_row_source_row"),
    )


def downgrade() -> None:
    op.drop_table("imported_row")
    op.drop_table("import_source")
    with op.batch_alter_table("api_call", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_call_token_id"))
        batch_op.drop_index(batch_op.f("ix_api_call_at"))
    op.drop_table("api_call")
    op.drop_table("api_token")
