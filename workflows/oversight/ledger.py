"""The backlog ledger (积案台账): a case still open past a statutory deadline enters it by the oversight sweep;
its entry has an owner, a plan and progress notes, and is struck off (销号) only when someone other than the
requester, with the role the bureau configures (`oversight.strike_off_approval`), approves. Every change is
an `oversight_event` row. `backlog_figures` gives the 积案化解率's counts to the KPIs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import Conflict, FieldError, InvalidData, NotAllowed, NotFound
from engine.models import QueueTask
from workflows.accounts import Actor, org_path
from workflows.cases import CLOSED_STATUSES
from workflows.listing import Listing, page_of
from workflows.models import Case, User
from workflows.oversight.access import (
    PER_PAGE,
    READERS,
    clean_text,
    events_of,
    parent_bureau,
    record,
    require_role,
    subtree_path,
    within,
)
from workflows.oversight.models import BacklogEntry, OversightEvent

if TYPE_CHECKING:
    from workflows.bootstrap import Services

SUBJECT = "ledger"
# Case statuses that never enter the ledger: closed ones and cancelled instances.
_ENDED = (*CLOSED_STATUSES, "cancelled")
EDITORS = ("leader", "supervisor")


@dataclass(frozen=True)
class BacklogFigures:
    """For 积案化解率: the cases on the ledger (not struck off, not closed) at `start`, and those of them struck
    off or closed in [start, end)."""

    at_start: list[int]
    resolved: list[int]


def backlog_figures(session: so.Session, org_path: str, start: datetime, end: datetime,
                    as_of: datetime | None = None) -> BacklogFigures:
    """Case ids on the ledger at `start` within the bureaus whose path starts with `org_path`, and those of them
    resolved (struck off, or the case closed) in [start, end) and by `as_of` (a period still running counts
    what has happened, up to and including that moment, as the KPIs read the event log)."""
    rows = session.execute(
        sa.select(BacklogEntry.case_id, BacklogEntry.struck_off_at, Case.closed_at)
        .join(Case, Case.id == BacklogEntry.case_id)
        .where(BacklogEntry.org_path.like(org_path + "%"), BacklogEntry.entered_at < start,
               sa.or_(BacklogEntry.struck_off_at.is_(None), BacklogEntry.struck_off_at >= start),
               sa.or_(Case.closed_at.is_(None), Case.closed_at >= start))
        .order_by(BacklogEntry.case_id)).all()
    at_start = [case_id for case_id, _, _ in rows]

    def by_then(moment: datetime | None) -> bool:
        return moment is not None and moment < end and (as_of is None or moment <= as_of)

    resolved = [case_id for case_id, struck, closed in rows if by_then(struck) or by_then(closed)]
    return BacklogFigures(at_start, resolved)


# -- entering the ledger ---------------------------------------------------------------------------------
def overdue_cases(session: so.Session, now: datetime, limit: int | None = None) -> list[tuple[int, str, datetime]]:
    """(case id, bureau, earliest missed deadline) of every open case with a task past its deadline at `now` and
    no ledger entry yet, longest overdue first."""
    due = sa.func.min(QueueTask.due_at)
    late = (sa.select(Case.id, Case.handling_org, Case.registration_org, due)
            .join(QueueTask, QueueTask.instance_id == Case.instance_id)
            .where(QueueTask.due_at < now, Case.status.not_in(_ENDED), Case.closed_at.is_(None),
                   ~sa.exists(sa.select(BacklogEntry.id).where(BacklogEntry.case_id == Case.id)))
            .group_by(Case.id, Case.handling_org, Case.registration_org)
            .order_by(due, Case.id).limit(limit))
    return [(case_id, handling_org or registration_org, missed)
            for case_id, handling_org, registration_org, missed in session.execute(late).all()]


def sweep_backlog(session: so.Session, now: datetime) -> list[int]:
    """Put every open case with a task past its deadline at `now`, and no entry yet, on the ledger; returns the
    new entries' case ids. Idempotent: a case has one entry, ever (unique), so a rerun adds nothing."""
    added = []
    for case_id, bureau, due in sorted(overdue_cases(session, now)):
        entry = BacklogEntry(case_id=case_id, organisation=bureau, org_path=org_path(bureau), overdue_since=due,
                             entered_at=now, status="open", updated_at=now)
        session.add(entry)
        session.flush()
        record(session, now, "system", "ledger.entered", SUBJECT, entry.id, case_id, overdue_since=due.isoformat())
        added.append(case_id)
    return added


# -- reading -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LedgerRow:
    entry: BacklogEntry
    case: Case


@dataclass(frozen=True)
class LedgerDetail:
    entry: BacklogEntry
    case: Case
    events: list[OversightEvent]
    may_edit: bool
    may_decide: bool
    approver_role: str
    approver_org: str


def ledger_rows(session: so.Session, actor: Actor, status: str | None = None, search: str | None = None,
                page: int = 1, per_page: int = PER_PAGE) -> Listing[LedgerRow]:
    """A page of the ledger of the actor's bureau and those below it, longest overdue first; `status` filters
    (open, strike_requested, struck_off; by default everything not struck off)."""
    require_role(actor, *READERS)
    stmt = (sa.select(BacklogEntry, Case).join(Case, Case.id == BacklogEntry.case_id)
            .where(BacklogEntry.org_path.like(subtree_path(actor) + "%")))
    if status:
        stmt = stmt.where(BacklogEntry.status == status)
    else:
        stmt = stmt.where(BacklogEntry.status != "struck_off")
    if search:
        term = f"%{search.strip()}%"
        stmt = stmt.where(sa.or_(Case.case_no.like(term), Case.reported_party.like(term)))
    rows, total, page = page_of(session, stmt.order_by(BacklogEntry.overdue_since, BacklogEntry.id), page, per_page)
    return Listing([LedgerRow(entry, case) for entry, case in rows], total, page, per_page)


def entry_of_case(session: so.Session, case_id: int) -> BacklogEntry | None:
    return session.scalar(sa.select(BacklogEntry).where(BacklogEntry.case_id == case_id))


def ledger_detail(services: Services, actor: Actor, entry_id: int) -> LedgerDetail:
    require_role(actor, *READERS)
    with services.db.reader() as session:
        entry = _entry(session, actor, entry_id)
        case = session.get(Case, entry.case_id)
        role, approver_org = approval_of(services, entry)
        may_decide = (entry.status == "strike_requested" and entry.requested_by != actor.username
                      and _approves(actor, role, approver_org))
        return LedgerDetail(entry, case, events_of(session, SUBJECT, entry.id), actor.has(*EDITORS), may_decide,
                            role, approver_org)


def _entry(session: so.Session, actor: Actor, entry_id: int, for_update: bool = False) -> BacklogEntry:
    entry = session.get(BacklogEntry, entry_id, with_for_update=for_update or None)
    if entry is None:
        raise NotFound("ledger.not_found", entry=entry_id)
    if not within(actor, entry.org_path):
        raise NotAllowed("ledger.other_bureau", organisation=entry.organisation)
    return entry


# -- changing an entry -----------------------------------------------------------------------------------
def update_entry(services: Services, actor: Actor, entry_id: int, owner: str, plan: str) -> None:
    """Set the entry's owner (a user name; empty for none) and plan (required)."""
    require_role(actor, *EDITORS)
    owner, plan = clean_text(owner), clean_text(plan)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        entry = _entry(tx, actor, entry_id, for_update=True)
        _open(entry)
        errors = {}
        if not plan:
            errors["plan"] = FieldError("ledger.plan_required")
        if owner:
            owner_org = tx.scalar(sa.select(User.organisation_code).where(User.username == owner,
                                                                         User.active.is_(True)))
            if owner_org is None:
                errors["owner"] = FieldError("ledger.unknown_owner", {"owner": owner})
            elif not (org_path(owner_org).startswith(entry.org_path) or entry.org_path.startswith(org_path(owner_org))):
                # The owner works at the case's bureau, one above it or one below it, never beside it.
                errors["owner"] = FieldError("ledger.owner_elsewhere", {"owner": owner})
        if errors:
            raise InvalidData("ledger.not_updated", errors=errors)
        changed = {}
        if (entry.owner or "") != owner:
            changed["owner"] = owner or None
        if (entry.plan or "") != plan:
            changed["plan"] = plan
        if not changed:
            return
        entry.owner, entry.plan, entry.updated_at = owner or None, plan, now
        record(tx, now, actor, "ledger.updated", SUBJECT, entry.id, entry.case_id, **changed)


def add_progress(services: Services, actor: Actor, entry_id: int, note: str) -> None:
    """Append a progress note (notes are events: never edited, never removed)."""
    require_role(actor, *EDITORS)
    note = clean_text(note)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        entry = _entry(tx, actor, entry_id, for_update=True)
        _open(entry)
        if not note:
            raise InvalidData("ledger.note_not_added", errors={"note": FieldError("field.required")})
        entry.updated_at = now
        record(tx, now, actor, "ledger.progress", SUBJECT, entry.id, entry.case_id, note)


def approval_of(services: Services, entry: BacklogEntry) -> tuple[str, str]:
    """(role, bureau) whose approval strikes the entry off: the bureau's setting, else the default; a leader
    of the case's bureau, or a supervisor of the bureau above (of the bureau itself at the top)."""
    settings = services.settings.oversight
    role = entry.approver_role or settings.strike_off_approval_by_bureau.get(entry.organisation,
                                                                             settings.strike_off_approval)
    if role == "supervisor":
        return role, parent_bureau(entry.organisation) or entry.organisation
    return role, entry.organisation


def _approves(actor: Actor, role: str, bureau: str) -> bool:
    if not actor.has(role):
        return False
    if role == "supervisor":
        # The bureau above, or any bureau above that one: supervision looks down the tree.
        return org_path(bureau).startswith(subtree_path(actor))
    return actor.organisation == bureau


def request_strike_off(services: Services, actor: Actor, entry_id: int, note: str) -> None:
    """Ask for the entry to be struck off, saying why (the problem solved, the case closed...); needs a plan."""
    require_role(actor, *EDITORS)
    note = clean_text(note)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        entry = _entry(tx, actor, entry_id, for_update=True)
        if entry.status == "strike_requested":
            raise Conflict("ledger.already_requested", requested_by=entry.requested_by)
        _open(entry)
        errors = {}
        if not entry.plan:
            errors["plan"] = FieldError("ledger.plan_required")
        if not note:
            errors["note"] = FieldError("field.required")
        if errors:
            raise InvalidData("ledger.not_requested", errors=errors)
        role, bureau = approval_of(services, entry)
        entry.status, entry.approver_role = "strike_requested", role
        entry.requested_by, entry.requested_at, entry.updated_at = actor.username, now, now
        record(tx, now, actor, "ledger.strike_requested", SUBJECT, entry.id, entry.case_id, note,
               approver_role=role, approver_org=bureau)


def decide_strike_off(services: Services, actor: Actor, entry_id: int, approve: bool, note: str) -> None:
    """Approve (the entry is struck off) or reject (back on the ledger, with the reason) a strike-off request.
    Refused without a request, to the requester, and to anyone without the configured role and bureau."""
    note = clean_text(note)
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        entry = _entry(tx, actor, entry_id, for_update=True)
        if entry.status == "struck_off":
            raise Conflict("ledger.struck_off", entry=entry.id)
        if entry.status != "strike_requested":
            raise Conflict("ledger.no_request", entry=entry.id)
        if entry.requested_by == actor.username:
            raise NotAllowed("ledger.own_request")
        role, bureau = approval_of(services, entry)
        if not _approves(actor, role, bureau):
            raise NotAllowed("ledger.approver_required", role=role, organisation=bureau)
        if not approve and not note:
            raise InvalidData("ledger.not_decided", errors={"note": FieldError("field.required")})
        if approve:
            entry.status, entry.struck_off_at, entry.struck_off_by = "struck_off", now, actor.username
        else:
            entry.status, entry.requested_by, entry.requested_at = "open", None, None
        entry.updated_at = now
        record(tx, now, actor, "ledger.strike_approved" if approve else "ledger.strike_rejected", SUBJECT,
               entry.id, entry.case_id, note, approver_role=role)


def _open(entry: BacklogEntry) -> None:
    if entry.status == "struck_off":
        raise Conflict("ledger.struck_off", entry=entry.id)
