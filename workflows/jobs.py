"""The domain's cron jobs: the morning reminder digest and the nightly KPI snapshot.

Both are idempotent (a notification or snapshot is keyed by its day and recipient), so every node of a
cluster may run them: the second node to try finds the rows there and adds nothing.
"""
from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine.models import AuditEvent, QueueTask
from workflows.models import Case, CaseOrganisation, KpiSnapshot, Notification

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE_SOON = timedelta(days=3)


def cron_callbacks(services) -> dict[str, Callable[[], object]]:
    return {"reminder_digest": lambda: reminder_digest(services),
            "kpi_snapshot": lambda: kpi_snapshot(services)}


def reminder_digest(services) -> int:
    """One notification per assignee (or per unclaimed organisation and role) listing tasks overdue or due
    within three days; returns how many notifications were added."""
    now = services.clock.now()
    day = now.astimezone(SHANGHAI).date().isoformat()
    with services.db.reader() as session:
        rows = session.execute(
            sa.select(QueueTask.assignee, QueueTask.organisation, QueueTask.role, QueueTask.due_at, Case.case_no,
                      QueueTask.title)
            .join(Case, Case.instance_id == QueueTask.instance_id)
            .where(QueueTask.due_at.is_not(None), QueueTask.due_at <= now + DUE_SOON)
            .order_by(QueueTask.due_at)).all()
    groups: dict[tuple, list] = defaultdict(list)
    for assignee, organisation, role, due_at, case_no, title in rows:
        groups[(organisation or "", assignee, None if assignee else role)].append((due_at, case_no, title))
    added = 0
    with services.db.unit_of_work() as tx:
        for (organisation, assignee, role), items in groups.items():
            key = f"digest:{day}:{organisation}:{assignee or 'role:' + str(role)}"
            if tx.scalar(sa.select(Notification.id).where(Notification.dedupe_key == key)) is not None:
                continue
            overdue = sum(1 for due, _, _ in items if due <= now)
            lines = [f"{case_no} {title} {'逾期 overdue' if due <= now else '临期 due'} "
                     f"{due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" for due, case_no, title in items[:50]]
            text = (f"{len(items)} 项待办临期或逾期（其中逾期 {overdue} 项） / {len(items)} tasks due soon or overdue "
                    f"({overdue} overdue)\n" + "\n".join(lines))
            tx.add(Notification(organisation=organisation, username=assignee, role=role, kind="reminder_digest",
                                text=text, dedupe_key=key, created_at=now))
            added += 1
    log.info("reminder digest for %s: %d notifications", day, added)
    return added


def kpi_snapshot(services) -> int:
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
        f["closed" if status in ("closed", "archived", "refused", "forwarded") else "open"] += 1
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
