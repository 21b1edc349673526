"""Part 2, throughput: full cases per second through the whole lifecycle with 1, 2 and 4 worker processes.

Each worker is its own process with its own services (`bootstrap`), acting for its own county bureau: it
registers a case (`register_case`), completes its eight operator steps through `complete_task` (the access
check, then the engine step), delivers the two messages and fires the timer, until its time is up. The
workers start together after a warm-up case each.

    .venv/bin/python -m bench.bench_throughput        (BENCH_QUICK=1 for a smoke run)
"""
from __future__ import annotations

import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    POSTGRES,
    SQLITE,
    T0,
    PartResult,
    build_services,
    done_with,
    fresh_database,
    ms,
    postgres_reachable,
    quick_mode,
    render,
)
from bench.lifecycle import WORKER_BUREAUS, Driver, cast_for, full_case
from engine.clock import ManualClock

# Registration, then every action of the full case.
COMMANDS_PER_CASE = 1 + len(full_case(cast_for(WORKER_BUREAUS[0])))


def worker(url: str, bureau: str, seconds: float, barrier, results) -> None:
    services = build_services(url, ManualClock(T0), deploy=False)
    driver = Driver(services, bureau)
    driver.run_case()  # warm-up: compiles the process version in this process
    barrier.wait()
    began = time.monotonic()
    durations = []
    while time.monotonic() - began < seconds:
        started = time.perf_counter()
        driver.run_case()
        durations.append(time.perf_counter() - started)
    results.put({"bureau": bureau, "cases": len(durations), "elapsed": time.monotonic() - began,
                 "case_p50_ms": statistics.median(durations) * 1000 if durations else None})
    services.close()


def measure(url: str, workers: int, seconds: float) -> dict:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [context.Process(target=worker, args=(url, WORKER_BUREAUS[i], seconds, barrier, results))
                 for i in range(workers)]
    for process in processes:
        process.start()
    figures = [results.get() for _ in processes]
    for process in processes:
        process.join()
    cases = sum(f["cases"] for f in figures)
    elapsed = max(f["elapsed"] for f in figures)
    return {"workers": workers, "cases": cases, "elapsed": elapsed, "cases_per_second": cases / elapsed,
            "case_p50_ms": statistics.median(f["case_p50_ms"] for f in figures if f["case_p50_ms"])}


def run(plan: dict, directory: Path, with_postgres: bool) -> PartResult:
    part = PartResult(f"2 throughput: full cases per second ({COMMANDS_PER_CASE} commands each)")
    began = time.monotonic()
    figures: dict[str, dict[int, dict]] = {}
    for kind in (SQLITE, POSTGRES) if with_postgres else (SQLITE,):
        figures[kind] = {}
        for n in plan["workers"][kind]:
            # A fresh database for each: every configuration starts from the same (empty) tables.
            url = fresh_database(kind, "throughput", directory)
            build_services(url, ManualClock(T0)).close()  # deploys the bundle once
            figures[kind][n] = measure(url, n, plan["seconds"])
            done_with(kind, "throughput")
    part.data = figures
    cell = {SQLITE: "sqlite", POSTGRES: "postgres"}
    all_workers = sorted({n for kind in figures for n in figures[kind]})
    for n in all_workers:
        def at(f: dict, n=n) -> str:
            if n not in f:
                return "-"
            x = f[n]
            speedup = "" if n == 1 else f" ({x['cases_per_second'] / f[1]['cases_per_second']:.2f}x of 1)"
            return f"{x['cases_per_second']:.1f}{speedup}"
        part.row(f"{n} worker{'s' if n > 1 else ''}: cases/s", **{cell[k]: at(f) for k, f in figures.items()})
    part.row("one case end to end, 1 worker (ms p50)", **{cell[k]: ms(f[1]["case_p50_ms"]) for k, f in figures.items()})
    part.notes.append(f"{multiprocessing.cpu_count()} CPU cores: more workers than cores only queue for them; "
                      "SQLite takes one writer at a time (BEGIN IMMEDIATE)")
    part.seconds = time.monotonic() - began
    return part


PLANS = {"full": {"seconds": 15, "workers": {SQLITE: (1, 2), POSTGRES: (1, 2, 4)}},
         "quick": {"seconds": 4, "workers": {SQLITE: (1, 2), POSTGRES: (1, 2, 4)}}}


def main() -> int:
    plan = PLANS["quick" if quick_mode() else "full"]
    with tempfile.TemporaryDirectory() as tmp:
        part = run(plan, Path(tmp), postgres_reachable())
    print(render([part], "Throughput"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
