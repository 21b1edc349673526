"""The designer studio (role `designer` only): drafts of the process bundle edited in the browser (BPMN in
bpmn-js with our properties panel, DMN in dmn-js, forms with a live preview), validated, previewed and deployed
as new versions; the versions with their notes and a diff. Pages here, the studio's JSON in `api`."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from engine.errors import InvalidData
from webui import current_services
from webui.auth import current_actor, roles_required
from webui.designer.api import api
from webui.designer.words import words
from webui.i18n.errors import error_message, field_messages
from workflows.design.drafts import discard_draft, get_draft, open_draft, open_drafts
from workflows.design.migration import migrate_cases, plan_migration
from workflows.design.versions import list_versions
from workflows.rules.timezone import TIMEZONE_NAME

DESIGNER = "designer"
bp = Blueprint("designer", __name__, template_folder="templates", url_prefix="/design")
bp.register_blueprint(api)


@bp.get("/")
@roles_required(DESIGNER)
def index():
    services, actor = current_services(), current_actor()
    return render_template("designer/index.html", drafts=open_drafts(services, actor),
                           versions=list_versions(services, actor))


@bp.post("/drafts")
@roles_required(DESIGNER)
def new_draft():
    draft = open_draft(current_services(), current_actor())
    return redirect(url_for("designer.studio", draft_id=draft.id))


@bp.get("/drafts/<int:draft_id>")
@roles_required(DESIGNER)
def studio(draft_id: int):
    draft = get_draft(current_services(), current_actor(), draft_id)
    return render_template("designer/studio.html", draft=draft, words=words(), timezone=TIMEZONE_NAME)


@bp.post("/drafts/<int:draft_id>/discard")
@roles_required(DESIGNER)
def discard(draft_id: int):
    discard_draft(current_services(), current_actor(), draft_id)
    return redirect(url_for("designer.index"))


@bp.get("/versions/diff")
@roles_required(DESIGNER)
def diff_page():
    versions = list_versions(current_services(), current_actor())
    return render_template("designer/diff.html", versions=versions, words=words())


@bp.route("/migrate", methods=["GET", "POST"])
@roles_required(DESIGNER)
def migrate():
    """Move running cases to another version: the form, then the dry run's table, then the run's."""
    services, actor = current_services(), current_actor()
    versions = list_versions(services, actor)
    form = request.form
    report = error = None
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            plan = plan_migration(services, actor, form.get("from_version", type=int) or 0,
                                  form.get("to_version", type=int) or 0, form.get("mappings", ""),
                                  bool(form.get("keep_due")))
            report = migrate_cases(services, actor, plan, form.get("where", ""), dry_run=form.get("apply") != "1")
        except InvalidData as exc:
            error, errors = error_message(exc), field_messages(exc.errors)
    return render_template("designer/migrate.html", versions=versions, form=form, report=report, error=error,
                           errors=errors, reason=error_message)
