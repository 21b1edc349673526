"""The demo's oversight at the end of the simulation: the early warnings the demo cases make are raised; the
two longest overdue cases are owned by their bureau's leader and put under supervision by a supervisor of the
bureau above (the first 挂牌督办, the next 督办); and a few backlog entries are struck off with approval, so that
the current month's 积案化解率 has cases on both sides. The ledger itself was filled during the simulation by the
sweep, at the times its cases fell overdue, and half of it struck off two weeks later (`resolve_in_time`), so
past months have their figure too."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.errors import EngineError
from workflows.accounts import Actor
from workflows.models import Case
from workflows.oversight.ledger import (
    approval_of,
    decide_strike_off,
    request_strike_off,
    update_entry,
)
from workflows.oversight.models import BacklogEntry
from workflows.oversight.ownership import take_ownership
from workflows.oversight.supervision import issue_order
from workflows.oversight.warnings import sweep_warnings, warning_rules
from workflows.rules.organisations import parent_org

if TYPE_CHECKING:
    from workflows.bootstrap import Services

# How long the backlog the demo resolves while it runs stays on the ledger before it is struck off.
RESOLVED_AFTER = timedelta(days=14)


@dataclass(frozen=True)
class SeededOversight:
    """What the demo's oversight made: warning ids, the ledger's size, and the entries struck off."""

    warnings: list[int]
    on_ledger: int
    struck_off: list[int]


def seed_oversight(services: Services, actors: dict[tuple[str, str], Actor], owned: int = 2,
                   struck: int = 3) -> SeededOversight:
    """Raise the warnings at the clock's time, own and supervise the `owned` longest overdue cases on the ledger,
    and strike off the `struck` oldest other ledger entries of cases still open."""
    now = services.clock.now()
    with services.db.unit_of_work() as tx:
        warnings = sweep_warnings(tx, now, warning_rules(services))
    with services.db.reader() as session:
        late = list(session.execute(_open_entries().with_only_columns(BacklogEntry.case_id, BacklogEntry.organisation)
                                    .order_by(BacklogEntry.overdue_since, BacklogEntry.id).limit(owned)).all())
    for number, (case_id, bureau) in enumerate(late):
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
    struck_off = strike_off_some(services, actors, struck, {case_id for case_id, _ in late})
    with services.db.reader() as session:
        on_ledger = session.scalar(sa.select(sa.func.count(BacklogEntry.id)))
    return SeededOversight(warnings, on_ledger, struck_off)


def _open_entries() -> sa.Select:
    return (sa.select(BacklogEntry).join(Case, Case.id == BacklogEntry.case_id)
            .where(BacklogEntry.status == "open", Case.closed_at.is_(None)))


def resolve_in_time(services: Services, actors: dict[tuple[str, str], Actor], moment: datetime) -> list[int]:
    """During the simulation: half the backlog (every second entry) is resolved and struck off two weeks after
    it entered the ledger."""
    return strike_off_some(services, actors, None, entered_by=moment - RESOLVED_AFTER, one_in=2)


def strike_off_some(services: Services, actors: dict[tuple[str, str], Actor], count: int | None,
                    keep: Collection[int] = (), entered_by: datetime | None = None, one_in: int = 1) -> list[int]:
    """Strike off the `count` (every one when None) oldest open ledger entries whose case is still open and not
    in `keep` (only those entered by `entered_by`, and of those the entries whose id is a multiple of `one_in`), as
    a bureau would: its supervisor sets the plan and asks, the configured approver approves. Returns the
    entries' ids."""
    stmt = _open_entries().where(BacklogEntry.case_id.not_in(keep))
    if entered_by is not None:
        stmt = stmt.where(BacklogEntry.entered_at <= entered_by)
    if one_in > 1:
        stmt = stmt.where(BacklogEntry.id % one_in == 0)
    with services.db.reader() as session:
        entries = list(session.scalars(stmt.order_by(BacklogEntry.entered_at, BacklogEntry.id)))
        approvers = {entry.id: approval_of(services, entry)[::-1] for entry in entries}  # (bureau, role)
    done: list[int] = []
    for entry in entries:
        if len(done) == count:
            break
        supervisor, leader = actors.get((entry.organisation, "supervisor")), actors.get((entry.organisation, "leader"))
        approver = actors.get(approvers[entry.id])
        if supervisor is None or leader is None or approver is None or approver == supervisor:
            continue
        try:
            update_entry(services, supervisor, entry.id, leader.username, "演示：现场复查，约谈企业负责人，限期整改。")
            request_strike_off(services, supervisor, entry.id, "演示：问题已整改到位，信访人无异议。")
            decide_strike_off(services, approver, entry.id, True, "同意销号。")
        except EngineError:
            continue  # a demo nicety: an entry the accounts may not strike off stays on the ledger
        done.append(entry.id)
    return done
