"""Production serving of one node: gunicorn with several workers, and the node's timer scheduler in one
process of its own beside them.

`ecopetition serve --workers N --bind host:port` runs a gunicorn master (`NodeArbiter`) that forks N
workers; each worker loads the app itself (`create_app()`) and runs no scheduler. The master starts one
scheduler process (`ecopetition scheduler`, launched with fork and exec) once its sockets are bound,
starts it again if it dies, and stops it when the node stops. So a node runs exactly one scheduler, however
many workers it has.

Why a separate process and not the master or a worker: the master forks a new worker whenever one dies
or is recycled, and forking a process that runs APScheduler's threads and holds database connections
copies locks held by those threads and sockets shared with the parent into the child. A worker is the
wrong place too: there are N of them, and the master kills and replaces them freely. The scheduler process
starts from exec, with nothing inherited but the read end of a pipe.

The pipe carries pokes: a step in a worker that arms a timer sooner than all others writes its due time to
the pipe after commit, and the scheduler process wakes for it, as it does in `ecopetition run`. A poke lost
(the pipe full, the scheduler restarting) only means the timer fires at the next interval sweep.
Several nodes on one PostgreSQL database each run their scheduler; timers are claimed with row locks
(engine/timers.py), so each fires once.
"""
from __future__ import annotations

import faulthandler
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

if TYPE_CHECKING:
    from workflows.bootstrap import Services

log = logging.getLogger(__name__)

# How long a scheduler process that died waits before it is started again, at most (doubling from 1 s).
RESTART_BACKOFF_MAX = 30.0
# The scheduler process's exit code when it stopped as asked (an error exits with 1, as Python does; never 3
# or 4, which gunicorn's master reads as a worker that failed to boot).
EXIT_OK = 0


class NodeShared:
    """What the master shares with its workers, made before they are forked: the scheduler process's pid and
    restart count (shared memory, so workers see a restarted scheduler), and the write end of the poke pipe."""

    def __init__(self) -> None:
        self._values = multiprocessing.RawArray("q", 2)  # pid, restarts
        self.poke_read, self.poke_write = os.pipe()
        # A worker never blocks on a full pipe: the poke is dropped and the interval sweep finds the timer.
        os.set_blocking(self.poke_write, False)

    @property
    def scheduler_pid(self) -> int:
        return self._values[0]

    @property
    def restarts(self) -> int:
        return self._values[1]

    def record(self, pid: int, restarted: bool) -> None:
        self._values[0] = pid
        if restarted:
            self._values[1] += 1

    def poke(self, due_at: datetime) -> None:
        """A timers-armed listener of a worker's runtime: tell the node's scheduler about `due_at`."""
        try:
            os.write(self.poke_write, due_at.isoformat().encode() + b"\n")
        except (BlockingIOError, BrokenPipeError):
            pass

    def close(self) -> None:
        for fd in (self.poke_read, self.poke_write):
            try:
                os.close(fd)
            except OSError:
                pass


# Set in the master by `serve` before any worker is forked; workers inherit it.
_shared: NodeShared | None = None


def node_scheduler(app: Flask) -> dict:
    """Which scheduler this node runs, for the health probes: a process beside the workers (`serve`), a
    thread pool inside this process (`run`), or none."""
    if _shared is not None:
        pid = _shared.scheduler_pid
        return {"runs_in": "process", "pid": pid or None, "running": bool(pid) and _alive(pid),
                "restarts": _shared.restarts}
    if app.extensions.get("node_scheduler") is not None:
        return {"runs_in": "this process", "pid": os.getpid(), "running": True, "restarts": 0}
    return {"runs_in": "none", "pid": None, "running": False, "restarts": 0}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- the master ------------------------------------------------------------------------------------------
class SchedulerSupervisor:
    """Starts the node's scheduler process, starts it again when it dies (with a growing pause), stops it.

    Runs in gunicorn's master, from its single thread: the master's loop calls `check()` about once a second.
    """

    def __init__(self, shared: NodeShared, command: list[str], logger) -> None:
        self.shared = shared
        self.command = command
        self.log = logger
        self.process: subprocess.Popen | None = None
        self.backoff = 1.0
        self.start_after = 0.0
        self.started_at = 0.0
        self.stopping = False

    def start(self) -> None:
        restarted = self.process is not None
        self.process = subprocess.Popen(self.command + ["--poke-fd", str(self.shared.poke_read),
                                                        "--parent-pid", str(os.getpid())],
                                        pass_fds=(self.shared.poke_read,))
        self.started_at = time.monotonic()
        self.shared.record(self.process.pid, restarted)
        self.log.info("timer scheduler of this node started (pid: %s)", self.process.pid)

    def poll(self) -> None:
        """Reap the scheduler process if it ended, before gunicorn's master reaps every child it finds (and
        would report ours as a worker that died)."""
        if self.process is not None:
            self.process.poll()

    def check(self) -> None:
        if self.stopping or self.process is None:
            return
        code = self.process.poll()
        if code is None:
            return
        now = time.monotonic()
        if self.start_after == 0.0:
            if now - self.started_at > 60:
                self.backoff = 1.0  # it ran a good while: a new failure starts the pauses over
            self.log.error("timer scheduler (pid: %s) exited with code %s; starting it again in %.0f s",
                           self.process.pid, code, self.backoff)
            self.shared.record(0, restarted=False)
            self.start_after = now + self.backoff
            self.backoff = min(self.backoff * 2, RESTART_BACKOFF_MAX)
        elif now >= self.start_after:
            self.start_after = 0.0
            self.start()

    def terminate(self) -> None:
        """Ask the scheduler to stop: it finishes its current sweep (or is killed at the timeout) and exits."""
        self.stopping = True
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait(self, timeout: float) -> None:
        process = self.process
        if process is None:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.log.warning("timer scheduler (pid: %s) did not stop within %.0f s; killed", process.pid, timeout)
            process.kill()
            process.wait()
        self.shared.record(0, restarted=False)


class NodeArbiter(Arbiter):
    """gunicorn's master with the node's scheduler process beside the workers."""

    def __init__(self, app: NodeApplication) -> None:
        super().__init__(app)
        self.supervisor = (SchedulerSupervisor(app.shared, app.scheduler_command, self.log)
                           if app.scheduler_command else None)

    def start(self) -> None:
        super().start()  # sockets bound: the node is about to serve
        if self.supervisor is not None and self.supervisor.process is None:
            self.supervisor.start()

    def manage_workers(self) -> None:
        super().manage_workers()
        if self.supervisor is not None:
            self.supervisor.check()

    def reap_workers(self) -> None:
        if self.supervisor is not None:
            self.supervisor.poll()
        super().reap_workers()

    def stop(self, graceful: bool = True) -> None:
        """Workers and the scheduler are told at once, then waited for (each up to the graceful timeout)."""
        if self.supervisor is not None:
            self.supervisor.terminate()
        super().stop(graceful)
        if self.supervisor is not None:
            self.supervisor.wait(timeout=self.cfg.graceful_timeout)


class NodeApplication(BaseApplication):
    """gunicorn, configured from our options instead of its command line; each worker builds the app."""

    def __init__(self, options: dict, scheduler_command: list[str] | None) -> None:
        self.options = options
        self.scheduler_command = scheduler_command
        self.shared = NodeShared()
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn 24+ opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl), which
            # several nodes on one machine would share; we use none of its commands.
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Flask:
        """In each worker, after the fork: the app, with steps poking the node's scheduler."""
        from webui import create_app, services_of
        app = create_app()
        if self.scheduler_command:
            services_of(app).runtime.timers_armed_listeners.append(self.shared.poke)
        _warm_up_segmenter()
        return app

    def run(self) -> None:
        global _shared
        _shared = self.shared
        try:
            NodeArbiter(self).run()
        except RuntimeError as exc:
            print(f"\nError: {exc}\n", file=sys.stderr)
            sys.exit(1)
        finally:
            self.shared.close()


def _warm_up_segmenter() -> None:
    """Load the word segmenter while the worker starts, not on the first registration (2-4 s)."""
    from workflows.rules.similarity import segmenter
    threading.Thread(target=segmenter, name="jieba-warm-up", daemon=True).start()


def serve(bind: str, workers: int, threads: int, timeout: int, scheduler: bool, access_log: bool) -> None:
    """Run this node until SIGTERM or SIGINT; blocks."""
    options = {"bind": bind, "workers": workers, "threads": threads, "timeout": timeout,
               "graceful_timeout": 30, "errorlog": "-", "loglevel": "info", "proc_name": "ecopetition"}
    if access_log:
        options["accesslog"] = "-"
    command = [sys.executable, "-m", "webui.cli", "scheduler"] if scheduler else None
    NodeApplication(options, command).run()


# -- the scheduler process -------------------------------------------------------------------------------
def run_scheduler(services: Services, poke_fd: int | None = None, parent_pid: int | None = None) -> int:
    """Run this node's scheduler in the calling process until SIGTERM or SIGINT, or until the serving
    master (`parent_pid`) is gone; return the exit code. Pokes arrive on `poke_fd`, one ISO time a line."""
    from webui.node import start_scheduler
    _log_to_stderr()
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>`: where each thread is
    stop = threading.Event()
    signalled: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        # Only a list append in the handler: it runs in the main thread between any two bytecodes, and
        # setting an Event there could wait on a lock that same thread holds.
        signal.signal(signum, lambda signum, _frame: signalled.append(signum))
    scheduler = start_scheduler(services, always=True)
    log.info("timer scheduler running (pid: %s), sweeping every %s s", os.getpid(),
             services.settings.scheduler.sweep_seconds)
    if poke_fd is not None:
        threading.Thread(target=_read_pokes, args=(poke_fd, scheduler, stop), name="pokes", daemon=True).start()
    try:
        while not signalled and not stop.is_set():
            time.sleep(0.25)
            if parent_pid is not None and os.getppid() != parent_pid:
                log.warning("the serving master (pid: %s) is gone; the scheduler stops", parent_pid)
                break
    finally:
        scheduler.shutdown(wait=True)
        log.info("timer scheduler stopped (pid: %s)", os.getpid())
    return EXIT_OK


def _read_pokes(fd: int, scheduler, stop: threading.Event) -> None:
    with open(fd, "rb") as pipe:
        for line in pipe:
            try:
                due = datetime.fromisoformat(line.decode().strip())
            except ValueError:
                continue
            scheduler.poke(due)
    # End of file: every process that could write (the master, its workers) is gone.
    stop.set()


def _log_to_stderr() -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
                            datefmt="%Y-%m-%d %H:%M:%S %z")
    # The scheduler's own news (started, stopped, master gone) at INFO; the engine's warnings as they are.
    log.setLevel(logging.INFO)
    # APScheduler logs every run of every job at INFO.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
