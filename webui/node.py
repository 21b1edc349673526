"""Starting this node's timer scheduler, when configured (in the web process and in `ecopetition scheduler`)."""
from __future__ import annotations

from dataclasses import asdict

from engine.scheduler import NodeScheduler, build_scheduler
from workflows.bootstrap import Services


def start_scheduler(services: Services, blocking: bool = False, always: bool = False) -> NodeScheduler | None:
    """Start the node's scheduler if `scheduler.enabled` (or `always`, or `blocking`); return it so the caller
    can shut it down.

    Steps that arm a timer poke the scheduler after commit, so a near deadline fires on time rather than
    at the next interval sweep. The domain's cron jobs (reminder digest, KPI snapshot) come from
    `workflows.jobs`; both are idempotent, so every node may run them.
    """
    if not services.settings.scheduler.enabled and not (blocking or always):
        return None
    from workflows.reporting.jobs import cron_callbacks

    scheduler = build_scheduler(services.runtime, asdict(services.settings.scheduler),
                                callbacks=cron_callbacks(services), blocking=blocking)
    services.runtime.timers_armed_listeners.append(scheduler.poke)
    scheduler.start()
    return scheduler
