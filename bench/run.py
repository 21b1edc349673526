"""`make bench`: every benchmark part on SQLite and PostgreSQL in one run, printed as one table.

Parts: 1 operator step against the in-memory floor and the naive way, 2 throughput, 3 queue page at growing
sizes, 4 growth of a case's history, 5 verify, 6 memory of a web process, 7 migrating running cases to a new
version, 8 several serving nodes on one PostgreSQL (bench_multinode), and the timers (bench_timers).
Results go to bench/results/latest.json (and the table to latest.txt). BENCH_QUICK=1 runs every part small,
as a smoke test of the benchmarks themselves; its figures are not the ones to quote.

    .venv/bin/python -m bench.run
"""
from __future__ import annotations

import json
import multiprocessing
import os
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from bench import (
    bench_growth,
    bench_migration,
    bench_multinode,
    bench_queue,
    bench_step,
    bench_throughput,
    bench_timers,
)
from bench.common import (
    POSTGRES,
    RESULTS,
    SQLITE,
    PartResult,
    check,
    drop_postgres,
    postgres_reachable,
    postgres_url,
    quick_mode,
    render,
)
from engine.clock import SystemClock

TIMER_PLANS = {"full": bench_timers.Plan(lateness_timers=300, lateness_window=20.0, backlog=3_000),
               "quick": bench_timers.Plan(lateness_timers=60, lateness_window=5.0, backlog=500)}


def timers_part(mode: str, directory: Path, with_postgres: bool) -> PartResult:
    """The timer benchmark of issue 4 (bench_timers), its backlog figures projected to 10,000 timers."""
    plan = TIMER_PLANS[mode]
    part = PartResult("timers (s)")
    began = time.monotonic()
    figures = {SQLITE: bench_timers.Figures(SQLITE)}
    sqlite_url = f"sqlite:///{directory / 'bench_timers.db'}"
    bench_timers.measure_lateness(sqlite_url, plan, figures[SQLITE])
    bench_timers.measure_backlog(sqlite_url, plan, figures[SQLITE], nodes=False)
    if with_postgres:
        figures[POSTGRES] = bench_timers.Figures(POSTGRES)
        url = postgres_url("timers")
        bench_timers.measure_lateness(url, plan, figures[POSTGRES])
        bench_timers.measure_backlog(url, plan, figures[POSTGRES], nodes=True)
        drop_postgres("timers")
    cell = {SQLITE: "sqlite", POSTGRES: "postgres"}
    limit = bench_timers.TARGET_BACKLOG_SECONDS
    part.row(f"lateness of {plan.lateness_timers} timers: p50 / p99", f"p99 < {bench_timers.TARGET_P99_SECONDS:.0f} s",
             **{cell[k]: f"{f.lateness_p50:.3f} / {f.lateness_p99:.3f}"
                + check(f.lateness_p99 < bench_timers.TARGET_P99_SECONDS) for k, f in figures.items()})
    part.row(f"fire {plan.backlog:,} due at once, 1 node",
             **{cell[k]: f"{f.backlog_seconds_one_node:.1f}" for k, f in figures.items()})
    part.row(f"  projected to {bench_timers.TARGET_BACKLOG:,}, 1 node", f"< {limit:.0f} s", **{
        cell[k]: f"{f.projected(f.backlog_seconds_one_node):.0f}"
        + check(f.projected(f.backlog_seconds_one_node) < limit) for k, f in figures.items()})
    if with_postgres:
        f = figures[POSTGRES]
        sweeping = f.backlog_sweeping_seconds_nodes
        part.row(f"fire {plan.backlog:,} due at once, {bench_timers.NODES} nodes: sweeping (with start-up)",
                 postgres=f"{sweeping:.1f} ({f.backlog_seconds_nodes:.1f})")
        part.row(f"  projected to {bench_timers.TARGET_BACKLOG:,}, {bench_timers.NODES} nodes (sweeping)",
                 f"< {limit:.0f} s", postgres=f"{f.projected(sweeping):.0f}" + check(f.projected(sweeping) < limit))
    for kind, f in figures.items():
        part.notes += [f"{kind}: {note}" for note in f.notes]
    part.data = {k: asdict(f) for k, f in figures.items()}
    part.seconds = time.monotonic() - began
    return part


def main() -> int:
    mode = "quick" if quick_mode() else "full"
    with_postgres = postgres_reachable()
    began = time.monotonic()
    load_before = os.getloadavg()
    parts: list[PartResult] = []
    failed = []
    steps = [
        ("1 operator step + 5 verify", lambda tmp: bench_step.run(bench_step.PLANS[mode], tmp, with_postgres)),
        ("4 growth", lambda tmp: bench_growth.run(bench_growth.PLANS[mode], tmp, with_postgres)),
        ("2 throughput", lambda tmp: bench_throughput.run(bench_throughput.PLANS[mode], tmp, with_postgres)),
        ("3 queue + 6 memory", lambda tmp: bench_queue.run(bench_queue.PLANS[mode], tmp, with_postgres)),
        ("timers", lambda tmp: timers_part(mode, tmp, with_postgres)),
        ("7 migration", lambda tmp: bench_migration.run(bench_migration.PLANS[mode], tmp, with_postgres)),
        ("8 several nodes", lambda tmp: bench_multinode.run(bench_multinode.PLANS[mode], tmp, with_postgres)),
    ]
    print(f"benchmarks ({mode}) on {SQLITE}" + (f" and {POSTGRES}" if with_postgres else " only (no PostgreSQL)"),
          flush=True)
    for name, step in steps:
        print(f"== {name} ...", flush=True)
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            try:
                result = step(Path(tmp))
            except Exception:  # noqa: BLE001 - a failed part is reported in the table and fails the run
                failed.append(name)
                traceback.print_exc()
                broken = PartResult(name)
                broken.row("FAILED (traceback above)")
                result = broken
        parts.extend(result if isinstance(result, tuple) else (result,))
        print(f"   done in {time.monotonic() - started:.0f} s", flush=True)
    if with_postgres:  # the loaded queue database alone holds gigabytes
        for name in ("step", "growth", "throughput", "queue"):
            drop_postgres(name)
    total = time.monotonic() - began
    title = (f"ecopetition benchmarks ({mode}), {SystemClock().now():%Y-%m-%d %H:%M} UTC, "
             f"{multiprocessing.cpu_count()} cores, load average {load_before[0]:.1f} at start, "
             f"{total / 60:.1f} min")
    table = render(parts, title)
    print("\n" + table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.txt").write_text(table + "\n", encoding="utf-8")
    (RESULTS / "latest.json").write_text(json.dumps({
        "mode": mode, "measured_at": SystemClock().now().isoformat(), "total_seconds": total,
        "cores": multiprocessing.cpu_count(), "load_average_start": load_before,
        "load_average_end": os.getloadavg(), "postgres": with_postgres, "failed": failed,
        "parts": [{"name": p.name, "seconds": p.seconds, "rows": [asdict(r) for r in p.rows], "notes": p.notes,
                   "data": p.data} for p in parts],
    }, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten to {(RESULTS / 'latest.json').relative_to(RESULTS.parents[1])}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
