"""Administration: pending timers and their correction (with a reason, as an audit event), users."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import InvalidData
from engine.models import Timer
from webui import current_services
from webui.auth import current_actor, roles_required
from workflows.models import Case, User
from workflows.rules.timezone import SHANGHAI

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")
PER_PAGE = 50


@bp.get("/")
@roles_required("admin")
def index():
    return redirect(url_for("admin.timers"))


@bp.get("/timers")
@roles_required("admin")
def timers():
    page = max(1, request.args.get("page", 1, type=int))
    case_no = request.args.get("case_no", "").strip()
    stmt = (sa.select(Timer, Case.case_no, Case.id).join(Case, Case.instance_id == Timer.instance_id, isouter=True)
            .where(Timer.status == "pending"))
    if case_no:
        stmt = stmt.where(Case.case_no.like(f"%{case_no}%"))
    with current_services().db.reader() as tx:
        total = tx.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        rows = tx.execute(stmt.order_by(Timer.due_at, Timer.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return render_template("admin/timers.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           case_no=case_no, now=current_services().clock.now(), tz=SHANGHAI)


@bp.route("/timers/<int:timer_id>/correct", methods=["GET", "POST"])
@roles_required("admin")
def correct_timer(timer_id: int):
    services = current_services()
    with services.db.reader() as tx:
        row = tx.execute(sa.select(Timer, Case.case_no).join(Case, Case.instance_id == Timer.instance_id,
                                                              isouter=True).where(Timer.id == timer_id)).first()
    if row is None:
        from engine.errors import NotFound
        raise NotFound(f"timer {timer_id} does not exist")
    timer, case_no = row
    errors: dict[str, str] = {}
    if request.method == "POST":
        actor = current_actor()
        try:
            new_due = _parse_local(request.form.get("new_due", ""))
            services.runtime.correct_deadline(timer_id, new_due, actor.username, request.form.get("reason", ""),
                                              organisation=actor.organisation)
        except InvalidData as exc:
            errors = exc.errors
        else:
            flash(_("The deadline was corrected; the correction is in the case's history."), "success")
            return redirect(url_for("admin.timers", case_no=case_no or ""))
    return render_template("admin/correct_timer.html", timer=timer, case_no=case_no, errors=errors,
                           form=request.form, tz=SHANGHAI), 422 if errors else 200


def _parse_local(value: str) -> datetime:
    """A `datetime-local` input, read as Asia/Shanghai time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidData(_("The deadline was not corrected."),
                          {"new_due": _("Give a date and time, e.g. 2026-12-31 23:59.")}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


@bp.get("/users")
@roles_required("admin")
def users():
    with current_services().db.reader() as tx:
        rows = list(tx.scalars(sa.select(User).order_by(User.organisation_code, User.username)))
    return render_template("admin/users.html", users=rows)
