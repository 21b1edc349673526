"""The case at the centre: its process id, the statuses that close it, and who may see it."""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import NotAllowed, NotFound
from workflows.accounts import Actor, path_expression
from workflows.models import (
    Case,
    CaseOrganisation,
)

PROCESS_ID = "petition"


# Statuses after which the case no longer runs its handling clocks (the workflow may still wait for a
# review request or a return visit).
CLOSED_STATUSES = ("refused", "forwarded", "closed", "archived")


# Data keys naming organisations that took part in a case.
ORG_KEYS = ("registration_org", "handling_org", "assigning_org", "reviewing_org", "supervising_org",
            "supervised_org")


# -- who may see and act ---------------------------------------------------------------------------------
def visible_clause(actor: Actor):
    """SQL condition on Case: the actor's organisation took part, or (supervisors, auditors) one below it."""
    mine = CaseOrganisation.organisation == actor.organisation
    if actor.sees_below:
        mine = sa.or_(mine, CaseOrganisation.org_path.like(path_expression(actor.organisation) + "%"))
    return sa.exists(sa.select(CaseOrganisation.case_id).where(CaseOrganisation.case_id == Case.id, mine))


def get_case(session: so.Session, actor: Actor, case_id: int | None = None, case_no: str | None = None) -> Case:
    """The case if the actor may see it; NotFound if it does not exist, NotAllowed if it is not theirs."""
    stmt = sa.select(Case).where(Case.id == case_id) if case_id is not None else \
        sa.select(Case).where(Case.case_no == case_no)
    case = session.scalar(stmt)
    if case is None:
        raise NotFound("case.not_found", case=case_no or case_id)
    if not session.scalar(sa.select(visible_clause(actor)).where(Case.id == case.id).select_from(Case)):
        raise NotAllowed("case.other_bureau", case=case.case_no)
    return case
