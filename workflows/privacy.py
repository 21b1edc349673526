"""Whistleblower confidentiality (举报人保密): the petitioner's personal data is masked on every page, and
shown in full only to the roles that need it, each time logged in RevealLog for the auditors."""
from __future__ import annotations

from dataclasses import dataclass

from engine.errors import NotAllowed
from workflows.accounts import Actor
from workflows.cases import get_case
from workflows.history import mask
from workflows.models import Case, RevealLog

# Registrars take the petitioner's details, leaders sign what goes back to them, supervisors follow
# complaints up; handlers work from the masked record.
REVEAL_ROLES = ("registrar", "leader", "supervisor")
PERSONAL_FIELDS = ("name", "phone", "id_number", "address")


@dataclass(frozen=True)
class Petitioner:
    """Who filed a case, as one page may show it: masked unless `revealed`."""

    name: str
    phone: str
    id_number: str
    address: str
    anonymous: bool
    group_size: int
    revealed: bool


def may_reveal(actor: Actor) -> bool:
    return actor.has(*REVEAL_ROLES)


def masked_petitioner(case: Case) -> Petitioner:
    """The petitioner with name, phone, ID number and address masked (张*, 138****0000)."""
    def hide(value: str | None) -> str:
        return mask(value) if value else ""
    return Petitioner(hide(case.petitioner_name), hide(case.petitioner_phone), hide(case.petitioner_id_number),
                      hide(case.petitioner_address), case.anonymous, case.group_size, revealed=False)


def reveal_petitioner(services, actor: Actor, case_id: int) -> Petitioner:
    """The petitioner in full for an actor who may see the case and whose role needs it; logged."""
    if not may_reveal(actor):
        raise NotAllowed("your role does not show petitioners' personal data; ask a registrar or leader")
    with services.db.unit_of_work() as tx:
        case = get_case(tx, actor, case_id)
        tx.add(RevealLog(case_id=case.id, username=actor.username, organisation=actor.organisation,
                         fields=",".join(PERSONAL_FIELDS), at=services.clock.now()))
        return Petitioner(case.petitioner_name or "", case.petitioner_phone or "", case.petitioner_id_number or "",
                          case.petitioner_address or "", case.anonymous, case.group_size, revealed=True)
