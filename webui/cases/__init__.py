"""Case pages: the list of cases a user may see, one case with all its fields, documents, open tasks and
deadlines, timeline and repeat links; revealing the petitioner (logged); the printable notice to the
reported party, which never carries the petitioner's identity."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, g, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from engine.models import AuditEvent, Instance, QueueTask, Timer
from webui import current_services
from webui.auth import current_actor
from webui.i18n import pick, shown_time
from workflows.accounts import Actor
from workflows.audit.case_list import CaseFilters, list_cases
from workflows.audit.history import Labels
from workflows.audit.reveals import (
    Petitioner,
    masked_petitioner,
    may_reveal,
    reveal_petitioner,
)
from workflows.cases import get_case
from workflows.handling.queues import (
    DeadlineBadge,
    case_tasks,
    deadline_badge,
    deadline_unit,
)
from workflows.intake.attachments import case_attachments, open_attachment
from workflows.models import Attachment, Case, CaseLink

bp = Blueprint("cases", __name__, template_folder="templates")
PER_PAGE = 25
# Fields of the case's process data shown as "handling so far"; the petitioner's are on the case itself.
HIDDEN_DATA = ("petitioner", "case_no", "received_at", "channel", "reported_party", "reported_address",
               "division_code", "location", "pollution_types", "petition_class", "facts", "demands")


EVENT_FIELDS = {"old_due": _l("Due before"), "new_due": _l("Due now"), "reason": _l("Reason")}
# What the notice to the reported party says of the investigation (fields of the investigation form).
NOTICE_FIELDS = ("inspection_date", "findings", "violation_found", "enforcement_actions")


@dataclass
class TimelineEntry:
    seq: int
    at: Any
    actor: str
    organisation: str | None
    command: str
    subject: str
    details: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CasePage:
    case: Case
    instance: Instance
    petitioner: Petitioner
    tasks: list[tuple[QueueTask, DeadlineBadge | None]]
    timers: list[Timer]
    attachments: list[Attachment]
    timeline: list[TimelineEntry]
    links: list[tuple[CaseLink, Case, str]]   # link, the other case, "earlier" or "later"
    handling: list[tuple[str, str]]
    may_reveal: bool


@bp.get("/cases")
@login_required
def index():
    services = current_services()
    actor = current_actor()
    search = (request.args.get("q") or "").strip()
    page_no = request.args.get("page", "1")
    page_no = int(page_no) if page_no.isdigit() and int(page_no) > 0 else 1
    with services.db.reader() as session:
        found = list_cases(session, actor, CaseFilters(search=search or None), limit=PER_PAGE,
                           offset=(page_no - 1) * PER_PAGE)
    pages = max(1, -(-found.total // PER_PAGE))
    return render_template("cases/index.html", cases=found.cases, total=found.total, page=page_no, pages=pages,
                           search=search)


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    page = load_case_page(current_actor(), case_id)
    return render_template("cases/show.html", page=page)


@bp.post("/cases/<int:case_id>/reveal")
@login_required
def reveal(case_id: int):
    """The case page once more, with the petitioner in full; the look is logged, a reload masks again."""
    actor = current_actor()
    petitioner = reveal_petitioner(current_services(), actor, case_id)
    page = load_case_page(actor, case_id)
    page.petitioner = petitioner
    return render_template("cases/show.html", page=page)


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
    with services.db.reader() as session:
        case = get_case(session, current_actor(), case_id)
        instance = session.get(Instance, case.instance_id)
    data = services.runtime.current_data(instance)
    labels = _labels(instance)
    findings = list(described({k: data.get(k) for k in NOTICE_FIELDS}, labels))
    return render_template("cases/notice.html", case=case, findings=findings, today=services.clock.now())


# -- reading a case ----------------------------------------------------------------------------------
def load_case_page(actor: Actor, case_id: int) -> CasePage:
    services = current_services()
    now = services.clock.now()
    g.reload_url = url_for("cases.show", case_id=case_id)
    with services.db.reader() as session:
        case = get_case(session, actor, case_id)
        instance = session.get(Instance, case.instance_id)
        tasks = case_tasks(session, case.instance_id)
        timers = list(session.scalars(sa.select(Timer).where(Timer.instance_id == case.instance_id,
                                                             Timer.status == "pending").order_by(Timer.due_at)))
        events = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.instance_id == case.instance_id)
                                      .order_by(AuditEvent.seq)))
        attachments = case_attachments(session, case)
        links = _links(session, case)
    unit = deadline_unit(case)
    calendar = services.deadlines.calendar
    labels = _labels(instance)
    data = services.runtime.current_data(instance)
    return CasePage(
        case=case, instance=instance, petitioner=masked_petitioner(case),
        tasks=[(t, deadline_badge(t.due_at, now, calendar, unit)) for t in tasks], timers=timers,
        attachments=attachments, timeline=[_entry(e, labels) for e in events], links=links,
        handling=list(described({k: v for k, v in data.items() if k not in HIDDEN_DATA}, labels)),
        may_reveal=may_reveal(actor))


def _labels(instance: Instance) -> Labels:
    return Labels(current_services().definitions.compiled(instance.version_id))


def _links(session, case: Case) -> list[tuple[CaseLink, Case, str]]:
    rows = session.scalars(sa.select(CaseLink).where(sa.or_(CaseLink.case_id == case.id,
                                                            CaseLink.linked_case_id == case.id))
                           .order_by(CaseLink.created_at))
    found = []
    for link in rows:
        earlier = link.case_id == case.id
        other = session.get(Case, link.linked_case_id if earlier else link.case_id)
        found.append((link, other, "earlier" if earlier else "later"))
    return found


def described(data: dict, labels: Labels) -> Iterator[tuple[str, str]]:
    """(label, value) in the current language for the data fields some form of the version names.

    Option codes become their names and times the local format; free text is shown as it was typed.
    """
    for key, value in data.items():
        if key in labels.fields and value not in (None, "", []):
            yield pick(labels.field(key)), _display(key, value, labels)


def _display(key: str, value: Any, labels: Labels) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return "、".join(_display(key, each, labels) for each in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    option = labels.options.get((key, str(value)))
    if option is not None:
        return pick(option)
    return shown_time(value) if isinstance(value, str) else str(value)


def _entry(event: AuditEvent, labels: Labels) -> TimelineEntry:
    data = json.loads(event.data)
    entry = TimelineEntry(event.seq, event.at, event.actor, event.organisation, event.command, "")
    if event.command in ("complete", "claim", "release", "reassign"):
        entry.subject = pick(labels.task(data.get("task")))
    if event.command == "complete":
        # The registration data (with the petitioner) stays out of the timeline; task answers are shown.
        entry.details = list(described(data.get("data") or {}, labels))
    elif event.command == "reassign":
        entry.details = [("→", str(data.get("assignee") or ""))]
    elif event.command == "message":
        entry.subject = str(data.get("message", ""))
        entry.details = list(described(data.get("payload") or {}, labels)) \
            if isinstance(data.get("payload"), dict) else []
    elif event.command == "timer":
        entry.subject = "、".join(pick(str(t.get("name", ""))) for t in data.get("timers", []))
    elif event.command in ("correct_deadline", "cancel"):
        entry.subject = pick(str(data.get("name", "")))
        entry.details = [(str(EVENT_FIELDS[k]), shown_time(str(data[k]))) for k in EVENT_FIELDS if data.get(k)]
    return entry

