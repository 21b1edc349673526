"""The task page: the case in brief, the task's form drawn from its JSON Schema, documents, and completing it.

The form carries the case's version (lock_version) as it was when the page was drawn; completing a task
that someone else completed or changed meanwhile is refused by the engine (Conflict) and the user is
sent back to the case with a clear message.
"""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine.errors import InvalidData
from engine.forms import form_errors
from webui import current_services
from webui.auth import current_actor
from webui.forms import Field, form_fields, input_datetime, prefill, read_form
from webui.i18n.errors import error_message, field_messages
from workflows.accounts import Actor
from workflows.handling.task_page import TaskPage, task_page
from workflows.handling.tasks import complete_task
from workflows.intake.attachments import (
    ALLOWED_TYPES,
    FIELD,
    Upload,
    store_attachments,
)

bp = Blueprint("tasks", __name__, template_folder="templates")


@bp.get("/tasks/<task_id>")
@login_required
def show(task_id: str):
    page = load_task_page(current_actor(), task_id)
    return _render(page, prefill(page.schema, page.data), {})


@bp.post("/tasks/<task_id>")
@login_required
def complete(task_id: str):
    services = current_services()
    actor = current_actor()
    _reload_at_case(request.form.get("case_id", ""))
    page = load_task_page(actor, task_id)
    data, errors = read_form(page.schema, request.form)
    if errors:
        # Values of the wrong type are not sent on; the schema's view of the rest is shown with them.
        errors = {**form_errors(page.schema, data), **errors}
        return _render(page, request.form, field_messages(errors)), 422
    expected = request.form.get("lock_version", "")
    try:
        complete_task(services, actor, task_id, data, int(expected) if expected.isdigit() else None)
    except InvalidData as exc:
        return _render(page, request.form, field_messages(exc.errors), error_message(exc)), 422
    flash(_("Done: %(task)s of case %(case_no)s.", task=_pick(page.task.title), case_no=page.case.case_no),
          "success")
    return redirect(url_for("cases.show", case_id=page.case.id))


@bp.post("/tasks/<task_id>/documents")
@login_required
def upload(task_id: str):
    services = current_services()
    actor = current_actor()
    page = load_task_page(actor, task_id)
    uploads = [Upload(f.filename or "", f.read()) for f in request.files.getlist("attachments") if f.filename]
    if not uploads:
        flash(_("Choose one or more files first."), "warning")
        return redirect(url_for("tasks.show", task_id=task_id))
    try:
        rows = store_attachments(services, actor, page.case.id, uploads, task_id=task_id)
    except InvalidData as exc:
        return _render(page, prefill(page.schema, page.data), {},
                       upload_error=field_messages(exc.errors).get(FIELD) or error_message(exc)), 422
    flash(_("%(count)d document(s) added.", count=len(rows)), "success")
    return redirect(url_for("tasks.show", task_id=task_id))


def _reload_at_case(case_id: str) -> None:
    """A task completed meanwhile is gone with its link to the case; the form names the case to reload."""
    if case_id.isdigit():
        g.reload_url = url_for("cases.show", case_id=int(case_id))


def load_task_page(actor: Actor, task_id: str) -> TaskPage:
    """The task page's content; an error on the way offers to reload the case (or the queue, once the task
    is gone)."""
    g.setdefault("reload_url", url_for("queue.index"))
    page = task_page(current_services(), actor, task_id)
    g.reload_url = url_for("cases.show", case_id=page.case.id)
    return page


def _render(page: TaskPage, values, errors: dict, message: str | None = None, upload_error: str | None = None):
    choices = [(str(a.id), f"#{a.id} {a.filename}") for a in page.attachments]
    fields: list[Field] = form_fields(page.schema, _values(page.schema, values), choices)
    return render_template(
        "tasks/show.html", page=page, fields=fields, errors=errors, message=message, upload_error=upload_error,
        refusal=error_message(page.refusal) if page.refusal else "",
        accept=",".join(sorted(ALLOWED_TYPES)), max_megabytes=current_services().settings.uploads.max_megabytes)


def _values(schema: dict | None, values) -> dict:
    """Submitted values (a form) or starting values (a dict), in the shapes the widgets show."""
    if hasattr(values, "getlist"):
        result = {}
        for name, prop in ((schema or {}).get("properties") or {}).items():
            result[name] = values.getlist(name) if prop.get("type") == "array" else values.get(name)
        return result
    result = dict(values)
    for name, prop in ((schema or {}).get("properties") or {}).items():
        if prop.get("format") == "date-time":
            # A time asked on a task is usually "when did it happen": now, unless the case has one.
            result[name] = input_datetime(result.get(name) or current_services().clock.now())
        if prop.get("type") == "array" and isinstance(result.get(name), list) and not (prop.get("items") or {}).get(
                "enum"):
            result[name] = "\n".join(map(str, result[name]))
    return result


def _pick(title: str) -> str:
    from webui.i18n import pick
    return pick(title)
