"""Administration: pending timers and their correction (with a reason, as an audit event), incidents (steps
stopped in a script, which designers see too) and their retry; accounts (`users`), the organisation tree
(`organisations`) and the administrators' log (`log`) are views of this blueprint in their own modules."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import EngineError, FieldError, InvalidData
from webui import current_services
from webui.auth import current_actor, roles_required
from webui.i18n.errors import error_message, field_messages
from workflows.handling.incidents import incidents_with_cases, retry_incident
from workflows.handling.timers import correct_deadline, pending_timers, timer_with_case
from workflows.rules.timezone import SHANGHAI, TIMEZONE_NAME

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")
PER_PAGE = 50


@bp.get("/")
@roles_required("admin")
def index():
    return redirect(url_for("admin.timers"))


@bp.get("/timers")
@roles_required("admin")
def timers():
    case_no = request.args.get("case_no", "").strip()
    found = pending_timers(current_services(), case_no, page_number(), PER_PAGE)
    return render_template("admin/timers.html", timers=found, case_no=case_no, tz=SHANGHAI)


@bp.route("/timers/<int:timer_id>/correct", methods=["GET", "POST"])
@roles_required("admin")
def correct_timer(timer_id: int):
    services = current_services()
    found = timer_with_case(services, timer_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        actor = current_actor()
        try:
            new_due = _parse_local(request.form.get("new_due", ""))
            correct_deadline(services, actor, timer_id, new_due, request.form.get("reason", ""))
        except InvalidData as exc:
            errors = field_messages(exc.errors)
        else:
            flash(_("The deadline was corrected; the correction is in the case's history."), "success")
            return redirect(url_for("admin.timers", case_no=found.case_no or ""))
    return render_template("admin/correct_timer.html", timer=found.timer, case_no=found.case_no, errors=errors,
                           form=request.form, tz=SHANGHAI, tz_name=TIMEZONE_NAME), 422 if errors else 200


def _parse_local(value: str) -> datetime:
    """A `datetime-local` input, read as Asia/Shanghai time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidData("timer.not_corrected",
                          errors={"new_due": FieldError("form.format", {"format": "date-time"})}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


@bp.get("/incidents")
@roles_required("admin", "designer")
def incidents():
    return render_template("admin/incidents.html", incidents=incidents_with_cases(current_services()),
                           describe=error_message, tz=SHANGHAI)


@bp.post("/incidents/<int:incident_id>/retry")
@roles_required("admin", "designer")
def retry(incident_id: int):
    try:
        retry_incident(current_services(), current_actor(), incident_id)
    except EngineError as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("The incident was retried and is resolved."), "success")
    return redirect(url_for("admin.incidents"))



# The views of the other administration pages register on `bp` when their modules are imported.
from webui.admin import log, organisations, users  # noqa: F401
from webui.urls import page_number
