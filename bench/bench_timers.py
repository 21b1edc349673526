"""Benchmark of the timer machinery on SQLite and PostgreSQL.

Two figures per database: how late timers fire in a running node (SystemClock and the real scheduler,
timers armed at random offsets over the next seconds), and how long firing a backlog of timers that fell
due at once takes (one node; on PostgreSQL also three node processes). Prints a table beside the targets
and writes bench/results/timers.json.

    .venv/bin/python bench/bench_timers.py [--quick] [--postgres URL | --no-postgres]

PostgreSQL runs in its own database (default `ecopetition_bench`, created if missing and emptied each
run), so the test suite's database is left alone.
"""
from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from engine.bundles import read_bundle
from engine.clock import Clock, ManualClock, SystemClock
from engine.definitions import Definitions
from engine.models import Base
from engine.runtime import Runtime
from engine.scheduler import NodeScheduler
from engine.store import Database
from engine.timers import TimerSweeper

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "tests" / "fixtures" / "wait_timer"
RESULTS = ROOT / "bench" / "results" / "timers.json"
DEFAULT_POSTGRES = os.environ.get("ECOPETITION_BENCH_POSTGRES",
                                  "postgresql+psycopg://postgres@127.0.0.1:5432/ecopetition_bench")
TARGET_P99_SECONDS = 2.0
TARGET_BACKLOG = 10_000
TARGET_BACKLOG_SECONDS = 60.0
START_CHUNK = 500
NODES = 3


@dataclass
class Plan:
    lateness_timers: int
    lateness_window: float
    backlog: int


FULL = Plan(lateness_timers=300, lateness_window=20.0, backlog=10_000)
QUICK = Plan(lateness_timers=100, lateness_window=8.0, backlog=2_000)


@dataclass
class Figures:
    database: str
    lateness_timers: int = 0
    lateness_p50: float | None = None
    lateness_p99: float | None = None
    lateness_max: float | None = None
    backlog: int = 0
    backlog_setup_seconds: float | None = None
    backlog_seconds_one_node: float | None = None
    backlog_seconds_nodes: float | None = None
    backlog_sweeping_seconds_nodes: float | None = None  # from the first node's first sweep to the last's end
    nodes: int = NODES
    notes: list[str] = field(default_factory=list)

    def projected(self, seconds: float | None) -> float | None:
        """Seconds for the target backlog at the measured rate (the same figure in a full run)."""
        return None if seconds is None else seconds * TARGET_BACKLOG / self.backlog


# -- databases -------------------------------------------------------------------------------------------
def fresh_database(url: str) -> Database:
    """An empty database at `url`: a new SQLite file, or the PostgreSQL database created or emptied."""
    if url.startswith("postgresql"):
        target = sa.make_url(url)
        admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": target.database})
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
        admin.dispose()
        engine = sa.create_engine(target)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    else:
        path = Path(sa.make_url(url).database)
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
    db = Database(url)
    Base.metadata.create_all(db.engine)
    return db


def build_runtime(db: Database, clock: Clock) -> Runtime:
    definitions = Definitions(db, clock)
    definitions.deploy(read_bundle(BUNDLE), "bench")
    return Runtime(db, definitions, clock)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# -- lateness in a running node --------------------------------------------------------------------------
def measure_lateness(url: str, plan: Plan, figures: Figures) -> None:
    """Arm timers at random offsets while the node runs; lateness is fired_at - due_at of each."""
    db = fresh_database(url)
    clock = SystemClock()
    runtime = build_runtime(db, clock)
    sweeper = TimerSweeper(runtime)
    # A long interval, so every timer is fired by the wake-up job and not by luck of the interval sweep.
    node = NodeScheduler(sweeper, sweep_seconds=60)
    node.start()
    rng = random.Random(20260302)
    try:
        for _ in range(plan.lateness_timers):
            due = clock.now() + timedelta(seconds=rng.uniform(1.0, plan.lateness_window))
            runtime.start("wait_timer", {"due": due.isoformat(), "parts": 1}, "bench")
            node.poke(due)  # what a step that armed a timer does
        give_up = time.monotonic() + plan.lateness_window + 60
        while sweeper.pending_count() and time.monotonic() < give_up:
            time.sleep(0.25)
    finally:
        node.shutdown()
    late = [f.lateness.total_seconds() for f in sweeper.fired()]
    if len(late) < plan.lateness_timers:
        figures.notes.append(f"only {len(late)} of {plan.lateness_timers} timers fired in time")
    figures.lateness_timers = len(late)
    if late:
        figures.lateness_p50 = statistics.median(late)
        figures.lateness_p99 = percentile(late, 0.99)
        figures.lateness_max = max(late)
    db.dispose()


# -- a backlog falling due at once -----------------------------------------------------------------------
def arm_backlog(url: str, count: int) -> tuple[Database, ManualClock, float]:
    """`count` instances waiting on timers due in an hour; returns the db, its clock and the setup time."""
    db = fresh_database(url)
    clock = ManualClock(datetime.fromisoformat("2026-03-02T01:00:00+00:00"))
    runtime = build_runtime(db, clock)
    due = (clock.now() + timedelta(hours=1)).isoformat()
    began = time.perf_counter()
    for first in range(0, count, START_CHUNK):
        with db.unit_of_work() as tx:
            for _ in range(min(START_CHUNK, count - first)):
                runtime.start("wait_timer", {"due": due, "parts": 1}, "bench", session=tx)
    clock.advance(hours=2)
    return db, clock, time.perf_counter() - began


def count_fired(db: Database) -> int:
    with db.reader() as session:
        return session.scalar(sa.text("SELECT count(*) FROM timer WHERE status = 'fired'"))


def measure_backlog(url: str, plan: Plan, figures: Figures, nodes: bool) -> None:
    figures.backlog = plan.backlog
    db, clock, setup = arm_backlog(url, plan.backlog)
    figures.backlog_setup_seconds = setup
    sweeper = TimerSweeper(Runtime(db, Definitions(db, clock), clock))
    began = time.perf_counter()
    fired = sweeper.sweep()
    figures.backlog_seconds_one_node = time.perf_counter() - began
    if fired != plan.backlog or count_fired(db) != plan.backlog:
        figures.notes.append(f"one node fired {fired} of {plan.backlog}")
    db.dispose()
    if not nodes:
        return
    db, clock, _ = arm_backlog(url, plan.backlog)
    db.dispose()
    context = multiprocessing.get_context("spawn")
    began = time.perf_counter()  # includes starting the node processes
    with context.Pool(NODES) as pool:
        swept = pool.starmap(sweep_as_node, [(url, clock.now().isoformat())] * NODES)
    figures.backlog_seconds_nodes = time.perf_counter() - began
    fired = sum(total for total, _, _ in swept)
    figures.backlog_sweeping_seconds_nodes = max(end for _, _, end in swept) - min(start for _, start, _ in swept)
    db = Database(url)
    if fired != plan.backlog or count_fired(db) != plan.backlog:
        figures.notes.append(f"{NODES} nodes fired {fired} of {plan.backlog}")
    db.dispose()


def sweep_as_node(url: str, now: str) -> tuple[int, float, float]:
    """One node process: sweep until nothing due is left that another node is not already firing.

    Returns how many it fired, and the wall-clock times its sweeping began and ended (without start-up)."""
    db = Database(url)
    clock = ManualClock(datetime.fromisoformat(now))
    sweeper = TimerSweeper(Runtime(db, Definitions(db, clock), clock))
    total = 0
    began = time.time()
    while True:
        fired = sweeper.sweep()
        total += fired
        next_due = sweeper.next_due()
        if next_due is None or next_due > clock.now():
            break
        if not fired:
            time.sleep(0.05)  # the rest is locked by the other nodes; look again once they commit
    ended = time.time()
    db.dispose()
    return total, began, ended


# -- report ----------------------------------------------------------------------------------------------
def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def verdict(value: float | None, limit: float) -> str:
    return "" if value is None else ("ok" if value < limit else "MISSED")


def print_table(all_figures: list[Figures], plan: Plan, quick: bool) -> None:
    rows: list[tuple[str, list[str], str]] = []

    def row(label: str, values: list[float | None], limit: float | None = None) -> None:
        cells = [f"{seconds(v)} {verdict(v, limit)}".strip() if limit else seconds(v) for v in values]
        rows.append((label, cells, f"< {limit:.0f} s" if limit else ""))

    backlog_limit = None if quick else TARGET_BACKLOG_SECONDS
    row(f"lateness, {plan.lateness_timers} timers over {plan.lateness_window:.0f} s: p50 (s)",
        [f.lateness_p50 for f in all_figures])
    row("lateness p99 (s)", [f.lateness_p99 for f in all_figures], TARGET_P99_SECONDS)
    row("lateness max (s)", [f.lateness_max for f in all_figures])
    row(f"start {plan.backlog:,} instances (setup, s)", [f.backlog_setup_seconds for f in all_figures])
    row(f"fire {plan.backlog:,} due at once, 1 node (s)", [f.backlog_seconds_one_node for f in all_figures],
        backlog_limit)
    row(f"fire {plan.backlog:,} due at once, {NODES} nodes (s)", [f.backlog_seconds_nodes for f in all_figures],
        backlog_limit)
    if quick:
        row(f"  projected for {TARGET_BACKLOG:,}, 1 node (s)",
            [f.projected(f.backlog_seconds_one_node) for f in all_figures], TARGET_BACKLOG_SECONDS)
        row(f"  projected for {TARGET_BACKLOG:,}, {NODES} nodes (s)",
            [f.projected(f.backlog_seconds_nodes) for f in all_figures], TARGET_BACKLOG_SECONDS)
    width = max(len(label) for label, _, _ in rows) + 2
    print(f"\nTimer benchmark ({'quick' if quick else 'full'})")
    print("".ljust(width) + "".join(f.database.ljust(18) for f in all_figures) + "target")
    for label, cells, target in rows:
        print(label.ljust(width) + "".join(c.ljust(18) for c in cells) + target)
    for f in all_figures:
        for note in f.notes:
            print(f"note ({f.database}): {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer timers; backlog figures projected to 10,000")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL URL of a database to use")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    plan = QUICK if args.quick else FULL

    all_figures = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = Figures("SQLite")
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(f"SQLite: lateness with {plan.lateness_timers} timers ...", flush=True)
        measure_lateness(url, plan, sqlite)
        print(f"SQLite: backlog of {plan.backlog:,} ...", flush=True)
        measure_backlog(url, plan, sqlite, nodes=False)
        sqlite.notes.append("one writer at a time: more nodes on one SQLite file do not fire faster")
        all_figures.append(sqlite)
    if not args.no_postgres:
        postgres = Figures("PostgreSQL")
        try:
            print(f"PostgreSQL: lateness with {plan.lateness_timers} timers ...", flush=True)
            measure_lateness(args.postgres, plan, postgres)
        except sa.exc.OperationalError as exc:
            print(f"PostgreSQL not reachable at {args.postgres}; skipped ({exc.orig})", file=sys.stderr)
        else:
            print(f"PostgreSQL: backlog of {plan.backlog:,}, 1 node and {NODES} nodes ...", flush=True)
            measure_backlog(args.postgres, plan, postgres, nodes=True)
            all_figures.append(postgres)

    print_table(all_figures, plan, args.quick)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "mode": "quick" if args.quick else "full",
        "measured_at": SystemClock().now().isoformat(),
        "plan": asdict(plan),
        "targets": {"lateness_p99_seconds": TARGET_P99_SECONDS, "backlog": TARGET_BACKLOG,
                    "backlog_seconds": TARGET_BACKLOG_SECONDS},
        "results": [asdict(f) for f in all_figures],
    }, indent=2), encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
