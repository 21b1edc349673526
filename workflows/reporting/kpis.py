"""The nightly KPI snapshot: yesterday's running figures per organisation, replaced per day."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.models import AuditEvent, QueueTask
from workflows.cases import CLOSED_STATUSES
from workflows.models import Case, CaseOrganisation, KpiSnapshot
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.bootstrap import Services


def kpi_snapshot(services: Services) -> int:
    """Yesterday's running KPI figures per organisation, from the case rows and the event log.

    Replaces the day's snapshot if it exists, so a rerun (or a second node) gives the same rows."""
    now = services.clock.now()
    day = (now.astimezone(SHANGHAI) - timedelta(days=1)).date().isoformat()
    with services.db.reader() as session:
        cases = session.execute(
            sa.select(CaseOrganisation.organisation, Case.id, Case.status, Case.channel, Case.instance_id)
            .join(Case, Case.id == CaseOrganisation.case_id)).all()
        overdue = Counter(session.scalars(
            sa.select(QueueTask.organisation).where(QueueTask.due_at.is_not(None), QueueTask.due_at < now)))
        ratings = dict(session.execute(
            sa.select(AuditEvent.instance_id, AuditEvent.data).where(AuditEvent.command == "message", AuditEvent.data.like('%"satisfaction_rated"%'))
            .order_by(AuditEvent.id)).all())
    figures: dict[str, dict] = defaultdict(lambda: {"cases": 0, "open": 0, "closed": 0, "by_channel": Counter(),
                                                    "rated": 0, "satisfied": 0})
    for organisation, _case_id, status, channel, instance_id in cases:
        f = figures[organisation]
        f["cases"] += 1
        f["closed" if status in CLOSED_STATUSES else "open"] += 1
        f["by_channel"][channel] += 1
        data = ratings.get(instance_id)
        if data and "satisfaction_rated" in data:
            payload = json.loads(data).get("payload", {})
            f["rated"] += 1
            f["satisfied"] += payload.get("rating") in ("satisfied", "basically_satisfied")
    with services.db.unit_of_work() as tx:
        tx.execute(sa.delete(KpiSnapshot).where(KpiSnapshot.day == day))
        for organisation, f in sorted(figures.items()):
            f["overdue_tasks"] = overdue.get(organisation, 0)
            f["by_channel"] = dict(f["by_channel"])
            f["satisfaction_rate"] = round(f["satisfied"] / f["rated"], 4) if f["rated"] else None
            tx.add(KpiSnapshot(day=day, organisation=organisation, figures=json.dumps(f, sort_keys=True),
                               computed_at=now))
    return len(figures)
