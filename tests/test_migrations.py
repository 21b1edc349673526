"""The schema comes from Alembic migrations, and they match the models on both databases."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.models import Base
from workflows.migrate import downgrade, upgrade


@pytest.fixture
def fresh_url(database_url):
    return database_url


def test_migrations_build_exactly_the_models_schema_and_roll_back(fresh_url):
    upgrade(fresh_url)
    engine = sa.create_engine(fresh_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    assert diff == [], f"models and migrations differ: {diff}"
    assert {"process_version", "instance", "queue_task", "timer", "audit_event"} <= tables
    downgrade(fresh_url, "base")
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()
