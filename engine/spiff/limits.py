"""The time and memory budget of one script or expression evaluation, and the checks that stop it.

Designer code is compiled so that it calls `tick()` at every loop iteration and every call of a function
it defines, and the guarded operations (engine/spiff/guards.py) call `allocate()` before they build a
value. Both compare against the budget of the evaluation running in this thread: a wall-clock deadline
and the growth of the process's resident memory since the evaluation began. Once a limit is passed the
budget stays exceeded, so a script that catches the signal is stopped again at its next check and the
evaluation fails when it returns.
"""
from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# Memory is sampled every this many ticks (a tick is cheap; reading the resident size is a system call).
MEMORY_SAMPLE_TICKS = 1024
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class ScriptLimits:
    """How long one evaluation may run (wall clock) and how much memory it may add to the process."""

    time_seconds: float = 1.0
    memory_megabytes: float = 64.0

    def __post_init__(self) -> None:
        if self.time_seconds <= 0 or self.memory_megabytes <= 0:
            raise ValueError(f"script limits must be positive, not {self}")

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_megabytes * 1024 * 1024)

    @property
    def value_bytes(self) -> int:
        """The largest single value (text, list, number) an operator or text method may build."""
        return self.memory_bytes // 32

    @property
    def range_items(self) -> int:
        """The most numbers a range may hold: built-ins consume a range in C, out of reach of the ticks."""
        return self.memory_bytes // 128


class LimitSignal(BaseException):
    """Stops designer code that passed a limit. A BaseException, so SpiffWorkflow (which wraps every
    Exception of a script) lets it through to the engine, which turns it into ScriptLimitExceeded."""

    def __init__(self, limit: str, allowed: float, element: str | None) -> None:
        super().__init__(f"{limit} limit of {allowed} exceeded" + (f" in {element}" if element else ""))
        self.limit, self.allowed, self.element = limit, allowed, element


class Budget:
    """The running evaluation's deadline and memory baseline; `exceeded` is set once a limit is passed."""

    __slots__ = ("deadline", "element", "exceeded", "limits", "memory_start", "ticks")

    def __init__(self, limits: ScriptLimits, element: str | None) -> None:
        self.limits = limits
        self.element = element
        self.deadline = time.monotonic() + limits.time_seconds
        self.memory_start = resident_bytes()
        self.ticks = 0
        self.exceeded: LimitSignal | None = None

    def exceed(self, limit: str) -> None:
        allowed = self.limits.time_seconds if limit == "time" else self.limits.memory_megabytes
        self.exceeded = LimitSignal(limit, allowed, self.element)
        raise self.exceeded

    def check_time(self) -> None:
        if self.exceeded is not None:
            raise self.exceeded
        if time.monotonic() > self.deadline:
            self.exceed("time")

    def check_memory(self, adding: int = 0) -> None:
        """Refuse once the memory grown since the start, plus `adding` bytes about to be built, passes the limit."""
        if self.exceeded is not None:
            raise self.exceeded
        if resident_bytes() - self.memory_start + adding > self.limits.memory_bytes:
            self.exceed("memory")


_local = threading.local()


def current() -> Budget | None:
    """The budget of the evaluation running in this thread; None outside an evaluation."""
    return getattr(_local, "budget", None)


@contextmanager
def evaluation(limits: ScriptLimits, element: str | None) -> Iterator[Budget]:
    """Run the block as one evaluation under `limits`; a limit passed and caught by the script still fails it."""
    outer = current()
    budget = Budget(limits, element)
    _local.budget = budget
    try:
        yield budget
        budget.check_memory()  # what the last unguarded built-in call left behind
    except BaseException:
        if budget.exceeded is not None:  # whatever the script made of the signal, the limit is why it failed
            raise budget.exceeded from None
        raise
    finally:
        _local.budget = outer
    if budget.exceeded is not None:  # caught by the script, which then finished without another check
        raise budget.exceeded


def tick() -> None:
    """Called by compiled designer code at every loop iteration and function call."""
    budget = getattr(_local, "budget", None)
    if budget is None:
        return
    budget.check_time()
    budget.ticks += 1
    if budget.ticks % MEMORY_SAMPLE_TICKS == 0:
        budget.check_memory()


def allocate(size: int) -> None:
    """Called before an operation builds a value of about `size` bytes; refuses one beyond the limits."""
    budget = getattr(_local, "budget", None)
    if budget is None:
        return
    budget.check_time()
    if size > budget.limits.value_bytes:
        budget.exceed("memory")
    budget.check_memory(size)


def limits_in_force() -> ScriptLimits | None:
    budget = getattr(_local, "budget", None)
    return budget.limits if budget is not None else None


def resident_bytes() -> int:
    """The process's resident memory now (Linux /proc); elsewhere its peak, which only grows."""
    try:
        fd = _statm_fd()
        return int(os.pread(fd, 128, 0).split()[1]) * _PAGE
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# (pid, descriptor): a forked worker must not read the statm of the process that opened it.
_statm: tuple[int, int] | None = None
_statm_lock = threading.Lock()


def _statm_fd() -> int:
    global _statm
    opened = _statm
    if opened is None or opened[0] != os.getpid():
        with _statm_lock:
            if _statm is None or _statm[0] != os.getpid():
                _statm = (os.getpid(), os.open("/proc/self/statm", os.O_RDONLY))
            opened = _statm
    return opened[1]
