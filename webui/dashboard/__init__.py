"""The KPI dashboard for leaders, supervisors, auditors and admins: the figures of their bureau or one below it
with targets, monthly trends (ECharts, fed by a JSON endpoint), the cases behind every number, every table as
CSV and XLSX, and the monthly bulletin as PDF and XLSX (also `ecopetition bulletin`)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
)
from flask_babel import force_locale, pgettext
from flask_babel import gettext as _

from engine.errors import InvalidData
from webui import current_services
from webui.auth import current_actor, roles_required
from webui.dashboard.tables import (
    AVERAGE_NAMES,
    KPI_NAMES,
    KPI_PARTS,
    TABLE_NAMES,
    VOLUME_NAMES,
    bureaus_table,
    cases_table,
    figures_table,
    met_text,
    rating_label,
    target_text,
    trend_table,
    volume_label,
    volume_table,
)
from webui.i18n import CHANNELS, POLLUTION_TYPES, org_name
from webui.i18n.errors import error_message, field_messages
from workflows.audit.dossier import pdf_from_html
from workflows.reporting.bulletin import Bulletin, build_bulletin, bulletin_month
from workflows.reporting.dashboard import (
    READERS,
    Dashboard,
    DashboardQuery,
    build_dashboard,
    build_report,
    bureau_choices,
    drilldown,
    read_query,
)
from workflows.reporting.exports import Table, table_csv, tables_xlsx
from workflows.reporting.kpis import AVERAGE_KEYS, KPI_KEYS, VOLUME_KEYS, KpiReport
from workflows.reporting.periods import last_month_in, recent_periods

bp = Blueprint("dashboard", __name__, template_folder="templates", url_prefix="/dashboard", cli_group=None)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def _board(query: DashboardQuery) -> Dashboard:
    services = current_services()
    with services.db.reader() as session:
        return build_dashboard(session, query, services.clock.now(), services.settings.kpi.targets)


def _report(query: DashboardQuery) -> KpiReport:
    services = current_services()
    with services.db.reader() as session:
        return build_report(session, query, services.clock.now(), services.settings.kpi.targets)


def _query() -> DashboardQuery:
    services = current_services()
    with services.db.reader() as session:
        return read_query(session, current_actor(), request.args, services.clock.now())


# -- the page ------------------------------------------------------------------------------------------------
@bp.get("/")
@roles_required(*READERS)
def index():
    services = current_services()
    now = services.clock.now()
    with services.db.reader() as session:
        choices = bureau_choices(session, current_actor())
    context = {"choices": choices, "channels": CHANNELS, "pollution_types": POLLUTION_TYPES,
               "periods": [p.key for p in recent_periods(now)]}
    try:
        query = _query()
    except InvalidData as exc:
        return render_template("dashboard/index.html", errors=field_messages(exc.errors), message=error_message(exc),
                               report=None, args=dict(request.args), **context), 422
    return render_template("dashboard/index.html", errors={}, report=_report(query), query=query,
                           args=query.as_args(), bulletin_month=last_month_in(query.period, now).key, **context,
                           **_words())


def _words() -> dict:
    return {"kpi_keys": KPI_KEYS, "kpi_names": KPI_NAMES, "kpi_parts": KPI_PARTS, "average_keys": AVERAGE_KEYS,
            "average_names": AVERAGE_NAMES, "volume_keys": VOLUME_KEYS, "volume_names": VOLUME_NAMES,
            "volume_label": volume_label, "target_text": target_text, "met_text": met_text}


# -- the chart's data ----------------------------------------------------------------------------------------
@bp.get("/trend.json")
@roles_required(*READERS)
def trend():
    board = _board(_query())
    return jsonify({
        "months": [m.key for m in board.months],
        "series": [{"key": key, "name": str(KPI_NAMES[key]), "data": board.trend[key]} for key in KPI_KEYS],
        "received": {"name": _("Cases received"), "data": board.received_by_month},
        "labels": {"rates_title": _("Indicators by month"), "received_title": _("Cases received by month")},
    })


# -- drill-down ----------------------------------------------------------------------------------------------
@bp.get("/cases")
@roles_required(*READERS)
def cases():
    query = _query()
    kpi, part = request.args.get("kpi", ""), request.args.get("part", "")
    report = _report(query)
    with current_services().db.reader() as session:
        rows = drilldown(session, current_actor(), report, kpi, part)
    return render_template("dashboard/cases.html", rows=rows, query=query, args=query.as_args(), kpi=kpi,
                           part=part, title=_drilldown_title(kpi, part), report=report,
                           rating_label=rating_label)


def _drilldown_title(kpi: str, part: str) -> str:
    if kpi in KPI_NAMES:
        above, below = KPI_PARTS[kpi]
        return f"{KPI_NAMES[kpi]}: {above if part == 'numerator' else below}"
    if kpi in AVERAGE_NAMES:
        return str(AVERAGE_NAMES[kpi])
    if kpi in VOLUME_NAMES:
        return f"{VOLUME_NAMES[kpi]}: {volume_label(kpi, part)}"
    return _("Cases received")


# -- downloads -----------------------------------------------------------------------------------------------
@bp.get("/export/<name>.<fmt>")
@roles_required(*READERS)
def export(name: str, fmt: str):
    if fmt not in ("csv", "xlsx") or (name not in TABLE_NAMES and name not in ("all", "cases")):
        return _not_found()
    if name == "all" and fmt == "csv":
        return _not_found()
    query = _query()
    board = _board(query) if name in ("trend", "all") else None
    report = board.report if board is not None else _report(query)
    if name == "cases":
        kpi, part = request.args.get("kpi", ""), request.args.get("part", "")
        with current_services().db.reader() as session:
            rows = drilldown(session, current_actor(), report, kpi, part)
        tables = [cases_table(rows, _drilldown_title(kpi, part))]
    elif name == "all":
        tables = [figures_table(report), trend_table(board), *(volume_table(report, k) for k in VOLUME_KEYS)]
    elif name == "trend":
        tables = [trend_table(board)]
    elif name == "figures":
        tables = [figures_table(report)]
    else:
        tables = [volume_table(report, name)]
    filename = f"kpi-{name}-{query.organisation.code}-{query.period.key.replace('..', '_')}.{fmt}"
    if fmt == "csv":
        return _download(table_csv(tables[0]), CSV, filename)
    return _download(tables_xlsx(tables), XLSX, filename)


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"})


def _not_found():
    abort(404)


# -- the monthly bulletin --------------------------------------------------------------------------------------
@bp.get("/bulletin.<fmt>")
@roles_required(*READERS)
def bulletin(fmt: str):
    if fmt not in ("pdf", "xlsx"):
        return _not_found()
    services = current_services()
    month = bulletin_month(request.args.get("month", ""))
    with services.db.reader() as session:
        organisation = read_query(session, current_actor(), {"org": request.args.get("org", "")},
                                  services.clock.now()).organisation
        made = build_bulletin(session, organisation.code, month, services.clock.now(), services.settings.kpi.targets)
    filename = f"bulletin-{organisation.code}-{month.key}.{fmt}"
    if fmt == "pdf":
        return _download(bulletin_pdf(made, request.host_url), "application/pdf", filename)
    return _download(bulletin_xlsx(made), XLSX, filename)


def bulletin_html(made: Bulletin) -> str:
    return render_template("dashboard/bulletin.html", bulletin=made, report=made.report, **_words())


def bulletin_pdf(made: Bulletin, base_url: str | None = None) -> bytes:
    return pdf_from_html(bulletin_html(made), base_url=base_url)


def bulletin_xlsx(made: Bulletin) -> bytes:
    summary = Table(_("Bulletin"), [_("Item"), _("Value")], [
        [_("Bureau"), org_name(made.organisation.code)], [_("Month"), made.month.key],
        [_("Cases received"), len(made.report.received)],
        [_("Nil report"), _("Yes: no case was received this month") if made.nil else _("No")],
        [_("Made at"), made.made_at]])
    parties = Table(_("Most reported parties"), [_("Reported party"), pgettext("number of cases", "Cases")],
                    [[row.value, row.count] for row in made.top_parties])
    tables = [summary, figures_table(made.report), bureaus_table(made.bureaus),
              *(volume_table(made.report, kind) for kind in ("channel", "pollution_type", "region")), parties]
    return tables_xlsx(tables)


@bp.cli.command("bulletin", help="Write a bureau's monthly bulletin (简报) as PDF or XLSX, by the file's suffix.")
@click.option("--org", "org", required=True, help="The bureau's code, e.g. EEB-330100.")
@click.option("--month", required=True, help="The month, e.g. 2026-03.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help="f.pdf or f.xlsx")
@click.option("--locale", default=None, help="zh_CN (default) or en.")
def bulletin_command(org: str, month: str, out: str, locale: str | None) -> None:
    services = current_services()
    path = Path(out)
    if path.suffix.lower() not in (".pdf", ".xlsx"):
        click.echo(f"--out {out}: name a .pdf or an .xlsx file", err=True)
        sys.exit(2)
    locale = locale or services.settings.locale.default
    with current_app.test_request_context("/"), force_locale(locale):
        try:
            period = bulletin_month(month)
            with services.db.reader() as session:
                made = build_bulletin(session, org, period, services.clock.now(), services.settings.kpi.targets)
        except InvalidData as exc:
            for field, message in field_messages(exc.errors).items():
                click.echo(f"--{field}: {message}", err=True)
            sys.exit(2)
        body = bulletin_pdf(made) if path.suffix.lower() == ".pdf" else bulletin_xlsx(made)
        state = _("nil report") if made.nil else _("%(num)d cases received", num=len(made.report.received))
    path.write_bytes(body)
    click.echo(f"{path}: {org} {period.key}, {state}")
