"""data protection: the petitioner's name, phone, ID number and address sealed at rest, with blind indexes for
phone and ID number; existing rows are sealed with the configured data key (and opened again on downgrade)

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import context, op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

PERSONAL = {"petitioner_name": 120, "petitioner_phone": 40, "petitioner_id_number": 40, "petitioner_address": 300}
INDEXED = ("petitioner_name", "petitioner_phone", "petitioner_id_number")
BLIND = {"petitioner_phone": "petitioner_phone_index", "petitioner_id_number": "petitioner_id_number_index"}


def _keyring():
    """The ring the caller passed (`ecopetition db upgrade` passes the deployment's), else the configured one."""
    keyring = context.config.attributes.get("keyring")
    if keyring is None:
        from workflows.protection import keyring_of
        from workflows.settings import load_settings
        keyring = keyring_of(load_settings())
    return keyring


def _rows(bind) -> list:
    table = sa.table("petition_case", sa.column("id"), *(sa.column(c) for c in PERSONAL))
    return list(bind.execute(sa.select(table).where(sa.or_(*(table.c[c].isnot(None) for c in PERSONAL)))))


def _update(bind, row_id: int, values: dict) -> None:
    table = sa.table("petition_case", sa.column("id"), *(sa.column(c) for c in values))
    bind.execute(table.update().where(table.c.id == row_id).values(**values))


def upgrade() -> None:
    with op.batch_alter_table("petition_case", schema=None) as batch_op:
        for column in INDEXED:
            batch_op.drop_index(batch_op.f(f"ix_petition_case_{column}"))
        for column, length in PERSONAL.items():
            batch_op.alter_column(column, existing_type=sa.String(length=length), type_=sa.Text(),
                                  existing_nullable=True)
        for index in BLIND.values():
            batch_op.add_column(sa.Column(index, sa.String(length=64), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_petition_case_{index}"), [index], unique=False)
    bind = op.get_bind()
    rows = _rows(bind)
    if not rows:
        return
    keyring = _keyring()
    for row in rows:
        values = {c: keyring.seal(row._mapping[c], f"petition_case.{c}") for c in PERSONAL
                  if row._mapping[c] is not None}
        values.update({index: keyring.blind_index(row._mapping[c], c) for c, index in BLIND.items()
                       if row._mapping[c]})
        _update(bind, row.id, values)


def downgrade() -> None:
    bind = op.get_bind()
    rows = _rows(bind)
    if rows:
        keyring = _keyring()
        for row in rows:
            _update(bind, row.id, {c: keyring.open(row._mapping[c], f"petition_case.{c}") for c in PERSONAL
                                   if row._mapping[c] is not None})
    with op.batch_alter_table("petition_case", schema=None) as batch_op:
        for index in BLIND.values():
            batch_op.drop_index(batch_op.f(f"ix_petition_case_{index}"))
            batch_op.drop_column(index)
        for column, length in PERSONAL.items():
            batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.String(length=length),
                                  existing_nullable=True)
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f"ix_petition_case_{column}"), [column], unique=False)
