"""Rotating the data key: seal every case's personal fields and blind indexes again with the ring's newest key,
and wrap every case's own key (workflows/personal.py) again with it, in batches, so that an older key can then
be dropped from the configuration. The audit events are never touched: they hold the petitioner sealed under
the case's own key, which a rotation only re-wraps."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.store import Database
from workflows.models import PERSONAL_COLUMNS, Case, PersonalKey, index_case
from workflows.protection import keyring_for


@dataclass
class ResealReport:
    cases: int = 0  # cases looked at
    resealed: int = 0  # of those, sealed again because a value or index was under an older key
    case_keys: int = 0  # cases' own keys looked at
    rewrapped: int = 0  # of those, wrapped again because they were under an older key
    keys_in_use: dict[str, int] | None = None  # key id -> rows (cases and case keys) still sealed with it


def reseal_cases(db: Database, batch: int = 500, progress: Callable[[ResealReport], None] | None = None) -> ResealReport:
    """Seal again, with the newest key, every case that has a value sealed under an older key, and wrap again
    every case key wrapped under one; each batch is its own transaction, so a stopped run is continued by
    running it again."""
    report = ResealReport()
    last_id = 0
    while True:
        with db.unit_of_work() as tx:
            keyring = keyring_for(tx)
            rows = tx.execute(_raw_cases().where(Case.id > last_id).order_by(Case.id).limit(batch)).all()
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
    last_ref = ""
    while True:
        with db.unit_of_work() as tx:
            keyring = keyring_for(tx)
            rows = tx.execute(_raw_case_keys().where(PersonalKey.ref > last_ref).order_by(PersonalKey.ref)
                              .limit(batch)).all()
            if not rows:
                break
            stale = [ref for ref, secret in rows if keyring.key_id_of(secret) != keyring.primary.key_id]
            for key in tx.scalars(sa.select(PersonalKey).where(PersonalKey.ref.in_(stale))) if stale else ():
                so.attributes.flag_modified(key, "secret")
            report.case_keys += len(rows)
            report.rewrapped += len(stale)
            last_ref = rows[-1].ref
        if progress is not None:
            progress(report)
    report.keys_in_use = keys_in_use(db)
    return report


def keys_in_use(db: Database) -> dict[str, int]:
    """For each data key id, how many rows have a value sealed with it: cases (any personal column) and
    cases' own keys. A key with no rows may be dropped from the ring."""
    counts: dict[str, int] = {}
    with db.reader() as session:
        keyring = keyring_for(session)
        for row in session.execute(_raw_cases()):
            for key_id in {keyring.key_id_of(v) for v in row[1:] if v is not None}:
                counts[key_id] = counts.get(key_id, 0) + 1
        for _, secret in session.execute(_raw_case_keys()):
            key_id = keyring.key_id_of(secret)
            counts[key_id] = counts.get(key_id, 0) + 1
    return counts


def _raw_cases() -> sa.Select:
    """The case ids with their personal columns as stored (sealed), not opened."""
    table = Case.__table__
    return sa.select(table.c.id, *(sa.type_coerce(table.c[c], sa.Text()).label(c) for c in PERSONAL_COLUMNS))


def _raw_case_keys() -> sa.Select:
    """The cases' own keys as stored (wrapped by the ring), not opened."""
    table = PersonalKey.__table__
    return sa.select(table.c.ref, sa.type_coerce(table.c.secret, sa.Text()).label("secret"))
