"""Administration -> Organisations: the tree, adding an organisation under a parent, and for one
organisation: rename (Chinese and English), move under another parent, deactivate or activate."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.errors import InvalidData
from webui import current_services
from webui.admin import bp
from webui.auth import current_actor, roles_required
from webui.i18n.errors import error_message, field_messages
from workflows.admin.organisations import (
    ORG_LEVELS,
    add_organisation,
    move_organisation,
    organisation_tree,
    rename_organisation,
    set_organisation_active,
)


@bp.get("/organisations")
@roles_required("admin")
def organisations():
    return _tree_page(MultiDict({"parent": request.args.get("parent", "")}))


def _tree_page(values: MultiDict, errors: dict | None = None, message: str | None = None, status: int = 200):
    return render_template("admin/organisations.html", tree=organisation_tree(current_services()), values=values,
                           errors=errors or {}, message=message, levels=ORG_LEVELS), status


@bp.post("/organisations")
@roles_required("admin")
def create_organisation():
    form = request.form
    try:
        add_organisation(current_services(), current_actor(), form.get("code", ""), form.get("name_zh", ""),
                         form.get("name_en", ""), form.get("level", ""), form.get("parent", ""))
    except InvalidData as exc:
        return _tree_page(form, field_messages(exc.errors), error_message(exc), 422)
    flash(_("The organisation %(code)s was added.", code=form.get("code", "").strip()), "success")
    return redirect(url_for("admin.edit_organisation", code=form.get("code", "").strip()))


def _edit_page(code: str, errors: dict | None = None, message: str | None = None, values: MultiDict | None = None,
               status: int = 200):
    tree = organisation_tree(current_services())
    found = [o for o in tree if o.code == code]
    if not found:
        abort(404)
    org = found[0]
    values = values or MultiDict({"name_zh": org.name_zh, "name_en": org.name_en, "parent": org.parent_code or ""})
    # Where it may go: an active organisation that is not itself or below it (the server checks again).
    parents = [o for o in tree if o.active and not o.path.startswith(org.path)]
    return render_template("admin/organisation_form.html", org=org, parents=parents, values=values,
                           errors=errors or {}, message=message,
                           below=[o for o in tree if o.path.startswith(org.path) and o.code != code]), status


@bp.get("/organisations/<code>")
@roles_required("admin")
def edit_organisation(code: str):
    return _edit_page(code)


@bp.post("/organisations/<code>/rename")
@roles_required("admin")
def rename(code: str):
    try:
        rename_organisation(current_services(), current_actor(), code, request.form.get("name_zh", ""),
                            request.form.get("name_en", ""))
    except InvalidData as exc:
        return _edit_page(code, field_messages(exc.errors), error_message(exc), request.form, 422)
    flash(_("The organisation was renamed."), "success")
    return redirect(url_for("admin.edit_organisation", code=code))


@bp.post("/organisations/<code>/move")
@roles_required("admin")
def move(code: str):
    try:
        move_organisation(current_services(), current_actor(), code, request.form.get("parent", ""))
    except InvalidData as exc:
        return _edit_page(code, field_messages(exc.errors), error_message(exc), None, 422)
    flash(_("The organisation was moved; it and everything below it now sit under the new parent."), "success")
    return redirect(url_for("admin.edit_organisation", code=code))


@bp.post("/organisations/<code>/active")
@roles_required("admin")
def set_organisation(code: str):
    active = request.form.get("active") == "1"
    try:
        set_organisation_active(current_services(), current_actor(), code, active)
    except InvalidData as exc:
        return _edit_page(code, field_messages(exc.errors), error_message(exc), None, 422)
    flash(_("The organisation is active again.") if active else
          _("The organisation was deactivated: no new users or organisations in it; its open cases and queues "
            "keep working."), "success")
    return redirect(url_for("admin.edit_organisation", code=code))
