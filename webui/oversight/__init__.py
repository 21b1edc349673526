"""Oversight pages for leaders and supervisors (auditors read them): the backlog ledger (积案台账) and its
entries, the leader's owned cases (领导包案), the supervision board (督办, 挂牌督办) with each order and its
feedback, and the early warnings (预警). Views parse the request, call one use case of workflows.oversight and
render; every rule lives there."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from engine.errors import Conflict, FieldError, InvalidData
from webui import current_services
from webui.auth import current_actor, roles_required
from webui.i18n.errors import error_message, field_messages
from webui.urls import page_number
from workflows.oversight import access
from workflows.oversight.access import case_in_subtree
from workflows.oversight.ledger import (
    add_progress,
    decide_strike_off,
    ledger_detail,
    ledger_rows,
    request_strike_off,
    update_entry,
)
from workflows.oversight.models import (
    LEDGER_STATUSES,
    ORDER_STATUSES,
    SUPERVISION_LEVELS,
    WARNING_KINDS,
    WARNING_STATUSES,
)
from workflows.oversight.ownership import owned_cases, release_ownership, take_ownership
from workflows.oversight.supervision import (
    answer_order,
    board,
    default_feedback_day,
    issue_order,
    order_detail,
)
from workflows.oversight.sweep import oversight_sweep
from workflows.oversight.warnings import (
    acknowledge_warning,
    act_on_warning,
    warning_detail,
    warning_rows,
)

bp = Blueprint("oversight", __name__, template_folder="templates", url_prefix="/oversight")
READERS = ("leader", "supervisor", "auditor")

LABELS = {
    "ledger": {"open": _l("on the ledger"), "strike_requested": _l("strike-off requested"),
               "struck_off": _l("struck off")},
    "level": {"order": _l("Supervision order (督办)"), "listed": _l("Listed supervision (挂牌督办)")},
    "order": {"open": _l("awaiting feedback"), "overdue": _l("feedback overdue"), "answered": _l("answered")},
    "warning": {"open": _l("new"), "acknowledged": _l("acknowledged"), "acted": _l("acted on")},
    "kind": {"hotspot_party": _l("Hotspot: reported party"), "hotspot_place": _l("Hotspot: place"),
             "rise_division": _l("Sharp rise: division"), "rise_pollution": _l("Sharp rise: pollution type")},
    "approver": {"leader": _l("a leader of the case's bureau"), "supervisor": _l("a supervisor of the bureau above")},
    "event": {"ledger.entered": _l("entered the ledger"), "ledger.updated": _l("owner or plan set"),
              "ledger.progress": _l("progress note"), "ledger.strike_requested": _l("strike-off requested"),
              "ledger.strike_approved": _l("strike-off approved"), "ledger.strike_rejected": _l("strike-off rejected"),
              "ownership.taken": _l("ownership taken"), "ownership.released": _l("ownership released"),
              "supervision.issued": _l("order issued"), "supervision.escalated": _l("escalated: feedback late"),
              "supervision.answered": _l("feedback given"), "warning.raised": _l("warning raised"),
              "warning.acknowledged": _l("acknowledged"), "warning.acted": _l("turned into a supervision order")},
}


@bp.app_context_processor
def _labels():
    def oversight_label(group: str, code: str | None) -> str:
        found = LABELS.get(group, {}).get(code or "")
        return str(found) if found is not None else (code or "")
    return {"oversight_label": oversight_label}


def _kept(**filters: str | None) -> dict[str, str]:
    """The filters a list's pager links carry on (those set)."""
    return {name: value for name, value in filters.items() if value}


def _back(default: str) -> str:
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


@bp.get("/")
@roles_required(*READERS)
def index():
    actor = current_actor()
    if actor.has("supervisor"):
        return redirect(url_for("oversight.board_page"))
    if actor.has("leader"):
        return redirect(url_for("oversight.owned"))
    return redirect(url_for("oversight.ledger"))


@bp.post("/sweep")
@roles_required("leader", "supervisor")
def sweep():
    """Run the oversight sweep now (it also runs on its schedule)."""
    result = oversight_sweep(current_services())
    flash(_("Sweep done: %(entered)s cases entered the ledger, %(escalated)s orders escalated, %(warnings)s "
            "warnings raised.", entered=len(result.entered), escalated=len(result.escalated),
            warnings=len(result.warnings)), "success")
    return redirect(_back(url_for("oversight.ledger")))


# -- the backlog ledger ------------------------------------------------------------------------------------
@bp.get("/ledger")
@roles_required(*READERS)
def ledger():
    status = request.args.get("status") or None
    status = status if status in LEDGER_STATUSES else None
    search = (request.args.get("q") or "").strip()
    with current_services().db.reader() as session:
        listing = ledger_rows(session, current_actor(), status, search or None, page_number(),
                              access.PER_PAGE)
    return render_template("oversight/ledger.html", listing=listing, status=status or "", search=search,
                           statuses=LEDGER_STATUSES, args=_kept(status=status, q=search))


@bp.get("/ledger/<int:entry_id>")
@roles_required(*READERS)
def entry(entry_id: int):
    return _entry_page(entry_id)


def _entry_page(entry_id: int, errors: dict | None = None, status: int = 200):
    detail = ledger_detail(current_services(), current_actor(), entry_id)
    return render_template("oversight/entry.html", d=detail, errors=errors or {}, form=request.form), status


@bp.post("/ledger/<int:entry_id>/update")
@roles_required(*READERS)
def entry_update(entry_id: int):
    return _entry_action(entry_id, lambda s, a: update_entry(s, a, entry_id, request.form.get("owner", ""),
                                                             request.form.get("plan", "")),
                         _("The owner and plan were saved."))


@bp.post("/ledger/<int:entry_id>/progress")
@roles_required(*READERS)
def entry_progress(entry_id: int):
    return _entry_action(entry_id, lambda s, a: add_progress(s, a, entry_id, request.form.get("note", "")),
                         _("The progress note was added."))


@bp.post("/ledger/<int:entry_id>/strike-off")
@roles_required(*READERS)
def entry_strike_off(entry_id: int):
    return _entry_action(entry_id, lambda s, a: request_strike_off(s, a, entry_id, request.form.get("note", "")),
                         _("Strike-off was requested; it waits for approval."), note_field="strike_note")


@bp.post("/ledger/<int:entry_id>/decide")
@roles_required(*READERS)
def entry_decide(entry_id: int):
    approve = request.form.get("decision") == "approve"
    return _entry_action(entry_id, lambda s, a: decide_strike_off(s, a, entry_id, approve,
                                                                  request.form.get("decision_note", "")),
                         _("The case was struck off the ledger.") if approve else
                         _("The strike-off was rejected; the case stays on the ledger."), note_field="decision_note")


def _entry_action(entry_id: int, action, done: str, note_field: str | None = None):
    try:
        action(current_services(), current_actor())
    except InvalidData as exc:
        errors = field_messages(exc.errors)
        if note_field and "note" in errors:
            errors[note_field] = errors.pop("note")
        return _entry_page(entry_id, errors, 422)
    except Conflict as exc:
        flash(error_message(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for("oversight.entry", entry_id=entry_id))


# -- leader ownership --------------------------------------------------------------------------------------
@bp.get("/owned")
@roles_required("leader")
def owned():
    with current_services().db.reader() as session:
        rows = owned_cases(session, current_actor())
    return render_template("oversight/owned.html", rows=rows)


@bp.post("/cases/<int:case_id>/own")
@login_required
def own(case_id: int):
    try:
        take_ownership(current_services(), current_actor(), case_id, request.form.get("note", ""))
    except Conflict as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("You own this case now (领导包案)."), "success")
    return redirect(_back(url_for("cases.show", case_id=case_id)))


@bp.post("/cases/<int:case_id>/release")
@login_required
def release(case_id: int):
    try:
        release_ownership(current_services(), current_actor(), case_id, request.form.get("note", ""))
    except Conflict as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("You released the case."), "success")
    return redirect(_back(url_for("cases.show", case_id=case_id)))


# -- supervision orders -----------------------------------------------------------------------------------
def _feedback_day(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidData("supervision.not_issued",
                          errors={"feedback_due": FieldError("field.not_date")}) from None


@bp.route("/cases/<int:case_id>/supervise", methods=["GET", "POST"])
@roles_required("supervisor")
def supervise(case_id: int):
    services = current_services()
    actor = current_actor()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            order = issue_order(services, actor, case_id, request.form.get("level", ""),
                                request.form.get("instructions", ""), _feedback_day(request.form.get("feedback_due", "")))
        except InvalidData as exc:
            errors = field_messages(exc.errors)
        else:
            flash(_("The supervision order was issued."), "success")
            return redirect(url_for("oversight.order", order_id=order.id))
    with services.db.reader() as session:
        case = case_in_subtree(session, actor, case_id)
    return render_template("oversight/supervise.html", case=case, errors=errors, form=request.form,
                           levels=SUPERVISION_LEVELS, default_day=default_feedback_day(services).isoformat()), \
        422 if errors else 200


@bp.get("/board")
@roles_required(*READERS)
def board_page():
    status = request.args.get("status") or None
    level = request.args.get("level") or None
    search = (request.args.get("q") or "").strip()
    status = status if status in ORDER_STATUSES else None
    level = level if level in SUPERVISION_LEVELS else None
    with current_services().db.reader() as session:
        listing = board(session, current_actor(), status, level, search or None, page_number(), access.PER_PAGE)
    return render_template("oversight/board.html", listing=listing, status=status or "", level=level or "",
                           search=search, statuses=ORDER_STATUSES, levels=SUPERVISION_LEVELS,
                           now=current_services().clock.now(), args=_kept(status=status, level=level, q=search))


@bp.get("/orders/<int:order_id>")
@login_required
def order(order_id: int):
    return _order_page(order_id)


def _order_page(order_id: int, errors: dict | None = None, status: int = 200):
    detail = order_detail(current_services(), current_actor(), order_id)
    return render_template("oversight/order.html", d=detail, errors=errors or {}, form=request.form), status


@bp.post("/orders/<int:order_id>/feedback")
@login_required
def feedback(order_id: int):
    try:
        answer_order(current_services(), current_actor(), order_id, request.form.get("feedback", ""))
    except InvalidData as exc:
        return _order_page(order_id, field_messages(exc.errors), 422)
    except Conflict as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("The feedback was sent; the order is answered."), "success")
    return redirect(url_for("oversight.order", order_id=order_id))


# -- early warnings ---------------------------------------------------------------------------------------
@bp.get("/warnings")
@roles_required(*READERS)
def warnings():
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    status = status if status in WARNING_STATUSES else None
    kind = kind if kind in WARNING_KINDS else None
    with current_services().db.reader() as session:
        listing = warning_rows(session, current_actor(), status, kind, page_number(), access.PER_PAGE)
    return render_template("oversight/warnings.html", listing=listing, status=status or "", kind=kind or "",
                           statuses=WARNING_STATUSES, kinds=WARNING_KINDS, args=_kept(status=status, kind=kind))


@bp.get("/warnings/<int:warning_id>")
@roles_required(*READERS)
def warning(warning_id: int):
    return _warning_page(warning_id)


def _warning_page(warning_id: int, errors: dict | None = None, status: int = 200):
    services = current_services()
    detail = warning_detail(services, current_actor(), warning_id)
    return render_template("oversight/warning.html", d=detail, errors=errors or {}, form=request.form,
                           levels=SUPERVISION_LEVELS, default_day=default_feedback_day(services).isoformat()), status


@bp.post("/warnings/<int:warning_id>/acknowledge")
@roles_required(*READERS)
def acknowledge(warning_id: int):
    try:
        acknowledge_warning(current_services(), current_actor(), warning_id, request.form.get("note", ""))
    except InvalidData as exc:
        return _warning_page(warning_id, field_messages(exc.errors), 422)
    except Conflict as exc:
        flash(error_message(exc), "error")
    else:
        flash(_("The warning was acknowledged."), "success")
    return redirect(url_for("oversight.warning", warning_id=warning_id))


@bp.post("/warnings/<int:warning_id>/act")
@roles_required(*READERS)
def act(warning_id: int):
    case_id = request.form.get("case_id", "")
    try:
        order = act_on_warning(current_services(), current_actor(), warning_id,
                               int(case_id) if case_id.isdigit() else None, request.form.get("level", ""),
                               request.form.get("instructions", ""), _feedback_day(request.form.get("feedback_due", "")))
    except InvalidData as exc:
        return _warning_page(warning_id, field_messages(exc.errors), 422)
    except Conflict as exc:
        flash(error_message(exc), "error")
        return redirect(url_for("oversight.warning", warning_id=warning_id))
    flash(_("The supervision order was issued."), "success")
    return redirect(url_for("oversight.order", order_id=order.id))
