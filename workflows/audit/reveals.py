"""Whistleblower confidentiality (举报人保密): the petitioner's personal data is masked on every page and
shown in full only to the roles that need it, each time logged in RevealLog; the log as auditors page it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import NotAllowed
from workflows.accounts import Actor
from workflows.cases import get_case, visible_clause
from workflows.listing import Listing, page_of
from workflows.models import Case, RevealLog
from workflows.rules.masking import PERSONAL_FIELDS, mask
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.bootstrap import Services


def reveal_log_page(session: so.Session, actor: Actor, username: str | None = None, case_no: str | None = None,
                    page: int = 1, per_page: int = 50, day_from: date | None = None,
                    day_to: date | None = None) -> Listing[tuple[RevealLog, str]]:
    """Who saw which petitioner's personal data, newest first, for the cases the actor may see; optionally
    only one user's, a case number's (contains), or those from `day_from` to `day_to` (Asia/Shanghai days,
    both included)."""
    stmt = sa.select(RevealLog, Case.case_no).join(Case, Case.id == RevealLog.case_id).where(visible_clause(actor))
    if username:
        stmt = stmt.where(RevealLog.username == username)
    if case_no:
        stmt = stmt.where(Case.case_no.like(f"%{case_no}%"))
    if day_from:
        stmt = stmt.where(RevealLog.at >= datetime.combine(day_from, time(0), SHANGHAI))
    if day_to:
        stmt = stmt.where(RevealLog.at < datetime.combine(day_to + timedelta(days=1), time(0), SHANGHAI))
    rows, total, page = page_of(session, stmt.order_by(RevealLog.at.desc(), RevealLog.id.desc()), page, per_page)
    return Listing([(log, number) for log, number in rows], total, page, per_page)


# Registrars take the petitioner's details, leaders sign what goes back to them, supervisors follow
# complaints up; handlers work from the masked record.
REVEAL_ROLES = ("registrar", "leader", "supervisor")




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


def reveal_petitioner(services: Services, actor: Actor, case_id: int) -> Petitioner:
    """The petitioner in full for an actor who may see the case and whose role needs it; logged."""
    if not may_reveal(actor):
        raise NotAllowed("reveal.role_not_allowed")
    with services.db.unit_of_work() as tx:
        case = get_case(tx, actor, case_id)
        tx.add(RevealLog(case_id=case.id, username=actor.username, organisation=actor.organisation,
                         fields=",".join(PERSONAL_FIELDS), at=services.clock.now()))
        return Petitioner(case.petitioner_name or "", case.petitioner_phone or "", case.petitioner_id_number or "",
                          case.petitioner_address or "", case.anonymous, case.group_size, revealed=True)
