"""Case records: registering a petition, keeping its row in step with the workflow, and who may see and act.

`register_case` validates what the registrar entered (errors name the field, nothing is written), gives
the case its number and query code and starts the `petition` process in the same transaction as the case
row. `track_case` is the engine step listener that keeps the searchable columns (status, handling bureau,
track) and the organisations involved up to date after every step, timers included.
"""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)
from SpiffWorkflow.util.task import TaskState

from engine.errors import Conflict, InvalidData, NotAllowed, NotFound
from engine.models import Instance, QueueTask
from engine.runtime import Step, StepResult
from workflows.accounts import Actor, org_path
from workflows.models import (
    CHANNELS,
    PETITION_CLASSES,
    POLLUTION_TYPES,
    Case,
    CaseOrganisation,
)
from workflows.organisations import check_division_code

PROCESS_ID = "petition"
# Statuses after which the case no longer runs its handling clocks (the workflow may still wait for a
# review request or a return visit).
CLOSED_STATUSES = ("refused", "forwarded", "closed", "archived")
# Data keys naming organisations that took part in a case.
ORG_KEYS = ("registration_org", "handling_org", "assigning_org", "reviewing_org", "supervising_org",
            "supervised_org")
QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class PetitionerSchema(_Strict):
    name = fields.String(load_default="", validate=validate.Length(max=120))
    phone = fields.String(load_default="", validate=validate.Regexp(r"^[0-9+\- ]{0,20}$",
                                                                    error="digits, +, - and spaces only"))
    id_number = fields.String(load_default="", validate=validate.Regexp(
        r"^(\d{17}[\dXx])?$", error="an 18-character resident ID number (last may be X)"))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    anonymous = fields.Boolean(load_default=False)
    group_size = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))

    @validates_schema
    def _named_unless_anonymous(self, data: dict, **_: Any) -> None:
        if not data.get("anonymous"):
            errors = {}
            if not data.get("name", "").strip():
                errors["name"] = ["required unless the petitioner is anonymous"]
            if not data.get("phone", "").strip() and not data.get("address", "").strip():
                errors["phone"] = ["give a phone number or an address to reply to"]
            if errors:
                raise ValidationError(errors)


class RegistrationSchema(_Strict):
    """Everything SPEC.md asks at registration; the registering organisation comes from the registrar."""

    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    received_at = fields.AwareDateTime(required=True, format="iso")
    petitioner = fields.Nested(PetitionerSchema, required=True)
    reported_party = fields.String(required=True, validate=validate.Length(min=1, max=300))
    reported_address = fields.String(load_default="", validate=validate.Length(max=300))
    division_code = fields.String(required=True)
    location = fields.String(load_default="", validate=validate.Length(max=300))
    pollution_types = fields.List(fields.String(validate=validate.OneOf(POLLUTION_TYPES)), required=True,
                                  validate=validate.Length(min=1, error="choose at least one pollution type"))
    petition_class = fields.String(required=True, validate=validate.OneOf(PETITION_CLASSES))
    facts = fields.String(required=True, validate=validate.Length(min=5, max=20000))
    demands = fields.String(load_default="", validate=validate.Length(max=5000))
    track = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["simple", "normal"]))
    cross_county = fields.Boolean(load_default=False)
    province_listed = fields.Boolean(load_default=False)
    link_case_nos = fields.List(fields.String(), load_default=list)

    @validates("division_code")
    def _division(self, value: str, **_: Any) -> None:
        try:
            check_division_code(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


def validate_registration(form: dict, now: datetime) -> dict:
    """The registration as start data, or InvalidData naming each bad field ('petitioner.name')."""
    try:
        data = RegistrationSchema().load(form)
    except ValidationError as exc:
        raise InvalidData("the case was not registered; correct the fields marked", _flatten(exc.messages)) from exc
    # Stored in one form, so that finding the same petitioner is an indexed equality, not a scan.
    from workflows.repeats import normalise_phone
    petitioner = data["petitioner"]
    petitioner["phone"] = normalise_phone(petitioner.get("phone"))
    petitioner["id_number"] = (petitioner.get("id_number") or "").upper()
    if data["received_at"] > now:
        raise InvalidData("the case was not registered; correct the fields marked",
                          {"received_at": "lies in the future"})
    return data


def register_case(services, actor: Actor, form: dict) -> Case:
    """Register a case for the actor's organisation and start its process; returns the stored case row."""
    from workflows.repeats import (  # repeats reads cases through get_case
        link_cases,
        propose_links,
    )

    if not actor.has("registrar"):
        raise NotAllowed("only registrars register cases")
    data = validate_registration(form, services.clock.now())
    links = data.pop("link_case_nos")
    received = data["received_at"]
    start = dict(data, received_at=received.isoformat(), registration_org=actor.organisation)
    if start["track"] is None:
        del start["track"]
    for attempt in range(3):
        try:
            with services.db.unit_of_work() as tx:
                start["case_no"] = _next_case_no(tx, actor.organisation, received)
                result = services.runtime.start(PROCESS_ID, start, actor.username, organisation=actor.organisation,
                                                business_key=start["case_no"], session=tx)
                case = tx.scalar(sa.select(Case).where(Case.instance_id == result.instance_id))
                case.query_code = _query_code(tx)
                case.registered_by = actor.username
                if links:
                    link_cases(tx, case, links, actor.username, services.clock.now())
                propose_links(tx, case, services.settings["repeat_detection"], actor, services.clock.now())
                tx.flush()
                return case
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise Conflict("another case took the same case number three times; try again") from None
    raise AssertionError("unreachable")


def _next_case_no(tx: so.Session, organisation: str, received: datetime) -> str:
    division = organisation.removeprefix("EEB-")
    prefix = f"{division}-{received.year}-"
    # A range on the unique index, not LIKE 'prefix%': PostgreSQL with a non-C collation cannot use an
    # index for LIKE.
    last = tx.scalar(sa.select(sa.func.max(Case.case_no)).where(Case.case_no >= prefix, Case.case_no < prefix + "~"))
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def _query_code(tx: so.Session) -> str:
    while True:
        code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(10))
        if tx.scalar(sa.select(Case.id).where(Case.query_code == code)) is None:
            return code


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}{key}" if key != "_schema" else prefix.rstrip(".") or "_form"
            if isinstance(value, dict):
                flat.update(_flatten(value, f"{name}."))
            else:
                flat[name] = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return flat


# -- keeping the case row in step with the workflow ------------------------------------------------------
def current_data(workflow) -> dict:
    """The case data as it stands: the finished workflow's data, or that of the tasks it now waits on.

    Waiting tasks inside a called process see the data the call passed in plus what the subprocess set
    (its status, say); they are merged after the top level's.
    """
    if workflow.completed:
        return dict(workflow.data)
    waiting = workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
    merged: dict = {}
    for task in sorted(waiting, key=lambda t: (_nesting(t.workflow), t.depth)):
        merged.update(task.data)
    return merged


def _nesting(workflow) -> int:
    """How many called processes deep a (sub)workflow runs: 0 for the top level."""
    level = 0
    while getattr(workflow, "parent_workflow", None) is not None:
        workflow = workflow.parent_workflow
        level += 1
    return level


def track_case(step: Step) -> None:
    """Engine step listener: create the case row on start, refresh its columns after every step."""
    if step.instance.process_id != PROCESS_ID:
        return
    tx = step.session
    case = tx.scalar(sa.select(Case).where(Case.instance_id == step.instance.id))
    data = current_data(step.workflow)
    if case is None:
        if step.command != "start":
            return
        case = _new_case(step.event["data"], step)
        tx.add(case)
        tx.flush()
    status = data.get("status") or case.status
    case.status = "cancelled" if step.instance.status == "cancelled" else str(status)
    case.handling_org = data.get("handling_org") or case.handling_org
    case.track = data.get("track") or case.track
    case.updated_at = step.at
    if (case.status in CLOSED_STATUSES or step.instance.status != "running") and case.closed_at is None:
        case.closed_at = step.at
    elif case.status not in CLOSED_STATUSES and step.instance.status == "running":
        case.closed_at = None
    involved = {str(data[k]) for k in ORG_KEYS if data.get(k)}
    involved.update(o for o in tx.scalars(sa.select(QueueTask.organisation).where(
        QueueTask.instance_id == step.instance.id, QueueTask.organisation.is_not(None))))
    known = set(tx.scalars(sa.select(CaseOrganisation.organisation).where(CaseOrganisation.case_id == case.id)))
    for code in sorted(involved - known):
        tx.add(CaseOrganisation(case_id=case.id, organisation=code, org_path=org_path(code)))


def _new_case(data: dict, step: Step) -> Case:
    petitioner = data.get("petitioner") or {}
    return Case(
        instance_id=step.instance.id, case_no=data["case_no"], channel=data["channel"],
        received_at=datetime.fromisoformat(data["received_at"]),
        petitioner_name=petitioner.get("name") or None, petitioner_phone=petitioner.get("phone") or None,
        petitioner_id_number=petitioner.get("id_number") or None,
        petitioner_address=petitioner.get("address") or None, anonymous=bool(petitioner.get("anonymous")),
        group_size=int(petitioner.get("group_size") or 1), reported_party=data["reported_party"],
        reported_address=data.get("reported_address") or None, division_code=data["division_code"],
        location=data.get("location") or None, pollution_types="," + ",".join(data["pollution_types"]) + ",",
        petition_class=data["petition_class"], facts=data["facts"], demands=data.get("demands") or None,
        registration_org=data["registration_org"], handling_org=None, status="registered",
        track=data.get("track"), registered_by=step.actor, updated_at=step.at)


# -- who may see and act ---------------------------------------------------------------------------------
def visible_clause(actor: Actor):
    """SQL condition on Case: the actor's organisation took part, or (supervisors, auditors) one below it."""
    mine = CaseOrganisation.organisation == actor.organisation
    if actor.sees_below:
        mine = sa.or_(mine, CaseOrganisation.org_path.like(org_path(actor.organisation) + "%"))
    return sa.exists(sa.select(CaseOrganisation.case_id).where(CaseOrganisation.case_id == Case.id, mine))


def get_case(session: so.Session, actor: Actor, case_id: int | None = None, case_no: str | None = None) -> Case:
    """The case if the actor may see it; NotFound if it does not exist, NotAllowed if it is not theirs."""
    stmt = sa.select(Case).where(Case.id == case_id) if case_id is not None else \
        sa.select(Case).where(Case.case_no == case_no)
    case = session.scalar(stmt)
    if case is None:
        raise NotFound(f"case {case_id or case_no} does not exist")
    if not session.scalar(sa.select(visible_clause(actor)).where(Case.id == case.id).select_from(Case)):
        raise NotAllowed(f"case {case.case_no} belongs to another bureau")
    return case


def check_may_act(actor: Actor, task: QueueTask) -> None:
    """An actor may work a task of their own organisation, in one of their roles, unclaimed or claimed by them."""
    if task.organisation != actor.organisation:
        raise NotAllowed(f"task {task.title!r} belongs to {task.organisation}, not {actor.organisation}")
    if task.role and task.role not in actor.roles:
        raise NotAllowed(f"task {task.title!r} is for the {task.role} role")
    if task.assignee and task.assignee != actor.username:
        raise NotAllowed(f"task {task.title!r} is claimed by {task.assignee}")


def open_task(session: so.Session, task_id: str) -> QueueTask:
    task = session.get(QueueTask, task_id)
    if task is None:
        raise Conflict("this task is no longer open; someone may have completed it. Reload the case.")
    return task


def complete_task(services, actor: Actor, task_id: str, data: dict,
                  expected_version: int | None = None) -> StepResult:
    """Complete a task the actor may work; the drafter of a reply or opinion is recorded as the actor."""
    with services.db.reader() as session:
        task = open_task(session, task_id)
        check_may_act(actor, task)
        form = services.definitions.compiled(session.get(Instance, task.instance_id).version_id).form(task.form) \
            if task.form else None
    data = dict(data)
    properties = (form or {}).get("properties", {})
    for key in ("drafted_by", "review_drafted_by"):
        if key in properties:
            data[key] = actor.username
    return services.runtime.complete(task_id, data, actor.username, organisation=actor.organisation,
                                     expected_version=expected_version)


def claim_task(services, actor: Actor, task_id: str) -> StepResult:
    with services.db.reader() as session:
        check_may_act(actor, open_task(session, task_id))
    return services.runtime.claim(task_id, actor.username, organisation=actor.organisation)


def release_task(services, actor: Actor, task_id: str) -> StepResult:
    with services.db.reader() as session:
        task = open_task(session, task_id)
        if task.organisation != actor.organisation:
            raise NotAllowed(f"task {task.title!r} belongs to {task.organisation}")
    return services.runtime.release(task_id, actor.username, organisation=actor.organisation)


def reassign_task(services, actor: Actor, task_id: str, assignee: str) -> StepResult:
    """Leaders and supervisors hand a task of their organisation to a user of that organisation and role."""
    from workflows.models import User

    with services.db.reader() as session:
        task = open_task(session, task_id)
        if task.organisation != actor.organisation or not actor.has("leader", "supervisor"):
            raise NotAllowed("only a leader or supervisor of the task's bureau reassigns it")
        user = session.scalar(sa.select(User).where(User.username == assignee))
        if user is None or user.organisation_code != task.organisation or (
                task.role and task.role not in user.role_names):
            raise InvalidData("the task was not reassigned",
                              {"assignee": f"{assignee!r} is not a {task.role} of {task.organisation}"})
    return services.runtime.reassign(task_id, assignee, actor.username, organisation=actor.organisation)


def find_by_query_code(session: so.Session, case_no: str, query_code: str) -> Case:
    """The petitioner's way in: case number and query code together, compared in constant time."""
    case = session.scalar(sa.select(Case).where(Case.case_no == case_no))
    if case is None or not case.query_code or not secrets.compare_digest(case.query_code, query_code.strip().upper()):
        raise NotFound("no case with this number and query code")
    return case
