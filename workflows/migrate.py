"""Schema migrations with Alembic: `ecopetition db upgrade` and friends call these."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from workflows.protection import KeyRing

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head", keyring: KeyRing | None = None) -> None:
    """Migrate up; `keyring` seals existing petitioners' data where a migration needs it (else the configured)."""
    command.upgrade(_with_keyring(alembic_config(database_url), keyring), revision)


def downgrade(database_url: str, revision: str, keyring: KeyRing | None = None) -> None:
    command.downgrade(_with_keyring(alembic_config(database_url), keyring), revision)


def _with_keyring(config: Config, keyring: KeyRing | None) -> Config:
    if keyring is not None:
        config.attributes["keyring"] = keyring
    return config


def current(database_url: str) -> None:
    command.current(alembic_config(database_url), verbose=False)


def revision(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration this code ships (read from the migration files once per process)."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def schema_revision(connection: sa.Connection) -> str | None:
    """The migration the database on `connection` is at; None for a database never migrated."""
    return MigrationContext.configure(connection).get_current_revision()
