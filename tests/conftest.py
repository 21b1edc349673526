"""Shared fixtures: a real database (SQLite file and PostgreSQL), the manual clock, and the engine; template
databases (tests/templates.py) that tests copy instead of building the same cases again."""
from __future__ import annotations

import importlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.bundles import CompiledVersion
from engine.clock import ManualClock
from engine.definitions import Definitions
from engine.models import Base, ProcessVersion
from engine.runtime import Runtime
from engine.store import Database
from tests.templates import NO_COMMIT_FLUSH, Template, TemplateDatabases, empty_postgres

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIXTURES = Path(__file__).parent / "fixtures"
# Monday 2026-03-02 09:00 Asia/Shanghai: where every test's clock starts.
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

# Domain tables join the metadata when their modules exist, so create_all makes every table.
for _module in ("workflows.models",):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError:
        pass


def postgres_available() -> bool:
    try:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A database of this test run's own on the PostgreSQL server, dropped at the end.

    Test runs that overlap (two developers, helpers, CI) each reset only their own database.
    """
    if not postgres_available():
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL not reachable")
    admin_url = sa.make_url(POSTGRES_URL)
    name = f"{admin_url.database}_run_{os.getpid()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET {NO_COMMIT_FLUSH}')
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """The database a test runs on; every database test runs once on each."""
    return request.param


@pytest.fixture
def database_url(request, backend, tmp_path) -> str:
    """A URL of an empty database on the test's backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


def create_tables(url: str, folder: Path) -> None:
    database = Database(url)
    try:
        Base.metadata.create_all(database.engine)
    finally:
        database.dispose()


# Every table of the engine and the domain, empty.
TABLES = Template("tables", create_tables, rebuilt_on_postgres=True)


@pytest.fixture
def db(backend, database_copy):
    """The test's own database with every table, empty."""
    database = Database(database_copy(TABLES, backend).url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    """This run's template databases, each built the first time a test asks for a copy."""
    store = TemplateDatabases(tmp_path_factory.mktemp("templates"), POSTGRES_URL)
    yield store
    store.close()


@pytest.fixture
def database_copy(request, templates, tmp_path):
    """`database_copy(template, backend)`: this test's own copy of a template database, dropped afterwards."""
    made = []

    def copy(template: Template, backend: str):
        if backend == "postgresql":
            templates.postgres_url = request.getfixturevalue("postgres_url")
        made.append(templates.copy(template, backend, tmp_path))
        return made[-1]
    yield copy
    for each in made:
        templates.discard(each)


# Compiled process versions by id and content hash, for every test's Definitions: the copies of a template
# hold the same deployed versions, and compiling the petition bundle again costs a tenth of a second per test.
_COMPILED: dict[tuple[int, str], CompiledVersion] = {}


def share_compiled_versions(definitions: Definitions) -> Definitions:
    """Give `definitions` the versions an earlier test compiled from the same files; compile the others."""
    with definitions.db.reader() as session:
        deployed = session.execute(sa.select(ProcessVersion.id, ProcessVersion.content_hash)).all()
    for version_id, content_hash in deployed:
        key = (version_id, content_hash)
        if key in _COMPILED:
            definitions._cache.setdefault(version_id, _COMPILED[key])  # the engine's own per-version cache
        else:
            _COMPILED[key] = definitions.compiled(version_id)
    return definitions


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def definitions(db, clock) -> Definitions:
    return Definitions(db, clock)


@pytest.fixture
def make_runtime(db, definitions, clock):
    """Build a Runtime with the script functions a test's process needs."""
    def build(functions=None) -> Runtime:
        return Runtime(db, definitions, clock, functions)
    return build


@pytest.fixture
def cli_app(database_url, tmp_path):
    """The app the command line runs, on an empty database of the test's backend, scheduler off."""
    # Imported here, not at the top: the engine's tests never load the web app.
    from webui import create_app
    return create_app(overrides={"database.url": database_url, "scheduler.enabled": False,
                                 "security.secret_key_file": str(tmp_path / "secret")})


@pytest.fixture
def cli(cli_app):
    """A command-line runner of `cli_app`, its database migrated to the head."""
    runner = cli_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return runner
