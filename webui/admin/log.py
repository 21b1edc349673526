"""Administration -> Admin log: who did what to which account or organisation, filtered by administrator,
action, target and date."""
from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_babel import lazy_gettext as _l

from webui import current_services
from webui.admin import bp
from webui.auth import current_actor, roles_required
from workflows.admin.log import ACTIONS, LogFilters, admin_log

PER_PAGE = 50
ACTION_LABELS = {
    "user.create": _l("Account created"),
    "user.update": _l("Account changed"),
    "user.disable": _l("Account disabled"),
    "user.enable": _l("Account enabled"),
    "user.reset_password": _l("Password reset"),
    "user.import": _l("Accounts imported"),
    "organisation.create": _l("Organisation added"),
    "organisation.rename": _l("Organisation renamed"),
    "organisation.move": _l("Organisation moved"),
    "organisation.deactivate": _l("Organisation deactivated"),
    "organisation.activate": _l("Organisation activated"),
}


def shown(value) -> str:
    """A value of an event's details as the log shows it: lists joined, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value) or "—"
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
    found = admin_log(current_services(), current_actor(), filters, args.get("page", 1, type=int), PER_PAGE)
    return render_template("admin/log.html", log=found, filters=args, actions=ACTIONS, action_labels=ACTION_LABELS,
                           shown=shown)
