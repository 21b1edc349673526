"""Starting this node's timer scheduler, when configured (the web process and `ecopetition scheduler`)."""
from __future__ import annotations


def start_scheduler(services):
    """Start the background scheduler if enabled and available; return it (or None)."""
    if not services.settings["scheduler"]["enabled"]:
        return None
    try:
        from engine.scheduler import build_scheduler
    except ImportError:
        return None
    scheduler = build_scheduler(services.runtime, services.settings["scheduler"])
    scheduler.start()
    return scheduler
