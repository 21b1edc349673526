"""The operator's queues (my tasks, my bureau's unclaimed tasks, the supervisor's overdue view) and the
claim, release, reassign and bulk-claim actions on them."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from engine.errors import Conflict, InvalidData, NotAllowed, NotFound
from webui import current_services
from webui.auth import current_actor, landing_url, safe_next
from webui.i18n.errors import error_message, field_messages
from webui.i18n.notices import notice_text
from webui.urls import local_path, page_number
from workflows.cases import PROCESS_ID
from workflows.handling.queues import QUEUES, SORTS, QueueFilters, inbox, queue_page
from workflows.handling.tasks import claim_task, reassign_task, release_task
from workflows.models import CHANNELS, POLLUTION_TYPES
from workflows.oversight.ownership import owners_of

bp = Blueprint("queue", __name__, template_folder="templates")
PER_PAGE = 20


@bp.get("/")
@login_required
def home():
    return redirect(landing_url())


@bp.get("/queue")
@login_required
def index():
    services = current_services()
    actor = current_actor()
    queue = request.args.get("tab", "mine")
    if queue not in QUEUES or (queue == "overdue" and not actor.sees_below):
        queue = "mine"
    filters = _filters()
    sort = request.args.get("sort", "due")
    sort = sort if sort in SORTS else "due"
    page_no = page_number()
    with services.db.reader() as session:
        page = queue_page(session, actor, queue, services.clock.now(), filters, sort, page_no, PER_PAGE,
                          calendar=services.deadlines.calendar,
                          due_soon_days=services.settings.deadlines.due_soon_days)
        notices = [notice_text(note) for note in inbox(session, actor)]
        owners = owners_of(session, [row.case.id for row in page.rows])
    return render_template("queue/index.html", page=page, queue=queue, notices=notices, filters=filters, sort=sort,
                           owners=owners,
                           sorts=list(SORTS), task_kinds=task_kinds(), channels=CHANNELS,
                           pollution_types=POLLUTION_TYPES, args=_args_without("page"), coded=error_message)


def _filters() -> QueueFilters:
    args = request.args
    return QueueFilters(task=args.get("task") or None, pollution_type=args.get("type") or None,
                        channel=args.get("channel") or None, division=(args.get("division") or "").strip() or None,
                        overdue=args.get("overdue") == "1", search=(args.get("q") or "").strip() or None)


def _args_without(*names: str) -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k not in names and v}


def task_kinds() -> list[tuple[str, str]]:
    """(spec name, title) of every user task of the newest petition process, for the task filter."""
    services = current_services()
    try:
        compiled = services.definitions.compiled(services.definitions.latest_for(PROCESS_ID))
    except NotFound:
        return []
    kinds: dict[str, str] = {}
    for node in compiled.flow_nodes(user_tasks_only=True):
        kinds.setdefault(node.name, node.title)
    return sorted(kinds.items(), key=lambda item: item[1])


def _back() -> str:
    """Where the form came from: its `next` field, else the referring page of this site."""
    return safe_next(request.form.get("next") or local_path(request.referrer or ""))


@bp.post("/queue/claim")
@login_required
def bulk_claim():
    """Claim every ticked task; report the ones someone else was faster on."""
    services = current_services()
    actor = current_actor()
    task_ids = request.form.getlist("task_id")
    claimed, refused = 0, []
    for task_id in task_ids:
        try:
            claim_task(services, actor, task_id)
            claimed += 1
        except (Conflict, NotAllowed) as exc:
            refused.append(error_message(exc))
    if not task_ids:
        flash(_("Tick the tasks to claim first."), "warning")
    if claimed:
        flash(ngettext("You claimed %(num)d task.", "You claimed %(num)d tasks.", claimed), "success")
    for message in refused:
        flash(message, "warning")
    return redirect(_back())


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    claim_task(current_services(), current_actor(), task_id)
    flash(_("Task claimed: it is in your tasks now."), "success")
    return redirect(_back())


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    release_task(current_services(), current_actor(), task_id)
    flash(_("Task released: your bureau's colleagues can claim it."), "success")
    return redirect(_back())


@bp.post("/tasks/<task_id>/reassign")
@login_required
def reassign(task_id: str):
    assignee = request.form.get("assignee", "").strip()
    try:
        reassign_task(current_services(), current_actor(), task_id, assignee)
    except InvalidData as exc:
        flash(field_messages(exc.errors).get("assignee") or error_message(exc), "error")
    else:
        flash(_("Task reassigned to %(name)s.", name=assignee), "success")
    return redirect(_back())

