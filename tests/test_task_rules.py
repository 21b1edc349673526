"""Who may act on a task and how its deadline looks: pure rules, checked without a database."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.errors import NotAllowed
from engine.models import QueueTask
from workflows.accounts import Actor
from workflows.handling.queues import deadline_badge
from workflows.handling.tasks import check_may_act, may_reassign
from workflows.rules.calendar import WorkingCalendar

XIHU, BINJIANG = "EEB-330106", "EEB-330108"


def a_task(organisation: str = XIHU, role: str | None = "handler", assignee: str | None = None) -> QueueTask:
    return QueueTask(task_id="t-1", instance_id=1, title="调查核实 Investigate", organisation=organisation, role=role,
                     assignee=assignee)


@pytest.mark.parametrize("roles, organisation, allowed", [
    ({"leader"}, XIHU, True),
    ({"supervisor"}, XIHU, True),
    ({"handler", "leader"}, XIHU, True),
    ({"handler"}, XIHU, False),
    ({"registrar"}, XIHU, False),
    ({"leader"}, BINJIANG, False),
    ({"supervisor"}, BINJIANG, False),
])
def test_only_a_leader_or_supervisor_of_the_tasks_bureau_reassigns_it(roles, organisation, allowed):
    assert may_reassign(Actor("someone", organisation, frozenset(roles)), a_task()) is allowed


def test_a_handler_works_an_unclaimed_task_of_their_bureau_and_role():
    check_may_act(Actor("han", XIHU, frozenset({"handler"})), a_task())


@pytest.mark.parametrize("actor, task", [
    (Actor("han", BINJIANG, frozenset({"handler"})), a_task()),
    (Actor("lead", XIHU, frozenset({"leader"})), a_task()),
    (Actor("han", XIHU, frozenset({"handler"})), a_task(assignee="other")),
])
def test_a_task_of_another_bureau_role_or_claimant_is_refused(actor, task):
    with pytest.raises(NotAllowed):
        check_may_act(actor, task)


NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


@pytest.mark.parametrize("days, due_soon_days, state", [
    (10, 3, "on_time"),
    (3, 3, "due_soon"),
    (5, 7, "due_soon"),
    (1, 0, "on_time"),
    (-1, 3, "overdue"),
])
def test_a_deadline_is_due_soon_within_the_configured_window(days, due_soon_days, state):
    badge = deadline_badge(NOW + timedelta(days=days), NOW, due_soon_days=due_soon_days)
    assert badge.state == state


def test_working_day_deadlines_count_only_working_days():
    # The next Monday (2026-03-09) is five working days after Monday 2026-03-02; the weekend does not count.
    badge = deadline_badge(datetime(2026, 3, 9, 15, 59, tzinfo=UTC), NOW, WorkingCalendar(), "working_days")
    assert (badge.days_left, badge.unit) == (5, "working_days")
