"""Reading one case for people: the case page (registration, masked petitioner, handling so far, open tasks
with their deadline badges, running clocks, documents, timeline, repeat links) and the notice to the
reported party, as plain values that a page only renders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.models import AuditEvent, Instance, Timer
from workflows.accounts import Actor
from workflows.audit.history import Fact, Labels, describe_event, facts
from workflows.audit.reveals import (
    Petitioner,
    masked_petitioner,
    may_reveal,
    reveal_petitioner,
)
from workflows.cases import get_case
from workflows.handling.queues import (
    DeadlineBadge,
    case_tasks,
    deadline_badge,
    deadline_unit,
)
from workflows.intake.attachments import case_attachments
from workflows.models import Attachment, Case, CaseLink
from workflows.oversight.case_view import CaseOversight, case_oversight
from workflows.rules.calendar import CalendarWarning
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.bootstrap import Services

# The registration's fields: the case page shows them from the case row, so "handling so far" leaves them out.
REGISTRATION_KEYS = ("petitioner", "case_no", "received_at", "channel", "reported_party", "reported_address",
                     "division_code", "location", "pollution_types", "petition_class", "facts", "demands")
# What the notice to the reported party says of the investigation (fields of the investigation form); never
# anything about who complained.
NOTICE_FIELDS = ("inspection_date", "findings", "violation_found", "enforcement_actions")


@dataclass(frozen=True)
class OpenTask:
    task_id: str
    title: str
    organisation: str | None
    role: str | None
    assignee: str | None
    badge: DeadlineBadge | None


@dataclass(frozen=True)
class RunningClock:
    """A pending timer of the case: a statutory deadline or a reminder."""

    name: str
    due_at: datetime


@dataclass(frozen=True)
class TimelineEntry:
    """One audit event of the case as the case page lists it (see history.describe_event)."""

    seq: int
    at: datetime
    actor: str
    organisation: str | None
    command: str
    names: tuple[str, ...]
    detail: dict
    facts: list[Fact]


@dataclass(frozen=True)
class LinkedCase:
    """A repeat link seen from this case: the other case, and whether it came `earlier` or `later`."""

    case_id: int
    case_no: str
    direction: str
    score: float
    status: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CasePage:
    case: Case
    petitioner: Petitioner
    may_reveal: bool
    handling: list[Fact]
    tasks: list[OpenTask]
    clocks: list[RunningClock]
    documents: list[Attachment]
    timeline: list[TimelineEntry]
    links: list[LinkedCase]
    # A deadline of the case falls in a year whose official holiday schedule is not known in full.
    calendar_warnings: tuple[CalendarWarning, ...] = ()
    oversight: CaseOversight | None = None  # owning leader, backlog ledger entry, supervision orders


@dataclass(frozen=True)
class CaseNotice:
    case: Case
    findings: list[Fact]


def case_page(services: Services, actor: Actor, case_id: int, reveal: bool = False) -> CasePage:
    """Everything the case page shows of a case the actor may see; with `reveal`, the petitioner in full
    (refused unless the actor's role may, and logged)."""
    petitioner = reveal_petitioner(services, actor, case_id) if reveal else None
    now = services.clock.now()
    with services.db.reader() as session:
        case = get_case(session, actor, case_id)
        instance = session.get(Instance, case.instance_id)
        tasks = case_tasks(session, case.instance_id)
        timers = list(session.scalars(sa.select(Timer).where(Timer.instance_id == case.instance_id,
                                                             Timer.status == "pending").order_by(Timer.due_at)))
        events = list(session.scalars(sa.select(AuditEvent).where(AuditEvent.instance_id == case.instance_id)
                                      .order_by(AuditEvent.seq)))
        documents = case_attachments(session, case)
        links = _links(session, case)
        oversight = case_oversight(session, actor, case)
    labels = Labels(services.definitions.compiled(instance.version_id))
    data = services.runtime.current_data(instance)
    unit = deadline_unit(case)
    due_soon = services.settings.deadlines.due_soon_days
    return CasePage(
        case=case, petitioner=petitioner or masked_petitioner(case), may_reveal=may_reveal(actor),
        handling=facts({k: v for k, v in data.items() if k not in REGISTRATION_KEYS}, labels),
        tasks=[OpenTask(t.task_id, t.title, t.organisation, t.role, t.assignee,
                        deadline_badge(t.due_at, now, services.deadlines.calendar, unit, due_soon_days=due_soon))
               for t in tasks],
        clocks=[RunningClock(t.name, t.due_at) for t in timers],
        documents=documents, timeline=[_entry(e, labels) for e in events], links=links,
        calendar_warnings=deadline_year_warnings(services, [t.due_at for t in tasks + timers]), oversight=oversight)


def case_notice(services: Services, actor: Actor, case_id: int) -> CaseNotice:
    """The notice to the reported party: the matter and what the investigation found."""
    with services.db.reader() as session:
        case = get_case(session, actor, case_id)
        instance = session.get(Instance, case.instance_id)
    data = services.runtime.current_data(instance)
    labels = Labels(services.definitions.compiled(instance.version_id))
    return CaseNotice(case, facts({k: data.get(k) for k in NOTICE_FIELDS}, labels))


def _entry(event: AuditEvent, labels: Labels) -> TimelineEntry:
    described = describe_event(event, labels)
    return TimelineEntry(event.seq, event.at, event.actor, event.organisation, event.command, described.names,
                         described.detail, described.facts)


def deadline_year_warnings(services: Services, due_times: list[datetime | None]) -> tuple[CalendarWarning, ...]:
    """The calendar's warnings for the years these deadlines fall in (local time), one per year not known in full."""
    years = {due.astimezone(SHANGHAI).year for due in due_times if due is not None}
    return tuple(services.deadlines.calendar.warnings_for(years))


def _links(session: so.Session, case: Case) -> list[LinkedCase]:
    rows = session.scalars(sa.select(CaseLink).where(sa.or_(CaseLink.case_id == case.id,
                                                            CaseLink.linked_case_id == case.id))
                           .order_by(CaseLink.created_at))
    found = []
    for link in rows:
        earlier = link.case_id == case.id
        other = session.get(Case, link.linked_case_id if earlier else link.case_id)
        found.append(LinkedCase(other.id, other.case_no, "earlier" if earlier else "later", link.score, link.status,
                                tuple(link.reason.split("; ")) if link.reason else ()))
    return found
