"""Registering a petition (登记): `register_case` validates what the registrar entered (errors name the field,
nothing is written), gives the case its number and query code and starts the `petition` process in the same
transaction as the case row."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from marshmallow import ValidationError, fields, validates, validates_schema

from engine.errors import Conflict, FieldError, InvalidData, NotAllowed, NotFound
from workflows.accounts import Actor
from workflows.cases import PROCESS_ID
from workflows.models import (
    CHANNELS,
    PETITION_CLASSES,
    POLLUTION_TYPES,
    Case,
)
from workflows.personal import seal_petitioner
from workflows.rules.organisations import check_division_code
from workflows.validation import (
    CodedSchema,
    Length,
    OneOf,
    Range,
    Regexp,
    coded,
    field_errors,
)

if TYPE_CHECKING:
    from workflows.bootstrap import Services

QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class PetitionerSchema(CodedSchema):
    name = fields.String(load_default="", validate=Length(max=120))
    phone = fields.String(load_default="", validate=Regexp(r"^[0-9+\- ]{0,20}$", error="petitioner.phone_format"))
    id_number = fields.String(load_default="", validate=Regexp(r"^(\d{17}[\dXx])?$",
                                                               error="petitioner.id_number_format"))
    address = fields.String(load_default="", validate=Length(max=300))
    anonymous = fields.Boolean(load_default=False)
    group_size = fields.Integer(load_default=1, validate=Range(min=1, max=100000))

    @validates_schema
    def _named_unless_anonymous(self, data: dict, **_: Any) -> None:
        if not data.get("anonymous"):
            errors = {}
            if not data.get("name", "").strip():
                errors["name"] = [coded("petitioner.name_required")]
            if not data.get("phone", "").strip() and not data.get("address", "").strip():
                errors["phone"] = [coded("petitioner.contact_required")]
            if errors:
                raise ValidationError(errors)


class RegistrationSchema(CodedSchema):
    """Everything SPEC.md asks at registration; the registering organisation comes from the registrar."""

    channel = fields.String(required=True, validate=OneOf(CHANNELS))
    received_at = fields.AwareDateTime(required=True, format="iso")
    petitioner = fields.Nested(PetitionerSchema, required=True)
    reported_party = fields.String(required=True, validate=Length(min=1, max=300))
    reported_address = fields.String(load_default="", validate=Length(max=300))
    division_code = fields.String(required=True)
    location = fields.String(load_default="", validate=Length(max=300))
    pollution_types = fields.List(fields.String(validate=OneOf(POLLUTION_TYPES)), required=True,
                                  validate=Length(min=1, error=coded("registration.pollution_type_required")))
    petition_class = fields.String(required=True, validate=OneOf(PETITION_CLASSES))
    facts = fields.String(required=True, validate=Length(min=5, max=20000))
    demands = fields.String(load_default="", validate=Length(max=5000))
    track = fields.String(load_default=None, allow_none=True, validate=OneOf(["simple", "normal"]))
    cross_county = fields.Boolean(load_default=False)
    province_listed = fields.Boolean(load_default=False)
    link_case_nos = fields.List(fields.String(), load_default=list)

    @validates("division_code")
    def _division(self, value: str, **_: Any) -> None:
        try:
            check_division_code(value)
        except ValueError as exc:
            raise ValidationError(coded("registration.division_code", value=value)) from exc


def validate_registration(form: dict, now: datetime) -> dict:
    """The registration as start data, or InvalidData naming each bad field ('petitioner.name')."""
    try:
        data = RegistrationSchema().load(form)
    except ValidationError as exc:
        raise InvalidData("registration.invalid", errors=field_errors(exc.messages)) from exc
    # Stored in one form, so that finding the same petitioner is an indexed equality, not a scan.
    from workflows.rules.identity import normalise_phone
    petitioner = data["petitioner"]
    petitioner["phone"] = normalise_phone(petitioner.get("phone"))
    petitioner["id_number"] = (petitioner.get("id_number") or "").upper()
    if data["received_at"] > now:
        raise InvalidData("registration.invalid",
                          errors={"received_at": FieldError("registration.received_in_future")})
    return data


def register_case(services: Services, actor: Actor, form: dict,
                  also: Callable[[so.Session, Case], None] | None = None) -> Case:
    """Register a case for the actor's organisation and start its process; returns the stored case row.
    `also` writes what belongs with the case (an import's source row) in the same transaction."""
    from workflows.intake.repeats import link_cases, propose_links

    if not actor.has("registrar"):
        raise NotAllowed("registration.registrar_only")
    data = validate_registration(form, services.clock.now())
    links = data.pop("link_case_nos")
    received = data["received_at"]
    start = dict(data, received_at=received.isoformat(), registration_org=actor.organisation)
    if start["track"] is None:
        del start["track"]
    # Fixed into the case here, recorded with its start: replay and the return-visit sample never depend on
    # today's configuration. repeat_links counts the earlier cases the registrar linked as repeats, a fact the
    # simple-track decision (bpmn/track.dmn) reads.
    start["return_visit_rate"] = services.settings.lifecycle.return_visit_rate
    start["repeat_links"] = len(links)
    for attempt in range(3):
        try:
            with services.db.unit_of_work() as tx:
                start["case_no"] = _next_case_no(tx, actor.organisation, received)
                # The personal fields enter the workflow (state, start event) sealed under a key of the case's
                # own; the case row below gets them in its sealed columns (workflows/personal.py).
                start["petitioner"] = seal_petitioner(tx, data["petitioner"], services.clock.now())
                result = services.runtime.start(PROCESS_ID, start, actor.username, organisation=actor.organisation,
                                                business_key=start["case_no"], session=tx)
                case = tx.scalar(sa.select(Case).where(Case.instance_id == result.instance_id))
                case.query_code = _query_code(tx)
                case.registered_by = actor.username
                if links:
                    link_cases(tx, case, links, actor.username, services.clock.now())
                propose_links(tx, case, services.settings.repeat_detection, actor, services.clock.now())
                if also is not None:
                    also(tx, case)
                tx.flush()
                return case
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise Conflict("registration.case_number_contended") from None
    raise AssertionError("unreachable")


def _next_case_no(tx: so.Session, organisation: str, received: datetime) -> str:
    division = organisation.removeprefix("EEB-")
    prefix = f"{division}-{received.year}-"
    # A range on the unique index, not LIKE 'prefix%': PostgreSQL with a non-C collation cannot use an
    # index for LIKE.
    last = tx.scalar(sa.select(sa.func.max(Case.case_no)).where(Case.case_no >= prefix, Case.case_no < prefix + "~"))
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def _query_code(tx: so.Session) -> str:
    while True:
        code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(10))
        if tx.scalar(sa.select(Case.id).where(Case.query_code == code)) is None:
            return code


def find_by_query_code(session: so.Session, case_no: str, query_code: str) -> Case:
    """The petitioner's way in: case number and query code together, compared in constant time."""
    case = session.scalar(sa.select(Case).where(Case.case_no == case_no))
    if case is None or not case.query_code or not secrets.compare_digest(case.query_code, query_code.strip().upper()):
        raise NotFound("case.query_code_mismatch", case=case_no)
    return case
