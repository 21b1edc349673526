"""The morning reminder digest: one notification per assignee (or per bureau and role for unclaimed
tasks) listing what falls due soon; keyed by day, so a rerun or another node adds nothing."""
from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from engine.models import QueueTask
from workflows.models import Case, Notification
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.bootstrap import Services

log = logging.getLogger(__name__)
# The notification's kind; its params: count, overdue and tasks [{case_no, task, due_at, overdue}].
REMINDER_DIGEST = "reminder_digest"

def reminder_digest(services: Services) -> int:
    """One notification per assignee (or per unclaimed organisation and role) listing tasks overdue or due
    within deadlines.due_soon_days; returns how many notifications were added."""
    now = services.clock.now()
    due_soon = timedelta(days=services.settings.deadlines.due_soon_days)
    day = now.astimezone(SHANGHAI).date().isoformat()
    with services.db.reader() as session:
        rows = session.execute(
            sa.select(QueueTask.assignee, QueueTask.organisation, QueueTask.role, QueueTask.due_at, Case.case_no,
                      QueueTask.title)
            .join(Case, Case.instance_id == QueueTask.instance_id)
            .where(QueueTask.due_at.is_not(None), QueueTask.due_at <= now + due_soon)
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
            params = {"count": len(items), "overdue": sum(1 for due, _, _ in items if due <= now),
                      "tasks": [{"case_no": case_no, "task": title, "due_at": due.isoformat(), "overdue": due <= now}
                                for due, case_no, title in items[:50]]}
            tx.add(Notification(organisation=organisation, username=assignee, role=role, kind=REMINDER_DIGEST,
                                params=json.dumps(params, ensure_ascii=False), dedupe_key=key, created_at=now))
            added += 1
    log.info("reminder digest for %s: %d notifications", day, added)
    return added
