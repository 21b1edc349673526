"""The cron jobs: reminder digests and KPI snapshots are idempotent, so every node may run them."""
from __future__ import annotations

import json

import sqlalchemy as sa

from tests.domain.test_cases import FORM
from workflows.intake.registration import register_case
from workflows.models import KpiSnapshot, Notification
from workflows.reporting.digest import reminder_digest
from workflows.reporting.kpis import kpi_snapshot


def notifications(services) -> list[Notification]:
    with services.db.reader() as s:
        return list(s.scalars(sa.select(Notification).order_by(Notification.id)))


def test_digest_lists_tasks_falling_due_once_per_day(services, make_actor, clock):
    registrar = make_actor("reg-wang", "registrar")
    case = register_case(services, registrar, FORM)
    assert reminder_digest(services) == 0, "15 days to go: nothing to remind yet"
    clock.advance(days=13)
    assert reminder_digest(services) == 1
    [note] = notifications(services)
    assert (note.organisation, note.role, note.username) == ("EEB-330106", "registrar", None)
    digest = json.loads(note.params)
    assert note.kind == "reminder_digest" and note.text is None and (digest["count"], digest["overdue"]) == (1, 0)
    [task] = digest["tasks"]
    assert task["case_no"] == case.case_no and "受理决定" in task["task"] and task["overdue"] is False
    assert reminder_digest(services) == 0, "a second node (or a rerun) the same day adds nothing"
    clock.advance(days=1)
    assert reminder_digest(services) == 1, "the next day brings the next digest"


def test_kpi_snapshot_is_replaced_not_duplicated(services, make_actor, clock):
    registrar = make_actor("reg-wang", "registrar")
    register_case(services, registrar, FORM)
    register_case(services, registrar, dict(FORM, channel="letter"))
    assert kpi_snapshot(services) == 1
    assert kpi_snapshot(services) == 1
    with services.db.reader() as s:
        [row] = s.scalars(sa.select(KpiSnapshot))
    figures = json.loads(row.figures)
    assert row.organisation == "EEB-330106"
    assert figures["cases"] == 2 and figures["open"] == 2
    assert figures["by_channel"] == {"12369": 1, "letter": 1}
