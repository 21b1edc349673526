"""Submitting a petition on the portal (网上信访): the petitioner's own fields only, the channel `web`, received
now, registered for the bureau of the place the petitioner names, with documents under the registrar's
limits; the petitioner gets the case number and the query code."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from engine.errors import FieldError, InvalidData
from workflows.accounts import Actor
from workflows.intake.attachments import Upload, check_uploads, store_attachments
from workflows.intake.registration import register_case, validate_registration
from workflows.models import Organisation
from workflows.portal.access import PORTAL_ACTOR
from workflows.rules.organisations import bureau_for, division_level

if TYPE_CHECKING:
    from workflows.bootstrap import Services

CHANNEL = "web"
# What a petitioner knows and may say; the rest of a registration (track, links, flags) is the bureau's.
PETITIONER_KEYS = ("petitioner", "reported_party", "reported_address", "division_code", "location",
                   "pollution_types", "petition_class", "facts", "demands")


@dataclass(frozen=True)
class Receipt:
    """What the petitioner keeps: the case number and the query code that opens it."""

    case_no: str
    query_code: str


def receiving_bureau(services: Services, division_code: str) -> str:
    """The bureau of the place named (county, city or province), if it works on this system; else an error
    at 'division_code'."""
    try:
        code = bureau_for(division_code, division_level(division_code))
    except ValueError:
        code = None
    with services.db.reader() as session:
        known = code is not None and session.scalar(
            sa.select(Organisation.code).where(Organisation.code == code, Organisation.active.is_(True)))
    if not known:
        raise InvalidData("registration.invalid",
                          errors={"division_code": FieldError("portal.division_not_served", {"value": division_code})})
    return code


def submit_petition(services: Services, form: dict[str, Any], uploads: list[Upload],
                    via: str = PORTAL_ACTOR) -> Receipt:
    """Register the petition for the receiving bureau; refuses bad fields and bad files before storing anything.
    `via` is recorded as who registered it (the portal, or an Open311 client)."""
    start = {key: form[key] for key in PETITIONER_KEYS if key in form}
    start.update(channel=CHANNEL, received_at=services.clock.now().isoformat())
    uploads = [u for u in uploads if u.filename or u.data]
    errors: dict[str, FieldError] = {}
    for check in (lambda: validate_registration(start, services.clock.now()),
                  lambda: check_uploads(services.settings, uploads)):
        try:
            check()
        except InvalidData as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidData("registration.invalid", errors=errors)
    portal = Actor(via, receiving_bureau(services, start["division_code"]), frozenset({"registrar"}))
    case = register_case(services, portal, start)
    store_attachments(services, portal, case.id, uploads)
    return Receipt(case.case_no, case.query_code)
