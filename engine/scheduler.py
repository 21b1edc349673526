"""This node's scheduler: when to look for due timers, and the caller's daily jobs.

The timer table stays the only record of deadlines; APScheduler only decides when to look. It holds an
interval sweep, one date job re-armed for the nearest due timer (so a deadline fires within about a
second, not a sweep interval) and cron jobs whose callbacks the caller supplies. There is no job per
timer and no APScheduler job store in the database.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from engine.runtime import Runtime
from engine.timers import TimerSweeper

log = logging.getLogger(__name__)

SWEEP_JOB = "timer-sweep"
WAKE_JOB = "timer-wake"
# No job runs beside itself; runs missed while it was busy collapse into one.
_ONE_AT_A_TIME = {"max_instances": 1, "coalesce": True}
# A digest or snapshot that starts a few minutes late (every worker thread busy) is still wanted.
CRON_GRACE_SECONDS = 600


@dataclass(frozen=True)
class CronJob:
    """A callback of the caller's, run on a crontab schedule ("minute hour day month weekday")."""

    name: str
    crontab: str
    callback: Callable[[], object]


class NodeScheduler:
    """The APScheduler of one node: interval sweep, wake-up for the nearest timer, and cron jobs.

    With SystemClock the jobs run in real time. Under a ManualClock nothing moves by itself: tests call
    `TimerSweeper.sweep()` (or `run_due()`) after moving the clock instead of starting the scheduler.
    """

    def __init__(self, sweeper: TimerSweeper, sweep_seconds: float = 30.0, timezone: str = "UTC",
                 cron_jobs: Iterable[CronJob] = (), blocking: bool = False) -> None:
        if sweep_seconds <= 0:
            raise ValueError(f"sweep_seconds must be positive, not {sweep_seconds}")
        self.sweeper = sweeper
        self.clock = sweeper.runtime.clock
        self.sweep_seconds = sweep_seconds
        scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
        self.scheduler = scheduler_class(timezone=timezone)
        self._lock = threading.Lock()
        self._sweeping = False
        self._again = False
        # While idle: the time the wake-up job is armed for. While sweeping: the earliest time poked
        # meanwhile, which the sweep arms when it finishes.
        self._wake_at: datetime | None = None
        self._stopping = False
        # misfire_grace_time=None: a sweep that starts late is still wanted, however late.
        self.scheduler.add_job(self.run_due, IntervalTrigger(seconds=sweep_seconds, timezone=timezone),
                               id=SWEEP_JOB, name="sweep due timers", **_ONE_AT_A_TIME, misfire_grace_time=None)
        for job in cron_jobs:
            try:
                trigger = CronTrigger.from_crontab(job.crontab, timezone=timezone)
            except ValueError as exc:
                raise ValueError(f"crontab {job.crontab!r} of job {job.name!r} is not valid: {exc}") from exc
            self.scheduler.add_job(job.callback, trigger, id=f"cron-{job.name}", name=job.name, **_ONE_AT_A_TIME,
                                   misfire_grace_time=CRON_GRACE_SECONDS)

    @property
    def wake_at(self) -> datetime | None:
        """When the wake-up job will next sweep, on the runtime's clock; None if no timer is pending."""
        with self._lock:
            return self._wake_at

    def start(self) -> None:
        """Start the jobs (this call blocks for a blocking scheduler).

        The first sweep runs at once, so whatever fell due while the node was down fires now, in due order.
        """
        with self._lock:
            self._arm(self.clock.now())
        self.scheduler.start()

    def shutdown(self, wait: bool = True) -> None:
        """Stop the jobs; with `wait`, let a sweep that is running finish its batches first.

        APScheduler 3 holds its job-store lock while it waits for running jobs, and a sweep ends by re-arming
        the wake-up job, which takes that lock: so from here on the sweep no longer touches APScheduler.
        """
        with self._lock:
            self._stopping = True
        self.scheduler.shutdown(wait=wait)

    def poke(self, due_at: datetime | None = None) -> None:
        """Wake up for `due_at` (default: the nearest pending timer) if that is sooner than planned.

        Call it after a step that armed a timer has committed, so a deadline sooner than every other one
        fires on time rather than at the next interval sweep.
        """
        if due_at is None:
            due_at = self.sweeper.next_due()
            if due_at is None:
                return
        with self._lock:
            if self._wake_at is not None and self._wake_at <= due_at:
                return
            if self._sweeping:
                self._wake_at = due_at
                return
            self._arm(due_at)

    def run_due(self) -> None:
        """Sweep due timers, then arm the wake-up for the nearest timer still to fall due.

        Both the interval job and the wake-up job run this. If this node is already sweeping, the
        running sweep goes round once more instead, so two jobs of a node never sweep at once.
        """
        with self._lock:
            if self._sweeping:
                self._again = True
                return
            self._sweeping = True
            self._wake_at = None
        try:
            while not self._sweep_once():
                pass
        except sa.exc.OperationalError as exc:
            # The database went away or stayed locked; the batch rolled back and nothing was lost.
            log.warning("timer sweep interrupted by a database error; the interval sweep retries in %s s: %s",
                        self.sweep_seconds, exc)
        finally:
            with self._lock:
                if self._sweeping:  # left by an exception: keep what was poked meanwhile
                    self._sweeping = False
                    if self._wake_at is not None:
                        self._arm(self._wake_at)

    def _sweep_once(self) -> bool:
        """One sweep; True when the wake-up is armed and the node is idle, False to sweep again."""
        cutoff = self.clock.now()
        self.sweeper.sweep()
        # Timers due by `cutoff` that are still pending are being fired by another node or their process
        # fails; the interval sweep retries those. Wake for the first one that falls due after it.
        upcoming = self.sweeper.next_due(after=cutoff)
        with self._lock:
            target = min((t for t in (upcoming, self._wake_at) if t is not None), default=None)
            if self._again or (target is not None and target <= self.clock.now()):
                self._again = False
                self._wake_at = None
                return False
            self._sweeping = False
            self._arm(target)
            return True

    def _arm(self, due_at: datetime | None) -> None:
        """Re-arm the single wake-up job for `due_at` (None: disarm). Call with the lock held."""
        self._wake_at = due_at
        if self._stopping:
            return
        try:
            self.scheduler.remove_job(WAKE_JOB)
        except JobLookupError:
            pass  # not armed, or it just ran
        if due_at is not None:
            self.scheduler.add_job(self.run_due, DateTrigger(run_date=self._wall_time(due_at)), id=WAKE_JOB,
                                   name="wake for the nearest timer", **_ONE_AT_A_TIME, misfire_grace_time=None)

    def _wall_time(self, when: datetime) -> datetime:
        # APScheduler's triggers run on the wall clock; carry over the delay measured on the runtime's
        # clock. With SystemClock that is `when` itself; with a ManualClock a wake-up can never land in
        # the wall clock's past and spin.
        delay = max((when - self.clock.now()).total_seconds(), 0.0)
        return datetime.fromtimestamp(time.time() + delay, UTC)


def build_scheduler(runtime: Runtime, settings: Mapping[str, Any],
                    callbacks: Mapping[str, Callable[[], object]] | None = None,
                    blocking: bool = False) -> NodeScheduler:
    """Build a node's scheduler from the `scheduler:` settings.

    Each callback runs on the crontab of the setting named after it: `{"reminder_digest": send}` runs
    `send` on `reminder_digest_cron`. The engine knows nothing of what the callbacks do.
    """
    jobs = []
    for name, callback in (callbacks or {}).items():
        key = f"{name}_cron"
        if not settings.get(key):
            raise ValueError(f"job {name!r} has no crontab: set scheduler.{key} in config.yaml, e.g. \"0 8 * * *\"")
        jobs.append(CronJob(name, settings[key], callback))
    sweeper = TimerSweeper(runtime, batch_size=int(settings.get("batch_size", 50)))
    return NodeScheduler(sweeper, sweep_seconds=float(settings.get("sweep_seconds", 30)),
                         timezone=settings.get("timezone", "UTC"), cron_jobs=jobs, blocking=blocking)
