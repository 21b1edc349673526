"""The oversight sweep, a cron job of every node (`scheduler.oversight_sweep_cron`) and a button for supervisors:
overdue open cases onto the backlog ledger, late supervision orders marked overdue and escalated, hotspots and
sharp rises raised as warnings. Each part is idempotent and runs in its own transaction, so a second node (or a
rerun) adds nothing and one part failing leaves the others done."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from workflows.oversight.ledger import sweep_backlog
from workflows.oversight.supervision import escalate_late_orders
from workflows.oversight.warnings import sweep_warnings, warning_rules

if TYPE_CHECKING:
    from workflows.bootstrap import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: case ids that entered the ledger, order ids escalated, warning ids raised."""

    entered: list[int]
    escalated: list[int]
    warnings: list[int]


def oversight_sweep(services: Services) -> SweepResult:
    """Run the three parts at the clock's time; a part that meets another node's rows (a unique key taken at the
    same moment) is left to that node."""
    now = services.clock.now()
    rules = warning_rules(services)
    done = []
    for name, part in (("ledger", lambda tx: sweep_backlog(tx, now)),
                       ("supervision", lambda tx: escalate_late_orders(tx, now)),
                       ("warnings", lambda tx: sweep_warnings(tx, now, rules))):
        try:
            with services.db.unit_of_work() as tx:
                done.append(part(tx))
        except sa.exc.IntegrityError as exc:
            log.info("oversight sweep (%s): another node got there first: %s", name, exc.orig)
            done.append([])
    result = SweepResult(*done)
    log.info("oversight sweep: %d cases entered the ledger, %d orders escalated, %d warnings raised",
             len(result.entered), len(result.escalated), len(result.warnings))
    return result
