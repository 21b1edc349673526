"""The domain's cron jobs, by name, for the node scheduler. Each is idempotent, so every node of a
cluster may run them: the second node to try finds the rows there and adds nothing."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from workflows.oversight.sweep import oversight_sweep
from workflows.reporting.digest import reminder_digest
from workflows.reporting.kpis import kpi_snapshot

if TYPE_CHECKING:
    from workflows.bootstrap import Services


def cron_callbacks(services: Services) -> dict[str, Callable[[], object]]:
    return {"reminder_digest": lambda: reminder_digest(services),
            "kpi_snapshot": lambda: kpi_snapshot(services),
            "oversight_sweep": lambda: oversight_sweep(services)}
