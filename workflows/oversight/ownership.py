"""Leader ownership (领导包案): a leader takes ownership of any case of their bureau or the bureaus below it, at
any stage, and releases it; one leader owns a case at a time. Each take and release is an oversight event."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import Conflict, NotAllowed
from workflows.accounts import Actor
from workflows.models import Case
from workflows.oversight.access import case_in_subtree, clean_text, record, require_role
from workflows.oversight.models import CaseOwnership

if TYPE_CHECKING:
    from workflows.bootstrap import Services

SUBJECT = "ownership"


def current_owner(session: so.Session, case_id: int) -> CaseOwnership | None:
    """The open ownership of a case, if a leader owns it."""
    return session.scalar(sa.select(CaseOwnership).where(CaseOwnership.case_id == case_id,
                                                         CaseOwnership.released_at.is_(None)))


def owners_of(session: so.Session, case_ids: list[int]) -> dict[int, str]:
    """{case id: owning leader} for those of `case_ids` that are owned (for lists)."""
    if not case_ids:
        return {}
    return dict(session.execute(sa.select(CaseOwnership.case_id, CaseOwnership.leader).where(
        CaseOwnership.case_id.in_(case_ids), CaseOwnership.released_at.is_(None))).all())


def take_ownership(services: Services, actor: Actor, case_id: int, note: str = "") -> CaseOwnership:
    """The leader owns the case from now on; refused if another leader owns it (they release it first)."""
    require_role(actor, "leader")
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        case = case_in_subtree(tx, actor, case_id)
        owner = current_owner(tx, case.id)
        if owner is not None:
            if owner.leader == actor.username:
                raise Conflict("ownership.already_yours", case=case.case_no)
            raise Conflict("ownership.taken", case=case.case_no, leader=owner.leader)
        owner = CaseOwnership(case_id=case.id, leader=actor.username, organisation=actor.organisation,
                              note=clean_text(note), taken_at=now)
        tx.add(owner)
        tx.flush()
        record(tx, now, actor, "ownership.taken", SUBJECT, owner.id, case.id, owner.note)
        return owner


def release_ownership(services: Services, actor: Actor, case_id: int, note: str = "") -> None:
    """The owning leader lets the case go."""
    require_role(actor, "leader")
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        case = case_in_subtree(tx, actor, case_id)
        owner = current_owner(tx, case.id)
        if owner is None:
            raise Conflict("ownership.not_owned", case=case.case_no)
        if owner.leader != actor.username:
            raise NotAllowed("ownership.not_owner", case=case.case_no, leader=owner.leader)
        owner.released_at = now
        record(tx, now, actor, "ownership.released", SUBJECT, owner.id, case.id, clean_text(note))


@dataclass(frozen=True)
class OwnedCase:
    case: Case
    ownership: CaseOwnership


def owned_cases(session: so.Session, actor: Actor) -> list[OwnedCase]:
    """The cases the leader owns now, longest owned first."""
    require_role(actor, "leader")
    rows = session.execute(sa.select(CaseOwnership, Case).join(Case, Case.id == CaseOwnership.case_id)
                           .where(CaseOwnership.leader == actor.username, CaseOwnership.released_at.is_(None))
                           .order_by(CaseOwnership.taken_at, CaseOwnership.id)).all()
    return [OwnedCase(case, ownership) for ownership, case in rows]
