"""Part 4, growth: what one operator step costs as a case accumulates history.

One case is replied to, then goes round the loop review requested -> remanded by the city -> handled and
replied again, up to 50 times. The operator steps of the first ten loops, and of one loop each at 20, 30 and
50, are timed (ours, and the in-memory floor on the same state, in alternating order) beside the size of the
stored state. The loops in between are fast-forwarded: the same actions run on the workflow in memory and
are stored once, with every audit event, the way the engine's step would have stored them (a stored step
per action would take minutes at 50 loops). At the end the grown case is verified: replaying all its
events must rebuild exactly the stored state, which also checks the fast-forward.

    .venv/bin/python -m bench.bench_growth        (BENCH_QUICK=1 for a smoke run)
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from bench.bench_step import step_ways
from bench.common import (
    POSTGRES,
    SQLITE,
    T0,
    Budget,
    PartResult,
    build_services,
    check,
    done_with,
    fresh_database,
    ms,
    postgres_reachable,
    quick_mode,
    ratio,
    render,
)
from bench.lifecycle import Action, Driver, remand_loop, until_replied
from engine import commands
from engine.audit import append_event, canonical_json
from engine.clock import ManualClock
from engine.models import Instance
from engine.projection import sync_queue, sync_timers
from engine.runtime import Step
from engine.spiff.prune import is_bounded, prune
from engine.spiff.refs import task_refs
from engine.verify import verify_instance

# An operator waits for the page after pressing "complete"; past these the step is no longer acceptable.
ACCEPTABLE_MS = 100
SLUGGISH_MS = 50
# Issue 16: the state a case stores may not grow without limit as it loops, nor its step slow down with it.
TARGET_STATE_GROWTH = 3.0
TARGET_STEP_GROWTH = 2.0


def loop_figures(driver: Driver, instance_id: int, actions) -> dict:
    ours, floor = [], []
    for turn, action in enumerate(actions):
        if action.kind != "complete":
            driver.apply(instance_id, action)
            continue
        driver.tick()
        ways = step_ways(driver, instance_id, action)
        order = (("floor", floor), ("ours", ours))
        for mode, samples in order if turn % 2 else reversed(order):
            began = time.perf_counter()
            ways[mode]()
            samples.append(time.perf_counter() - began)
    with driver.services.db.reader() as session:
        state = len(session.get(Instance, instance_id).state.encode())
    return {"ours_p50": statistics.median(ours) * 1000, "ours_max": max(ours) * 1000,
            "floor_p50": statistics.median(floor) * 1000, "state_kb": state / 1024}


def fast_forward(driver: Driver, instance_id: int, actions: list[Action]) -> None:
    """Apply `actions` to the case in memory and store the result once, as the engine's steps would have:
    one audit event per action (at its own time), then the state, queue rows, timers and case row."""
    services = driver.services
    runtime = services.runtime
    with services.db.unit_of_work() as tx:
        row = tx.scalar(services.db.for_update(sa.select(Instance).where(Instance.id == instance_id)))
        workflow = runtime.load_workflow(row)
        pruned: dict = {}
        for action in actions:
            driver.tick()
            at = driver.clock.now()
            data = json.loads(canonical_json(driver.form_data(action)))
            if action.kind == "complete":
                task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                            if t.task_spec.name == action.name)
                command, actor = "complete", action.actor
                event = {"task_ref": task_refs(workflow)[task.id], "task": action.name, "data": data}
            elif action.kind == "message":
                command, actor, event = "message", None, {"message": action.name, "payload": data}
            else:
                raise ValueError(f"cannot fast-forward a {action.kind} action")
            event = json.loads(canonical_json(event))
            workflow.script_engine = runtime.script_engine(at)
            commands.apply(workflow, command, event)
            if is_bounded(workflow):  # as the engine's step (and the replay) prunes after each event
                pruned.update(prune(workflow))
            append_event(tx, row, at, actor.username if actor else "portal",
                         actor.organisation if actor else None, command, event)
        refs = task_refs(workflow)
        row.state = runtime.serializer.dumps(workflow)
        row.updated_at = at
        with tx.no_autoflush:
            queue = sync_queue(tx, row.id, workflow, refs, at)
            sync_timers(tx, row.id, workflow, refs, at, pruned=pruned)
        tx.flush()
        for listener in runtime.step_listeners:
            listener(Step(tx, row, workflow, command, event, "bench", None, at, queue))


def run_database(kind: str, directory: Path, plan: dict, budget: Budget) -> dict:
    url = fresh_database(kind, "growth", directory)
    services = build_services(url, ManualClock(T0))
    driver = Driver(services)
    Driver(services).run_case()  # warm-up
    instance_id = driver.register()
    per_loop = {0: loop_figures(driver, instance_id, until_replied(driver.cast))}
    stopped, fast_forward_seconds = None, 0.0
    for loop in range(1, plan["loops"] + 1):
        if budget.spent():
            stopped = loop - 1
            break
        if loop in plan["measured"]:
            per_loop[loop] = loop_figures(driver, instance_id, remand_loop(driver.cast))
        else:
            began = time.perf_counter()
            fast_forward(driver, instance_id, remand_loop(driver.cast))
            fast_forward_seconds += time.perf_counter() - began
    began = time.perf_counter()
    verdict = verify_instance(services.runtime, instance_id)
    services.close()
    done_with(kind, "growth")
    return {"per_loop": per_loop, "stopped_at": stopped, "verify_seconds": time.perf_counter() - began,
            "verify_ok": verdict.ok, "verify_problem": verdict.problem, "events": verdict.events,
            "fast_forward_seconds": fast_forward_seconds}


def first_loop_over(per_loop: dict[int, dict], limit_ms: float) -> str:
    """The first measured loop whose step is over the limit, and the last measured one under it."""
    measured = sorted(per_loop)
    for before, loop in zip([None] + measured, measured):
        if per_loop[loop]["ours_p50"] > limit_ms:
            return f"loop {loop}" if before is None or before == loop - 1 else f"loops {before + 1}-{loop}"
    return f"> {measured[-1]} loops"


def run(plan: dict, directory: Path, with_postgres: bool) -> PartResult:
    part = PartResult("4 growth: step as history accumulates (remand loops)")
    began = time.monotonic()
    figures = {}
    for kind in (SQLITE, POSTGRES) if with_postgres else (SQLITE,):
        figures[kind] = run_database(kind, directory, plan, Budget(plan["seconds_per_database"]))
    part.data = figures
    cell = {SQLITE: "sqlite", POSTGRES: "postgres"}
    for loop in plan["report"]:
        def at(f: dict, loop=loop) -> str:
            if loop not in f["per_loop"]:
                return "not reached"
            x = f["per_loop"][loop]
            return f"{ms(x['ours_p50'])} ({ms(x['floor_p50'])}) {x['state_kb']:.0f}KB"
        part.row(f"{loop} loops: ours p50 ms (floor) state", **{cell[k]: at(f) for k, f in figures.items()})
    for limit in (SLUGGISH_MS, ACCEPTABLE_MS):
        part.row(f"step p50 first over {limit} ms at", **{cell[k]: first_loop_over(f["per_loop"], limit)
                                                          for k, f in figures.items()})
    def last(f: dict) -> int:
        return max(f["per_loop"])

    def grew(f: dict, key: str) -> float:
        return f["per_loop"][last(f)][key] / f["per_loop"][0][key]

    part.row("state at the last measured loop / at 0 loops", f"< {TARGET_STATE_GROWTH:.0f}x", **{
        cell[k]: f"{ratio(grew(f, 'state_kb'))} (loop {last(f)})" + check(grew(f, "state_kb") < TARGET_STATE_GROWTH)
        for k, f in figures.items()})
    part.row("step p50 at the last measured loop / at 0 loops", f"<= {TARGET_STEP_GROWTH:.0f}x", **{
        cell[k]: f"{ratio(grew(f, 'ours_p50'))} (loop {last(f)})" + check(grew(f, "ours_p50") <= TARGET_STEP_GROWTH)
        for k, f in figures.items()})
    part.row("verify the grown case (s)", "exact", **{
        cell[k]: f"{f['verify_seconds']:.2f} ({f['events']} ev)" + check(f["verify_ok"]) for k, f in figures.items()})
    for kind, f in figures.items():
        if not f["verify_ok"]:
            part.notes.append(f"{kind}: the grown case failed verify: {f['verify_problem']}")
        if f["stopped_at"] is not None:
            part.notes.append(f"{kind}: time budget spent after {f['stopped_at']} loops")
    part.seconds = time.monotonic() - began
    return part


PLANS = {"full": {"loops": 50, "measured": (*range(1, 11), 20, 30, 50), "report": (0, 1, 5, 10, 20, 30, 50),
                  "seconds_per_database": 150},
         "quick": {"loops": 6, "measured": (1, 2, 6), "report": (0, 2, 6), "seconds_per_database": 30}}


def main() -> int:
    plan = PLANS["quick" if quick_mode() else "full"]
    with tempfile.TemporaryDirectory() as tmp:
        part = run(plan, Path(tmp), postgres_reachable())
    print(render([part], "Growth"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
