"""The demo's oversight at the end of the simulation: the sweep fills the backlog ledger and raises the
warnings the demo cases make; the leader of the longest overdue cases' bureaus owns them and a supervisor of
the bureau above puts them under supervision (the first 挂牌督办, the next 督办)."""
from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.errors import EngineError
from workflows.accounts import Actor
from workflows.oversight.models import BacklogEntry
from workflows.oversight.ownership import take_ownership
from workflows.oversight.supervision import issue_order
from workflows.oversight.sweep import SweepResult, oversight_sweep
from workflows.rules.organisations import parent_org

if TYPE_CHECKING:
    from workflows.bootstrap import Services


def seed_oversight(services: Services, actors: dict[tuple[str, str], Actor], owned: int = 2) -> SweepResult:
    """Run the sweep at the clock's time, then own and supervise the `owned` longest overdue ledger cases."""
    result = oversight_sweep(services)
    with services.db.reader() as session:
        entries = session.execute(sa.select(BacklogEntry.case_id, BacklogEntry.organisation)
                                  .order_by(BacklogEntry.overdue_since, BacklogEntry.id).limit(owned)).all()
    for number, (case_id, bureau) in enumerate(entries):
        leader = actors.get((bureau, "leader"))
        supervisor = actors.get((parent_org(bureau) or bureau, "supervisor")) or actors.get((bureau, "supervisor"))
        try:
            if leader is not None:
                take_ownership(services, leader, case_id, "演示：重大积案，领导包案直至化解")
            if supervisor is not None:
                issue_order(services, supervisor, case_id, "listed" if number == 0 else "order",
                            "演示：请于期限内书面反馈调查处理及化解情况。")
        except EngineError:
            continue  # a demo nicety: a case the accounts may not act on is left as the sweep put it
    return result
