"""Keeping the case row in step with its workflow: `track_case` is the engine step listener that creates the
row on start and refreshes its searchable columns and the organisations involved after every step. It reads
the case row's tracked columns with its organisations in one statement, takes the queue rows from the step,
and updates the row's tracked columns with one statement."""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa

from engine.models import QueueTask
from engine.runtime import Step
from workflows.accounts import organisation_paths
from workflows.cases import CLOSED_STATUSES, ORG_KEYS, PROCESS_ID
from workflows.models import (
    Case,
    CaseOrganisation,
)
from workflows.personal import open_petitioner

# What a step may change in the case row (the rest is written once, at registration).
_TRACKED = (Case.id, Case.status, Case.handling_org, Case.track, Case.closed_at)
_CASES = Case.__table__
# Built once: the statements are the same every step.
_UPDATE = _CASES.update().where(_CASES.c.id == sa.bindparam("new_id")).values(
    **{name: sa.bindparam(f"new_{name}") for name in ("status", "handling_org", "track", "closed_at", "updated_at")})
_FIND = (sa.select(*_TRACKED, CaseOrganisation.organisation)
         .outerjoin(CaseOrganisation, CaseOrganisation.case_id == Case.id)
         .where(Case.instance_id == sa.bindparam("instance_id")))


def track_case(step: Step) -> None:
    """Engine step listener: create the case row on start, refresh its columns after every step."""
    if step.instance.process_id != PROCESS_ID:
        return
    tx = step.session
    # The case row's tracked columns and the organisations it already names, in one statement.
    found = tx.execute(_FIND, {"instance_id": step.instance.id}).all()
    known = {row.organisation for row in found if row.organisation is not None}
    data = step.data
    if found:
        case, new = SimpleNamespace(**{column.key: found[0][i] for i, column in enumerate(_TRACKED)}), False
    else:
        if step.command != "start":
            return
        case, new = _new_case(step.event["data"], step), True
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
    if not new:
        # An existing row is updated by one statement (the same every step), without loading it as an object
        # for the unit of work.
        tx.execute(_UPDATE, {f"new_{key}": value for key, value in vars(case).items()})
    involved = {str(data[k]) for k in ORG_KEYS if data.get(k)}
    if step.queue is not None:  # the engine hands over the queue rows it just wrote
        involved.update(row.organisation for row in step.queue if row.organisation)
    else:
        involved.update(o for o in tx.scalars(sa.select(QueueTask.organisation).where(
            QueueTask.instance_id == step.instance.id, QueueTask.organisation.is_not(None))))
    paths = organisation_paths(tx, involved - known) if involved - known else {}
    for code in sorted(paths):
        tx.add(CaseOrganisation(case_id=case.id, organisation=code, org_path=paths[code]))


def _new_case(data: dict, step: Step) -> Case:
    petitioner = open_petitioner(step.session, data.get("petitioner"))
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
