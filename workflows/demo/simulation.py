"""Driving planned demo cases through the real engine on a manual clock moved back in time; every step
goes through the same use cases an operator's would, and the backlog ledger's sweep runs on the way as its cron
job would, so the ledger's entries carry the times their cases fell overdue (and the bureaus strike some off
as days pass, workflows/demo/oversight.py)."""
from __future__ import annotations

import heapq
from datetime import datetime, timedelta

import sqlalchemy as sa

from engine.clock import ManualClock
from engine.errors import Conflict
from engine.models import QueueTask
from engine.timers import TimerSweeper
from workflows.accounts import Actor
from workflows.bootstrap import Services
from workflows.demo.oversight import resolve_in_time
from workflows.demo.planner import Plan
from workflows.demo.scenarios import CHILD_SUFFIX, Ctx, Step
from workflows.handling.tasks import complete_task
from workflows.intake.registration import register_case
from workflows.oversight.ledger import sweep_backlog

# How often the simulated ledger sweep runs: the cron job's every quarter hour would cost the demo seconds and
# change nothing a reader sees.
LEDGER_SWEEP_EVERY = timedelta(hours=1)


# -- running them --------------------------------------------------------------------------------------
class Simulation:
    """Plays the plans' steps in time order on the manual clock, firing timers at their due times."""

    def __init__(self, services: Services, clock: ManualClock, actors: dict[tuple[str, str], Actor],
                 now: datetime) -> None:
        self.services = services
        self.clock = clock
        self.actors = actors
        self.now = now
        self.sweeper = TimerSweeper(services.runtime)
        self.next_ledger_sweep = clock.now() + LEDGER_SWEEP_EVERY
        self.ledger_sweeps = 0

    def run(self, plans: list[Plan]) -> None:
        queue = [(plan.times[0], plan.index, plan) for plan in plans]
        heapq.heapify(queue)
        while queue:
            at, _, plan = heapq.heappop(queue)
            self.advance(at)
            step = plan.scenario.steps[plan.done]
            if self._perform(plan, step):
                plan.done += 1
                if plan.done < len(plan.times):
                    heapq.heappush(queue, (max(plan.times[plan.done], at + timedelta(minutes=1)), plan.index, plan))
                continue
            # Not there yet (a clock has not run out): try again tomorrow, and everything after it a day later.
            retry = at + timedelta(days=1)
            if retry > self.now - timedelta(minutes=30):
                plan.stuck = f"step {plan.done + 1} ({step.kind} {step.name}) never became possible"
                continue
            plan.times[plan.done:] = [t + timedelta(days=1) for t in plan.times[plan.done:]]
            heapq.heappush(queue, (retry, plan.index, plan))
        self.advance(self.now)
        self._sweep_ledger(self.now)  # the demo ends with the ledger as a sweep at its end leaves it

    def advance(self, until: datetime) -> None:
        """Move the clock to `until`, firing every timer on the way at the moment it falls due and sweeping
        overdue cases onto the backlog ledger every LEDGER_SWEEP_EVERY."""
        while True:
            due = self.sweeper.next_due()
            if self.next_ledger_sweep <= until and (due is None or self.next_ledger_sweep < due):
                self._sweep_ledger(self.next_ledger_sweep)
                self.next_ledger_sweep += LEDGER_SWEEP_EVERY
                continue
            if due is None or due > until:
                break
            if due > self.clock.now():
                self.clock.set(due)
            if not self.sweeper.sweep():
                raise RuntimeError(f"a timer due at {due.isoformat()} did not fire; see the log")
        if until > self.clock.now():
            self.clock.set(until)

    def _sweep_ledger(self, moment: datetime) -> None:
        if moment > self.clock.now():
            self.clock.set(moment)
        with self.services.db.unit_of_work() as tx:
            sweep_backlog(tx, moment)
        self.ledger_sweeps += 1
        if self.ledger_sweeps % 24 == 0:  # once a simulated day, the bureaus strike off what they resolved
            resolve_in_time(self.services, self.actors, moment)

    def _perform(self, plan: Plan, step: Step) -> bool:
        services = self.services
        if step.kind == "register":
            return self._register(plan)
        ctx = Ctx(plan, plan.step_rng, self.clock.now())
        if step.kind == "message":
            if step.by == "receiver":
                actor = self.actors[(plan.registration_org, "registrar")]
                who, organisation = actor.username, actor.organisation
            else:
                who, organisation = "portal", None
            try:
                services.runtime.correlate(plan.instance_id, step.name, step.data(ctx), who, organisation=organisation)
            except Conflict:
                return False
            return True
        row = self._open_task(plan, step)
        if row is None:
            return False
        if step.kind == "task":
            complete_task(services, self.actors[(row.organisation, row.role)], row.task_id, step.data(ctx))
        return True

    def _register(self, plan: Plan) -> bool:
        registrar = self.actors[(plan.registration_org, "registrar")]
        form = dict(plan.form)
        if plan.repeats is not None and plan.confirmed_link:
            form["link_case_nos"] = [plan.repeats.case_no]
        case = register_case(self.services, registrar, form)
        plan.case_id, plan.instance_id, plan.case_no = case.id, case.instance_id, case.case_no
        return True

    def _open_task(self, plan: Plan, step: Step) -> QueueTask | None:
        # Each department's task of a joint investigation is a child of the multi-instance task.
        names = (step.name, f"{step.name}{CHILD_SUFFIX}")
        stmt = (sa.select(QueueTask).where(QueueTask.instance_id == plan.instance_id, QueueTask.spec_name.in_(names))
                .order_by(QueueTask.created_at, QueueTask.task_id))
        if step.joint is not None:
            stmt = stmt.where(QueueTask.organisation == plan.joint_departments[step.joint])
        with self.services.db.reader() as session:
            return session.scalars(stmt).first()
