"""Incidents: steps that failed in a designer's script or expression and that someone has to look at.

A step stopped at a script limit, or a timer whose step fails, stores nothing of the step; the incident is
written afterwards in a transaction of its own. Repeated failures of the same element count up on one
open incident. An instance's next successful step resolves its open incidents (the runtime does that in
the step's transaction); while an instance has one, the timer sweep leaves its timers alone, so a failing
timer is retried by a person (Runtime.retry_incident), not by the sweep in a loop.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import ScriptError
from engine.models import Incident, Instance
from engine.store import Database


@dataclass(frozen=True)
class OpenIncident:
    """An open incident as admins and designers see it: which case, which element, which limit, when."""

    incident_id: int
    instance_id: int
    process_id: str
    business_key: str | None
    version_id: int
    command: str
    element: str | None
    limit: str | None
    code: str
    params: dict[str, Any]
    failures: int
    first_failed_at: datetime
    last_failed_at: datetime


def record_incident(db: Database, instance_id: int, command: str, error: ScriptError, at: datetime) -> int | None:
    """Record that `command` failed on the instance with `error`; return the incident id (None if the
    instance is gone). Call it after the failed step's transaction rolled back."""
    element = error.params.get("element")
    with db.unit_of_work() as tx:
        # Lock the instance row as every step does: this waits for a step of the instance in flight, and a
        # step that starts after this commits sees the count and resolves the incident.
        version_id = tx.scalar(db.for_update(sa.select(Instance.version_id).where(Instance.id == instance_id)))
        if version_id is None:
            return None
        params = json.dumps(error.params, ensure_ascii=False, sort_keys=True, default=str)
        same = tx.scalar(sa.select(Incident).where(
            Incident.instance_id == instance_id, Incident.status == "open", Incident.code == error.code,
            Incident.command == command,
            Incident.element.is_(None) if element is None else Incident.element == element))
        if same is not None:
            same.failures += 1
            same.last_failed_at = at
            same.params = params
            return same.id
        incident = Incident(instance_id=instance_id, version_id=version_id, command=command, element=element,
                            limit=error.params.get("limit"), code=error.code, params=params, status="open",
                            failures=1, first_failed_at=at, last_failed_at=at)
        tx.add(incident)
        tx.execute(sa.update(Instance).where(Instance.id == instance_id)
                   .values(open_incidents=Instance.open_incidents + 1))
        tx.flush()
        return incident.id


def resolve_open_incidents(tx: so.Session, instance: Instance, at: datetime, actor: str) -> None:
    """Inside a successful step: the instance's open incidents are resolved by it."""
    if not instance.open_incidents:
        return
    tx.execute(sa.update(Incident).where(Incident.instance_id == instance.id, Incident.status == "open")
               .values(status="resolved", resolved_at=at, resolved_by=actor))
    instance.open_incidents = 0


def close_incident(db: Database, incident_id: int, at: datetime, actor: str) -> None:
    """Record `actor` as who resolved the incident: closing it if it is still open (the failed action was a
    person's, who can take it again), or naming them if the step they retried has just resolved it."""
    with db.unit_of_work() as tx:
        incident = tx.get(Incident, incident_id)
        if incident is None:
            return
        incident.resolved_by = actor
        if incident.status != "open":
            return
        incident.status, incident.resolved_at = "resolved", at
        tx.execute(sa.update(Instance).where(Instance.id == incident.instance_id, Instance.open_incidents > 0)
                   .values(open_incidents=Instance.open_incidents - 1))


def get_incident(db: Database, incident_id: int) -> Incident | None:
    with db.reader() as session:
        return session.get(Incident, incident_id)


def open_incidents(db: Database, limit: int = 100, offset: int = 0,
                   instance_ids: list[int] | None = None) -> list[OpenIncident]:
    """Open incidents, the most recent failure first (only those of `instance_ids` if given)."""
    stmt = (sa.select(Incident, Instance.process_id, Instance.business_key)
            .join(Instance, Instance.id == Incident.instance_id)
            .where(Incident.status == "open")
            .order_by(Incident.last_failed_at.desc(), Incident.id.desc()).limit(limit).offset(offset))
    if instance_ids is not None:
        stmt = stmt.where(Incident.instance_id.in_(instance_ids))
    with db.reader() as session:
        return [OpenIncident(i.id, i.instance_id, process_id, business_key, i.version_id, i.command, i.element,
                             i.limit, i.code, json.loads(i.params), i.failures, i.first_failed_at, i.last_failed_at)
                for i, process_id, business_key in session.execute(stmt)]


def open_incident_count(db: Database) -> int:
    with db.reader() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Incident).where(Incident.status == "open"))
