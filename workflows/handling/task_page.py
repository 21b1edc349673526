"""Reading one open task for the person about to work it: the task, its case in brief (petitioner masked),
its form, the data so far, documents, deadline badge, whether the actor may act and to whom a leader may
hand it, as plain values that a page only renders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.errors import NotAllowed
from engine.models import Instance
from engine.spiff.tasks import task_or_none
from workflows.accounts import Actor
from workflows.audit.history import Fact, Labels, facts
from workflows.audit.reveals import Petitioner, masked_petitioner
from workflows.cases import get_case
from workflows.handling.case_page import REGISTRATION_KEYS
from workflows.handling.queues import DeadlineBadge, deadline_badge, deadline_unit
from workflows.handling.tasks import check_may_act, open_task, reassign_candidates
from workflows.intake.attachments import case_attachments
from workflows.models import Attachment, Case

if TYPE_CHECKING:
    from workflows.bootstrap import Services


@dataclass(frozen=True)
class TaskView:
    task_id: str
    title: str
    organisation: str | None
    role: str | None
    assignee: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class TaskPage:
    task: TaskView
    case: Case
    lock_version: int          # the case's version when the page was read; completing sends it back
    schema: dict | None
    data: dict
    attachments: list[Attachment]
    refusal: NotAllowed | None  # why the actor may not work the task; None when they may
    petitioner: Petitioner
    handling: list[Fact]        # the case's data so far, less the registration and this task's own fields
    badge: DeadlineBadge | None
    reassign_to: list[tuple[str, str]]

    @property
    def may_act(self) -> bool:
        return self.refusal is None


def task_page(services: Services, actor: Actor, task_id: str) -> TaskPage:
    """The open task and its case, if the actor may see the case; refusal says why they may not work it."""
    with services.db.reader() as session:
        task = open_task(session, task_id)
        case_id = session.scalar(sa.select(Case.id).where(Case.instance_id == task.instance_id))
        case = get_case(session, actor, case_id)
        instance = session.get(Instance, task.instance_id)
        attachments = case_attachments(session, case)
        reassign_to = reassign_candidates(session, actor, task)
    compiled = services.definitions.compiled(instance.version_id)
    schema = compiled.form(task.form)
    spiff_task = task_or_none(services.runtime.load_workflow(instance), task_id)
    data = dict(spiff_task.data) if spiff_task is not None else {}
    try:
        check_may_act(actor, task)
        refusal = None
    except NotAllowed as exc:
        refusal = exc
    own = set((schema or {}).get("properties", {}))
    handling = facts({k: v for k, v in data.items() if k not in REGISTRATION_KEYS and k not in own},
                     Labels(compiled))
    badge = deadline_badge(task.due_at, services.clock.now(), services.deadlines.calendar, deadline_unit(case),
                           due_soon_days=services.settings.deadlines.due_soon_days)
    return TaskPage(TaskView(task.task_id, task.title, task.organisation, task.role, task.assignee, task.due_at),
                    case, instance.lock_version, schema, data, attachments, refusal, masked_petitioner(case),
                    handling, badge, reassign_to)
