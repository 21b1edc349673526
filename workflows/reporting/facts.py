"""What the KPIs count, per case: when it was received, decided, accepted, replied to and rated, read from the
case's audit events, and the deadlines its process armed for the decision and the reply.

Times come from the audit log: the `start` event's registration (received time, channel, pollution types,
reported party, division), the `complete` events of the acceptance decision (`decide_acceptance`) and of the
delivery of the written reply (`deliver_reply`), and the `satisfaction_rated` message events. Deadlines come
from the timers the process armed for them (the engine's timer rows, written in the same transaction as the
event that armed them and kept after they fire or are cancelled): the acceptance deadline is the first
`acceptance_overdue_timer`, the reply deadline the last `handling_overdue_timer` armed before the reply (an
approved extension re-arms it with the later date), and a case became open to rating when the process first
armed one of its rating windows. Repeat links have no event: a confirmed `case_link` row counts.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.models import AuditEvent, Timer
from workflows.models import Case, CaseLink, CaseOrganisation
from workflows.oversight.models import BacklogEntry

ACCEPTANCE_TASK = "decide_acceptance"
REPLY_TASK = "deliver_reply"
# Spiff names the activity inside a boundary-event wrapper with this suffix; the log may carry either name.
CHILD_SUFFIX = " [child]"
ACCEPTANCE_DEADLINE = "acceptance_overdue_timer"
HANDLING_DEADLINE = "handling_overdue_timer"
# The windows in which a petitioner may rate: after a reply, after a refusal, after forwarding.
RATING_WINDOWS = ("request_window_closed", "refusal_rating_window", "forwarded_rating_window")
RATING_MESSAGE = "satisfaction_rated"
SATISFIED = "satisfied"
BASICALLY_SATISFIED = "basically_satisfied"
ACCEPT = "accept"


@dataclass
class CaseFacts:
    """One case as the KPIs see it; every time is an aware datetime, None when it has not happened."""

    case_id: int
    case_no: str
    received_at: datetime
    channel: str
    pollution_types: tuple[str, ...]
    petition_class: str
    reported_party: str
    division_code: str
    registration_org: str
    org_paths: tuple[str, ...] = ()            # every organisation that took part, as tree paths
    acceptance_due: datetime | None = None
    decided_at: datetime | None = None
    decision: str | None = None                # accept, refuse, forward: the first acceptance decision
    accept_decided_at: datetime | None = None  # the first decision to accept (after a forwarding came back)
    handling_due: datetime | None = None
    replied_at: datetime | None = None
    rating_open_at: datetime | None = None
    rating: str | None = None                  # the latest rating by as_of
    rated_at: datetime | None = None
    repeat: bool = False

    @property
    def accepted_at(self) -> datetime | None:
        """When the case was accepted: the decision was to accept and the process started the handling clock
        (a matter for a legal channel is refused by the triage that follows the decision)."""
        return self.accept_decided_at if self.handling_due is not None else None

    @property
    def decided_late(self) -> bool:
        return self.decided_at is not None and self.acceptance_due is not None and self.decided_at > self.acceptance_due

    @property
    def replied_late(self) -> bool:
        return self.replied_at is not None and self.handling_due is not None and self.replied_at > self.handling_due

    def under(self, path: str) -> bool:
        """The case concerns the organisation with this tree path or one below it."""
        return any(p.startswith(path) for p in self.org_paths)


@dataclass
class _Timers:
    acceptance: list[tuple[datetime, datetime]] = field(default_factory=list)   # (armed, due)
    handling: list[tuple[datetime, datetime]] = field(default_factory=list)
    rating_open: list[datetime] = field(default_factory=list)


def load_facts(session: so.Session, as_of: datetime, scope_path: str | None = None,
               window: tuple[datetime, datetime] | None = None) -> list[CaseFacts]:
    """The facts of every case that concerns the organisation at `scope_path` or one below (all cases when
    None), as they stood at `as_of`: events and timers after it are not read.

    With a `window` [start, end), only the cases that can count in a period inside it are read: received in
    it, with an event in it (a decision, a reply, a rating, a rating window opened), with a deadline in it
    (a decision or reply due then, made earlier or not at all), or on the backlog ledger during it (a backlog
    case may have no event for months, and still counts in 积案化解率). Every figure of such a period is the same as
    over all cases; the reading no longer grows with the years of cases kept."""
    cases_query = sa.select(Case.id, Case.case_no, Case.instance_id, Case.registration_org)
    if scope_path is not None:
        cases_query = cases_query.where(Case.id.in_(
            sa.select(CaseOrganisation.case_id).where(CaseOrganisation.org_path.like(scope_path + "%"))))
    if window is not None:
        start, end = window
        cases_query = cases_query.where(sa.or_(
            sa.and_(Case.received_at >= start, Case.received_at < end),
            sa.exists(sa.select(AuditEvent.id).where(AuditEvent.instance_id == Case.instance_id,
                                                     AuditEvent.at >= start, AuditEvent.at < end)),
            sa.exists(sa.select(Timer.id).where(Timer.instance_id == Case.instance_id,
                                                Timer.spec_name.in_((ACCEPTANCE_DEADLINE, HANDLING_DEADLINE)),
                                                Timer.due_at >= start, Timer.due_at < end)),
            Case.id.in_(sa.select(BacklogEntry.case_id).where(
                BacklogEntry.entered_at < end,
                sa.or_(BacklogEntry.struck_off_at.is_(None), BacklogEntry.struck_off_at >= start)))))
    cases = session.execute(cases_query.order_by(Case.id)).all()
    if not cases:
        return []
    instances = cases_query.with_only_columns(Case.instance_id).scalar_subquery()
    case_ids = cases_query.with_only_columns(Case.id).scalar_subquery()
    events = _events(session, instances, as_of)
    timers = _timers(session, instances, as_of)
    repeats = set(session.scalars(sa.select(CaseLink.case_id).where(
        CaseLink.status == "confirmed", CaseLink.case_id.in_(case_ids), CaseLink.created_at <= as_of)))
    paths: dict[int, list[str]] = defaultdict(list)
    for case_id, path in session.execute(sa.select(CaseOrganisation.case_id, CaseOrganisation.org_path)
                                         .where(CaseOrganisation.case_id.in_(case_ids))):
        paths[case_id].append(path)
    found = []
    for case_id, case_no, instance_id, registration_org in cases:
        case_events = events.get(instance_id, [])
        if not case_events or case_events[0][1] != "start":
            continue  # registered after as_of
        facts = _from_events(case_id, case_no, registration_org, case_events)
        facts.org_paths = tuple(sorted(paths.get(case_id, ())))
        facts.repeat = case_id in repeats
        _apply_timers(facts, timers.get(instance_id, _Timers()))
        found.append(facts)
    return found


def _events(session: so.Session, instances, as_of: datetime) -> dict[int, list[tuple[datetime, str, dict]]]:
    wanted = sa.or_(
        AuditEvent.command == "start",
        sa.and_(AuditEvent.command == "complete", sa.or_(AuditEvent.data.like(f'%"task":"{ACCEPTANCE_TASK}%'),
                                                        AuditEvent.data.like(f'%"task":"{REPLY_TASK}%'))),
        sa.and_(AuditEvent.command == "message", AuditEvent.data.like(f'%"message":"{RATING_MESSAGE}"%')))
    rows = session.execute(
        sa.select(AuditEvent.instance_id, AuditEvent.at, AuditEvent.command, AuditEvent.data)
        .where(AuditEvent.instance_id.in_(instances), AuditEvent.at <= as_of, wanted)
        .order_by(AuditEvent.instance_id, AuditEvent.seq))
    events: dict[int, list[tuple[datetime, str, dict]]] = defaultdict(list)
    for instance_id, at, command, data in rows:
        events[instance_id].append((at, command, json.loads(data)))
    return events


def _from_events(case_id: int, case_no: str, registration_org: str,
                 events: list[tuple[datetime, str, dict]]) -> CaseFacts:
    registration = events[0][2].get("data") or {}
    facts = CaseFacts(
        case_id=case_id, case_no=case_no, received_at=datetime.fromisoformat(registration["received_at"]),
        channel=registration.get("channel", ""), pollution_types=tuple(registration.get("pollution_types") or ()),
        petition_class=registration.get("petition_class", ""),
        reported_party=registration.get("reported_party", ""),
        division_code=str(registration.get("division_code", "")), registration_org=registration_org)
    for at, command, data in events[1:]:
        if command == "complete":
            task = str(data.get("task", "")).removesuffix(CHILD_SUFFIX)
            if task == ACCEPTANCE_TASK:
                decision = (data.get("data") or {}).get("acceptance_decision")
                if facts.decided_at is None:
                    facts.decided_at, facts.decision = at, decision
                if decision == ACCEPT and facts.accept_decided_at is None:
                    facts.accept_decided_at = at
            elif task == REPLY_TASK and facts.replied_at is None:
                facts.replied_at = at
        elif command == "message" and data.get("message") == RATING_MESSAGE:
            rating = (data.get("payload") or {}).get("rating")
            if rating:
                facts.rating, facts.rated_at = rating, at
    return facts


def _timers(session: so.Session, instances, as_of: datetime) -> dict[int, _Timers]:
    rows = session.execute(
        sa.select(Timer.instance_id, Timer.spec_name, Timer.created_at, Timer.due_at)
        .where(Timer.instance_id.in_(instances), Timer.created_at <= as_of,
               Timer.spec_name.in_((ACCEPTANCE_DEADLINE, HANDLING_DEADLINE, *RATING_WINDOWS)))
        .order_by(Timer.instance_id, Timer.id))
    timers: dict[int, _Timers] = defaultdict(_Timers)
    for instance_id, spec_name, created_at, due_at in rows:
        entry = timers[instance_id]
        if spec_name == ACCEPTANCE_DEADLINE:
            entry.acceptance.append((created_at, due_at))
        elif spec_name == HANDLING_DEADLINE:
            entry.handling.append((created_at, due_at))
        else:
            entry.rating_open.append(created_at)
    return timers


def _apply_timers(facts: CaseFacts, timers: _Timers) -> None:
    if timers.acceptance:
        facts.acceptance_due = timers.acceptance[0][1]
    armed_before_reply = [due for armed, due in timers.handling
                          if facts.replied_at is None or armed <= facts.replied_at]
    if armed_before_reply:
        facts.handling_due = armed_before_reply[-1]
    if timers.rating_open:
        facts.rating_open_at = min(timers.rating_open)
