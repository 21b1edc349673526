"""The public portal (/portal), no account: submit a petition (with a CAPTCHA), follow a case by its number
and query code, rate the answer, ask for review or re-review. The opened case is remembered in the session,
so that its query code never appears in a URL."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from engine.errors import Conflict, FieldError, InvalidData, NotFound
from webui import current_services
from webui.i18n.errors import error_message, field_messages
from webui.portal import captcha
from webui.portal.labels import portal_label
from webui.ratelimit import limiter, query_code_key, setting
from webui.registration import registration_data
from workflows.intake.attachments import ALLOWED_TYPES, Upload
from workflows.models import PETITION_CLASSES, POLLUTION_TYPES
from workflows.portal.requests import RATINGS, rate_case, request_review
from workflows.portal.submission import submit_petition
from workflows.portal.tracking import track_case
from workflows.reporting.bulletin import bulletin_month
from workflows.reporting.disclosure import monthly_disclosure
from workflows.reporting.periods import previous_month

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates")
# The rates the disclosure page shows (workflows.reporting.disclosure.DISCLOSED_KPIS).
DISCLOSED_KPI_NAMES = {"timely_acceptance": _l("Timely acceptance rate"),
                       "on_time_completion": _l("On-time completion rate"),
                       "rating_participation": _l("Rating participation rate"),
                       "satisfaction": _l("Satisfaction rate (satisfied + basically satisfied)")}
OPENED = "portal_case"


@bp.context_processor
def _labels():
    return {"portal_label": portal_label,
            "disclosure_enabled": current_services().settings.portal.disclosure_enabled}


@bp.get("/")
def index():
    return render_template("portal/index.html", values=MultiDict(), errors={})


@bp.get("/submit")
def submit_form():
    return _submit_page(MultiDict({"petitioner.group_size": "1"}))


@bp.post("/submit")
@limiter.limit(setting("submit_limit"))
def submit():
    if not captcha.check_answer(request.form.get("captcha")):
        wrong = FieldError("portal.captcha_wrong")
        return _submit_page(request.form, {"captcha": error_message(wrong)}, error_message(wrong)), 422
    uploads = [Upload(f.filename or "", f.read()) for f in request.files.getlist("attachments") if f.filename]
    try:
        receipt = submit_petition(current_services(), registration_data(request.form), uploads)
    except InvalidData as exc:
        return _submit_page(request.form, field_messages(exc.errors), error_message(exc)), 422
    return render_template("portal/receipt.html", receipt=receipt)


@bp.get("/captcha.png")
def captcha_image():
    return Response(captcha.new_challenge(), mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.post("/track")
@limiter.limit(setting("lookup_limit"))
@limiter.limit(setting("code_limit"), key_func=query_code_key)
def open_case():
    case_no, query_code = request.form.get("case_no", ""), request.form.get("query_code", "")
    try:
        track_case(current_services(), case_no, query_code)
    except NotFound as exc:
        return render_template("portal/index.html", values=request.form, message=error_message(exc)), 404
    session[OPENED] = {"case_no": case_no.strip(), "query_code": query_code}
    return redirect(url_for(".case"))


@bp.get("/case")
@limiter.limit(setting("lookup_limit"))
def case():
    opened = session.get(OPENED)
    if not opened:
        return redirect(url_for(".index"))
    public = track_case(current_services(), opened["case_no"], opened["query_code"])
    return render_template("portal/case.html", case=public, ratings=RATINGS)


@bp.post("/case/close")
def close_case():
    session.pop(OPENED, None)
    return redirect(url_for(".index"))


@bp.post("/rate")
@limiter.limit(setting("code_limit"), key_func=query_code_key)
def rate():
    return _act(rate_case, _("Thank you: your rating was recorded."))


@bp.post("/review")
@limiter.limit(setting("code_limit"), key_func=query_code_key)
def review():
    return _act(request_review, _("Your request was received; the bureau one level up will answer it."))


@bp.errorhandler(429)
def _too_many(exc):
    message = _("Too many requests from here. Wait a few minutes and try again.")
    return render_template("portal/index.html", values=MultiDict(), message=message), 429


def _act(action, done: str):
    """Run the petitioner's action on the opened case, then show the case again."""
    opened = session.get(OPENED)
    if not opened:
        return redirect(url_for(".index"))
    try:
        form = {key: value for key, value in request.form.items() if key != "csrf_token"}
        action(current_services(), opened["case_no"], opened["query_code"], form)
    except InvalidData as exc:
        for message in field_messages(exc.errors).values():
            flash(message, "error")
        return redirect(url_for(".case"), code=303)
    except Conflict as exc:
        flash(error_message(exc), "error")
        return redirect(url_for(".case"), code=303)
    flash(done, "success")
    return redirect(url_for(".case"), code=303)


def _submit_page(values: MultiDict, errors: dict | None = None, message: str | None = None):
    return render_template("portal/submit.html", values=values, errors=errors or {}, message=message,
                           pollution_types=POLLUTION_TYPES, petition_classes=PETITION_CLASSES,
                           accept=",".join(sorted(ALLOWED_TYPES)),
                           max_megabytes=current_services().settings.uploads.max_megabytes)


@bp.get("/disclosure")
@limiter.limit(setting("lookup_limit"))
def disclosure():
    """Each bureau's anonymised figures for a month (last month by default); only when the deployment publishes
    them (`portal.disclosure_enabled`)."""
    services = current_services()
    portal = services.settings.portal
    if not portal.disclosure_enabled:
        abort(404)
    now = services.clock.now()
    errors = {}
    month = previous_month(now)
    if request.args.get("month"):
        try:
            month = bulletin_month(request.args["month"])
        except InvalidData as exc:
            errors = field_messages(exc.errors)
    with services.db.reader() as db:
        published = monthly_disclosure(db, month, now, portal.disclosure_reported_parties)
    return render_template("portal/disclosure.html", disclosure=published, errors=errors,
                           kpi_names=DISCLOSED_KPI_NAMES), 422 if errors else 200
