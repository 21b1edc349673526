"""Starting this node's timer scheduler, when configured (in the web process and in `ecopetition scheduler`)."""
from __future__ import annotations

from engine.scheduler import NodeScheduler, build_scheduler


def start_scheduler(services, blocking: bool = False) -> NodeScheduler | None:
    """Start the node's scheduler if `scheduler.enabled`; return it so the caller can shut it down.

    The daily reminder digest and nightly KPI snapshot jobs are registered once the domain provides them.
    """
    if not services.settings["scheduler"]["enabled"] and not blocking:
        return None
    scheduler = build_scheduler(services.runtime, services.settings["scheduler"], blocking=blocking)
    scheduler.start()
    return scheduler
