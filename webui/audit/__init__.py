"""The auditor's view: every visible case with its history replayed on the diagram step by step, verify,
the dossier as PDF and JSON, the case list as CSV and XLSX, the reveal log and per-version heatmaps.

Every route here is a GET: auditing reads, it never changes a case (the read-only guard refuses writes).
"""
from __future__ import annotations

import json
import re
import sys
from datetime import datetime

import click
import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from engine.models import ProcessVersion
from webui import current_services
from webui.auth import current_actor, roles_required
from webui.i18n import CHANNELS, POLLUTION_TYPES, STATUSES, label, org_name, pick, when
from webui.i18n.errors import error_message
from webui.urls import page_number
from workflows.audit.case_list import (
    CASE_COLUMNS,
    CaseFilters,
    case_rows,
    cases_csv,
    cases_xlsx,
    list_cases,
)
from workflows.audit.dossier import (
    build_dossier,
    dossier_json,
    dossier_json_text,
    pdf_from_html,
    verify_dossier,
)
from workflows.audit.history import case_history, verify_case
from workflows.audit.reveals import reveal_log_page
from workflows.audit.versions import (
    diagram_xml,
    version_diagrams,
    version_heatmap,
    versions_in_use,
)
from workflows.models import Organisation

bp = Blueprint("audit", __name__, template_folder="templates", url_prefix="/audit", cli_group="audit")
PER_PAGE = 25
AUDITOR = "auditor"
# Fields of the registration whose values are codes with labels of their own (webui.i18n).
_CODED_FIELDS = {"status": "status", "channel": "channel", "petition_class": "class", "track": "track",
                 "pollution_types": "pollution"}
_ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?$")


@bp.app_template_filter("shown")
def shown(text: str | None, path: str | None = None) -> str:
    """A value of the history's diff: times in local time, codes and bilingual option names in the page's
    language."""
    kind = _CODED_FIELDS.get(path or "")
    if kind and text:
        return "、".join(label(kind, part) for part in text.split("、"))
    if text and _ISO_TIME.match(text):
        return iso_when(text)
    return pick(text)


@bp.app_template_filter("iso_when")
def iso_when(text: str | None) -> str:
    """An ISO time as stored in event data, shown like every other time (Asia/Shanghai)."""
    try:
        return when(datetime.fromisoformat(text))
    except (TypeError, ValueError):
        return text or ""


# -- the case list ---------------------------------------------------------------------------------------
@bp.get("/")
@roles_required(AUDITOR)
def index():
    filters = CaseFilters.from_args(request.args)
    page = page_number()
    with current_services().db.reader() as session:
        found = list_cases(session, current_actor(), filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        organisations = list(session.scalars(sa.select(Organisation.code).order_by(Organisation.path)))
    return render_template("audit/index.html", found=found, filters=filters, args=filters.as_args(), page=page,
                           pages=max(1, -(-found.total // PER_PAGE)), statuses=STATUSES, channels=CHANNELS,
                           pollution_types=POLLUTION_TYPES, organisations=organisations)


@bp.get("/cases.csv")
@roles_required(AUDITOR)
def cases_as_csv():
    headers, rows = _case_table()
    return _download(cases_csv(headers, rows), "text/csv; charset=utf-8", _stamped("cases", "csv"))


@bp.get("/cases.xlsx")
@roles_required(AUDITOR)
def cases_as_xlsx():
    headers, rows = _case_table()
    return _download(cases_xlsx(headers, rows),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _stamped("cases", "xlsx"))


CASE_HEADERS = {
    "case_no": _l("Case number"), "received_at": _l("Received"), "channel": _l("Channel"),
    "petition_class": _l("Class"), "pollution_types": _l("Pollution types"), "reported_party": _l("Reported party"),
    "division_code": _l("Division"), "registration_org": _l("Registered by"), "handling_org": _l("Handled by"),
    "status": _l("Status"), "track": _l("Track"), "closed_at": lazy_pgettext("closing time", "Closed"),
}


def _case_table() -> tuple[list[str], list[list]]:
    with current_services().db.reader() as session:
        found = list_cases(session, current_actor(), CaseFilters.from_args(request.args))
    rows = case_rows(found.cases)
    coded = {"channel": CHANNELS, "status": STATUSES, "pollution_types": POLLUTION_TYPES}
    for row in rows:
        for index, attribute in enumerate(CASE_COLUMNS):
            table = coded.get(attribute)
            if table and row[index]:
                row[index] = "、".join(str(table.get(code, code)) for code in str(row[index]).split(","))
    return [str(CASE_HEADERS[attribute]) for attribute in CASE_COLUMNS], rows


# -- one case: history, replay, verify, dossier ------------------------------------------------------------
@bp.get("/cases/<int:case_id>")
@roles_required(AUDITOR)
def history(case_id: int):
    found = case_history(current_services(), current_actor(), case_id)
    diagrams = version_diagrams(current_services(), found.instance.version_id, found.processes)
    return render_template("audit/history.html", history=found, diagrams=diagrams)


@bp.get("/cases/<int:case_id>/steps.json")
@roles_required(AUDITOR)
def steps(case_id: int):
    """The state after every event, replayed, and where each process's diagram is."""
    services = current_services()
    found = case_history(services, current_actor(), case_id)
    diagrams = version_diagrams(services, found.instance.version_id, found.processes)
    states = []
    for state in found.states:
        step = state.as_dict()
        for task in step["ready"]:
            task.update(title=pick(task["title"]), organisation_name=org_name(task["organisation"]),
                        role_name=label("role", task["role"]))
        for timer in step["timers"]:
            timer["name"] = pick(timer["name"])
        states.append(step)
    labels = found.labels
    keys = {key for state in found.states for key in state.data}
    return jsonify({
        "case_no": found.case.case_no, "version_id": found.instance.version_id,
        "labels": {key: pick(labels.field(key)) for key in sorted(keys) if labels.field(key) != key},
        "processes": [{"id": process, "name": pick(where["name"]),
                       "diagram": url_for("audit.diagram", version_id=found.instance.version_id, process_id=process)}
                      for process, where in diagrams.items()],
        # A migrated case ran on several versions; each step names its own (steps[].version_id).
        "diagrams": {str(version): {process: url_for("audit.diagram", version_id=version, process_id=process)
                                    for process in version_diagrams(services, version, found.processes)}
                     for version in found.versions},
        "steps": states,
    })


@bp.get("/cases/<int:case_id>/verify")
@roles_required(AUDITOR)
def verify(case_id: int):
    verdict = verify_case(current_services(), current_actor(), case_id)
    return jsonify({"ok": verdict.ok, "events": verdict.events, "bad_seq": verdict.bad_seq,
                    "code": verdict.code, "problem": error_message(verdict) if not verdict.ok else "",
                    "text": str(verdict)})


@bp.get("/cases/<int:case_id>/dossier.pdf")
@roles_required(AUDITOR)
def dossier_pdf(case_id: int):
    dossier = build_dossier(current_services(), current_actor(), case_id)
    html = render_template("audit/dossier.html", dossier=dossier)
    pdf = pdf_from_html(html, base_url=request.host_url)
    return _download(pdf, "application/pdf", f"{dossier.case.case_no}.pdf")


@bp.get("/cases/<int:case_id>/dossier.json")
@roles_required(AUDITOR)
def dossier_as_json(case_id: int):
    document = dossier_json(current_services(), current_actor(), case_id)
    return _download(dossier_json_text(document).encode("utf-8"), "application/json",
                     f"{document['case']['case_no']}.json")


# -- diagrams and heatmaps of process versions ---------------------------------------------------------
@bp.get("/versions/<int:version_id>/<process_id>.bpmn")
@roles_required(AUDITOR)
def diagram(version_id: int, process_id: str):
    """The BPMN file of the version that holds the process, exactly as deployed."""
    return Response(diagram_xml(current_services(), version_id, process_id), mimetype="application/xml")


@bp.get("/versions")
@roles_required(AUDITOR)
def versions():
    with current_services().db.reader() as session:
        rows = versions_in_use(session, current_actor())
    return render_template("audit/versions.html",
                           rows=[(version, count, json.loads(version.process_ids)) for version, count in rows])


@bp.get("/versions/<int:version_id>/heatmap")
@roles_required(AUDITOR)
def heatmap(version_id: int):
    version, processes = _version(version_id)
    return render_template("audit/heatmap.html", version=version, processes=processes)


@bp.get("/versions/<int:version_id>/heatmap.json")
@roles_required(AUDITOR)
def heatmap_data(version_id: int):
    _version(version_id)
    stats = version_heatmap(current_services(), current_actor(), version_id)
    return jsonify({"version_id": version_id, "elements": [s.as_dict() for s in stats]})


def _version(version_id: int) -> tuple[ProcessVersion, dict[str, dict[str, str]]]:
    services = current_services()
    with services.db.reader() as session:
        version = session.get(ProcessVersion, version_id)
    if version is None:
        abort(404)
    processes = version_diagrams(services, version_id, json.loads(version.process_ids))
    return version, processes


# -- the reveal log --------------------------------------------------------------------------------------
@bp.get("/reveals")
@roles_required(AUDITOR)
def reveals():
    username = (request.args.get("username") or "").strip() or None
    case_no = (request.args.get("case_no") or "").strip() or None
    # The same reading of dates as the case list's filters: an unreadable date is ignored.
    dates = CaseFilters.from_args(request.args)
    with current_services().db.reader() as session:
        found = reveal_log_page(session, current_actor(), username, case_no, page_number(),
                                day_from=dates.received_from, day_to=dates.received_to)
    filters = {"username": username, "case_no": case_no,
               "received_from": dates.received_from.isoformat() if dates.received_from else None,
               "received_to": dates.received_to.isoformat() if dates.received_to else None}
    return render_template("audit/reveals.html", found=found, filters=filters)


# -- command line ----------------------------------------------------------------------------------------
@bp.cli.command("verify-dossier", help="Replay a JSON dossier export in memory and compare it with its state.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def verify_dossier_command(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    try:
        verdict = verify_dossier(current_services(), document)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="PATH") from exc
    click.echo(str(verdict))
    sys.exit(0 if verdict.ok else 1)


# -- helpers -------------------------------------------------------------------------------------------
def _stamped(name: str, suffix: str) -> str:
    return f"{name}-{current_services().clock.now():%Y%m%d-%H%M}.{suffix}"


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
