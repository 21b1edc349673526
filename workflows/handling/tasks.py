"""Task actions an operator takes (complete, claim, release, reassign) and who may take them."""
from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import Conflict, FieldError, InvalidData, NotAllowed
from engine.models import Instance, QueueTask
from engine.runtime import StepResult
from workflows.accounts import Actor
from workflows.models import User

if TYPE_CHECKING:
    from workflows.bootstrap import Services


def check_may_act(actor: Actor, task: QueueTask) -> None:
    """An actor may work a task of their own organisation, in one of their roles, unclaimed or claimed by them."""
    if task.organisation != actor.organisation:
        raise NotAllowed("task.wrong_organisation", task=task.title, organisation=task.organisation)
    if task.role and task.role not in actor.roles:
        raise NotAllowed("task.wrong_role", task=task.title, role=task.role)
    if task.assignee and task.assignee != actor.username:
        raise NotAllowed("task.claimed_by", task=task.title, assignee=task.assignee)


def may_reassign(actor: Actor, task: QueueTask) -> bool:
    """Only a leader or supervisor of the task's own bureau hands it to someone else."""
    return task.organisation == actor.organisation and actor.has("leader", "supervisor")


def reassign_candidates(session: so.Session, actor: Actor, task: QueueTask) -> list[tuple[str, str]]:
    """(username, display name) of the active users of the task's bureau and role, whom the actor may hand the
    task to; none unless the actor may reassign it."""
    if not may_reassign(actor, task):
        return []
    users = session.scalars(sa.select(User).where(User.organisation_code == task.organisation,
                                                  User.active.is_(True)).order_by(User.username))
    return [(u.username, u.display_name) for u in users if task.role is None or task.role in u.role_names]


def open_task(session: so.Session, task_id: str) -> QueueTask:
    task = session.get(QueueTask, task_id)
    if task is None:
        raise Conflict("task.not_open", task=task_id)
    return task


def complete_task(services: Services, actor: Actor, task_id: str, data: dict,
                  expected_version: int | None = None) -> StepResult:
    """Complete a task the actor may work; the drafter of a reply or opinion is recorded as the actor."""
    with services.db.reader() as session:
        task = open_task(session, task_id)
        check_may_act(actor, task)
        form = services.definitions.compiled(session.get(Instance, task.instance_id).version_id).form(task.form) \
            if task.form else None
    data = dict(data)
    properties = (form or {}).get("properties", {})
    for key in ("drafted_by", "review_drafted_by"):
        if key in properties:
            data[key] = actor.username
    return services.runtime.complete(task_id, data, actor.username, organisation=actor.organisation,
                                     expected_version=expected_version)


def claim_task(services: Services, actor: Actor, task_id: str) -> StepResult:
    with services.db.reader() as session:
        check_may_act(actor, open_task(session, task_id))
    return services.runtime.claim(task_id, actor.username, organisation=actor.organisation)


def release_task(services: Services, actor: Actor, task_id: str) -> StepResult:
    with services.db.reader() as session:
        task = open_task(session, task_id)
        if task.organisation != actor.organisation:
            raise NotAllowed("task.wrong_organisation", task=task.title, organisation=task.organisation)
    return services.runtime.release(task_id, actor.username, organisation=actor.organisation)


def reassign_task(services: Services, actor: Actor, task_id: str, assignee: str) -> StepResult:
    """Leaders and supervisors hand a task of their organisation to a user of that organisation and role."""
    with services.db.reader() as session:
        task = open_task(session, task_id)
        if not may_reassign(actor, task):
            raise NotAllowed("task.reassign_not_allowed", task=task.title)
        user = session.scalar(sa.select(User).where(User.username == assignee))
        if user is None or user.organisation_code != task.organisation or (
                task.role and task.role not in user.role_names):
            raise InvalidData("task.not_reassigned", errors={"assignee": FieldError(
                "task.assignee_unsuitable", {"assignee": assignee, "role": task.role, "organisation": task.organisation})})
    return services.runtime.reassign(task_id, assignee, actor.username, organisation=actor.organisation)
