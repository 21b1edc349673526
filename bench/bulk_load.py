"""A fast loader of open cases for the queue benchmark: it writes the rows the engine and the domain would write.

Seven real cases are first driven by the engine to the seven places an open case waits (acceptance,
investigation, draft, approval, delivery, review opinion, return visit). Their rows are the templates: each
loaded case is a copy of one of them, given its own bureau, case number, due time and claim, with the
template's real serialized state in its instance row, its queue row, its timer rows (pending and past), its
case row and the organisations involved. No audit events are written; the queue never reads them.

PostgreSQL loads with COPY (the state is copied server-side from a template table, so every row stores the
state as the engine would, TOAST-compressed), SQLite with executemany in one transaction per batch.
"""
from __future__ import annotations

import multiprocessing
import random
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench.common import T0
from bench.lifecycle import Driver, full_case
from engine.models import Instance, QueueTask, Timer
from workflows.accounts import org_path
from workflows.bootstrap import Services
from workflows.models import CHANNELS, Case, CaseOrganisation
from workflows.protection import KeyRing, SealedText, keyring_for
from workflows.rules.organisations import org_above

HOT_BUREAU = "EEB-330106"
HOT_SHARE = 0.02  # a busy urban district gets 2% of the province's open cases
CLAIMED_SHARE = 0.35
HANDLERS_PER_BUREAU = 10
QUERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Where open cases wait, by the task they wait on, and how many of them do.
WAITS = {"decide_acceptance": 0.10, "investigate": 0.35, "draft_reply": 0.15, "approve_reply": 0.10,
         "deliver_reply": 0.10, "draft_review_opinion": 0.05, "return_visit": 0.15}


def bureaus() -> list[str]:
    """A province of 11 cities with 8 county bureaus each (plus the four the demo data knows)."""
    counties = {f"EEB-33{city:02d}{county:02d}" for city in range(1, 12) for county in range(1, 9)}
    return sorted(counties | {"EEB-330106", "EEB-330110", "EEB-330203", "EEB-330212"})


@dataclass
class Template:
    """The rows of one real case waiting at `wait`, as the engine and the step listener wrote them."""

    wait: str
    instance: dict
    queue: dict
    timers: list[dict]
    case: dict
    due_offset: timedelta


def _columns(row, table: sa.Table) -> dict:
    return {c.key: getattr(row, c.key) for c in table.columns}


def _stored_case(session, instance_id: int) -> dict:
    """The case row with its personal columns as stored (sealed), so loaded rows can reuse them."""
    table = Case.__table__
    columns = [sa.type_coerce(c, sa.Text()).label(c.key) if isinstance(c.type, SealedText) else c
               for c in table.columns]
    return dict(session.execute(sa.select(*columns).where(table.c.instance_id == instance_id)).one()._mapping)


def make_templates(services: Services) -> list[Template]:
    """Drive one real case to each waiting place and read back what was stored."""
    driver = Driver(services)
    templates = []
    for wait in WAITS:
        instance_id = driver.register()
        for action in full_case(driver.cast):
            if action.kind == "complete" and action.name == wait:
                break
            driver.apply(instance_id, action)
        else:
            raise AssertionError(f"the full case never waits at {wait!r}")
        with services.db.reader() as session:
            instance = session.get(Instance, instance_id)
            queue = session.scalar(sa.select(QueueTask).where(QueueTask.instance_id == instance_id))
            timers = session.scalars(sa.select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.id))
            case = _stored_case(session, instance_id)
            templates.append(Template(
                wait, _columns(instance, Instance.__table__), _columns(queue, QueueTask.__table__),
                [_columns(t, Timer.__table__) for t in timers], case,
                (queue.due_at - queue.created_at) if queue.due_at else timedelta(days=15)))
    return templates


def query_code(number: int) -> str:
    digits = []
    for _ in range(10):
        number, digit = divmod(number, len(QUERY_ALPHABET))
        digits.append(QUERY_ALPHABET[digit])
    return "".join(digits)


TABLES = {"instances": Instance.__table__, "queue": QueueTask.__table__, "timers": Timer.__table__,
          "cases": Case.__table__, "organisations": CaseOrganisation.__table__}
# Per table, the columns each loaded row sets itself; the other columns keep the template's values.
VARYING = {
    "instances": ["id", "business_key", "created_at", "updated_at", "state"],
    "queue": ["task_id", "instance_id", "organisation", "due_at", "created_at", "assignee", "claimed_at"],
    "timers": ["id", "instance_id", "due_at", "created_at", "task_id"],
    "cases": ["id", "instance_id", "case_no", "query_code", "channel", "received_at", "petitioner_name",
              "petitioner_phone", "petitioner_phone_index", "reported_party", "division_code", "registration_org",
              "handling_org", "updated_at"],
    "organisations": ["case_id", "organisation", "org_path"],
}


def _utc(value):
    """A datetime as the column stores it: naive UTC (see engine.models.UTCDateTime)."""
    return value.astimezone(UTC).replace(tzinfo=None) if isinstance(value, datetime) else value


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Batch:
    """Rows per table as tuples in the order of `columns[table]`; datetimes naive UTC."""

    columns: dict[str, list[str]]
    rows: dict[str, list[tuple]]


class CaseFactory:
    """Makes the rows of open cases, spread over the province's bureaus, from the templates."""

    def __init__(self, templates: list[Template], keyring: KeyRing, seed: int = 20260302) -> None:
        self.rng = random.Random(seed)
        self.keyring = keyring  # the petitioner's name and phone are sealed as the application stores them
        self.bureaus = [b for b in bureaus() if b != HOT_BUREAU]
        self.paths = {code: org_path(code) for b in bureaus() for code in (b, org_above(b, 1))}
        self.templates = templates
        self.weights = [WAITS[t.wait] for t in templates]
        self.columns: dict[str, list[str]] = {}
        self.fixed: dict[str, dict] = {key: {} for key in TABLES}
        for key, table in TABLES.items():
            kept = [] if key == "organisations" else [c.key for c in table.columns if c.key not in VARYING[key]]
            self.columns[key] = VARYING[key] + kept
            for t in templates:
                if key == "timers":
                    # Each timer keeps its distance to the task's deadline.
                    self.fixed[key][t.wait] = [(_utc(timer["due_at"]) - _utc(t.queue["due_at"] or timer["due_at"]),
                                                tuple(_utc(timer[c]) for c in kept)) for timer in t.timers]
                elif key != "organisations":
                    source = {"instances": t.instance, "queue": t.queue, "cases": t.case}[key]
                    self.fixed[key][t.wait] = tuple(_utc(source[c]) for c in kept)

    def batch(self, first: int, count: int, timer_id: int) -> Batch:
        rng, fixed, paths = self.rng, self.fixed, self.paths
        rows: dict[str, list[tuple]] = {key: [] for key in TABLES}
        instances, queue, timers, cases, organisations = (rows[key] for key in TABLES)
        start = _utc(T0)
        end_of_day = _utc(T0.replace(hour=15, minute=59, second=59))  # 23:59:59 in Shanghai
        for number, template in zip(range(first, first + count), rng.choices(self.templates, self.weights, k=count)):
            wait = template.wait
            bureau = HOT_BUREAU if rng.random() < HOT_SHARE else self.bureaus[int(rng.random() * len(self.bureaus))]
            city = bureau[:8] + "00"
            received = start - timedelta(days=rng.random() * 75)
            due = end_of_day + timedelta(days=int(rng.random() * 75) - 15)  # 15 days overdue to 2 months ahead
            case_no = f"{bureau[4:]}-2026-{number:07d}"
            instances.append((number, case_no, received, received, wait) + fixed["instances"][wait])
            organisation = city if wait == "draft_review_opinion" else bureau
            assignee = None
            if rng.random() < CLAIMED_SHARE:
                assignee = f"han-{organisation}-{int(rng.random() * HANDLERS_PER_BUREAU)}"
            queue.append((_uuid(rng), number, organisation, due, received, assignee, received if assignee else None)
                         + fixed["queue"][wait])
            for offset, values in fixed["timers"][wait]:
                timers.append((timer_id, number, due + offset, received, _uuid(rng)) + values)
                timer_id += 1
            phone = f"138{number % 100000000:08d}"
            cases.append((number, number, case_no, query_code(number), CHANNELS[number % len(CHANNELS)], received,
                          self.keyring.seal(f"信访人{number % 50000}", "petition_case.petitioner_name"),
                          self.keyring.seal(phone, "petition_case.petitioner_phone"),
                          self.keyring.blind_index(phone, "petitioner_phone"), f"某某企业{number % 20000}",
                          bureau[4:], bureau, None if wait == "decide_acceptance" else bureau, received)
                         + fixed["cases"][wait])
            organisations.append((number, bureau, paths[bureau]))
            if organisation != bureau:
                organisations.append((number, city, paths[city]))
        return Batch(self.columns, rows)


_factory: CaseFactory | None = None


def _start_factory(templates: list[Template], keyring: KeyRing) -> None:
    global _factory
    _factory = CaseFactory(templates, keyring)


def _make_batch(job: tuple[int, int, int]) -> Batch:
    first, count, seed = job
    _factory.rng.seed(seed)
    return _factory.batch(first, count, first * MAX_TIMERS_PER_CASE)


# Timer ids of case n start at n * MAX_TIMERS_PER_CASE, so batches made in parallel never share one.
MAX_TIMERS_PER_CASE = 10
# Past this many cases in one load, secondary indexes are dropped and rebuilt (sorted builds are faster).
REBUILD_INDEXES_FROM = 200_000


class Loader:
    """Appends open cases to a migrated database that already holds the templates' real cases.

    Rows are made in a helper process while this one copies the previous batch into the database."""

    def __init__(self, services: Services, templates: list[Template], batch_size: int = 20_000) -> None:
        self.db = services.db
        self.templates = templates
        self.states = {t.wait: t.instance["state"] for t in templates}
        self.batch_size = batch_size
        self.next_id = 1
        self.loaded = 0
        if not self.db.is_sqlite:
            with self.db.engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_state_template "
                                     "(wait TEXT PRIMARY KEY, state TEXT NOT NULL)")
                for wait, state in self.states.items():
                    conn.execute(sa.text("INSERT INTO bench_state_template VALUES (:wait, :state) "
                                         "ON CONFLICT (wait) DO NOTHING"), {"wait": wait, "state": state})

    def batches(self, count: int) -> Iterator[Batch]:
        jobs = []
        while count > 0:
            size = min(self.batch_size, count)
            jobs.append((self.next_id, size, self.next_id))
            self.next_id += size
            count -= size
        with multiprocessing.get_context("spawn").Pool(1, _start_factory, (self.templates, keyring_for(self.db.engine))) as pool:
            yield from pool.imap(_make_batch, jobs)

    def load(self, count: int) -> None:
        """Add `count` open cases, then analyze as autovacuum would have by this size."""
        with self.db.reader() as session:  # cases registered since the last load took ids too
            self.next_id = max(self.next_id, (session.scalar(sa.select(sa.func.max(Instance.id))) or 0) + 1,
                               (session.scalar(sa.select(sa.func.max(Case.id))) or 0) + 1,
                               (session.scalar(sa.select(sa.func.max(Timer.id))) or 0) // MAX_TIMERS_PER_CASE + 1)
        if self.db.is_sqlite:
            self._load_sqlite(count)
        else:
            self._load_postgres(count)
        self.loaded += count

    def _load_sqlite(self, count: int) -> None:
        # The bulk load writes the file directly (no journal), then the database goes back to WAL.
        self.db.dispose()
        conn = sqlite3.connect(self.db.url.database, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA cache_size=-200000")
            for batch in self.batches(count):
                conn.execute("BEGIN")
                for key, table in TABLES.items():
                    columns = batch.columns[key]
                    rows = batch.rows[key]
                    if key == "instances":
                        rows = ((r[:4] + (self.states[r[4]],) + r[5:]) for r in rows)
                    conn.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) "
                                     f"VALUES ({', '.join('?' for _ in columns)})", (
                                         [v.isoformat(" ", "microseconds") if isinstance(v, datetime) else v
                                          for v in row] for row in rows))
                conn.execute("COMMIT")
            conn.execute("ANALYZE")
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()

    def _load_postgres(self, count: int) -> None:
        conn = self.db.engine.raw_connection()
        try:
            cursor = conn.cursor()
            rebuild = self._drop_indexes(cursor) if count >= REBUILD_INDEXES_FROM else []
            # The rows are consistent by construction; skip the per-row foreign key triggers while copying.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS bench_instance_staging "
                           "(LIKE instance INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
            for batch in self.batches(count):
                for key, table in TABLES.items():
                    columns = batch.columns[key]
                    target = "bench_instance_staging" if key == "instances" else table.name
                    with cursor.copy(f"COPY {target} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in batch.rows[key]:
                            copy.write_row(row)
                    if key == "instances":
                        # The state is copied server-side: stored (TOAST-compressed) exactly as the engine's would be.
                        names = [c for c in columns if c != "state"]
                        cursor.execute(
                            f"INSERT INTO instance ({', '.join(names)}, state) "
                            f"SELECT {', '.join('s.' + c for c in names)}, t.state FROM bench_instance_staging s "
                            "JOIN bench_state_template t ON t.wait = s.state")
                conn.commit()
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for definition in rebuild:
                cursor.execute(definition)
            conn.commit()
        finally:
            conn.close()
        with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # VACUUM sets the visibility map that index-only scans need; the queue reads these two tables.
            for table in ("queue_task", "petition_case"):
                conn.exec_driver_sql(f"VACUUM ANALYZE {table}")
            for table in ("case_organisation", "timer", "instance"):
                conn.exec_driver_sql(f"ANALYZE {table}")
            for table in ("instance", "petition_case", "timer"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))")

    def _drop_indexes(self, cursor) -> list[str]:
        """Drop the loaded tables' plain indexes (not keys or unique constraints); returns how to rebuild them."""
        names = [table.name for table in TABLES.values()]
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = ANY(%s) AND NOT EXISTS "
                       "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", (names,))
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _, definition in found]
