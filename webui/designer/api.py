"""The studio's JSON endpoints: a draft with the closed sets its pickers offer, saving a file (a stale save is
a 409 carrying the stored file), validation (of the saved draft, or of the unsaved edits as they are typed),
the deadlines preview, the dry run, deploy, the form preview, version files and
diffs. Errors answer as JSON with their code and the sentence in the reader's language."""
from __future__ import annotations

import json

from flask import Blueprint, jsonify, render_template, request
from marshmallow import ValidationError

from engine.errors import Conflict, InvalidBundle, InvalidData, NotAllowed, NotFound
from webui import current_services
from webui.auth import current_actor, roles_required
from webui.designer.schemas import (
    CatalogOut,
    CheckIn,
    ClockOut,
    DeployIn,
    DiffOut,
    DraftFileOut,
    DraftOut,
    DryRunIn,
    DryRunOut,
    FormPreviewIn,
    PreviewIn,
    ProblemOut,
    SaveFileIn,
    plain_params,
)
from webui.forms import form_fields
from webui.i18n.errors import error_message, field_messages
from workflows.design.catalog import draft_catalog
from workflows.design.diff import diff_versions
from workflows.design.drafts import StaleDraftFile, get_draft, save_file
from workflows.design.dry_run import dry_run, sample_registration
from workflows.design.preview import preview_draft_deadlines
from workflows.design.validation import check_edits, validate_draft
from workflows.design.versions import deploy_draft, version_files

DESIGNER = "designer"
api = Blueprint("api", __name__, url_prefix="/api")


def _body(schema):
    return schema().load(request.get_json(silent=True) or {})


@api.get("/drafts/<int:draft_id>")
@roles_required(DESIGNER)
def draft(draft_id: int):
    services = current_services()
    found = get_draft(services, current_actor(), draft_id)
    catalog = draft_catalog(found, services.definitions.script_check.functions)
    return jsonify(draft=DraftOut().dump(found), catalog=CatalogOut().dump(catalog))


@api.put("/drafts/<int:draft_id>/files/<path:path>")
@roles_required(DESIGNER)
def save(draft_id: int, path: str):
    body = _body(SaveFileIn)
    saved = save_file(current_services(), current_actor(), draft_id, path, body["content"], body["revision"])
    return jsonify(DraftFileOut().dump(saved))


@api.post("/drafts/<int:draft_id>/validate")
@roles_required(DESIGNER)
def validate(draft_id: int):
    report = validate_draft(current_services(), current_actor(), draft_id)
    return jsonify(valid=report.valid, problems=ProblemOut(many=True).dump(report.problems),
                   warnings=ProblemOut(many=True).dump(report.warnings))


@api.post("/drafts/<int:draft_id>/check")
@roles_required(DESIGNER)
def check(draft_id: int):
    """The deploy checks of the draft with the unsaved edits the studio sends (path -> text), and the pickers'
    closed sets as those edits leave them; nothing is saved."""
    body = _body(CheckIn)
    services = current_services()
    edited, report = check_edits(services, current_actor(), draft_id, body["files"])
    catalog = draft_catalog(edited, services.definitions.script_check.functions)
    return jsonify(valid=report.valid, problems=ProblemOut(many=True).dump(report.problems),
                   warnings=ProblemOut(many=True).dump(report.warnings), catalog=CatalogOut().dump(catalog))


@api.post("/drafts/<int:draft_id>/preview")
@roles_required(DESIGNER)
def preview(draft_id: int):
    body = _body(PreviewIn)
    found = preview_draft_deadlines(current_services(), current_actor(), draft_id, body["received"], body["track"])
    return jsonify(track=found.track, clocks=ClockOut(many=True).dump(found.clocks),
                   warnings=[dict(w.as_dict(), message=error_message(w)) for w in found.warnings])


@api.post("/drafts/<int:draft_id>/dry-run")
@roles_required(DESIGNER)
def dry_run_draft(draft_id: int):
    """Replay the chosen path of a sample case through the draft; the sample registration is returned too,
    so the studio can show and edit it."""
    body = _body(DryRunIn)
    services = current_services()
    sample = body["sample"] or sample_registration(services, current_actor(), body["received"])
    run = dry_run(services, current_actor(), draft_id, body["received"], body["steps"], sample)
    return jsonify(sample=sample, run=DryRunOut().dump(run))


@api.post("/drafts/<int:draft_id>/deploy")
@roles_required(DESIGNER)
def deploy(draft_id: int):
    body = _body(DeployIn)
    deployed = deploy_draft(current_services(), current_actor(), draft_id, body["note"])
    return jsonify(version_id=deployed.version_id, deadlines_changed=deployed.deadlines_changed,
                   warnings=ProblemOut(many=True).dump(deployed.warnings))


@api.post("/form-preview")
@roles_required(DESIGNER)
def form_preview():
    body = _body(FormPreviewIn)
    try:
        schema = json.loads(body["content"])
    except json.JSONDecodeError as exc:
        raise InvalidData("bundle.form_json", detail=exc.msg) from None
    fields = form_fields(schema if isinstance(schema, dict) else {})
    return render_template("designer/_form_preview.html", fields=fields, errors={},
                           title=schema.get("title", "") if isinstance(schema, dict) else "")


@api.get("/versions/<int:version_id>/files/<path:path>")
@roles_required(DESIGNER)
def version_file(version_id: int, path: str):
    files = version_files(current_services(), current_actor(), version_id)
    if path not in files:
        raise NotFound("design.file_not_found", path=path, draft=version_id)
    return files[path], 200, {"Content-Type": "application/xml; charset=utf-8"}


@api.get("/versions/<int:old_id>/diff/<int:new_id>")
@roles_required(DESIGNER)
def diff(old_id: int, new_id: int):
    return jsonify(DiffOut().dump(diff_versions(current_services(), current_actor(), old_id, new_id)))


def _error(status: int, exc, **extra):
    return jsonify(code=exc.code, message=error_message(exc), params=plain_params(exc.params), **extra), status


@api.errorhandler(StaleDraftFile)
def _stale(exc: StaleDraftFile):
    return _error(409, exc, theirs=DraftFileOut().dump(exc.current))


@api.errorhandler(InvalidBundle)
def _invalid_bundle(exc: InvalidBundle):
    return _error(422, exc, problems=ProblemOut(many=True).dump(exc.problems))


@api.errorhandler(ValidationError)
def _invalid_body(exc: ValidationError):
    return jsonify(code="data.invalid", message=error_message(InvalidData()), fields=exc.messages), 422


api.register_error_handler(Conflict, lambda exc: _error(409, exc))
api.register_error_handler(InvalidData, lambda exc: _error(422, exc, fields=field_messages(exc.errors)))
api.register_error_handler(NotAllowed, lambda exc: _error(403, exc))
api.register_error_handler(NotFound, lambda exc: _error(404, exc))
