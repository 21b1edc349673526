"""Alembic environment: the engine's and the domain's tables, migrated together."""
from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import context

from engine.models import Base

for _module in ("workflows.models",):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError:
        pass

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
