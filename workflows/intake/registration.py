"""Registering a petition (登记): `register_case` validates what the registrar entered (errors name the field,
nothing is written), gives the case its number and query code and starts the `petition` process in the same
transaction as the case row."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from engine.errors import Conflict, InvalidData, NotAllowed, NotFound
from workflows.accounts import Actor
from workflows.cases import PROCESS_ID
from workflows.models import (
    CHANNELS,
    PETITION_CLASSES,
    POLLUTION_TYPES,
    Case,
)
from workflows.rules.organisations import check_division_code

if TYPE_CHECKING:
    from workflows.bootstrap import Services

QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class PetitionerSchema(_Strict):
    name = fields.String(load_default="", validate=validate.Length(max=120))
    phone = fields.String(load_default="", validate=validate.Regexp(r"^[0-9+\- ]{0,20}$",
                                                                    error="digits, +, - and spaces only"))
    id_number = fields.String(load_default="", validate=validate.Regexp(
        r"^(\d{17}[\dXx])?$", error="an 18-character resident ID number (last may be X)"))
    address = fields.String(load_default="", validate=validate.Length(max=300))
    anonymous = fields.Boolean(load_default=False)
    group_size = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))

    @validates_schema
    def _named_unless_anonymous(self, data: dict, **_: Any) -> None:
        if not data.get("anonymous"):
            errors = {}
            if not data.get("name", "").strip():
                errors["name"] = ["required unless the petitioner is anonymous"]
            if not data.get("phone", "").strip() and not data.get("address", "").strip():
                errors["phone"] = ["give a phone number or an address to reply to"]
            if errors:
                raise ValidationError(errors)


class RegistrationSchema(_Strict):
    """Everything SPEC.md asks at registration; the registering organisation comes from the registrar."""

    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    received_at = fields.AwareDateTime(required=True, format="iso")
    petitioner = fields.Nested(PetitionerSchema, required=True)
    reported_party = fields.String(required=True, validate=validate.Length(min=1, max=300))
    reported_address = fields.String(load_default="", validate=validate.Length(max=300))
    division_code = fields.String(required=True)
    location = fields.String(load_default="", validate=validate.Length(max=300))
    pollution_types = fields.List(fields.String(validate=validate.OneOf(POLLUTION_TYPES)), required=True,
                                  validate=validate.Length(min=1, error="choose at least one pollution type"))
    petition_class = fields.String(required=True, validate=validate.OneOf(PETITION_CLASSES))
    facts = fields.String(required=True, validate=validate.Length(min=5, max=20000))
    demands = fields.String(load_default="", validate=validate.Length(max=5000))
    track = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["simple", "normal"]))
    cross_county = fields.Boolean(load_default=False)
    province_listed = fields.Boolean(load_default=False)
    link_case_nos = fields.List(fields.String(), load_default=list)

    @validates("division_code")
    def _division(self, value: str, **_: Any) -> None:
        try:
            check_division_code(value)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


def validate_registration(form: dict, now: datetime) -> dict:
    """The registration as start data, or InvalidData naming each bad field ('petitioner.name')."""
    try:
        data = RegistrationSchema().load(form)
    except ValidationError as exc:
        raise InvalidData("the case was not registered; correct the fields marked", _flatten(exc.messages)) from exc
    # Stored in one form, so that finding the same petitioner is an indexed equality, not a scan.
    from workflows.rules.identity import normalise_phone
    petitioner = data["petitioner"]
    petitioner["phone"] = normalise_phone(petitioner.get("phone"))
    petitioner["id_number"] = (petitioner.get("id_number") or "").upper()
    if data["received_at"] > now:
        raise InvalidData("the case was not registered; correct the fields marked",
                          {"received_at": "lies in the future"})
    return data


def register_case(services: Services, actor: Actor, form: dict) -> Case:
    """Register a case for the actor's organisation and start its process; returns the stored case row."""
    from workflows.intake.repeats import link_cases, propose_links

    if not actor.has("registrar"):
        raise NotAllowed("only registrars register cases")
    data = validate_registration(form, services.clock.now())
    links = data.pop("link_case_nos")
    received = data["received_at"]
    start = dict(data, received_at=received.isoformat(), registration_org=actor.organisation)
    if start["track"] is None:
        del start["track"]
    for attempt in range(3):
        try:
            with services.db.unit_of_work() as tx:
                start["case_no"] = _next_case_no(tx, actor.organisation, received)
                result = services.runtime.start(PROCESS_ID, start, actor.username, organisation=actor.organisation,
                                                business_key=start["case_no"], session=tx)
                case = tx.scalar(sa.select(Case).where(Case.instance_id == result.instance_id))
                case.query_code = _query_code(tx)
                case.registered_by = actor.username
                if links:
                    link_cases(tx, case, links, actor.username, services.clock.now())
                propose_links(tx, case, services.settings.repeat_detection, actor, services.clock.now())
                tx.flush()
                return case
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise Conflict("another case took the same case number three times; try again") from None
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


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}{key}" if key != "_schema" else prefix.rstrip(".") or "_form"
            if isinstance(value, dict):
                flat.update(_flatten(value, f"{name}."))
            else:
                flat[name] = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return flat


def find_by_query_code(session: so.Session, case_no: str, query_code: str) -> Case:
    """The petitioner's way in: case number and query code together, compared in constant time."""
    case = session.scalar(sa.select(Case).where(Case.case_no == case_no))
    if case is None or not case.query_code or not secrets.compare_digest(case.query_code, query_code.strip().upper()):
        raise NotFound("no case with this number and query code")
    return case
