"""The operator's task queues: my tasks, my bureau's unclaimed tasks, and the supervisor's overdue view.

One query per page plus one for the count, both served by the queue's indexes (organisation, role, due)
and (assignee, due); the case columns come from a join on the case row, never from workflow state."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.models import QueueTask, Timer
from workflows.accounts import Actor, path_expression
from workflows.models import Case, CaseOrganisation, Notification
from workflows.rules.calendar import CalendarWarning
from workflows.rules.deadlines import DUE_SOON_DAYS
from workflows.rules.timezone import SHANGHAI

QUEUES = ("mine", "unclaimed", "overdue")


SORTS = {"due": (QueueTask.due_at.asc().nulls_last(), QueueTask.task_id),
         "-due": (QueueTask.due_at.desc().nulls_last(), QueueTask.task_id),
         "received": (Case.received_at.asc(), QueueTask.task_id),
         "-received": (Case.received_at.desc(), QueueTask.task_id),
         "case_no": (Case.case_no.asc(), QueueTask.task_id)}


@dataclass
class QueueFilters:
    task: str | None = None           # spec name
    pollution_type: str | None = None
    channel: str | None = None
    division: str | None = None       # division code prefix
    overdue: bool = False
    search: str | None = None         # case number or reported party, contains


@dataclass
class QueueRow:
    task: QueueTask
    case: Case
    badge: DeadlineBadge | None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    per_page: int
    counts: dict[str, int] = field(default_factory=dict)
    # The rows' deadlines fall in years whose official holiday schedule is not known in full.
    calendar_warnings: tuple[CalendarWarning, ...] = ()

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class DeadlineBadge:
    """How a deadline looks in a list: on_time (green), due_soon or reminded (yellow), overdue (red)."""

    state: str
    days_left: int
    unit: str   # calendar_days | working_days
    due_at: datetime
    year_unknown: bool = False   # its year's official holiday schedule is not known in full (counted by the rules)


def deadline_badge(due_at: datetime | None, now: datetime, calendar=None, unit: str = "calendar_days",
                   reminded: bool = False, due_soon_days: int = DUE_SOON_DAYS) -> DeadlineBadge | None:
    """Days left to the deadline's last day (negative once overdue), counted in the rule's unit; due soon
    within `due_soon_days` (config.yaml deadlines.due_soon_days)."""
    if due_at is None:
        return None
    today = now.astimezone(SHANGHAI).date()
    last = due_at.astimezone(SHANGHAI).date()
    if unit == "working_days" and calendar is not None:
        step = 1 if last >= today else -1
        days, day = 0, today
        while day != last:
            day += timedelta(days=step)
            if calendar.is_working_day(day):
                days += step
    else:
        days = (last - today).days
    if due_at <= now:
        state = "overdue"
    elif reminded or days <= due_soon_days:
        state = "due_soon"
    else:
        state = "on_time"
    return DeadlineBadge(state, days, unit, due_at,
                         year_unknown=calendar is not None and not calendar.knows_year(last.year))


def _base(actor: Actor, queue: str, now: datetime, with_case: bool = True) -> sa.Select:
    """The queue's rows; without `with_case` only queue_task is read (counting needs no case columns)."""
    stmt = sa.select(QueueTask, Case).join(Case, Case.instance_id == QueueTask.instance_id) if with_case \
        else sa.select(QueueTask.task_id)
    if queue == "mine":
        return stmt.where(QueueTask.assignee == actor.username)
    if queue == "unclaimed":
        return stmt.where(QueueTask.organisation == actor.organisation, QueueTask.assignee.is_(None),
                          QueueTask.role.in_(sorted(actor.roles)))
    if queue == "overdue":
        if not actor.sees_below:
            return stmt.where(sa.false())
        below = sa.select(CaseOrganisation.organisation).where(
            CaseOrganisation.org_path.like(path_expression(actor.organisation) + "%"))
        return stmt.where(QueueTask.due_at < now, QueueTask.organisation.in_(below.scalar_subquery()))
    raise ValueError(f"unknown queue {queue!r}; use one of {', '.join(QUEUES)}")


def _filtered(stmt: sa.Select, filters: QueueFilters, now: datetime) -> sa.Select:
    if filters.task:
        stmt = stmt.where(QueueTask.spec_name == filters.task)
    if filters.pollution_type:
        stmt = stmt.where(Case.pollution_types.like(f"%,{filters.pollution_type},%"))
    if filters.channel:
        stmt = stmt.where(Case.channel == filters.channel)
    if filters.division:
        stmt = stmt.where(Case.division_code.like(filters.division.rstrip("0") + "%"))
    if filters.overdue:
        stmt = stmt.where(QueueTask.due_at < now)
    if filters.search:
        term = f"%{filters.search.strip()}%"
        stmt = stmt.where(sa.or_(Case.case_no.like(term), Case.reported_party.like(term)))
    return stmt


def queue_page(session: so.Session, actor: Actor, queue: str, now: datetime, filters: QueueFilters | None = None,
               sort: str = "due", page: int = 1, per_page: int = 20, calendar=None,
               with_counts: bool = True, due_soon_days: int = DUE_SOON_DAYS) -> QueuePage:
    """One page of a queue, its total, and (for the tabs) the count of each queue the actor has."""
    filters = filters or QueueFilters()
    stmt = _filtered(_base(actor, queue, now), filters, now)
    total = _count(session, actor, queue, now, filters)
    page = max(1, page)
    rows = session.execute(stmt.order_by(*SORTS.get(sort, SORTS["due"]))
                           .limit(per_page).offset((page - 1) * per_page)).all()
    reminded = _reminded(session, [task for task, _ in rows])
    result = [QueueRow(task, case, deadline_badge(task.due_at, now, calendar, deadline_unit(case),
                                                  task.task_id in reminded, due_soon_days))
              for task, case in rows]
    counts = {}
    if with_counts:
        for name in QUEUES:
            if name == "overdue" and not actor.sees_below:
                continue
            counts[name] = total if name == queue and filters == QueueFilters() else \
                _count(session, actor, name, now, QueueFilters())
    years = {row.badge.due_at.astimezone(SHANGHAI).year for row in result if row.badge is not None}
    warnings = tuple(calendar.warnings_for(years)) if calendar is not None else ()
    return QueuePage(result, total, page, per_page, counts, warnings)


_CASE_FILTERS = ("pollution_type", "channel", "division", "search")


def _count(session: so.Session, actor: Actor, queue: str, now: datetime, filters: QueueFilters) -> int:
    """How many rows a queue has; the case rows are joined only when a filter reads them, so the count of a
    bureau's whole queue is answered from the queue index alone."""
    needs_case = any(getattr(filters, name) for name in _CASE_FILTERS)
    stmt = _filtered(_base(actor, queue, now, with_case=needs_case), filters, now)
    return session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))


def deadline_unit(case: Case) -> str:
    """The unit a case's task deadlines count in: the simple track's clocks are in working days."""
    return "working_days" if case.track == "simple" else "calendar_days"


def _reminded(session: so.Session, tasks: list[QueueTask]) -> set[str]:
    """Tasks whose non-interrupting reminder timer (attached to them) has fired."""
    if not tasks:
        return set()
    by_instance = {(t.instance_id, t.spec_name): t.task_id for t in tasks}
    fired = session.execute(sa.select(Timer.instance_id, Timer.attached_to).where(
        Timer.instance_id.in_({t.instance_id for t in tasks}), Timer.status == "fired",
        Timer.interrupting.is_(False))).all()
    return {by_instance[key] for key in fired if key in by_instance}


def case_tasks(session: so.Session, instance_id: int) -> list[QueueTask]:
    return list(session.scalars(sa.select(QueueTask).where(QueueTask.instance_id == instance_id)
                                .order_by(QueueTask.due_at.asc().nulls_last())))


def inbox(session: so.Session, actor: Actor, limit: int = 5) -> list[Notification]:
    """The newest reminder digests for the actor: addressed to them, or to their bureau and one of their roles."""
    stmt = sa.select(Notification).where(Notification.read_at.is_(None), sa.or_(
        Notification.username == actor.username,
        sa.and_(Notification.username.is_(None), Notification.organisation == actor.organisation,
                Notification.role.in_(sorted(actor.roles)))))
    return list(session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))
