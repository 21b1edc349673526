"""Small helpers for engine tests: the expense fixture bundle and queue look-ups."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from engine.bundles import read_bundle
from engine.models import AuditEvent, Instance, QueueTask, Timer
from tests.conftest import FIXTURES


def expense_functions(clock):
    return {"add_days": lambda t, n: t + dt.timedelta(days=n)}


def deploy_expense(definitions):
    version, _ = definitions.deploy(read_bundle(FIXTURES / "expense"), "designer")
    return version


def queue(db, instance_id=None) -> list[QueueTask]:
    with db.reader() as s:
        stmt = sa.select(QueueTask).order_by(QueueTask.created_at, QueueTask.task_id)
        if instance_id is not None:
            stmt = stmt.where(QueueTask.instance_id == instance_id)
        return list(s.scalars(stmt))


def timers(db, instance_id) -> list[Timer]:
    with db.reader() as s:
        return list(s.scalars(sa.select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.id)))


def events(db, instance_id) -> list[AuditEvent]:
    with db.reader() as s:
        return list(s.scalars(sa.select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                              .order_by(AuditEvent.seq)))


def instance(db, instance_id) -> Instance:
    with db.reader() as s:
        return s.get(Instance, instance_id)


def snapshot(db) -> dict:
    """Every row of every engine table, to compare the database before and after a failed step."""
    tables = ["process_version", "instance", "queue_task", "timer", "audit_event"]
    with db.reader() as s:
        return {t: sorted(map(tuple, s.execute(sa.text(f"SELECT * FROM {t}")).all()), key=repr) for t in tables}
