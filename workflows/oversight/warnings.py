"""Early warnings (预警): the oversight sweep reads the recent cases, applies the pure rules of
workflows/rules/warnings.py (hotspots of a reported party or place, sharp rises by division or pollution type)
and raises each finding once as a warning for the supervisors of the bureau and the bureau above
(notification); a supervisor acknowledges it with a note or acts on it by issuing a supervision order."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
    case_in_subtree,
    clean_text,
    events_of,
    parent_bureau,
    record,
    require_role,
    subtree_path,
    within,
)
from workflows.oversight.models import EarlyWarning, OversightEvent, SupervisionOrder
from workflows.oversight.supervision import new_order
from workflows.rules.timezone import SHANGHAI
from workflows.rules.warnings import (
    HOTSPOT_PARTY,
    HOTSPOT_PLACE,
    CaseFacts,
    Finding,
    WarningRules,
    findings,
)

if TYPE_CHECKING:
    from workflows.bootstrap import Services

SUBJECT = "warning"
# The notification's kind; params: warning, kind, subject, count, organisation.
WARNING_RAISED = "warning_raised"


def warning_rules(services: Services) -> WarningRules:
    s = services.settings.oversight
    return WarningRules(s.hotspot_count, s.hotspot_days, s.rise_period_days, s.rise_previous_periods, s.rise_factor,
                        s.rise_min_count)


def _quiet_days(kind: str, rules: WarningRules) -> int:
    """After a warning, the same finding is not raised again for its window's length."""
    return rules.hotspot_days if kind in (HOTSPOT_PARTY, HOTSPOT_PLACE) else rules.rise_period_days


def sweep_warnings(session: so.Session, now: datetime, rules: WarningRules) -> list[int]:
    """Raise the warnings the rules find at `now` that were not raised within their window before; returns the
    new warnings' ids. A rerun (or another node) adds nothing: the same finding is skipped, and a unique key per
    finding and day stops a race."""
    earliest = now - max(timedelta(days=rules.hotspot_days),
                         timedelta(days=rules.rise_period_days) * (rules.rise_previous_periods + 1))
    rows = session.execute(sa.select(Case.id, Case.handling_org, Case.registration_org, Case.received_at,
                                     Case.reported_party, Case.reported_address, Case.location, Case.division_code,
                                     Case.pollution_types)
                           .where(Case.received_at >= earliest, Case.received_at < now)).all()
    cases = [CaseFacts(case_id, handling or registration, received, party or "", address or location or "",
                       division or "", tuple(t for t in (types or "").split(",") if t))
             for case_id, handling, registration, received, party, address, location, division, types in rows]
    raised = []
    day = now.astimezone(SHANGHAI).date().isoformat()
    for finding in findings(cases, now, rules):
        since = now - timedelta(days=_quiet_days(finding.kind, rules))
        earlier = session.scalar(sa.select(EarlyWarning.id).where(
            EarlyWarning.kind == finding.kind, EarlyWarning.organisation == finding.bureau,
            EarlyWarning.subject == finding.subject, EarlyWarning.raised_at >= since).limit(1))
        if earlier is not None:
            continue
        raised.append(_raise(session, now, finding, f"{finding.kind}:{finding.bureau}:{finding.subject}:{day}").id)
    return raised


def _raise(session: so.Session, now: datetime, finding: Finding, key: str) -> EarlyWarning:
    warning = EarlyWarning(kind=finding.kind, organisation=finding.bureau, org_path=org_path(finding.bureau),
                           subject=finding.subject[:300], subject_label=(finding.label or finding.subject)[:300],
                           count=finding.count, baseline=finding.baseline, window_start=finding.window_start,
                           window_end=finding.window_end, case_ids=json.dumps(list(finding.case_ids)),
                           dedupe_key=key[:400], raised_at=now, status="open")
    session.add(warning)
    session.flush()
    record(session, now, "system", "warning.raised", SUBJECT, warning.id, None, warning_kind=finding.kind,
           count=finding.count, cases=list(finding.case_ids))
    params = {"warning": warning.id, "kind": warning.kind, "subject": warning.subject_label, "count": warning.count,
              "organisation": warning.organisation}
    for organisation in filter(None, (finding.bureau, parent_bureau(finding.bureau))):
        session.add(Notification(organisation=organisation, username=None, role="supervisor", kind=WARNING_RAISED,
                                 params=json.dumps(params, ensure_ascii=False),
                                 dedupe_key=f"warning:{warning.id}:{organisation}"[:200], created_at=now))
    return warning


# -- reading and handling ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class WarningRow:
    warning: EarlyWarning
    cases: list[Case]


@dataclass(frozen=True)
class WarningDetail:
    warning: EarlyWarning
    cases: list[Case]
    events: list[OversightEvent]
    orders: list[SupervisionOrder]
    may_handle: bool


def case_ids_of(warning: EarlyWarning) -> list[int]:
    return [int(each) for each in json.loads(warning.case_ids or "[]")]


def warning_rows(session: so.Session, actor: Actor, status: str | None = None, kind: str | None = None,
                 page: int = 1, per_page: int = PER_PAGE) -> Listing[WarningRow]:
    """A page of the warnings of the actor's bureau and those below it, newest first, with their cases."""
    require_role(actor, *READERS)
    stmt = sa.select(EarlyWarning).where(EarlyWarning.org_path.like(subtree_path(actor) + "%"))
    if status:
        stmt = stmt.where(EarlyWarning.status == status)
    if kind:
        stmt = stmt.where(EarlyWarning.kind == kind)
    rows, total, page = page_of(session, stmt.order_by(EarlyWarning.raised_at.desc(), EarlyWarning.id.desc()),
                                page, per_page)
    warnings = [warning for (warning,) in rows]
    wanted = {case_id for w in warnings for case_id in case_ids_of(w)}
    cases = {c.id: c for c in session.scalars(sa.select(Case).where(Case.id.in_(wanted)))} if wanted else {}
    return Listing([WarningRow(w, [cases[i] for i in case_ids_of(w) if i in cases]) for w in warnings], total, page,
                   per_page)


def warning_detail(services: Services, actor: Actor, warning_id: int) -> WarningDetail:
    require_role(actor, *READERS)
    with services.db.reader() as session:
        warning = _warning(session, actor, warning_id)
        ids = case_ids_of(warning)
        cases = list(session.scalars(sa.select(Case).where(Case.id.in_(ids)).order_by(Case.received_at)))
        orders = list(session.scalars(sa.select(SupervisionOrder).where(SupervisionOrder.warning_id == warning.id)))
        return WarningDetail(warning, cases, events_of(session, SUBJECT, warning.id), orders,
                             actor.has("supervisor") and warning.status == "open")


def _warning(session: so.Session, actor: Actor, warning_id: int, for_update: bool = False) -> EarlyWarning:
    warning = session.get(EarlyWarning, warning_id, with_for_update=for_update or None)
    if warning is None:
        raise NotFound("warning.not_found", warning=warning_id)
    if not within(actor, warning.org_path):
        raise NotAllowed("warning.other_bureau", organisation=warning.organisation)
    return warning


def acknowledge_warning(services: Services, actor: Actor, warning_id: int, note: str) -> None:
    """A supervisor notes the warning as seen, saying what they make of it."""
    require_role(actor, "supervisor")
    note = clean_text(note)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        warning = _warning(tx, actor, warning_id, for_update=True)
        _still_open(warning)
        if not note:
            raise InvalidData("warning.not_handled", errors={"note": FieldError("field.required")})
        warning.status, warning.handled_by, warning.handled_at, warning.note = "acknowledged", actor.username, now, note
        record(tx, now, actor, "warning.acknowledged", SUBJECT, warning.id, None, note)


def act_on_warning(services: Services, actor: Actor, warning_id: int, case_id: int | None, level: str,
                   instructions: str, feedback_day: date | None = None) -> SupervisionOrder:
    """A supervisor turns the warning into a supervision order on one of its cases; the warning is then acted on."""
    require_role(actor, "supervisor")
    instructions = clean_text(instructions)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        warning = _warning(tx, actor, warning_id, for_update=True)
        _still_open(warning)
        if case_id not in case_ids_of(warning):
            raise InvalidData("supervision.not_issued", errors={"case_id": FieldError("warning.case_not_listed")})
        case = case_in_subtree(tx, actor, case_id)
        order = new_order(tx, services, actor, case, level, instructions, feedback_day, now, warning.id)
        warning.status, warning.handled_by, warning.handled_at, warning.note = "acted", actor.username, now, \
            instructions
        record(tx, now, actor, "warning.acted", SUBJECT, warning.id, case.id, instructions, order=order.id)
        return order


def _still_open(warning: EarlyWarning) -> None:
    if warning.status != "open":
        raise Conflict("warning.handled", warning=warning.id, status=warning.status)
