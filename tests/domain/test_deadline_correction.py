"""Correcting a deadline and completing a task after a reminder fired: task positions move, steps still land."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from engine.models import QueueTask, Timer
from engine.verify import verify_instance
from tests.domain.test_cases import FORM
from workflows.handling.tasks import complete_task
from workflows.intake.registration import register_case


def pending(services, instance_id) -> list[Timer]:
    with services.db.reader() as s:
        return list(s.scalars(sa.select(Timer).where(Timer.instance_id == instance_id, Timer.status == "pending")
                              .order_by(Timer.due_at)))


def test_after_a_reminder_fired_the_deadline_can_be_corrected_and_the_task_completed(services, make_actor, clock):
    registrar = make_actor("reg-wang", "registrar")
    case = register_case(services, registrar, FORM)
    first = pending(services, case.instance_id)
    reminder = first[0]
    clock.set(reminder.due_at + timedelta(seconds=1))
    assert services.runtime.fire_timers(case.instance_id) is not None
    with services.db.reader() as s:
        assert s.get(Timer, reminder.id).status == "fired"

    deadline = pending(services, case.instance_id)[-1]
    new_due = deadline.due_at + timedelta(days=2)
    services.runtime.correct_deadline(deadline.id, new_due, "admin", "录入错误 typing error")
    with services.db.reader() as s:
        assert s.get(Timer, deadline.id).due_at == new_due
        task = s.scalar(sa.select(QueueTask).where(QueueTask.instance_id == case.instance_id))
    complete_task(services, registrar, task.task_id,
                  {"acceptance_decision": "accept", "content_category": "pollution_complaint", "track": "normal"})
    with services.db.reader() as s:
        assert s.get(Timer, deadline.id).status == "cancelled"
    assert verify_instance(services.runtime, case.instance_id).ok
