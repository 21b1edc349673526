"""Part 7, migration: how many running cases move to a new process version per second.

Cases are registered and left waiting at three stages (acceptance, investigation in the called handling
process, and the petitioner's review window after the reply). Version B gives the acceptance overdue timer
five more working days and renames the acceptance task (mapped explicitly), so every case is rebuilt on B's
specs and the waiting acceptance cases also get a recomputed due time. The dry run (check only) and the
migration itself (one engine step and transaction per case) are timed; then a sample of moved cases is
verified (replaying across the migrate event must rebuild the stored state).

    .venv/bin/python -m bench.bench_migration        (BENCH_QUICK=1 for a smoke run)
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    BUNDLE,
    POSTGRES,
    SQLITE,
    T0,
    PartResult,
    build_services,
    done_with,
    fresh_database,
    postgres_reachable,
    quick_mode,
    render,
)
from bench.lifecycle import Driver, until_replied
from engine.bundles import read_bundle
from engine.clock import ManualClock
from engine.migration import candidates, make_plan, run_migration
from engine.verify import verify_instance

RENAMED = "accept_or_refuse"
# How many of a stage's actions (until_replied) each kind of case has taken: waiting at acceptance, at
# investigation, in the review window.
STAGES = (0, 1, 5)


def version_b(files: dict[str, str]) -> dict[str, str]:
    files = dict(files)
    overdue = '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">acceptance_due</bpmn:timeDate>'
    text = files["petition.bpmn"].replace(overdue, overdue.replace("acceptance_due", "extension_due(acceptance_due, 5)"))
    files["petition.bpmn"] = text.replace("decide_acceptance", RENAMED)
    return files


def run_database(kind: str, directory: Path, plan: dict) -> dict:
    url = fresh_database(kind, "migration", directory)
    services = build_services(url, ManualClock(T0))
    driver = Driver(services)
    began = time.perf_counter()
    for number in range(plan["cases"]):
        instance_id = driver.register()
        for action in until_replied(driver.cast)[:STAGES[number % len(STAGES)]]:
            driver.apply(instance_id, action)
    setup_seconds = time.perf_counter() - began
    version_a = services.definitions.latest_for("petition")
    deployed, _ = services.definitions.deploy(version_b(read_bundle(BUNDLE)), "bench")
    migration = make_plan(services.definitions, version_a, deployed.id, "petition", {"decide_acceptance": RENAMED})
    ids = candidates(services.db, migration)
    began = time.perf_counter()
    dry = run_migration(services.runtime, migration, ids, "bench", dry_run=True)
    dry_seconds = time.perf_counter() - began
    services.runtime.warm.clear()  # the migration loads every case from its stored state, as after a restart
    began = time.perf_counter()
    done = run_migration(services.runtime, migration, ids, "bench", dry_run=False)
    apply_seconds = time.perf_counter() - began
    sample = ids[:: max(1, len(ids) // plan["verified"])]
    verified = sum(verify_instance(services.runtime, i).ok for i in sample)
    services.close()
    done_with(kind, "migration")
    return {"cases": len(ids), "setup_seconds": setup_seconds, "dry_seconds": dry_seconds,
            "dry_ok": dry.moved, "apply_seconds": apply_seconds, "moved": done.moved, "refused": done.refused,
            "verified": verified, "sampled": len(sample)}


def run(plan: dict, directory: Path, with_postgres: bool) -> PartResult:
    part = PartResult("7 migration: running cases moved to a new version")
    began = time.monotonic()
    figures = {kind: run_database(kind, directory, plan) for kind in ((SQLITE, POSTGRES) if with_postgres else (SQLITE,))}
    part.data = figures
    cell = {SQLITE: "sqlite", POSTGRES: "postgres"}
    part.row("dry run: cases checked per second",
             **{cell[k]: f"{f['cases'] / f['dry_seconds']:.0f} ({f['dry_ok']}/{f['cases']} ok)"
                for k, f in figures.items()})
    part.row("migrate: cases moved per second (one step each)",
             **{cell[k]: f"{f['moved'] / f['apply_seconds']:.1f} ({f['moved']} moved)" for k, f in figures.items()})
    part.row("verify after the move (sample)",
             **{cell[k]: f"{f['verified']}/{f['sampled']} ok" for k, f in figures.items()})
    for kind, f in figures.items():
        if f["refused"] or f["verified"] != f["sampled"]:
            part.notes.append(f"{kind}: {f['refused']} refused, {f['sampled'] - f['verified']} failed verify")
    part.seconds = time.monotonic() - began
    return part


PLANS = {"full": {"cases": 300, "verified": 30}, "quick": {"cases": 30, "verified": 6}}


def main() -> int:
    plan = PLANS["quick" if quick_mode() else "full"]
    with tempfile.TemporaryDirectory() as tmp:
        part = run(plan, Path(tmp), postgres_reachable())
    print(render([part], "Migration"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
