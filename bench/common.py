"""What the benchmark parts share: the plan (full or quick), fresh bench databases, the running services,
statistics, time budgets and the one results table."""
from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine.bundles import read_bundle
from engine.clock import Clock
from workflows.bootstrap import Services, bootstrap
from workflows.migrate import upgrade
from workflows.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "bpmn"
RESULTS = ROOT / "bench" / "results"
# The server the PostgreSQL parts run on; each part creates its own `bench_<part>` database there.
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SQLITE, POSTGRES = "SQLite", "PostgreSQL"
# Monday 2026-03-02 09:00 in Shanghai: every case is received then, on a manual clock.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def quick_mode() -> bool:
    """BENCH_QUICK=1: a smoke run of every part in a minute or two, with small sizes."""
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


# -- databases -------------------------------------------------------------------------------------------
def postgres_reachable() -> bool:
    engine = sa.create_engine(POSTGRES_SERVER)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def postgres_url(name: str) -> str:
    return sa.make_url(POSTGRES_SERVER).set(database=f"bench_{name}").render_as_string(hide_password=False)


def fresh_postgres(name: str, migrate: bool = True) -> str:
    """A new, empty `bench_<name>` database migrated to head, as `ecopetition db upgrade` leaves it."""
    url = postgres_url(name)
    admin = sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "bench_{name}"')
    admin.dispose()
    if migrate:
        upgrade(url)
    return url


def fresh_sqlite(directory: Path, name: str, migrate: bool = True) -> str:
    path = Path(directory) / f"bench_{name}.db"
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    if migrate:
        upgrade(url)
    return url


def fresh_database(kind: str, name: str, directory: Path) -> str:
    return fresh_sqlite(directory, name) if kind == SQLITE else fresh_postgres(name)


def done_with(kind: str, name: str) -> None:
    """Drop a part's PostgreSQL database as soon as the part is done, so that its background work
    (autovacuum of gigabytes of loaded state) does not slow the parts after it. SQLite files go with the
    temporary directory."""
    if kind == POSTGRES:
        drop_postgres(name)


def drop_postgres(name: str) -> None:
    admin = sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)')
    admin.dispose()


def build_services(url: str, clock: Clock, deploy: bool = True, secret_key: str = "bench") -> Services:
    """The services exactly as the application builds them (bootstrap), on `url`, with the bundle deployed."""
    settings = load_settings(overrides={"database.url": url, "database.echo": False,
                                        "security.secret_key": secret_key})
    services = bootstrap(settings, clock)
    if deploy:
        services.definitions.deploy(read_bundle(BUNDLE), "bench")
    return services


# -- statistics ------------------------------------------------------------------------------------------
def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(seconds: list[float]) -> dict[str, float]:
    """Median, p95, p99 and mean in milliseconds, and how many samples."""
    if not seconds:
        return {"n": 0}
    return {"n": len(seconds), "p50": statistics.median(seconds) * 1000, "p95": percentile(seconds, 0.95) * 1000,
            "p99": percentile(seconds, 0.99) * 1000, "mean": statistics.fmean(seconds) * 1000}


class Budget:
    """A part's share of the 20 minutes: loops ask `spent()` and stop early, saying so in a note."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def spent(self) -> bool:
        return self.elapsed() >= self.seconds


def timed(function, *args, **kwargs) -> tuple[float, Any]:
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - began, result


# -- the table -------------------------------------------------------------------------------------------
@dataclass
class Row:
    """One printed line: a measure, its value per database, the target and whether each value meets it."""

    label: str
    cells: dict[str, str] = field(default_factory=dict)
    target: str = ""


@dataclass
class PartResult:
    name: str
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def row(self, label: str, target: str = "", **cells: str) -> Row:
        row = Row(label, {SQLITE: cells.get("sqlite", ""), POSTGRES: cells.get("postgres", "")}, target)
        self.rows.append(row)
        return row


def ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def p50_p99(stats: dict | None) -> str:
    if not stats or not stats.get("n"):
        return "-"
    return f"{ms(stats['p50'])} / {ms(stats['p99'])}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def check(ok: bool | None) -> str:
    return "" if ok is None else (" ok" if ok else " MISSED")


def render(parts: list[PartResult], title: str) -> str:
    label_width = max(len(r.label) for p in parts for r in p.rows) + 2
    widths = {db: max([len(db)] + [len(r.cells.get(db, "")) for p in parts for r in p.rows]) + 3
              for db in (SQLITE, POSTGRES)}
    lines = [title, "", "measure".ljust(label_width) + SQLITE.ljust(widths[SQLITE]) + POSTGRES.ljust(widths[POSTGRES])
             + "target"]
    lines.append("-" * (len(lines[-1]) + 24))
    for part in parts:
        lines.append(f"[{part.name}]  ({part.seconds:.0f} s)")
        for row in part.rows:
            lines.append(("  " + row.label).ljust(label_width + 2)[:label_width + 2]
                         + row.cells.get(SQLITE, "").ljust(widths[SQLITE])
                         + row.cells.get(POSTGRES, "").ljust(widths[POSTGRES]) + row.target)
    notes = [(p.name, n) for p in parts for n in p.notes]
    if notes:
        lines += ["", "notes:"] + [f"  - {name}: {note}" for name, note in notes]
    return "\n".join(lines)
