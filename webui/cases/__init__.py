"""Case pages: the list of cases a user may see, one case with all its fields, documents, open tasks and
deadlines, timeline and repeat links; revealing the petitioner (logged); the printable notice to the
reported party, which never carries the petitioner's identity."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, g, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from webui import current_services
from webui.auth import current_actor
from webui.i18n import pick, shown_time
from webui.i18n.errors import error_message
from webui.urls import page_number
from workflows.audit.case_list import CaseFilters, list_cases
from workflows.audit.history import Option
from workflows.handling.case_page import case_notice, case_page
from workflows.intake.attachments import open_attachment

bp = Blueprint("cases", __name__, template_folder="templates")
PER_PAGE = 25


@bp.get("/cases")
@login_required
def index():
    services = current_services()
    actor = current_actor()
    search = (request.args.get("q") or "").strip()
    page_no = page_number()
    with services.db.reader() as session:
        found = list_cases(session, actor, CaseFilters(search=search or None), limit=PER_PAGE,
                           offset=(page_no - 1) * PER_PAGE)
    pages = max(1, -(-found.total // PER_PAGE))
    return render_template("cases/index.html", cases=found.cases, total=found.total, page=page_no, pages=pages,
                           search=search)


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    g.reload_url = url_for("cases.show", case_id=case_id)
    return render_template("cases/show.html", page=case_page(current_services(), current_actor(), case_id),
                           coded=error_message)


@bp.post("/cases/<int:case_id>/reveal")
@login_required
def reveal(case_id: int):
    """The case page once more, with the petitioner in full; the look is logged, a reload masks again."""
    g.reload_url = url_for("cases.show", case_id=case_id)
    page = case_page(current_services(), current_actor(), case_id, reveal=True)
    return render_template("cases/show.html", page=page, coded=error_message)


@bp.get("/cases/<int:case_id>/documents/<int:attachment_id>")
@login_required
def document(case_id: int, attachment_id: int):
    row, path = open_attachment(current_services(), current_actor(), case_id, attachment_id)
    response = send_file(path, mimetype=row.content_type, as_attachment=True, download_name=row.filename,
                         etag=row.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/cases/<int:case_id>/notice")
@login_required
def notice(case_id: int):
    """The notice to the reported party: the matter and what was found, never who complained."""
    services = current_services()
    found = case_notice(services, current_actor(), case_id)
    return render_template("cases/notice.html", case=found.case, findings=found.findings,
                           today=services.clock.now())


# -- showing case data ----------------------------------------------------------------------------------
@bp.app_template_filter("fact")
def shown_value(value: Any) -> str:
    """A fact's value (workflows.audit.history.Fact) in the reader's language: yes or no, an option's name,
    a time in the local format; free text as it was typed."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "、".join(shown_value(each) for each in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, Option):
        return pick(value.name)
    return shown_time(value) if isinstance(value, str) else str(value)
