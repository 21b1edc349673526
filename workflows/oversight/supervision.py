"""Supervision at will (督办, 挂牌督办): a supervisor orders the handling bureau of any case at or below their
bureau to report in writing by a deadline (`oversight.feedback_days` by default); the handling bureau answers
with its feedback, which closes the order; the oversight sweep marks orders past their deadline overdue and
tells the issuer and the supervisors of the bureau above (escalation). Every step is an oversight event."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import Conflict, FieldError, InvalidData, NotAllowed, NotFound
from workflows.accounts import Actor, org_path
from workflows.listing import Listing, page_of
from workflows.models import Case, Notification
from workflows.oversight.access import (
    PER_PAGE,
    READERS,
    case_bureau,
    case_in_subtree,
    clean_text,
    events_of,
    parent_bureau,
    record,
    require_role,
    subtree_path,
    within,
)
from workflows.oversight.models import (
    SUPERVISION_LEVELS,
    OversightEvent,
    SupervisionOrder,
)
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.bootstrap import Services

SUBJECT = "order"
# Notification kinds; params: case_no, order, level, due (ISO time).
SUPERVISION_ISSUED = "supervision_issued"
SUPERVISION_OVERDUE = "supervision_overdue"
# Who at the handling bureau answers an order.
ANSWERERS = ("handler", "leader")


def end_of_day(day: date) -> datetime:
    """23:59:59 Asia/Shanghai on `day`: a feedback deadline ends with its last day, like statutory ones."""
    return datetime.combine(day, time(23, 59, 59), SHANGHAI)


def default_feedback_day(services: Services) -> date:
    """The day the feedback is due unless the supervisor chooses another: `oversight.feedback_days` from today."""
    today = services.clock.now().astimezone(SHANGHAI).date()
    return today + timedelta(days=services.settings.oversight.feedback_days)


def issue_order(services: Services, actor: Actor, case_id: int, level: str, instructions: str,
                feedback_day: date | None = None, warning_id: int | None = None) -> SupervisionOrder:
    """A supervisor's order on a case of their subtree to its handling bureau; the feedback is due at the end of
    `feedback_day` (default: `oversight.feedback_days` from today), which may not lie in the past."""
    require_role(actor, "supervisor")
    now = services.clock.now()
    instructions = clean_text(instructions)
    with services.db.unit_of_work() as tx:
        case = case_in_subtree(tx, actor, case_id)
        order = new_order(tx, services, actor, case, level, instructions, feedback_day, now, warning_id)
        return order


def new_order(session: so.Session, services: Services, actor: Actor, case: Case, level: str, instructions: str,
              feedback_day: date | None, now: datetime, warning_id: int | None) -> SupervisionOrder:
    """Store an order in the caller's transaction (issue_order, or acting on a warning) after checking its fields;
    the handling bureau's handlers and leaders are notified."""
    errors = {}
    if level not in SUPERVISION_LEVELS:
        errors["level"] = FieldError("field.one_of", {"options": list(SUPERVISION_LEVELS)})
    if not instructions:
        errors["instructions"] = FieldError("field.required")
    due = end_of_day(feedback_day or default_feedback_day(services))
    if due <= now:
        errors["feedback_due"] = FieldError("supervision.due_in_past",
                                            {"day": due.astimezone(SHANGHAI).date().isoformat()})
    if errors:
        raise InvalidData("supervision.not_issued", errors=errors)
    target = case_bureau(case)
    order = SupervisionOrder(case_id=case.id, level=level, issued_by=actor.username, issuer_org=actor.organisation,
                             target_org=target, target_path=org_path(target), instructions=instructions,
                             issued_at=now, feedback_due=due, status="open", warning_id=warning_id)
    session.add(order)
    session.flush()
    record(session, now, actor, "supervision.issued", SUBJECT, order.id, case.id, instructions, level=level,
           target_org=target, feedback_due=due.isoformat())
    params = {"case_no": case.case_no, "case_id": case.id, "order": order.id, "level": level, "due": due.isoformat()}
    for role in ANSWERERS:
        _notify(session, now, target, None, role, SUPERVISION_ISSUED, params, f"supervision-issued:{order.id}:{role}")
    return order


def answer_order(services: Services, actor: Actor, order_id: int, feedback: str) -> None:
    """The handling bureau's written feedback (a handler or leader of that bureau); it closes the order, late or
    not. Refused once answered."""
    feedback = clean_text(feedback)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        order = tx.get(SupervisionOrder, order_id, with_for_update=True)
        if order is None:
            raise NotFound("supervision.not_found", order=order_id)
        if actor.organisation != order.target_org or not actor.has(*ANSWERERS):
            raise NotAllowed("supervision.not_addressee", organisation=order.target_org)
        if order.status == "answered":
            raise Conflict("supervision.answered", order=order.id)
        if not feedback:
            raise InvalidData("supervision.not_answered", errors={"feedback": FieldError("field.required")})
        late = now > order.feedback_due
        order.status, order.feedback, order.feedback_by, order.feedback_at = "answered", feedback, actor.username, now
        record(tx, now, actor, "supervision.answered", SUBJECT, order.id, order.case_id, feedback, late=late)


def escalate_late_orders(session: so.Session, now: datetime) -> list[int]:
    """Mark every open order past its feedback deadline overdue and notify its issuer and the supervisors of the
    bureau above the issuer's; returns the order ids. An order escalates once, so reruns add nothing."""
    late = list(session.scalars(sa.select(SupervisionOrder).where(SupervisionOrder.status == "open",
                                                                  SupervisionOrder.feedback_due < now)
                                .order_by(SupervisionOrder.feedback_due, SupervisionOrder.id)))
    for order in late:
        order.status, order.escalated_at = "overdue", now
        case = session.get(Case, order.case_id)
        above = parent_bureau(order.issuer_org)
        record(session, now, "system", "supervision.escalated", SUBJECT, order.id, order.case_id,
               notified_org=above, feedback_due=order.feedback_due.isoformat())
        params = {"case_no": case.case_no, "case_id": case.id, "order": order.id, "level": order.level,
                  "due": order.feedback_due.isoformat(), "target_org": order.target_org}
        _notify(session, now, order.issuer_org, order.issued_by, None, SUPERVISION_OVERDUE, params,
                f"supervision-overdue:{order.id}:issuer")
        if above is not None:
            _notify(session, now, above, None, "supervisor", SUPERVISION_OVERDUE, params,
                    f"supervision-overdue:{order.id}:above")
    return [order.id for order in late]


def _notify(session: so.Session, now: datetime, organisation: str, username: str | None, role: str | None,
            kind: str, params: dict, key: str) -> None:
    if session.scalar(sa.select(Notification.id).where(Notification.dedupe_key == key)) is not None:
        return
    session.add(Notification(organisation=organisation, username=username, role=role, kind=kind,
                             params=json.dumps(params, ensure_ascii=False), dedupe_key=key, created_at=now))


# -- reading -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BoardRow:
    order: SupervisionOrder
    case: Case


@dataclass(frozen=True)
class OrderDetail:
    order: SupervisionOrder
    case: Case
    events: list[OversightEvent]
    may_answer: bool


def board(session: so.Session, actor: Actor, status: str | None = None, level: str | None = None,
          search: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> Listing[BoardRow]:
    """A page of the orders on cases handled at or below the actor's bureau (and those the actor's bureau issued), the
    soonest feedback deadline first; filtered by status, level, case number or reported party."""
    require_role(actor, *READERS)
    mine = sa.or_(SupervisionOrder.target_path.like(subtree_path(actor) + "%"),
                  SupervisionOrder.issuer_org == actor.organisation)
    stmt = sa.select(SupervisionOrder, Case).join(Case, Case.id == SupervisionOrder.case_id).where(mine)
    if status:
        stmt = stmt.where(SupervisionOrder.status == status)
    if level:
        stmt = stmt.where(SupervisionOrder.level == level)
    if search:
        term = f"%{search.strip()}%"
        stmt = stmt.where(sa.or_(Case.case_no.like(term), Case.reported_party.like(term)))
    order_by = (sa.case((SupervisionOrder.status == "answered", 1), else_=0), SupervisionOrder.feedback_due,
                SupervisionOrder.id)
    rows, total, page = page_of(session, stmt.order_by(*order_by), page, per_page)
    return Listing([BoardRow(order, case) for order, case in rows], total, page, per_page)


def order_detail(services: Services, actor: Actor, order_id: int) -> OrderDetail:
    """One order with its history; for readers of the subtree and the handling bureau's handlers and leaders."""
    with services.db.reader() as session:
        order = session.get(SupervisionOrder, order_id)
        if order is None:
            raise NotFound("supervision.not_found", order=order_id)
        addressee = actor.organisation == order.target_org and actor.has(*ANSWERERS)
        reader = actor.has(*READERS) and (within(actor, order.target_path) or actor.organisation == order.issuer_org)
        if not (addressee or reader):
            raise NotAllowed("supervision.other_bureau", organisation=order.target_org)
        return OrderDetail(order, session.get(Case, order.case_id), events_of(session, SUBJECT, order.id),
                           addressee and order.status != "answered")


def orders_of_case(session: so.Session, case_id: int) -> list[SupervisionOrder]:
    return list(session.scalars(sa.select(SupervisionOrder).where(SupervisionOrder.case_id == case_id)
                                .order_by(SupervisionOrder.issued_at, SupervisionOrder.id)))
