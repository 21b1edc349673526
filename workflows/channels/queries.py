"""What a channel system reads through the API, as plain rows: a case by number, cases by filters, its queue,
a case's documents and history; each limited to what the system's organisation and roles may see."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.models import QueueTask
from workflows.accounts import Actor
from workflows.audit.case_list import CaseFilters, list_cases
from workflows.audit.history import HistoryEntry, case_history
from workflows.cases import get_case
from workflows.handling.queues import queue_page
from workflows.intake.attachments import case_attachments
from workflows.models import Attachment, Case

if TYPE_CHECKING:
    from workflows.bootstrap import Services


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int


@dataclass(frozen=True)
class OpenTaskRow:
    task_id: str
    case_no: str
    title: str
    spec_name: str
    role: str | None
    organisation: str | None
    assignee: str | None
    due_at: object
    form: str | None


def case_by_number(services: Services, actor: Actor, case_no: str) -> Case:
    with services.db.reader() as session:
        return get_case(session, actor, case_no=case_no)


def find_cases(services: Services, actor: Actor, filters: CaseFilters, page: int, per_page: int) -> Page:
    with services.db.reader() as session:
        found = list_cases(session, actor, filters, limit=per_page, offset=(page - 1) * per_page)
    return Page(found.cases, found.total, page, per_page)


def task_queue(services: Services, actor: Actor, queue: str, page: int, per_page: int) -> Page:
    with services.db.reader() as session:
        found = queue_page(session, actor, queue, services.clock.now(), page=page, per_page=per_page,
                           with_counts=False)
    return Page([_row(r.task, r.case.case_no) for r in found.rows], found.total, page, per_page)


def case_open_tasks(services: Services, actor: Actor, case_no: str) -> tuple[Case, list[OpenTaskRow]]:
    with services.db.reader() as session:
        case = get_case(session, actor, case_no=case_no)
        tasks = session.scalars(sa.select(QueueTask).where(QueueTask.instance_id == case.instance_id)
                                .order_by(QueueTask.task_id))
        return case, [_row(t, case.case_no) for t in tasks]


def case_documents(services: Services, actor: Actor, case_no: str) -> list[Attachment]:
    with services.db.reader() as session:
        return case_attachments(session, get_case(session, actor, case_no=case_no))


def case_events(services: Services, actor: Actor, case_no: str) -> list[HistoryEntry]:
    case = case_by_number(services, actor, case_no)
    return case_history(services, actor, case.id).entries


def _row(task: QueueTask, case_no: str) -> OpenTaskRow:
    return OpenTaskRow(task.task_id, case_no, task.title, task.spec_name, task.role, task.organisation,
                       task.assignee, task.due_at, task.form)
