"""Imports (/imports, registrars): save a source's column mapping once, upload its CSV or XLSX export, see the dry
run's verdict on every row, then import the good rows; the file of the dry run is kept for the import."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.datastructures import MultiDict

from engine.errors import InvalidData
from webui import current_services
from webui.auth import current_actor, roles_required
from webui.i18n.errors import error_message, field_messages
from workflows.intake.imports import (
    FIELDS,
    REQUIRED,
    list_sources,
    run_import,
    save_source,
    stash_upload,
    stashed_upload,
)
from workflows.models import CHANNELS

bp = Blueprint("imports", __name__, url_prefix="/imports", template_folder="templates")


@bp.get("/")
@roles_required("registrar")
def index():
    return _page(MultiDict(request.args))


@bp.post("/sources")
@roles_required("registrar")
def save():
    mapping = {key: request.form.get(f"mapping.{key}", "").strip() for key in FIELDS
               if request.form.get(f"mapping.{key}", "").strip()}
    try:
        save_source(current_services(), current_actor(), request.form.get("name", ""),
                    request.form.get("channel", ""), mapping)
    except InvalidData as exc:
        return _page(request.form, field_messages(exc.errors), error_message(exc)), 422
    return _page(MultiDict({"source": request.form.get("name", "").strip()}))


@bp.post("/run")
@roles_required("registrar")
def run():
    services = current_services()
    upload = request.files.get("file")
    try:
        if upload is not None and upload.filename:
            data, filename = upload.read(), upload.filename
            digest = stash_upload(services.settings, data)
        else:
            filename, digest = request.form.get("filename", ""), request.form.get("upload", "")
            data = stashed_upload(services.settings, digest)
        report = run_import(services, current_actor(), request.form.get("source", ""), filename, data,
                            dry_run=request.form.get("action") != "import")
    except InvalidData as exc:
        return _page(request.form, field_messages(exc.errors), error_message(exc)), 422
    return _page(request.form, report=report, upload=digest, filename=filename)


def _page(values: MultiDict, errors: dict | None = None, message: str | None = None, report=None,
          upload: str | None = None, filename: str | None = None):
    services = current_services()
    return render_template("imports/index.html", values=values, errors=errors or {}, message=message,
                           report=report, upload=upload, filename=filename, fields=FIELDS, required=REQUIRED,
                           channels=CHANNELS, sources=list_sources(services, current_actor()))
