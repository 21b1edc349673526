"""The demo's oversight at the end of the simulation: the early warnings the demo cases make are raised; the
two longest overdue cases are owned by their bureau's leader and put under supervision by a supervisor of the
bureau above (the first 挂牌督办, the next 督办). The backlog ledger is left to the sweep (its cron job or the
button), so that the ledger's entries carry the time the sweep saw each case late."""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.errors import EngineError
from workflows.accounts import Actor
from workflows.oversight.ledger import overdue_cases
from workflows.oversight.ownership import take_ownership
from workflows.oversight.supervision import issue_order
from workflows.oversight.warnings import sweep_warnings, warning_rules
from workflows.rules.organisations import parent_org

if TYPE_CHECKING:
    from workflows.bootstrap import Services


def seed_oversight(services: Services, actors: dict[tuple[str, str], Actor], owned: int = 2) -> list[int]:
    """Raise the warnings at the clock's time, then own and supervise the `owned` longest overdue cases; returns
    the warnings' ids."""
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        warnings = sweep_warnings(tx, now, warning_rules(services))
        late = overdue_cases(tx, now, limit=owned)
    for number, (case_id, bureau, _) in enumerate(late):
        leader = actors.get((bureau, "leader"))
        supervisor = actors.get((parent_org(bureau) or bureau, "supervisor")) or actors.get((bureau, "supervisor"))
        try:
            if leader is not None:
                take_ownership(services, leader, case_id, "演示：重大案件，领导包案直至化解")
            if supervisor is not None:
                issue_order(services, supervisor, case_id, "listed" if number == 0 else "order",
                            "演示：请于期限内书面反馈调查处理及化解情况。")
        except EngineError:
            continue  # a demo nicety: a case the accounts may not act on is left as it is
    return warnings
