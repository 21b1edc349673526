"""What the case page shows of a case's oversight: the owning leader, its backlog ledger entry, its supervision
orders, and which of these the reader may act on (take or release ownership, issue an order, answer one)."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy.orm as so

from workflows.accounts import Actor
from workflows.models import Case
from workflows.oversight.ledger import entry_of_case
from workflows.oversight.models import BacklogEntry, CaseOwnership, SupervisionOrder
from workflows.oversight.ownership import current_owner
from workflows.oversight.supervision import ANSWERERS, orders_of_case


@dataclass(frozen=True)
class CaseOversight:
    owner: CaseOwnership | None
    ledger: BacklogEntry | None
    orders: list[SupervisionOrder]
    may_take: bool
    may_release: bool
    may_supervise: bool
    answerable: frozenset[int]  # ids of the orders the reader's bureau owes feedback on and the reader may answer


def case_oversight(session: so.Session, actor: Actor, case: Case) -> CaseOversight:
    """The oversight of a case the actor may already see (the case page checked that)."""
    owner = current_owner(session, case.id)
    orders = orders_of_case(session, case.id)
    answerable = frozenset(o.id for o in orders if o.status != "answered" and o.target_org == actor.organisation
                           and actor.has(*ANSWERERS))
    return CaseOversight(owner=owner, ledger=entry_of_case(session, case.id), orders=orders,
                         may_take=actor.has("leader") and owner is None,
                         may_release=owner is not None and owner.leader == actor.username,
                         may_supervise=actor.has("supervisor"), answerable=answerable)
