"""Incidents as administrators and process designers see them: each open one with its case, and retrying
one once the cause is fixed (a corrected version, a raised limit)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.incidents import OpenIncident, open_incidents
from engine.runtime import StepResult
from workflows.accounts import Actor
from workflows.models import Case

if TYPE_CHECKING:
    from workflows.bootstrap import Services


@dataclass(frozen=True)
class CaseIncident:
    """An open incident and the case it stopped (None for an instance that is not a case)."""

    incident: OpenIncident
    case_id: int | None
    case_no: str | None


def incidents_with_cases(services: Services, limit: int = 200) -> list[CaseIncident]:
    """Open incidents, the most recent failure first, each with its case number."""
    found = open_incidents(services.db, limit=limit)
    if not found:
        return []
    with services.db.reader() as session:
        cases = {instance_id: (case_id, case_no) for instance_id, case_id, case_no in session.execute(
            sa.select(Case.instance_id, Case.id, Case.case_no).where(
                Case.instance_id.in_({i.instance_id for i in found})))}
    return [CaseIncident(i, *cases.get(i.instance_id, (None, None))) for i in found]


def retry_incident(services: Services, actor: Actor, incident_id: int) -> StepResult | None:
    """Retry the failed step of an incident (see engine Runtime.retry_incident); raises its error if it
    fails again."""
    return services.runtime.retry_incident(incident_id, actor.username)
