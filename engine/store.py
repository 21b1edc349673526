"""Database connections and the unit of work every engine command runs in."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
import sqlalchemy.orm as so


def on_commit(session: so.Session, hook: Callable[[so.Session], None]) -> None:
    """Call `hook(session)` once the session's transaction commits; never if it rolls back."""
    session.info.setdefault(_ON_COMMIT, []).append(hook)


def on_rollback(session: so.Session, hook: Callable[[so.Session], None]) -> None:
    """Call `hook(session)` if the session's transaction rolls back; never if it commits."""
    session.info.setdefault(_ON_ROLLBACK, []).append(hook)


_ON_COMMIT, _ON_ROLLBACK = "engine.on_commit", "engine.on_rollback"


# One listener for every session, registered once: listening on each step's session would cost every step.
@sa.event.listens_for(so.Session, "after_commit")
def _after_commit(session: so.Session) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    for hook in session.info.pop(_ON_COMMIT, ()):
        hook(session)


@sa.event.listens_for(so.Session, "after_rollback")
def _after_rollback(session: so.Session) -> None:
    session.info.pop(_ON_COMMIT, None)
    for hook in session.info.pop(_ON_ROLLBACK, ()):
        hook(session)


class Database:
    """Engines and session factories for one database URL.

    On SQLite, command transactions start with BEGIN IMMEDIATE so that two writers queue up instead of
    failing on a stale snapshot; reads use ordinary deferred transactions. On PostgreSQL the command
    path locks the instance row with SELECT ... FOR UPDATE instead.
    """

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = sa.make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = self._create_engine(echo, immediate=self.is_sqlite)
        self.read_engine = self._create_engine(echo, immediate=False) if self.is_sqlite else self.engine
        self._write_sessions = so.sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = so.sessionmaker(self.read_engine, expire_on_commit=False)

    def _create_engine(self, echo: bool, immediate: bool) -> sa.Engine:
        if not self.is_sqlite:
            return sa.create_engine(self.url, echo=echo, pool_pre_ping=True)
        engine = sa.create_engine(self.url, echo=echo, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            # Let SQLAlchemy's begin event issue BEGIN itself, so we choose its kind.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if self.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    @contextmanager
    def unit_of_work(self) -> Iterator[so.Session]:
        """A write transaction: commit on success, roll back on any exception."""
        session = self._write_sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def reader(self) -> Iterator[so.Session]:
        """A read-only session; nothing it does is committed."""
        session = self._read_sessions()
        try:
            yield session
        finally:
            # close() ends the transaction without expiring what was loaded, so results stay readable.
            session.close()

    def for_update(self, stmt: sa.Select) -> sa.Select:
        return stmt if self.is_sqlite else stmt.with_for_update()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
