"""Rotating the data key: seal every case's personal fields and blind indexes again with the ring's newest key,
in batches, so that an older key can then be dropped from the configuration."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.store import Database
from workflows.models import PERSONAL_COLUMNS, Case, index_case
from workflows.protection import keyring_for


@dataclass
class ResealReport:
    cases: int = 0  # cases looked at
    resealed: int = 0  # of those, sealed again because a value or index was under an older key
    keys_in_use: dict[str, int] | None = None  # key id -> cases still sealed with it, after the run


def reseal_cases(db: Database, batch: int = 500, progress: Callable[[ResealReport], None] | None = None) -> ResealReport:
    """Seal again, with the newest key, every case that has a value sealed under an older key; each batch is
    its own transaction, so a stopped run is continued by running it again."""
    report = ResealReport()
    last_id = 0
    while True:
        with db.unit_of_work() as tx:
            keyring = keyring_for(tx)
            rows = tx.execute(_raw_select().where(Case.id > last_id).order_by(Case.id).limit(batch)).all()
            if not rows:
                break
            stale = [row.id for row in rows
                     if any(v is not None and keyring.key_id_of(v) != keyring.primary.key_id for v in row[1:])]
            for case in tx.scalars(sa.select(Case).where(Case.id.in_(stale))) if stale else ():
                for column in PERSONAL_COLUMNS:
                    # A column flagged modified is written again on flush, which seals it with the newest key.
                    so.attributes.flag_modified(case, column)
                index_case(keyring, case)
            report.cases += len(rows)
            report.resealed += len(stale)
            last_id = rows[-1].id
        if progress is not None:
            progress(report)
    report.keys_in_use = keys_in_use(db)
    return report


def keys_in_use(db: Database) -> dict[str, int]:
    """For each data key id, how many cases have at least one value sealed with it."""
    counts: dict[str, int] = {}
    with db.reader() as session:
        keyring = keyring_for(session)
        for row in session.execute(_raw_select()):
            for key_id in {keyring.key_id_of(v) for v in row[1:] if v is not None}:
                counts[key_id] = counts.get(key_id, 0) + 1
    return counts


def _raw_select() -> sa.Select:
    """The case ids with their personal columns as stored (sealed), not opened."""
    table = Case.__table__
    return sa.select(table.c.id, *(sa.type_coerce(table.c[c], sa.Text()).label(c) for c in PERSONAL_COLUMNS))
