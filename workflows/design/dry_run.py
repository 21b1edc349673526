"""The dry run of a draft: a sample case registered and driven, step by step along the path the designer
chooses, through the draft's BPMN, DMN, forms and deadlines table, in a throwaway database of its own.

Nothing touches the real database but reading the organisation tree. Each call replays the whole path from
the start on a manual clock at the chosen receipt time (the path is small, and a replay needs no state kept
between requests): it registers the sample, completes each chosen task with its data, delivers each chosen
message, lets time run to the next clock where asked, and answers with the trail of what happened and where
the case now waits. A step that fails stops the run there, with its code, and what came before is shown.
"""
from __future__ import annotations

import dataclasses
import json
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from engine.clock import ManualClock
from engine.errors import EngineError, InvalidData
from engine.models import AuditEvent, Base, Instance, QueueTask, Timer
from engine.spiff.events import waiting_message_names
from engine.timers import TimerSweeper
from workflows.accounts import Actor
from workflows.design.drafts import DEADLINES_FILE, get_draft, require_designer
from workflows.design.validation import bundle_files
from workflows.handling.tasks import complete_task
from workflows.intake.registration import register_case
from workflows.models import Case, Organisation
from workflows.rules.organisations import division_of
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.bootstrap import Services

STEP_KINDS = ("complete", "message", "wait")
# How far "let time run" looks ahead for the next clock; a process with none waits for people only.
HORIZON = timedelta(days=3 * 365)
# The most steps one dry run replays (a path longer than this is a loop the designer should look at).
MAX_STEPS = 200


@dataclass(frozen=True)
class DryStep:
    """One thing the designer chose to happen: complete a waiting task (by its name in the diagram, and its
    bureau when several wait under one name), deliver a message, or let time run to the next clock."""

    kind: str
    task: str = ""
    organisation: str = ""
    message: str = ""
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TrailEntry:
    """One audit event of the sample case: when, which command, by whom for which bureau, about what."""

    at: datetime
    command: str
    actor: str
    organisation: str | None
    names: tuple[str, ...]
    data: dict


@dataclass(frozen=True)
class WaitingTask:
    """A task the sample case waits on: its element, title, bureau, role, deadline and a sample answer made
    from its form (the designer edits it before completing)."""

    task: str
    element: str
    title: str
    organisation: str | None
    role: str | None
    due_at: datetime | None
    form: str | None
    sample: dict


@dataclass(frozen=True)
class WaitingTimer:
    name: str
    element: str
    due_at: datetime


@dataclass(frozen=True)
class StepFailure:
    """The step that could not be done: its index in the path, the error code and its parameters, and the
    fields at fault when the data was refused."""

    index: int
    code: str
    params: dict
    errors: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DryRun:
    case_no: str
    status: str
    ended: bool
    now: datetime
    trail: tuple[TrailEntry, ...]
    waiting: tuple[WaitingTask, ...]
    timers: tuple[WaitingTimer, ...]
    messages: tuple[str, ...]
    failure: StepFailure | None


def sample_registration(services: Services, actor: Actor, received: datetime) -> dict:
    """A registration form that passes validation: a web complaint about air pollution received at
    `received`, in the division of the first county bureau at or under the designer's."""
    return {
        "channel": "web", "received_at": received.isoformat(),
        "petitioner": {"name": "样例 Sample", "phone": "13800000000"},
        "reported_party": "样例化工厂 Sample Chemical Works",
        "division_code": division_of(sample_bureau(services, actor)),
        "pollution_types": ["air"], "petition_class": "report",
        "facts": "夜间排放刺激性气体。Pungent gas released at night (a dry-run sample).",
    }


def sample_answer(schema: dict | None, today: date) -> dict:
    """An answer to a form, from its JSON Schema: each property's default, else its first choice, else a
    plain value of its type (dates are `today`). The designer edits it before completing the task."""
    if not isinstance(schema, dict):
        return {}
    answer: dict[str, Any] = {}
    for name, spec in (schema.get("properties") or {}).items():
        if isinstance(spec, dict):
            answer[name] = _sample_value(spec, today)
    return answer


def sample_bureau(services: Services, actor: Actor) -> str:
    """The first active county bureau at or under the designer's (any county's when there is none below)."""
    with services.db.reader() as session:
        own = session.get(Organisation, actor.organisation)
        counties = sa.select(Organisation.code).where(Organisation.level == "county", Organisation.active)
        code = None
        if own is not None:
            code = session.scalar(counties.where(Organisation.path.startswith(own.path)).order_by(Organisation.path))
        code = code or session.scalar(counties.order_by(Organisation.path))
    if code is None:
        raise InvalidData("design.dry_run_no_bureau")
    return code


def dry_run(services: Services, actor: Actor, draft_id: int, received: datetime, steps: list[DryStep],
            sample: dict | None = None) -> DryRun:
    """Drive a sample case through the draft along `steps`; InvalidBundle when the draft does not compile,
    InvalidData when the sample registration or a step is malformed before anything runs."""
    require_designer(actor)
    draft = get_draft(services, actor, draft_id)
    if len(steps) > MAX_STEPS:
        raise InvalidData("design.dry_run_too_long", steps=len(steps), limit=MAX_STEPS)
    for index, step in enumerate(steps):
        if step.kind not in STEP_KINDS:
            raise InvalidData("design.dry_run_step_kind", index=index + 1, kind=step.kind, known=list(STEP_KINDS))
    form = dict(sample) if sample else sample_registration(services, actor, received)
    form.setdefault("received_at", received.isoformat())
    registrar = Actor("dry-run", sample_bureau(services, actor), frozenset({"registrar"}), "dry run")
    with tempfile.TemporaryDirectory(prefix="ecopetition-dry-run-") as folder:
        world = _world(services, Path(folder), draft.contents().get(DEADLINES_FILE, ""), received)
        try:
            world.definitions.deploy(bundle_files(draft), actor.username, f"dry run of draft {draft_id}")
            _copy_organisations(services, world)
            case = register_case(world, registrar, form)
            failure = None
            for index, step in enumerate(steps):
                try:
                    _perform(world, case.instance_id, step)
                except EngineError as exc:
                    failure = StepFailure(index, exc.code, dict(exc.params), getattr(exc, "errors", {}))
                    break
            return _result(world, case.instance_id, case.case_no, failure)
        finally:
            world.close()


# -- the throwaway world ---------------------------------------------------------------------------------
def _world(services: Services, folder: Path, deadlines_text: str, received: datetime) -> Services:
    """Services like the running system's, on a SQLite file in `folder`, with the draft's deadlines table
    and a manual clock at the receipt time."""
    from workflows.bootstrap import bootstrap

    rules_file = folder / "deadlines.yaml"
    rules_file.write_text(deadlines_text, encoding="utf-8")
    settings = services.settings
    settings = dataclasses.replace(
        settings,
        database=dataclasses.replace(settings.database, url=f"sqlite:///{folder / 'dry-run.db'}", echo=False),
        deadlines=dataclasses.replace(settings.deadlines, rules_file=str(rules_file)))
    world = bootstrap(settings, ManualClock(received))
    Base.metadata.create_all(world.db.engine)
    return world


def _copy_organisations(services: Services, world: Services) -> None:
    columns = [column.key for column in sa.inspect(Organisation).columns]
    with services.db.reader() as session:
        rows = [{key: getattr(org, key) for key in columns}
                for org in session.scalars(sa.select(Organisation).order_by(Organisation.path))]
    if rows:
        with world.db.unit_of_work() as tx:
            tx.execute(sa.insert(Organisation), rows)


# -- one step ----------------------------------------------------------------------------------------------
def _perform(world: Services, instance_id: int, step: DryStep) -> None:
    if step.kind == "wait":
        _run_to_next_clock(world, instance_id)
        return
    if step.kind == "message":
        world.runtime.correlate(instance_id, step.message, step.data, "dry-run")
        return
    with world.db.reader() as session:
        stmt = sa.select(QueueTask).where(QueueTask.instance_id == instance_id, QueueTask.spec_name == step.task)
        if step.organisation:
            stmt = stmt.where(QueueTask.organisation == step.organisation)
        task = session.scalars(stmt.order_by(QueueTask.created_at, QueueTask.task_id)).first()
    if task is None:
        raise InvalidData("design.dry_run_not_waiting", task=step.task)
    worker = Actor("dry-run", task.organisation or "", frozenset({task.role} if task.role else ()), "dry run")
    complete_task(world, worker, task.task_id, step.data)


def _run_to_next_clock(world: Services, instance_id: int) -> None:
    """Move the clock to the case's next pending timer and fire what falls due then."""
    with world.db.reader() as session:
        due = session.scalar(sa.select(sa.func.min(Timer.due_at))
                             .where(Timer.instance_id == instance_id, Timer.status == "pending"))
    clock: ManualClock = world.clock  # type: ignore[assignment]
    if due is None or due > clock.now() + HORIZON:
        raise InvalidData("design.dry_run_no_clock")
    if due > clock.now():
        clock.set(due)
    TimerSweeper(world.runtime).sweep()


# -- the answer --------------------------------------------------------------------------------------------
def _result(world: Services, instance_id: int, case_no: str, failure: StepFailure | None) -> DryRun:
    with world.db.reader() as session:
        instance = session.get(Instance, instance_id)
        case = session.scalar(sa.select(Case).where(Case.instance_id == instance_id))
        events = session.scalars(sa.select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                 .order_by(AuditEvent.seq)).all()
        tasks = session.scalars(sa.select(QueueTask).where(QueueTask.instance_id == instance_id)
                                .order_by(QueueTask.created_at, QueueTask.task_id)).all()
        timers = session.scalars(sa.select(Timer).where(Timer.instance_id == instance_id, Timer.status == "pending")
                                 .order_by(Timer.due_at)).all()
        compiled = world.definitions.compiled(instance.version_id)
        today = world.clock.now().astimezone(SHANGHAI).date()
        waiting = tuple(WaitingTask(t.spec_name, t.spec_name, t.title, t.organisation, t.role, t.due_at,
                                    t.form, sample_answer(compiled.form(t.form) if t.form else None, today))
                        for t in tasks)
        messages = tuple(waiting_message_names(world.runtime.load_workflow(instance))) \
            if instance.status == "running" else ()
        return DryRun(
            case_no=case_no, status=case.status if case else instance.status,
            ended=instance.status != "running", now=world.clock.now(),
            trail=tuple(_entry(event) for event in events), waiting=waiting,
            timers=tuple(WaitingTimer(t.name, t.spec_name, t.due_at) for t in timers),
            messages=messages, failure=failure)


def _entry(event: AuditEvent) -> TrailEntry:
    data = json.loads(event.data)
    if event.command == "timer":
        names = tuple(str(t.get("name", "")) for t in data.get("timers", []))
    elif event.command == "message":
        names = (str(data.get("message", "")),)
    elif event.command in ("complete", "claim", "release", "reassign"):
        names = (str(data.get("task", "")),)
    else:
        names = ()
    shown = data.get("data") if event.command == "complete" else data.get("payload")
    return TrailEntry(event.at, event.command, event.actor, event.organisation, names,
                      shown if isinstance(shown, dict) else {})


def _sample_value(spec: dict, today: date) -> Any:
    if "default" in spec:
        return spec["default"]
    if spec.get("enum"):
        return spec["enum"][0]
    if spec.get("oneOf") and isinstance(spec["oneOf"][0], dict) and "const" in spec["oneOf"][0]:
        return spec["oneOf"][0]["const"]
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return spec.get("minimum", 0)
    if kind == "array":
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        choices = items.get("enum") or []
        return choices[:1] if spec.get("minItems") else []
    if kind == "object":
        return sample_answer(spec, today)
    if spec.get("format") == "date":
        return today.isoformat()
    if spec.get("format") == "date-time":
        return f"{today.isoformat()}T10:00:00+08:00"
    return "样例 sample" if spec.get("minLength", 0) <= 9 else "样例 sample " * (spec["minLength"] // 9 + 1)
