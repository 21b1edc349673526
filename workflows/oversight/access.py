"""Who may oversee what: leaders and supervisors act on cases of their bureau and the bureaus below it,
auditors read the same, everyone else is refused; and the append-only event every change records."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import NotAllowed, NotFound
from workflows.accounts import Actor, org_path
from workflows.models import Case, CaseOrganisation
from workflows.oversight.models import OversightEvent
from workflows.rules import organisations as orgs

# Roles that read the oversight pages; of them, auditors change nothing.
READERS = ("leader", "supervisor", "auditor")
# Rows per page of the ledger, the board and the warnings.
PER_PAGE = 50


def require_role(actor: Actor, *roles: str) -> None:
    """NotAllowed unless the actor has one of `roles` (named in the message)."""
    if not actor.has(*roles):
        raise NotAllowed("oversight.role_required", roles=list(roles))


def subtree_path(actor: Actor) -> str:
    """The path prefix of the actor's bureau: everything at or below it."""
    return org_path(actor.organisation)


def within(actor: Actor, path: str) -> bool:
    """Whether an organisation path lies at or below the actor's bureau."""
    return path.startswith(subtree_path(actor))


def case_in_subtree(session: so.Session, actor: Actor, case_id: int) -> Case:
    """The case, if an organisation at or below the actor's bureau has had a hand in it; NotFound or
    NotAllowed (`case.other_bureau`) otherwise."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case.not_found", case=case_id)
    mine = sa.or_(CaseOrganisation.organisation == actor.organisation,
                  CaseOrganisation.org_path.like(subtree_path(actor) + "%"))
    found = session.scalar(sa.select(CaseOrganisation.case_id).where(CaseOrganisation.case_id == case.id, mine)
                           .limit(1))
    if found is None:
        raise NotAllowed("case.other_bureau", case=case.case_no)
    return case


def case_bureau(case: Case) -> str:
    """The bureau answerable for a case: the handling bureau once routed, else the registering one."""
    return case.handling_org or case.registration_org


def parent_bureau(code: str) -> str | None:
    try:
        return orgs.parent_org(code)
    except ValueError:
        return None


def record(session: so.Session, at: datetime, actor: Actor | str, kind: str, subject: str, subject_id: int,
           case_id: int | None, note: str = "", **data: Any) -> OversightEvent:
    """Append one oversight event (the audit record of a change); `actor` may be "system" for the sweep."""
    name, organisation = (actor, None) if isinstance(actor, str) else (actor.username, actor.organisation)
    event = OversightEvent(at=at, actor=name, organisation=organisation, kind=kind, case_id=case_id,
                           subject=subject, subject_id=subject_id, note=note or "",
                           data=json.dumps(data, ensure_ascii=False, sort_keys=True, default=str))
    session.add(event)
    return event


def events_of(session: so.Session, subject: str, subject_id: int) -> list[OversightEvent]:
    """The events of one ledger entry, ownership, order or warning, oldest first."""
    return list(session.scalars(sa.select(OversightEvent).where(OversightEvent.subject == subject,
                                                                OversightEvent.subject_id == subject_id)
                                .order_by(OversightEvent.at, OversightEvent.id)))


def clean_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
