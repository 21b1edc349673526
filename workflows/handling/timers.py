"""The pending timers (statutory deadlines and reminders) an administrator lists, each with its case, and
correcting one: a new due time with a reason, which the engine records as an audit event of the case."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.errors import NotFound
from engine.models import Instance, Timer
from engine.runtime import StepResult
from engine.timers import ScheduledTimer, TimerSweeper
from workflows.accounts import Actor
from workflows.models import Case

if TYPE_CHECKING:
    from workflows.bootstrap import Services


@dataclass(frozen=True)
class PendingTimer:
    """A pending timer and the case it runs for (None for an instance that is not a case)."""

    timer: ScheduledTimer
    case_id: int | None
    case_no: str | None


@dataclass(frozen=True)
class PendingTimers:
    rows: list[PendingTimer]
    total: int
    page: int
    per_page: int


def pending_timers(services: Services, case_no: str = "", page: int = 1, per_page: int = 50) -> PendingTimers:
    """One page of pending timers, soonest due first; `case_no` keeps those of cases whose number contains it."""
    page = max(1, page)
    offset = (page - 1) * per_page
    if case_no:
        return _pending_of_cases(services, case_no, page, per_page)
    sweeper = TimerSweeper(services.runtime)
    timers = sweeper.pending(limit=per_page, offset=offset)
    with services.db.reader() as session:
        cases = {instance_id: (case_id, number) for instance_id, case_id, number in session.execute(
            sa.select(Case.instance_id, Case.id, Case.case_no).where(
                Case.instance_id.in_({t.instance_id for t in timers})))} if timers else {}
    rows = [PendingTimer(t, *cases.get(t.instance_id, (None, None))) for t in timers]
    return PendingTimers(rows, sweeper.pending_count(), page, per_page)


def _pending_of_cases(services: Services, case_no: str, page: int, per_page: int) -> PendingTimers:
    """The engine's listing knows no case numbers, so the filtered listing selects by the cases' instances."""
    stmt = _with_case().where(Timer.status == "pending", Case.case_no.like(f"%{case_no}%"))
    now = services.clock.now()
    with services.db.reader() as session:
        total = session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        found = session.execute(stmt.order_by(Timer.due_at, Timer.id).limit(per_page)
                                .offset((page - 1) * per_page)).all()
    return PendingTimers([_pending(row, now) for row in found], total, page, per_page)


def timer_with_case(services: Services, timer_id: int) -> PendingTimer:
    """One timer with its case, for the correction form (NotFound if there is no such timer)."""
    with services.db.reader() as session:
        row = session.execute(_with_case().where(Timer.id == timer_id)).first()
    if row is None:
        raise NotFound("timer.not_found", timer=timer_id)
    return _pending(row, services.clock.now())


def _with_case() -> sa.Select:
    return (sa.select(Timer, Instance.process_id, Instance.business_key, Case.id, Case.case_no)
            .join(Instance, Instance.id == Timer.instance_id)
            .join(Case, Case.instance_id == Timer.instance_id, isouter=True))


def _pending(row: sa.Row, now: datetime) -> PendingTimer:
    timer, process_id, business_key, case_id, case_no = row
    return PendingTimer(ScheduledTimer(timer.id, timer.instance_id, process_id, business_key, timer.name,
                                       timer.attached_to, timer.interrupting, timer.due_at, timer.due_at <= now),
                        case_id, case_no)


def correct_deadline(services: Services, actor: Actor, timer_id: int, new_due: datetime, reason: str) -> StepResult:
    """Move a pending timer to `new_due`; the reason is required and goes into the case's history."""
    return services.runtime.correct_deadline(timer_id, new_due, actor.username, reason,
                                             organisation=actor.organisation)
