"""Part 3, the queue page, and part 6, memory of a web process serving it.

Open cases are bulk-loaded (bench.bulk_load) in growing sizes; at each size the first page of the busy
bureau's unclaimed queue for a handler, sorted by deadline, with its count and the tab counts, is read with
`workflows.queues.queue_page`, the very function the queue view calls. At the largest size the plans of
its statements are kept, the candidate indexes are tried one at a time, and registering a case is timed
(it numbers the case from the bureau's highest case number so far). Then a fresh web process serves the
queue page (bench.bench_memory) and reports its peak RSS.

    .venv/bin/python -m bench.bench_queue        (BENCH_QUICK=1 for a smoke run)
"""
from __future__ import annotations

import cProfile
import json
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench.bench_memory import PASSWORD, USERNAME
from bench.bulk_load import HOT_BUREAU, Loader, make_templates
from bench.common import (
    POSTGRES,
    ROOT,
    SQLITE,
    T0,
    PartResult,
    build_services,
    check,
    done_with,
    fresh_database,
    ms,
    postgres_reachable,
    quick_mode,
    render,
    summary,
)
from bench.lifecycle import cast_for, registration
from engine.clock import ManualClock
from engine.models import QueueTask
from workflows.accounts import Actor, create_user, seed_organisations
from workflows.bootstrap import Services
from workflows.handling.queues import queue_page
from workflows.intake.registration import register_case

TARGET_P95_MS = 50.0
ACTOR = Actor(USERNAME, HOT_BUREAU, frozenset({"handler"}))
# The index that serves the unclaimed queue (organisation, role, assignee IS NULL, by due) on both databases,
# tried at the largest size. Without it SQLite (no STAT4 statistics) picks ix_queue_assignee_due for
# `assignee IS NULL` and walks every unclaimed task of the province; a partial index WHERE assignee IS NULL
# is not chosen by SQLite's planner either.
CANDIDATE_INDEX = "ix_queue_org_role_assignee_due"
CANDIDATE_DEFINITION = f"CREATE INDEX {CANDIDATE_INDEX} ON queue_task (organisation, role, assignee, due_at)"


def read_queue(services: Services) -> tuple[float, int]:
    began = time.perf_counter()
    with services.db.reader() as session:
        page = queue_page(session, ACTOR, "unclaimed", services.clock.now(), calendar=services.deadlines.calendar)
    return time.perf_counter() - began, page.total


def measure_queue(services: Services, iterations: int) -> dict:
    for _ in range(3):
        read_queue(services)
    samples, total = [], 0
    for _ in range(iterations):
        spent, total = read_queue(services)
        samples.append(spent)
    return summary(samples) | {"unclaimed": total}


def captured_statements(services: Services) -> list[tuple[str, object]]:
    """The SQL statements one queue page runs, with their parameters."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(services.db.read_engine, "before_cursor_execute", keep)
    try:
        read_queue(services)
    finally:
        sa.event.remove(services.db.read_engine, "before_cursor_execute", keep)
    return seen


def plans(services: Services) -> list[dict]:
    """EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN QUERY PLAN (SQLite) of each statement of a queue page."""
    explain = "EXPLAIN QUERY PLAN " if services.db.is_sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    services.db.read_engine.dispose()  # sqlite3 caches statements, EXPLAIN's answer too: use new connections
    found = []
    with services.db.read_engine.connect() as conn:
        for statement, parameters in captured_statements(services):
            rows = conn.exec_driver_sql(explain + statement, parameters).all()
            found.append({"sql": " ".join(statement.split()),
                          "plan": [" | ".join(str(v) for v in row) for row in rows]})
    return found


def time_registration(services: Services, count: int) -> dict:
    """Register cases at the busy bureau (numbered from its highest case number so far, checked for repeats
    of earlier cases of the same petitioner); also the share of repeat detection, from cProfile."""
    services.clock.set(T0)
    registrar = cast_for(HOT_BUREAU).registrar
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        register_case(services, registrar, registration(HOT_BUREAU))
        samples.append(time.perf_counter() - began)
    profiler = cProfile.Profile()
    profiler.runcall(register_case, services, registrar, registration(HOT_BUREAU))
    stats = pstats.Stats(profiler).stats
    total = max(entry[3] for (_, _, name), entry in stats.items() if name == "register_case")
    repeats = sum(entry[3] for (path, _, name), entry in stats.items()
                  if name == "propose_links" and path.endswith("repeats.py"))
    return summary(samples) | {"repeat_detection_share": repeats / total if total else 0.0}


def count_as_page(services: Services, iterations: int) -> dict:
    """The unclaimed count as queue_page runs it (joined to the case rows), on its own."""
    statement, parameters = next((sql, params) for sql, params in captured_statements(services)
                                 if sql.lstrip().upper().startswith("SELECT COUNT("))
    samples = []
    with services.db.read_engine.connect() as conn:
        for index in range(iterations + 3):
            began = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).all()
            if index >= 3:
                samples.append(time.perf_counter() - began)
    return summary(samples)


def count_alone(services: Services, iterations: int) -> dict:
    """The unclaimed count from the queue rows alone, without the join to the case rows queue_page makes."""
    stmt = sa.select(sa.func.count()).select_from(QueueTask).where(
        QueueTask.organisation == ACTOR.organisation, QueueTask.role.in_(sorted(ACTOR.roles)),
        QueueTask.assignee.is_(None))
    samples = []
    for index in range(iterations + 3):
        began = time.perf_counter()
        with services.db.reader() as session:
            session.scalar(stmt)
        if index >= 3:
            samples.append(time.perf_counter() - began)
    return summary(samples)


def try_index(services: Services, iterations: int) -> dict:
    """The queue with the candidate index present (since migration 0003 it is part of the schema; it is only
    created, and dropped again, when the bench database lacks it)."""
    with services.db.engine.begin() as conn:
        created = not sa.inspect(conn).has_index("queue_task", CANDIDATE_INDEX)
        if created:
            conn.exec_driver_sql(CANDIDATE_DEFINITION)
        conn.exec_driver_sql("ANALYZE queue_task" if not services.db.is_sqlite else "ANALYZE")
    services.db.read_engine.dispose()
    try:
        return {"definition": CANDIDATE_DEFINITION, "queue": measure_queue(services, iterations),
                "count_as_page": count_as_page(services, iterations),
                "count_alone": count_alone(services, iterations), "plans": plans(services)}
    finally:
        if created:
            with services.db.engine.begin() as conn:
                conn.exec_driver_sql(f"DROP INDEX {CANDIDATE_INDEX}")


def add_web_user(services: Services) -> None:
    with services.db.unit_of_work() as tx:
        seed_organisations(tx)
        create_user(tx, services.clock, USERNAME, "Bench handler", PASSWORD, HOT_BUREAU, ["handler"])


def measure_memory(url: str, requests: int) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.bench_memory", url, str(requests)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_database(kind: str, directory: Path, plan: dict, memory: bool) -> dict:
    url = fresh_database(kind, "queue", directory)
    services = build_services(url, ManualClock(T0))
    add_web_user(services)
    loader = Loader(services, make_templates(services))
    sizes = plan["sizes"][kind]
    result = {"url": url, "sizes": {}}
    for size in sizes:
        began = time.perf_counter()
        loader.load(size - loader.loaded)
        loaded = time.perf_counter() - began
        figures = measure_queue(services, plan["iterations"])
        figures["load_seconds"] = loaded
        figures["register"] = time_registration(services, plan["registrations"])
        result["sizes"][size] = figures
        print(f"  {kind} {size:,} open cases: loaded in {loaded:.0f} s, queue p95 {figures['p95']:.1f} ms",
              flush=True)
    result["plans"] = plans(services)
    result["count_as_page"] = count_as_page(services, plan["iterations"])
    result["count_alone"] = count_alone(services, plan["iterations"])
    if memory:
        services.db.dispose()
        result["memory"] = measure_memory(url, plan["web_requests"])
    result["index"] = try_index(services, plan["iterations"])
    services.close()
    done_with(kind, "queue")
    return result


def run(plan: dict, directory: Path, with_postgres: bool) -> tuple[PartResult, PartResult]:
    queue, memory = PartResult("3 queue page: unclaimed, by deadline, + counts (ms)"), PartResult("6 memory")
    began = time.monotonic()
    kinds = (SQLITE, POSTGRES) if with_postgres else (SQLITE,)
    figures = {kind: run_database(kind, directory, plan, memory=kind == kinds[-1]) for kind in kinds}
    queue.data = figures
    cell = {SQLITE: "sqlite", POSTGRES: "postgres"}
    sizes = sorted({size for kind in kinds for size in plan["sizes"][kind]})
    for size in sizes:
        def at(f: dict, size=size) -> str:
            x = f["sizes"].get(size)
            if x is None:
                return "-"
            return f"{ms(x['p50'])} / {ms(x['p95'])}{check(x['p95'] < TARGET_P95_MS)}"
        queue.row(f"{size:,} open cases: p50 / p95", "p95 < 50 ms", **{cell[k]: at(f) for k, f in figures.items()})
    queue.row("  unclaimed rows counted at the largest size", **{
        cell[k]: f"{f['sizes'][max(f['sizes'])]['unclaimed']:,}" for k, f in figures.items()})
    queue.row("  p95 largest / smallest size (flat = ~1x)", **{
        cell[k]: f"{f['sizes'][max(f['sizes'])]['p95'] / f['sizes'][min(f['sizes'])]['p95']:.1f}x"
        for k, f in figures.items()})
    queue.row(f"  largest, with {CANDIDATE_INDEX}: p50 / p95", "p95 < 50 ms", **{
        cell[k]: f"{ms(f['index']['queue']['p50'])} / {ms(f['index']['queue']['p95'])}"
        + check(f["index"]["queue"]["p95"] < TARGET_P95_MS) for k, f in figures.items()})
    queue.row("  largest, unclaimed count as the page runs it (case join): p50", **{
        cell[k]: f"{ms(f['count_as_page']['p50'])}" for k, f in figures.items()})
    queue.row(f"  ... and with {CANDIDATE_INDEX}: p50", **{
        cell[k]: f"{ms(f['index']['count_as_page']['p50'])}" for k, f in figures.items()})
    queue.row("  largest, unclaimed count alone (no case join): p50", **{
        cell[k]: f"{ms(f['count_alone']['p50'])}" for k, f in figures.items()})
    queue.row(f"  ... and with {CANDIDATE_INDEX}: p50", **{
        cell[k]: f"{ms(f['index']['count_alone']['p50'])}" for k, f in figures.items()})
    for size in sizes:
        queue.row(f"register a case at {size:,} cases: p50 / p99 (repeat check share)", **{
            cell[k]: (f"{ms(f['sizes'][size]['register']['p50'])} / {ms(f['sizes'][size]['register']['p99'])}"
                      f" ({f['sizes'][size]['register']['repeat_detection_share']:.0%})"
                      if size in f["sizes"] else "-") for k, f in figures.items()})
    for size in sizes:
        queue.row(f"bulk load up to {size:,} (s)", **{
            cell[k]: f"{f['sizes'][size]['load_seconds']:.0f}" if size in f["sizes"] else "-"
            for k, f in figures.items()})
    queue.notes.append(f"{CANDIDATE_INDEX}: {CANDIDATE_DEFINITION}")
    queue.seconds = time.monotonic() - began

    largest = kinds[-1]
    mem = figures[largest].get("memory", {})
    size = max(figures[largest]["sizes"])
    key = cell[largest]
    if "error" in mem:
        memory.row(f"web process at {size:,} cases", **{key: "failed"})
        memory.notes.append(f"the memory process failed: {mem['error']}")
    else:
        memory.row(f"peak RSS, web process serving the queue at {size:,} cases (MB)", **{key: f"{mem['peak_rss_mb']:.0f}"})
        memory.row("  RSS after start-up / after serving (MB)", **{
            key: f"{mem['rss_start_mb']:.0f} / {mem['rss_end_mb']:.0f}"})
        memory.row(f"  web queue page, {mem['requests']} requests: p50 / p95 (ms)", **{
            key: f"{ms(mem['latency']['p50'])} / {ms(mem['latency']['p95'])}"})
        memory.notes.append(f"measured with {mem['how']}" + (f" ({mem['web_problem']})" if mem["web_problem"] else ""))
    memory.data = mem
    return queue, memory


PLANS = {
    "full": {"sizes": {SQLITE: (10_000, 100_000), POSTGRES: (10_000, 100_000, 1_000_000)},
             "iterations": 100, "registrations": 10, "web_requests": 100},
    "quick": {"sizes": {SQLITE: (2_000, 10_000), POSTGRES: (2_000, 10_000)},
              "iterations": 20, "registrations": 3, "web_requests": 20},
}


def main() -> int:
    plan = PLANS["quick" if quick_mode() else "full"]
    with tempfile.TemporaryDirectory() as tmp:
        parts = run(plan, Path(tmp), postgres_reachable())
    print(render(list(parts), "Queue page and memory"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
