"""Firing due timers: a sweep that claims due timer rows in small transactions and fires them through the
engine's step path, and read-only views of what is pending and how late fired timers were.

The timer table is the only record of what falls due when. Claiming a timer means holding its instance's
row lock for the batch transaction, the same lock every step takes, so nodes never fire a timer twice and
a node that dies mid-batch leaves its rows to the next sweep. An instance whose timer step failed gets an
incident (engine/incidents.py) and the sweep leaves it alone until the incident is retried or resolved.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.errors import ScriptError
from engine.models import Instance, Timer
from engine.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledTimer:
    """A pending timer as the admin listing shows it."""

    timer_id: int
    instance_id: int
    process_id: str
    business_key: str | None
    name: str
    attached_to: str | None
    interrupting: bool
    due_at: datetime
    overdue: bool


@dataclass(frozen=True)
class FiredTimer:
    """A timer that fired: when it was due and when the engine fired it."""

    timer_id: int
    instance_id: int
    name: str
    due_at: datetime
    fired_at: datetime

    @property
    def lateness(self) -> timedelta:
        return self.fired_at - self.due_at


class TimerSweeper:
    """Fires every timer that is due by the runtime's clock, oldest due first, in small batches."""

    def __init__(self, runtime: Runtime, batch_size: int = 50) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.runtime = runtime
        self.db = runtime.db
        self.batch_size = batch_size

    # -- firing ----------------------------------------------------------------------------------------
    def sweep(self, limit: int | None = None) -> int:
        """Fire what is due now, batch after batch, until nothing due can be claimed; return timers fired.

        With `limit`, no new batch starts once that many timers fired (an instance's other due timers
        fire with the claimed one, so the count may pass it a little). An exception other than a failing
        process (e.g. the node losing its database) rolls back the current batch and propagates; the
        batches before it stay committed.
        """
        fired = 0
        # Timers that stayed due after their instance fired are not claimed again in this sweep. A workflow
        # that did not take its timer is retried by the next sweep; one whose script failed has an incident,
        # and sweeps leave it alone until someone retries it.
        held_back: set[int] = set()
        while limit is None or fired < limit:
            size = self.batch_size if limit is None else min(self.batch_size, limit - fired)
            batch = self._fire_batch(size, held_back)
            if batch is None:
                break
            fired += batch
        return fired

    def _fire_batch(self, size: int, held_back: set[int]) -> int | None:
        """Claim up to `size` due timers and fire their instances in one transaction; None if none claimed."""
        try:
            with self.db.unit_of_work() as tx:
                now = self.runtime.clock.now()
                claimed = tx.execute(self._claim_statement(now, size, held_back)).all()
                if not claimed:
                    return None
                # The claim holds these instances' locks until commit, so no other writer changes their
                # timers in between: comparing before and after counts exactly the timers this batch fired.
                instance_ids = list(dict.fromkeys(row.instance_id for row in claimed))
                pending_before = list(tx.scalars(sa.select(Timer.id).where(
                    Timer.instance_id.in_(instance_ids), Timer.status == "pending")))
                for instance_id in instance_ids:
                    try:
                        self.runtime.fire_timers(instance_id, session=tx)
                    except ScriptError as exc:
                        raise _ProcessFailed(instance_id, exc) from exc
                return self._count_fired(tx, pending_before, now, held_back)
        except _ProcessFailed as failure:
            # The whole batch rolled back. A process that fails when its timer fires would fail again, so
            # its timers sit out the rest of this sweep and the next batch fires the others; this costs a
            # redone batch only when a process fails, where a savepoint per instance would cost every fire.
            log.error("timers of instance %s could not fire and stay pending: %s",
                      failure.instance_id, failure.cause)
            held_back.update(row.id for row in claimed if row.instance_id == failure.instance_id)
            # After the rollback, in a transaction of its own: the incident keeps later sweeps off the instance.
            self.runtime.record_incident(failure.instance_id, "timer", failure.cause)
            return 0

    def _count_fired(self, tx: so.Session, pending_before: list[int], now: datetime, held_back: set[int]) -> int:
        """Timers of the batch that fired; those still due are held back from the rest of the sweep."""
        if not pending_before:
            return 0
        fired = 0
        for row in tx.execute(sa.select(Timer.id, Timer.instance_id, Timer.name, Timer.status, Timer.due_at)
                              .where(Timer.id.in_(pending_before))):
            if row.status == "fired":
                fired += 1
            elif row.status == "pending" and row.due_at <= now:
                held_back.add(row.id)
                log.error("timer %s (%r) of instance %s was due at %s but its workflow did not fire it; "
                          "it stays pending", row.id, row.name, row.instance_id, row.due_at.isoformat())
        return fired

    def _claim_statement(self, now: datetime, size: int, held_back: set[int]) -> sa.Select:
        # Ordered by due_at alone, so the (status, due_at) index yields rows in order and the scan stops
        # at `size`; a tie-breaker column would sort every due row on each batch of a large backlog.
        stmt = (sa.select(Timer.id, Timer.instance_id, Timer.due_at)
                .join(Instance, Instance.id == Timer.instance_id)
                .where(Timer.status == "pending", Timer.due_at <= now, Instance.status == "running",
                       Instance.open_incidents == 0)
                .order_by(Timer.due_at)
                .limit(size))
        if held_back:
            stmt = stmt.where(Timer.id.not_in(held_back))
        if self.db.is_sqlite:
            # BEGIN IMMEDIATE already made this transaction the only writer; there is nothing to skip.
            return stmt
        # Lock the instance rows, not the timer rows: every step locks the instance first and then writes
        # its timers, and firing one timer marks its siblings too. Locking timer rows here would take
        # locks in the opposite order and deadlock with operators' steps and with other sweeping nodes.
        return stmt.with_for_update(of=Instance, skip_locked=True)

    # -- looking ---------------------------------------------------------------------------------------
    def next_due(self, after: datetime | None = None) -> datetime | None:
        """The earliest due time of a pending timer (strictly later than `after` if given), or None."""
        stmt = (sa.select(Timer.due_at).join(Instance, Instance.id == Timer.instance_id)
                .where(Timer.status == "pending", Instance.status == "running", Instance.open_incidents == 0)
                .order_by(Timer.due_at).limit(1))
        if after is not None:
            stmt = stmt.where(Timer.due_at > after)
        with self.db.reader() as session:
            return session.scalar(stmt)

    def pending(self, limit: int = 50, offset: int = 0) -> list[ScheduledTimer]:
        """Pending timers, soonest due first, for the admin listing."""
        now = self.runtime.clock.now()
        stmt = (sa.select(Timer, Instance.process_id, Instance.business_key)
                .join(Instance, Instance.id == Timer.instance_id)
                .where(Timer.status == "pending")
                .order_by(Timer.due_at, Timer.id).limit(limit).offset(offset))
        with self.db.reader() as session:
            return [ScheduledTimer(timer.id, timer.instance_id, process_id, business_key, timer.name,
                                   timer.attached_to, timer.interrupting, timer.due_at, timer.due_at <= now)
                    for timer, process_id, business_key in session.execute(stmt)]

    def pending_count(self) -> int:
        with self.db.reader() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(Timer).where(Timer.status == "pending"))

    def fired(self, since: datetime | None = None) -> list[FiredTimer]:
        """Timers fired (since `since`, if given), in firing order; `lateness` says how late each fired."""
        stmt = (sa.select(Timer.id, Timer.instance_id, Timer.name, Timer.due_at, Timer.fired_at)
                .where(Timer.status == "fired").order_by(Timer.fired_at, Timer.id))
        if since is not None:
            stmt = stmt.where(Timer.fired_at >= since)
        with self.db.reader() as session:
            return [FiredTimer(*row) for row in session.execute(stmt)]


class _ProcessFailed(Exception):
    """A claimed instance's process failed while firing; the batch is rolled back and fired without it."""

    def __init__(self, instance_id: int, cause: Exception) -> None:
        super().__init__(f"instance {instance_id}: {cause}")
        self.instance_id = instance_id
        self.cause = cause
