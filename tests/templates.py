"""Template databases: built once per test run and backend through the real engine, then copied for each test.

A SQLite template is a file copied into the test's tmp_path; a PostgreSQL template is a database that each
test's copy is created from (`CREATE DATABASE ... TEMPLATE ...`). Every test gets its own copy, so what one
test writes no other test sees. On PostgreSQL a copy costs a CREATE and a DROP DATABASE, and each drop waits
for two checkpoints: a template that is cheap to build is instead built again in the run's own database for
each test, after emptying it.
"""
from __future__ import annotations

import copy as copying
import itertools
import queue
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

SQLITE_FILES = ("", "-wal", "-shm")
# A test database need not survive a server crash: commits return without waiting for the WAL to reach the
# disk. Locking and what each transaction sees are unchanged.
NO_COMMIT_FLUSH = "synchronous_commit = off"


@dataclass(frozen=True, eq=False)
class Template:
    """A database state worth building once: `build(url, folder)` fills the database at `url` (a copy of
    `base` when given) through the real engine, keeping any files in `folder`, and returns what tests need
    to know about it (ids, the clock's time)."""

    name: str
    build: Callable[[str, Path], Any]
    base: Template | None = None
    rebuilt_on_postgres: bool = False  # cheaper to build in each test's database there than to copy


@dataclass
class Copy:
    """One test's copy of a template: its URL, and a fresh copy of what the build returned."""

    url: str
    info: Any
    database: str | None = None  # the PostgreSQL database to drop after the test


@dataclass
class _Built:
    source: str  # a SQLite file or a PostgreSQL database name
    info: Any


@dataclass
class TemplateDatabases:
    """The templates of one test run; `copy` builds a template the first time a test asks for it."""

    folder: Path
    admin_url: str  # a database on the PostgreSQL server to connect to while creating and dropping others
    postgres_url: str | None = None  # this run's own database on the server, whose name prefixes the copies'
    _built: dict[tuple[str, str], _Built] = field(default_factory=dict)
    _failed: dict[tuple[str, str], BaseException] = field(default_factory=dict)
    _admin: sa.Engine | None = None
    _postgres_base: sa.URL | None = None
    _counter: itertools.count = field(default_factory=itertools.count)
    _databases: list[str] = field(default_factory=list)
    _dropper: _Dropper | None = None

    def copy(self, template: Template, backend: str, folder: Path) -> Copy:
        if backend == "postgresql" and template.rebuilt_on_postgres:
            return self._rebuild(template)
        built = self._build(template, backend)
        info = copying.deepcopy(built.info)
        if backend == "sqlite":
            target = folder / f"{template.name}.db"
            _copy_sqlite(Path(built.source), target)
            return Copy(f"sqlite:///{target}", info)
        name = self._new_database(f"c{next(self._counter)}", built.source)
        return Copy(self._url(name), info, name)

    def _rebuild(self, template: Template) -> Copy:
        """The template built again in this run's own PostgreSQL database, emptied first."""
        chain = _cheap_chain(template)
        assert chain[0].base is None, f"{template.name}: a template rebuilt on PostgreSQL has only such bases"
        empty_postgres(self.postgres_url)
        return Copy(self.postgres_url, self._apply(chain, self.postgres_url))

    def _apply(self, chain: list[Template], url: str) -> Any:
        info = None
        for template in chain:
            folder = self.folder / f"{template.name}-postgresql"
            folder.mkdir(exist_ok=True)
            info = template.build(url, folder)
        return info

    def discard(self, made: Copy) -> None:
        if made.database:
            self._databases.remove(made.database)
            self._dropper.drop(made.database)

    def close(self) -> None:
        if self._admin is None:
            return
        for name in self._databases:
            self._dropper.drop(name)
        self._dropper.close()
        self._admin.dispose()

    # -- building --------------------------------------------------------------------------------------------
    def _build(self, template: Template, backend: str) -> _Built:
        key = (template.name, backend)
        if key in self._built:
            return self._built[key]
        if key in self._failed:
            # Building again would fail the same way for every test that asks, slowly: say so at once.
            raise RuntimeError(f"the {template.name} template on {backend} failed to build") from self._failed[key]
        try:
            self._built[key] = self._build_new(template, backend)
        except Exception as exc:
            self._failed[key] = exc
            raise
        return self._built[key]

    def _build_new(self, template: Template, backend: str) -> _Built:
        if backend == "sqlite":
            base = self._build(template.base, backend) if template.base else None
            path = self.folder / f"{template.name}.db"
            if base:
                _copy_sqlite(Path(base.source), path)
            url, source = f"sqlite:///{path}", str(path)
            folder = self.folder / f"{template.name}-{backend}"
            folder.mkdir(exist_ok=True)
            return _Built(source, template.build(url, folder))
        # Copy the nearest base that is a database of its own; build the cheap ones above it, then this one.
        chain = _cheap_chain(template.base) if template.base else []
        origin = chain[0].base if chain else template.base
        base = self._build(origin, backend) if origin else None
        source = self._new_database(f"t_{template.name}", base.source if base else None)
        return _Built(source, self._apply([*chain, template], self._url(source)))

    # -- PostgreSQL ------------------------------------------------------------------------------------------
    def _url(self, database: str) -> str:
        return self._postgres_base.set(database=database).render_as_string(hide_password=False)

    def _new_database(self, suffix: str, template: str | None) -> str:
        if self._admin is None:
            self._postgres_base = sa.make_url(self.postgres_url)
            self._admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
            self._dropper = _Dropper(self._admin)
        name = f"{self._postgres_base.database}_{suffix}"
        # WAL_LOG copies block by block without the two checkpoints FILE_COPY asks for: faster for small databases.
        source = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{source}')
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET {NO_COMMIT_FLUSH}')
        self._databases.append(name)
        return name


class _Dropper:
    """Drops PostgreSQL databases on a thread of its own: DROP DATABASE waits for a checkpoint, and the next
    test need not wait with it."""

    def __init__(self, admin: sa.Engine) -> None:
        self._admin = admin
        self._names: queue.Queue[str | None] = queue.Queue()
        self._failures: list[str] = []
        self._thread = threading.Thread(target=self._run, name="drop-test-databases", daemon=True)
        self._thread.start()

    def drop(self, name: str) -> None:
        self._names.put(name)

    def close(self) -> None:
        """Wait until every database handed over is dropped; fail naming those that could not be."""
        self._names.put(None)
        self._thread.join()
        if self._failures:
            raise RuntimeError("test databases left on the server: " + "; ".join(self._failures))

    def _run(self) -> None:
        while (name := self._names.get()) is not None:
            try:
                with self._admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except sa.exc.SQLAlchemyError as exc:
                self._failures.append(f"{name}: {exc}")


def _cheap_chain(template: Template) -> list[Template]:
    """`template` and the bases below it that are rebuilt on PostgreSQL, the lowest first."""
    chain = []
    current: Template | None = template
    while current is not None and current.rebuilt_on_postgres:
        chain.insert(0, current)
        current = current.base
    return chain


def empty_postgres(url: str) -> None:
    """Drop every table of the PostgreSQL database at `url`."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


def _copy_sqlite(source: Path, target: Path) -> None:
    for suffix in SQLITE_FILES:
        origin = Path(f"{source}{suffix}")
        if origin.exists():
            shutil.copyfile(origin, Path(f"{target}{suffix}"))
