"""Open311 GeoReport v2 intake: the services are our pollution types; a request (jurisdiction_id = the GB/T 2260
division code) is a petition registered for that place's bureau, and its service_request_id is our case number.
A client posts and reads with its API token as api_key, and reads back only the requests it posted."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from marshmallow import ValidationError, fields

from engine.errors import InvalidData
from workflows.cases import CLOSED_STATUSES
from workflows.channels.tokens import authenticate
from workflows.models import POLLUTION_TYPES, Case
from workflows.portal.submission import Receipt, submit_petition
from workflows.validation import CodedSchema, Length, OneOf, Range, field_errors

if TYPE_CHECKING:
    from workflows.bootstrap import Services

# What a request says when the client gives no address: the reported party is unknown to it.
UNNAMED_PARTY = "（未注明）"
MAX_REQUESTS_PER_QUERY = 50


class RequestSchema(CodedSchema):
    """The GeoReport v2 fields we take; unknown ones are ignored, as the standard lets servers do."""

    class Meta:
        unknown = "exclude"

    api_key = fields.String(required=True)
    jurisdiction_id = fields.String(required=True)
    service_code = fields.String(required=True, validate=OneOf(POLLUTION_TYPES))
    description = fields.String(required=True, validate=Length(min=5, max=20000))
    lat = fields.Float(validate=Range(min=-90, max=90))
    long = fields.Float(validate=Range(min=-180, max=180))
    address_string = fields.String(validate=Length(max=300))
    first_name = fields.String(validate=Length(max=60))
    last_name = fields.String(validate=Length(max=60))
    phone = fields.String(validate=Length(max=20))
    email = fields.String(validate=Length(max=200))


@dataclass(frozen=True)
class RequestStatus:
    service_request_id: str
    status: str  # open or closed
    service_code: str
    agency_responsible: str | None
    requested_datetime: datetime
    updated_datetime: datetime | None


def client_name(services: Services, api_key: str | None) -> str:
    """'open311:<token name>' for a live API token; NotAllowed('api_token.invalid') otherwise."""
    return f"open311:{authenticate(services, api_key).actor.display_name}"


def submit_request(services: Services, form: dict[str, Any]) -> Receipt:
    """Register a GeoReport request as a petition; errors name the Open311 field."""
    try:
        request = RequestSchema().load(form)
    except ValidationError as exc:
        raise InvalidData("registration.invalid", errors=field_errors(exc.messages)) from exc
    via = client_name(services, request["api_key"])
    name = " ".join(p for p in (request.get("last_name"), request.get("first_name")) if p).strip()
    where = request.get("address_string") or ""
    if "lat" in request and "long" in request:
        where = f"{where} ({request['lat']:.6f}, {request['long']:.6f})".strip()
    petition = {
        "petitioner": {"name": name, "phone": request.get("phone", ""), "address": request.get("email", ""),
                       "anonymous": not name},
        "reported_party": request.get("address_string") or UNNAMED_PARTY, "division_code": request["jurisdiction_id"],
        "location": where[:300], "pollution_types": [request["service_code"]], "petition_class": "report",
        "facts": request["description"],
    }
    try:
        return submit_petition(services, petition, [], via=via)
    except InvalidData as exc:
        # Our field names, said in Open311's words.
        renamed = {"division_code": "jurisdiction_id", "facts": "description", "petitioner.phone": "phone",
                   "petitioner.name": "last_name", "location": "address_string"}
        raise InvalidData(exc.code, errors={renamed.get(k, k): v for k, v in exc.errors.items()}) from exc


def request_statuses(services: Services, api_key: str | None, ids: list[str]) -> list[RequestStatus]:
    """The requests this client posted, among `ids` (at most 50), or its latest 50 when none is named."""
    via = client_name(services, api_key)
    stmt = sa.select(Case).where(Case.registered_by == via)
    if ids:
        stmt = stmt.where(Case.case_no.in_(ids[:MAX_REQUESTS_PER_QUERY]))
    with services.db.reader() as session:
        cases = list(session.scalars(stmt.order_by(Case.received_at.desc()).limit(MAX_REQUESTS_PER_QUERY)))
    return [RequestStatus(c.case_no, "closed" if c.status in CLOSED_STATUSES or c.closed_at else "open",
                          next(t for t in c.pollution_types.split(",") if t), c.handling_org or c.registration_org,
                          c.received_at, c.updated_at) for c in cases]
