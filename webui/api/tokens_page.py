"""Administration -> API tokens: an administrator creates a token for a channel system (organisation, roles;
the secret is shown once) and revokes it."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.errors import InvalidData
from webui import current_services
from webui.auth import current_actor, roles_required
from webui.i18n.errors import error_message, field_messages
from workflows.channels.tokens import API_ROLES, create_token, list_tokens, revoke_token

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens", template_folder="templates")


@bp.get("/")
@roles_required("admin")
def index():
    return _page(MultiDict())


@bp.post("/")
@roles_required("admin")
def create():
    try:
        issued = create_token(current_services(), current_actor(), request.form.get("name", ""),
                              request.form.get("organisation", "").strip(), request.form.getlist("roles"))
    except InvalidData as exc:
        return _page(request.form, field_messages(exc.errors), error_message(exc)), 422
    return _page(MultiDict(), issued=issued)


@bp.post("/<int:token_id>/revoke")
@roles_required("admin")
def revoke(token_id: int):
    revoke_token(current_services(), current_actor(), token_id)
    flash(_("The token was revoked; calls with it are refused from now on."), "success")
    return redirect(url_for(".index"))


def _page(values: MultiDict, errors: dict | None = None, message: str | None = None, issued=None):
    return render_template("api/tokens.html", tokens=list_tokens(current_services()), values=values,
                           errors=errors or {}, message=message, issued=issued, roles=API_ROLES)
