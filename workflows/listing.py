"""One page of a long list (the ledger, the supervision board, warnings, the admin log, the reveal log): the
rows of the page and how many the whole list has, for the pager under it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so

Row = TypeVar("Row")


@dataclass(frozen=True)
class Listing(Generic[Row]):
    rows: list[Row]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def page_of(session: so.Session, stmt: sa.Select, page: int, per_page: int) -> tuple[list, int, int]:
    """The rows of page `page` (from 1; a page past the end gives the last) of an ordered statement, the total
    number of rows, and the page given."""
    total = session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    last = max(1, -(-total // per_page))
    page = min(max(1, page), last)
    return session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all(), total, page
