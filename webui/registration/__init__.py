"""Registering a case (登记): every channel and field of SPEC.md, repeat suggestions before saving, documents.

"Check for repeats" (and the first press of "Register" when earlier cases look alike) shows the
candidates with their score and reasons; the ticked ones are linked when the case is registered.
Errors are shown next to each field and nothing is stored.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.errors import InvalidData
from webui import current_services
from webui.auth import current_actor, roles_required
from webui.forms import input_datetime, local_datetime
from webui.i18n.errors import error_message, field_messages
from workflows.intake.attachments import (
    ALLOWED_TYPES,
    Upload,
    check_uploads,
    store_attachments,
)
from workflows.intake.registration import register_case
from workflows.intake.repeats import suggest_repeats
from workflows.models import CHANNELS, PETITION_CLASSES, POLLUTION_TYPES
from workflows.rules.masking import PERSONAL_FIELDS

bp = Blueprint("registration", __name__, template_folder="templates")


@bp.get("/cases/new")
@roles_required("registrar")
def new():
    now = current_services().clock.now()
    values = MultiDict({"received_at": input_datetime(now), "petitioner.group_size": "1"})
    return _page(values)


@bp.post("/cases/new")
@roles_required("registrar")
def create():
    services = current_services()
    actor = current_actor()
    registration = registration_data(request.form)
    uploads = [Upload(f.filename or "", f.read()) for f in request.files.getlist("attachments") if f.filename]
    checked = request.form.get("repeats_checked") == "1"
    if request.form.get("action") == "check" or not checked:
        candidates = repeat_candidates(registration)
        if request.form.get("action") == "check" or candidates:
            errors = _problems(registration)
            if candidates and request.form.get("action") != "check":
                flash(_("Earlier cases look alike. Tick the ones this case repeats, then press Register again."),
                      "warning")
            return _page(request.form, errors, candidates, checked=True, kept_files=bool(uploads))
    try:
        check_uploads(services.settings, uploads)
        case = register_case(services, actor, registration)
    except InvalidData as exc:
        return _page(request.form, field_messages(exc.errors), repeat_candidates(registration), checked=True,
                     message=error_message(exc), kept_files=bool(uploads)), 422
    store_attachments(services, actor, case.id, uploads)
    flash(_("Case %(case_no)s registered. Query code for the petitioner: %(code)s",
            case_no=case.case_no, code=case.query_code), "success")
    return redirect(url_for("cases.show", case_id=case.id))


def registration_data(form: MultiDict) -> dict[str, Any]:
    """The registration form as `register_case` takes it; the schema there judges every value."""
    def text(name: str) -> str:
        return (form.get(name) or "").strip()

    petitioner: dict[str, Any] = {key: text(f"petitioner.{key}") for key in PERSONAL_FIELDS}
    petitioner["anonymous"] = form.get("petitioner.anonymous") == "on"
    if text("petitioner.group_size"):
        petitioner["group_size"] = text("petitioner.group_size")
    data: dict[str, Any] = {
        "channel": text("channel"), "petitioner": petitioner, "reported_party": text("reported_party"),
        "reported_address": text("reported_address"), "division_code": text("division_code"),
        "location": text("location"), "pollution_types": form.getlist("pollution_types"),
        "petition_class": text("petition_class"), "facts": text("facts"), "demands": text("demands"),
        "cross_county": form.get("cross_county") == "on", "province_listed": form.get("province_listed") == "on",
        "link_case_nos": _case_numbers(form),
    }
    try:
        data["received_at"] = local_datetime(text("received_at")).isoformat()
    except ValueError:
        data["received_at"] = text("received_at")
    if text("track"):
        data["track"] = text("track")
    # An empty input is left out, so that the schema says "required" rather than "not one of".
    return {key: value for key, value in data.items() if value != ""}


def _case_numbers(form: MultiDict) -> list[str]:
    typed = [n.strip() for n in (form.get("link_case_nos_text") or "").replace("，", ",").split(",")]
    return list(dict.fromkeys([n for n in form.getlist("link_case_nos") + typed if n]))


def repeat_candidates(registration: dict) -> list:
    """Earlier cases the registration may repeat."""
    return suggest_repeats(current_services(), registration)


def _problems(registration: dict) -> dict[str, str]:
    from workflows.intake.registration import validate_registration

    try:
        validate_registration(registration, current_services().clock.now())
    except InvalidData as exc:
        return field_messages(exc.errors)
    return {}


def _page(values: MultiDict, errors: dict | None = None, candidates: list | None = None, checked: bool = False,
          message: str | None = None, kept_files: bool = False):
    return render_template("registration/new.html", values=values, errors=errors or {}, candidates=candidates or [],
                           checked=checked, message=message, channels=CHANNELS, pollution_types=POLLUTION_TYPES,
                           petition_classes=PETITION_CLASSES, accept=",".join(sorted(ALLOWED_TYPES)),
                           max_megabytes=current_services().settings.uploads.max_megabytes,
                           kept_files=kept_files)
