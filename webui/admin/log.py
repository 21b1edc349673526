"""Administration -> Admin log: who did what to which account or organisation, filtered by administrator,
action, target and date."""
from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webui import current_services
from webui.admin import bp
from webui.auth import current_actor, roles_required
from webui.i18n import label, org_name
from webui.urls import page_number
from workflows.admin.log import ACTIONS, LogFilters, admin_log

PER_PAGE = 50
ACTION_LABELS = {
    "user.create": _l("Account created"),
    "user.update": _l("Account changed"),
    "user.disable": _l("Account disabled"),
    "user.enable": _l("Account enabled"),
    "user.unlock": _l("Account unlocked"),
    "user.reset_password": _l("Password reset"),
    "user.import": _l("Accounts imported"),
    "organisation.create": _l("Organisation added"),
    "organisation.rename": _l("Organisation renamed"),
    "organisation.move": _l("Organisation moved"),
    "organisation.deactivate": _l("Organisation deactivated"),
    "organisation.activate": _l("Organisation activated"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
}


DETAIL_LABELS = {
    "display_name": _l("Name"), "organisation": _l("Organisation"), "roles": _l("Roles"), "locale": _l("Language"),
    "level": _l("Level"), "name_zh": _l("Name (Chinese)"), "name_en": _l("Name (English)"), "parent": _l("Under"),
    "path": _l("Path"), "organisations": _l("Organisations moved"), "via": _l("Through"),
    "users": _l("Accounts"), "generated": _l("Password generated"), "failed_logins": _l("Failed sign-ins"),
    "locked_until": _l("Locked until"), "prefix": _l("Token"),
}


def detail_label(key: str) -> str:
    return str(DETAIL_LABELS.get(key, key))


def shown(key: str, value) -> str:
    """A value of an event's details as the log shows it: roles, organisations and levels by their names,
    lists joined, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, (list, tuple)):
        return "、".join(shown(key, v) for v in value) or "—"
    if key == "roles":
        return label("role", value)
    if key in ("organisation", "parent"):
        return f"{org_name(value)} ({value})"
    if key == "level":
        return label("org_level", value)
    if key == "via" and value == "import":
        return _("CSV import")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


@bp.get("/log")
@roles_required("admin")
def log():
    args = request.args
    filters = LogFilters(args.get("actor", ""), args.get("action", "") if args.get("action") in ACTIONS else "",
                         args.get("target", ""), _day(args.get("from", "")), _day(args.get("to", "")))
    found = admin_log(current_services(), current_actor(), filters, page_number(), PER_PAGE)
    return render_template("admin/log.html", log=found, filters=args, actions=ACTIONS, action_labels=ACTION_LABELS,
                           shown=shown, detail_label=detail_label)
