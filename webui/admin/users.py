"""Administration -> Users: list and filter accounts, create one, edit its organisation, roles and language,
disable or enable it, reset its password, and import accounts from a CSV file (with a template to download)."""
from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.errors import InvalidData, NotAllowed
from webui import current_services
from webui.admin import bp
from webui.auth import current_actor, roles_required
from webui.i18n.errors import error_message, field_messages
from workflows.admin.organisations import organisation_tree
from workflows.admin.user_import import COLUMNS, TEMPLATE, import_users
from workflows.admin.users import (
    AccountForm,
    create_account,
    get_account,
    list_accounts,
    reset_password,
    set_account_active,
    unlock_account,
    update_account,
)
from workflows.models import ROLES
from workflows.rules.language import LOCALES

STATUSES = ("active", "disabled", "locked", "must_change")


@bp.get("/users")
@roles_required("admin")
def users():
    services = current_services()
    organisation, search, status = (request.args.get(k, "").strip() for k in ("organisation", "q", "status"))
    found = list_accounts(services, current_actor(), organisation, search, status if status in STATUSES else "")
    return render_template("admin/users.html", users=found, organisations=organisation_tree(services),
                           filters=request.args, statuses=STATUSES, now=services.clock.now())


def _form(values: MultiDict) -> AccountForm:
    return AccountForm(values.get("username", ""), values.get("display_name", ""), values.get("organisation", ""),
                       tuple(values.getlist("roles")), values.get("locale") or None, values.get("password", ""))


def _edit_page(values: MultiDict, errors: dict | None = None, message: str | None = None, account=None,
               status: int = 200):
    services = current_services()
    return render_template("admin/user_form.html", values=values, errors=errors or {}, message=message,
                           account=account, roles=ROLES, locales=LOCALES, now=services.clock.now(),
                           organisations=[o for o in organisation_tree(services)
                                          if o.active or (account is not None and o.code == account.organisation)],
                           ), status


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user():
    if request.method == "GET":
        return _edit_page(MultiDict({"organisation": request.args.get("organisation", "")}))
    try:
        issued = create_account(current_services(), current_actor(), _form(request.form))
    except InvalidData as exc:
        return _edit_page(request.form, field_messages(exc.errors), error_message(exc), status=422)
    return render_template("admin/password_issued.html", issued=issued, created=True)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int):
    services = current_services()
    account = get_account(services, current_actor(), user_id)
    if request.method == "GET":
        values = MultiDict([("display_name", account.display_name), ("organisation", account.organisation),
                            ("locale", account.locale or "")] + [("roles", r) for r in account.roles])
        return _edit_page(values, account=account)
    try:
        update_account(services, current_actor(), user_id, request.form.get("display_name", ""),
                       request.form.get("organisation", ""), request.form.getlist("roles"),
                       request.form.get("locale") or None)
    except InvalidData as exc:
        return _edit_page(request.form, field_messages(exc.errors), error_message(exc), account, 422)
    flash(_("The account %(username)s was saved.", username=account.username), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@roles_required("admin")
def set_active(user_id: int):
    active = request.form.get("active") == "1"
    try:
        set_account_active(current_services(), current_actor(), user_id, active)
    except NotAllowed as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("The account was enabled.") if active else _("The account was disabled; its sessions have ended."),
              "success")
    return redirect(url_for("admin.edit_user", user_id=user_id))


@bp.post("/users/<int:user_id>/unlock")
@roles_required("admin")
def unlock(user_id: int):
    unlock_account(current_services(), current_actor(), user_id)
    flash(_("The account was unlocked; the user may sign in again."), "success")
    return redirect(url_for("admin.edit_user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
@roles_required("admin")
def reset_user_password(user_id: int):
    services = current_services()
    try:
        issued = reset_password(services, current_actor(), user_id, request.form.get("password", ""))
    except InvalidData as exc:
        account = get_account(services, current_actor(), user_id)
        values = MultiDict([("display_name", account.display_name), ("organisation", account.organisation),
                            ("locale", account.locale or "")] + [("roles", r) for r in account.roles])
        return _edit_page(values, field_messages(exc.errors), error_message(exc), account, 422)
    return render_template("admin/password_issued.html", issued=issued, created=False)


@bp.route("/users/import", methods=["GET", "POST"])
@roles_required("admin")
def import_page():
    problems, message, issued = [], None, None
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            issued = import_users(current_services(), current_actor(), upload.filename if upload else "",
                                  upload.read() if upload else b"")
        except InvalidData as exc:
            problems = _problems(exc)
            message, status = error_message(exc), 422
    return render_template("admin/user_import.html", problems=problems, message=message, issued=issued,
                           columns=COLUMNS, roles=ROLES), status


def _problems(exc: InvalidData) -> list[dict]:
    """The import's errors as table rows: line, column, sentence (the whole file's first)."""
    messages = field_messages(exc.errors)
    rows = []
    for key, text in messages.items():
        line, _, column = key.partition(".")
        rows.append({"line": int(line) if line.isdigit() else 0, "column": column, "message": text})
    return sorted(rows, key=lambda r: (r["line"], r["column"]))


@bp.get("/users/import/template.csv")
@roles_required("admin")
def import_template():
    return Response(TEMPLATE.encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=users-template.csv"})
