"""Part 1, the operator step, and part 5, verify.

Every operator step of a full case (the real lifecycle bundle) is done three ways in the same run, in rotating
order: our step (the engine command from `bootstrap`: lock, load, complete, run to the next wait, store state,
queue rows, timers, audit event, case row, commit); the floor (the same step by SpiffWorkflow in memory: load
the state with the cached spec, complete, save, no database); and the naive way (the whole workflow serialized
with its process definition by SpiffWorkflow's default serializer, one row per case, loaded and stored every
step). The same three ways run on a plain linear process (tests/fixtures/linear), and the SQL statements of
our step are counted for both. Then every case is replayed and checked with `engine.replay.verify_instance`.

    .venv/bin/python -m bench.bench_step        (BENCH_QUICK=1 for a smoke run)
"""
from __future__ import annotations

import cProfile
import json
import pstats
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from SpiffWorkflow.bpmn.serializer.default.event_definition import (
    TimerConditionalEventDefinitionConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from bench.common import (
    POSTGRES,
    ROOT,
    SQLITE,
    T0,
    Budget,
    PartResult,
    build_services,
    check,
    done_with,
    fresh_database,
    ms,
    p50_p99,
    postgres_reachable,
    quick_mode,
    ratio,
    render,
    summary,
)
from bench.lifecycle import Action, Driver, full_case
from engine import commands
from engine.audit import canonical_json
from engine.bundles import read_bundle
from engine.clock import ManualClock
from engine.models import Instance, QueueTask
from engine.spiff.refs import task_refs
from engine.spiff.tasks import ready_user_tasks
from engine.spiff.timers import (
    ClockDurationTimerEventDefinition,
    ClockTimeDateEventDefinition,
)
from engine.verify import verify_instance
from workflows.bootstrap import Services

LINEAR = ROOT / "tests" / "fixtures" / "linear"
TARGET_FLOOR_RATIO = {SQLITE: 1.5, POSTGRES: 2.5}
TARGET_NAIVE_SPEEDUP = 2.0
MODES = ("ours", "floor", "naive")
# What a profile of our step is broken into (functions by qualified name; their times overlap only where noted).
COMPONENTS = {
    "lock and read queue row": ("runtime.py", "_lock_task"),
    "form check (JSON Schema)": ("forms.py", "check_form"),
    "load state (JSON + Spiff)": ("serializer.py", "loads"),
    "complete + run to next wait": ("commands.py", "apply"),
    "task refs (tree walk)": ("refs.py", "task_refs"),
    "save state (Spiff + JSON)": ("serializer.py", "dumps"),
    "queue rows": ("projection.py", "sync_queue"),
    "timer rows": ("projection.py", "sync_timers"),
    "audit event": ("audit.py", "append_event"),
    "case row (step listener)": ("tracking.py", "track_case"),
    "flush (SQL writes)": ("session.py", "flush"),
    "commit": ("session.py", "commit"),
}


def full_serializer() -> BpmnWorkflowSerializer:
    """SpiffWorkflow's default serializer, spec included; only our clock timers need their converter."""
    config = dict(SPIFF_CONFIG)
    config[ClockTimeDateEventDefinition] = TimerConditionalEventDefinitionConverter
    config[ClockDurationTimerEventDefinition] = TimerConditionalEventDefinitionConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


class NaiveStore:
    """The way we do not do it: each case one row holding the whole workflow with its process definition."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.db = services.db
        self.serializer = full_serializer()
        with self.db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS naive_workflow (id INTEGER PRIMARY KEY, state TEXT)")
        self.sizes: list[int] = []

    def start(self, naive_id: int, instance_id: int) -> None:
        with self.db.reader() as session:
            row = session.get(Instance, instance_id)
        text = self.serializer.serialize_json(self.services.runtime.load_workflow(row))
        with self.db.unit_of_work() as tx:
            tx.execute(sa.text("INSERT INTO naive_workflow (id, state) VALUES (:id, :state)"),
                       {"id": naive_id, "state": text})

    def step(self, naive_id: int, command: str, event: dict) -> None:
        at = self.services.clock.now()
        lock = "" if self.db.is_sqlite else " FOR UPDATE"
        with self.db.unit_of_work() as tx:
            text = tx.execute(sa.text(f"SELECT state FROM naive_workflow WHERE id = :id{lock}"),
                              {"id": naive_id}).scalar_one()
            workflow = self.serializer.deserialize_json(text)
            workflow.script_engine = self.services.runtime.script_engine(at)
            if command == "complete":
                # The naive workflow keeps its whole history, so the task sits elsewhere in its tree than in
                # ours (engine/spiff/prune.py): it is found by name, as the naive way would.
                task = next(t for t in ready_user_tasks(workflow) if t.task_spec.name == event["task"])
                event = dict(event, task_ref=task_refs(workflow)[task.id])
            commands.apply(workflow, command, event)
            text = self.serializer.serialize_json(workflow)
            tx.execute(sa.text("UPDATE naive_workflow SET state = :state WHERE id = :id"),
                       {"id": naive_id, "state": text})
        self.sizes.append(len(text.encode()))


def step_ways(driver: Driver, instance_id: int, action: Action, naive: NaiveStore | None = None) -> dict:
    """The same operator step, ready to run ours (the engine command), on the floor, and the naive way."""
    services = driver.services
    row = driver.open_task(instance_id, action.name)
    data = json.loads(canonical_json(driver.form_data(action)))
    with services.db.reader() as session:
        instance = session.get(Instance, instance_id)
    event = {"task_ref": row.task_ref, "task": row.spec_name, "data": data}
    ways = {
        "ours": lambda: services.runtime.complete(row.task_id, data, action.actor.username,
                                                  organisation=action.actor.organisation),
        "floor": lambda: floor_step(services, instance.state, instance.version_id, instance.process_id, event),
    }
    if naive is not None:
        ways["naive"] = lambda: naive.step(instance_id, "complete", event)
    return ways


def floor_step(services: Services, state: str, version_id: int, process_id: str, event: dict) -> str:
    """The step in memory: load the state with the cached spec, complete, run to the next wait, save."""
    runtime = services.runtime
    spec, subprocess_specs = runtime.definitions.compiled(version_id).spec(process_id)
    workflow = runtime.serializer.loads(state, spec, subprocess_specs)
    workflow.script_engine = runtime.script_engine(services.clock.now())
    commands.apply(workflow, "complete", event)
    return runtime.serializer.dumps(workflow)


class StepBench:
    """Cases whose operator steps are each done three ways. Every other case runs cold: the runtime's warm
    cache is emptied before each of its steps, as when another node took the case's previous step."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.driver = Driver(services)
        self.naive = NaiveStore(services)
        self.samples: dict[str, list[float]] = {mode: [] for mode in (*MODES, "ours_cold")}
        self.by_task: dict[str, dict[str, list[float]]] = {}
        self.our_sizes: list[int] = []
        self.instances: list[int] = []
        self.turn = 0

    def reset(self) -> None:
        for samples in self.samples.values():
            samples.clear()
        self.by_task.clear()
        self.our_sizes.clear()
        self.naive.sizes.clear()

    def case(self) -> None:
        cold = len(self.instances) % 2 == 1
        instance_id = self.driver.register()
        self.naive.start(instance_id, instance_id)
        for action in full_case(self.driver.cast):
            self.driver.tick()
            if action.kind == "complete":
                self.measured_step(instance_id, action, cold)
            else:
                self.other_step(instance_id, action)
        self.instances.append(instance_id)

    def other_step(self, instance_id: int, action: Action) -> None:
        """Messages and timers are not operator steps; all three ways apply them, untimed."""
        runtime = self.driver.services.runtime
        if action.kind == "message":
            runtime.correlate(instance_id, action.name, action.data, "portal")
            self.naive.step(instance_id, "message", {"message": action.name, "payload": action.data})
        else:
            self.driver.clock.set(self.driver.next_timer(instance_id))
            runtime.fire_timers(instance_id)
            self.naive.step(instance_id, "timer", {})

    def measured_step(self, instance_id: int, action: Action, cold: bool) -> None:
        ways = step_ways(self.driver, instance_id, action, self.naive)
        if cold:
            self.services.runtime.warm.clear()
        self.turn += 1
        order = MODES[self.turn % 3:] + MODES[:self.turn % 3]
        per_task = self.by_task.setdefault(action.name, {mode: [] for mode in MODES})
        for mode in order:
            began = time.perf_counter()
            ways[mode]()
            spent = time.perf_counter() - began
            self.samples["ours_cold" if cold and mode == "ours" else mode].append(spent)
            if not cold:
                per_task[mode].append(spent)
        with self.services.db.reader() as session:
            self.our_sizes.append(len(session.get(Instance, instance_id).state.encode()))


class LinearBench:
    """The same three ways on a plain linear process (tests/fixtures/linear: fourteen user tasks in a row, no
    timers, no gateways, no called processes): the engine's step with nothing of the petition domain around
    it. Every other case runs cold, as in StepBench."""

    def __init__(self, services: Services, naive: NaiveStore) -> None:
        self.services = services
        self.naive = naive
        version, _ = services.definitions.deploy(read_bundle(LINEAR), "bench")
        self.version_id = version.id
        self.samples: dict[str, list[float]] = {mode: [] for mode in (*MODES, "ours_cold")}
        self.cases = 0
        self.turn = 0

    def reset(self) -> None:
        for samples in self.samples.values():
            samples.clear()

    def case(self) -> None:
        services, runtime = self.services, self.services.runtime
        cold = self.cases % 2 == 1
        instance_id = runtime.start("linear", {"case": self.cases}, "clerk", version_id=self.version_id).instance_id
        self.naive.start(instance_id, instance_id)
        while True:
            with services.db.reader() as session:
                row = session.scalar(sa.select(QueueTask).where(QueueTask.instance_id == instance_id))
                instance = session.get(Instance, instance_id)
            if row is None:
                break
            services.clock.advance(timedelta(minutes=5))
            ways = self.ways(instance, row)
            if cold:
                runtime.warm.clear()
            self.turn += 1
            for mode in MODES[self.turn % 3:] + MODES[:self.turn % 3]:
                began = time.perf_counter()
                ways[mode]()
                self.samples["ours_cold" if cold and mode == "ours" else mode].append(time.perf_counter() - began)
        self.cases += 1

    def ways(self, instance: Instance, row: QueueTask) -> dict:
        """The completion of the task of `row` done ours, on the floor and the naive way."""
        data = {"note": f"{row.spec_name} done"}
        event = {"task_ref": row.task_ref, "task": row.spec_name, "data": data}
        return {
            "ours": lambda: self.services.runtime.complete(row.task_id, data, "clerk"),
            "floor": lambda: floor_step(self.services, instance.state, instance.version_id, "linear", event),
            "naive": lambda: self.naive.step(instance.id, "complete", event),
        }


def statements_of(services: Services, step) -> int:
    """How many SQL statements one call of `step` sends, counted with a listener on the write engine."""
    count = 0

    def record(*_args) -> None:
        nonlocal count
        count += 1

    sa.event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        step()
    finally:
        sa.event.remove(services.db.engine, "before_cursor_execute", record)
    return count


def operator_steps(driver: Driver, cases: int):
    """Our way of each operator step of `cases` full cases, as a callable to run once; the cases' other
    actions (messages, timers) are applied on the way, and the clock moves before each step."""
    for _ in range(cases):
        instance_id = driver.register()
        for action in full_case(driver.cast):
            if action.kind != "complete":
                driver.apply(instance_id, action)
                continue
            driver.tick()
            yield step_ways(driver, instance_id, action)["ours"]


def count_statements(services: Services, cases: int = 2) -> dict[str, float]:
    """Mean SQL statements per operator step: on the lifecycle (the step through bootstrap, the case-row
    listener included) and on the linear process. Only the step is counted, not the reads around it."""
    driver, runtime = Driver(services), services.runtime

    def linear():
        for _ in range(cases):
            instance_id = runtime.start("linear", {}, "clerk").instance_id
            while True:
                with services.db.reader() as session:
                    row = session.scalar(sa.select(QueueTask).where(QueueTask.instance_id == instance_id))
                if row is None:
                    break
                yield lambda row=row: runtime.complete(row.task_id, {}, "clerk")

    figures = {}
    for name, steps in (("lifecycle", operator_steps(driver, cases)), ("linear", linear())):
        counts = [statements_of(services, step) for step in steps]
        figures[name] = sum(counts) / len(counts)
    return figures


def profile_ours(services: Services, cases: int, cold: bool) -> dict[str, float]:
    """Share of our step's time in each component, from cProfile over `cases` more cases' operator steps."""
    driver = Driver(services)
    profiler = cProfile.Profile()
    total = 0.0
    for ours in operator_steps(driver, cases):
        if cold:
            services.runtime.warm.clear()
        began = time.perf_counter()
        profiler.runcall(ours)
        total += time.perf_counter() - began
    stats = pstats.Stats(profiler).stats
    shares = {}
    for label, (file, function) in COMPONENTS.items():
        cumulative = sum(entry[3] for (path, _, name), entry in stats.items()
                         if name == function and path.endswith(file))
        shares[label] = cumulative / total if total else 0.0
    return shares


def run_database(kind: str, directory: Path, plan: dict, budget: Budget) -> dict:
    url = fresh_database(kind, "step", directory)
    services = build_services(url, ManualClock(T0))
    bench = StepBench(services)
    bench.case()  # warm-up: compiles the version, fills caches; not counted
    bench.case()
    bench.reset()
    cases = 0
    while cases < plan["cases"] and not budget.spent():
        bench.case()
        cases += 1
    linear = LinearBench(services, bench.naive)
    linear.case()  # warm-up
    linear.reset()
    # At least one cold and one warm case whatever the budget, so the rows always have figures.
    while linear.cases < 3 or (linear.cases <= plan["linear_cases"] and not budget.spent()):
        linear.case()
    result = {"url": url, "cases": cases, "steps": {m: summary(v) for m, v in bench.samples.items()},
              "linear": {m: summary(v) for m, v in linear.samples.items()},
              "statements": count_statements(services),
              "by_task": {task: {m: summary(v[m])["p50"] for m in MODES} for task, v in bench.by_task.items()},
              "state_bytes_ours_p50": sorted(bench.our_sizes)[len(bench.our_sizes) // 2],
              "state_bytes_naive_p50": sorted(bench.naive.sizes)[len(bench.naive.sizes) // 2]}
    result["profile"] = {"warm": profile_ours(services, plan["profile_cases"], cold=False),
                         "cold": profile_ours(services, plan["profile_cases"], cold=True)}
    # Part 5: replay and check every case of this run.
    ids = bench.instances
    began = time.perf_counter()
    verdicts = [verify_instance(services.runtime, i) for i in ids]
    spent = time.perf_counter() - began
    result["verify"] = {"cases": len(ids), "seconds": spent, "per_second": len(ids) / spent,
                        "events": sum(v.events for v in verdicts),
                        "failed": [str(v) for v in verdicts if not v.ok]}
    services.close()
    done_with(kind, "step")
    return result


def run(plan: dict, directory: Path, with_postgres: bool) -> tuple[PartResult, PartResult]:
    step, verify = PartResult("1 operator step (ms, p50 / p99)"), PartResult("5 verify (replay + check)")
    began = time.monotonic()
    figures = {}
    for kind in (SQLITE, POSTGRES) if with_postgres else (SQLITE,):
        figures[kind] = run_database(kind, directory, plan, Budget(plan["seconds_per_database"]))
    step.data = figures
    cell = {SQLITE: "sqlite", POSTGRES: "postgres"}

    def cells(fn) -> dict[str, str]:
        return {cell[k]: fn(k, f) for k, f in figures.items()}

    def p50(f: dict, mode: str) -> float:
        return f["steps"][mode]["p50"]

    n = {k: f["steps"]["ours"]["n"] + f["steps"]["ours_cold"]["n"] for k, f in figures.items()}
    step.row(f"ours, warm cache: engine step via bootstrap ({'/'.join(str(v) for v in n.values())} steps, half cold)",
             **cells(lambda k, f: p50_p99(f["steps"]["ours"])))
    step.row("ours, cold: state loaded from the row", **cells(lambda k, f: p50_p99(f["steps"]["ours_cold"])))
    step.row("floor: Spiff in memory, load+complete+save", **cells(lambda k, f: p50_p99(f["steps"]["floor"])))
    step.row("naive: spec in row, load+complete+save+commit", **cells(lambda k, f: p50_p99(f["steps"]["naive"])))
    for mode, name in (("ours", "warm"), ("ours_cold", "cold")):
        step.row(f"ours ({name}) / floor (p50)", "<= 1.5x SQLite, <= 2.5x PG", **cells(
            lambda k, f, mode=mode: ratio(p50(f, mode) / p50(f, "floor"))
            + check(p50(f, mode) / p50(f, "floor") <= TARGET_FLOOR_RATIO[k])))
        step.row(f"naive / ours ({name}) (p50): how much faster ours is", ">= 2x", **cells(
            lambda k, f, mode=mode: ratio(p50(f, "naive") / p50(f, mode))
            + check(p50(f, "naive") / p50(f, mode) >= TARGET_NAIVE_SPEEDUP)))
    for mode, name in (("ours", "warm"), ("ours_cold", "cold")):
        step.row(f"linear process (14 user tasks): ours ({name}) p50 ms (floor, naive)", **cells(
            lambda k, f, mode=mode: f"{ms(f['linear'][mode]['p50'])} ({ms(f['linear']['floor']['p50'])}, "
                                    f"{ms(f['linear']['naive']['p50'])})"))
        step.row(f"linear process: ours ({name}) / floor (p50)", "<= 1.5x SQLite, <= 2.5x PG", **cells(
            lambda k, f, mode=mode: ratio(f["linear"][mode]["p50"] / f["linear"]["floor"]["p50"])
            + check(f["linear"][mode]["p50"] / f["linear"]["floor"]["p50"] <= TARGET_FLOOR_RATIO[k])))
        # No target: with fourteen tasks and no data the whole workflow is small, so the naive way's one row
        # costs little more than ours; the spec it carries is what the lifecycle's ratio above measures.
        step.row(f"linear process: naive / ours ({name}) (p50)", **cells(
            lambda k, f, mode=mode: ratio(f["linear"]["naive"]["p50"] / f["linear"][mode]["p50"])))
    step.row("SQL statements per step: lifecycle / linear (mean)", **cells(
        lambda k, f: f"{f['statements']['lifecycle']:.1f} / {f['statements']['linear']:.1f}"))
    step.row("stored per step, ours / naive (KB, p50)", **cells(
        lambda k, f: f"{f['state_bytes_ours_p50'] / 1024:.0f} / {f['state_bytes_naive_p50'] / 1024:.0f}"))
    for kind, f in figures.items():
        for name, shares in f["profile"].items():
            top = sorted(shares.items(), key=lambda item: -item[1])[:6]
            step.notes.append(f"{kind}, {name}: where our step's time goes (cProfile; shares overlap): "
                              + ", ".join(f"{label} {share:.0%}" for label, share in top))
    step.seconds = time.monotonic() - began

    verify.row("cases replayed and checked per second", **cells(lambda k, f: f"{f['verify']['per_second']:.1f}"))
    verify.row("events replayed per second", **cells(
        lambda k, f: f"{f['verify']['events'] / f['verify']['seconds']:.0f}"))
    verify.row("cases that failed verify", "0", **cells(
        lambda k, f: f"{len(f['verify']['failed'])}{check(not f['verify']['failed'])}"))
    verify.data = {k: f["verify"] for k, f in figures.items()}
    verify.seconds = sum(f["verify"]["seconds"] for f in figures.values())
    return step, verify


PLANS = {"full": {"cases": 50, "linear_cases": 12, "profile_cases": 3, "seconds_per_database": 90},
         "quick": {"cases": 4, "linear_cases": 2, "profile_cases": 1, "seconds_per_database": 20}}


def main() -> int:
    plan = PLANS["quick" if quick_mode() else "full"]
    with tempfile.TemporaryDirectory() as tmp:
        parts = run(plan, Path(tmp), postgres_reachable())
    print(render(list(parts), "Operator step and verify"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
