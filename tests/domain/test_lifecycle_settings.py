"""What registration fixes into a case from configuration (the return-visit rate, the repeat links the
simple-track decision reads), and the calendar warning on the case page and the queue when a deadline falls
in a year whose official holiday schedule is not configured in full."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from engine.clock import ManualClock
from engine.models import AuditEvent, QueueTask
from tests.domain.conftest import ORGANISATIONS, create_actor, services_on
from tests.domain.test_cases import FORM
from workflows.handling.case_page import case_page
from workflows.handling.queues import queue_page
from workflows.handling.tasks import complete_task
from workflows.intake.registration import register_case
from workflows.rules.calendar import YEAR_UNKNOWN, CalendarWarning, statutory_holidays
from workflows.settings import DEFAULT_CONFIG, SettingsError, load_settings

ACCEPT = {"acceptance_decision": "accept", "content_category": "pollution_complaint", "track": "normal"}


def test_the_return_visit_rate_is_a_typed_setting_visiting_every_case_by_default():
    assert load_settings(DEFAULT_CONFIG, environ={}).lifecycle.return_visit_rate == 1
    settings = load_settings(DEFAULT_CONFIG, environ={"ECOPETITION_LIFECYCLE_RETURN_VISIT_RATE": "0.25"})
    assert settings.lifecycle.return_visit_rate == 0.25


@pytest.mark.parametrize("value", ["1.5", "-0.1", "often"])
def test_a_return_visit_rate_outside_zero_to_one_stops_start_up_naming_the_key(value):
    with pytest.raises(SettingsError, match="lifecycle.return_visit_rate"):
        load_settings(DEFAULT_CONFIG, environ={"ECOPETITION_LIFECYCLE_RETURN_VISIT_RATE": value})


def start_data(services, case) -> dict:
    with services.db.reader() as s:
        event = s.scalar(sa.select(AuditEvent).where(AuditEvent.instance_id == case.instance_id,
                                                     AuditEvent.command == "start"))
    return json.loads(event.data)["data"]


def test_registration_fixes_the_configured_rate_and_the_repeat_links_into_the_case(backend, database_copy, clock,
                                                                                   tmp_path):
    url = database_copy(ORGANISATIONS, backend).url
    with services_on(url, clock, tmp_path, {"lifecycle.return_visit_rate": 0.25}) as services:
        registrar = create_actor(services, "reg-wang", "registrar")
        first = register_case(services, registrar, FORM)
        second = register_case(services, registrar, dict(FORM, link_case_nos=[first.case_no]))
        data = start_data(services, first)
        assert (data["return_visit_rate"], data["repeat_links"]) == (0.25, 0)
        assert start_data(services, second)["repeat_links"] == 1
    # A later change of the setting leaves the registered case as it was: its start event keeps the rate.
    with services_on(url, clock, tmp_path, {"lifecycle.return_visit_rate": 0.75}) as services:
        assert start_data(services, first)["return_visit_rate"] == 0.25


def accepted_in(services, accepted_at: datetime):
    """A case received and accepted at `accepted_at`; its handling deadline is 60 days on."""
    services.clock.set(accepted_at)
    registrar = create_actor(services, "reg-wang", "registrar")
    case = register_case(services, registrar, dict(FORM, received_at=accepted_at.isoformat()))
    with services.db.reader() as s:
        task = s.scalar(sa.select(QueueTask).where(QueueTask.instance_id == case.instance_id))
    complete_task(services, registrar, task.task_id, ACCEPT)
    return case, create_actor(services, "han-li", "handler")


WARNING_2027 = CalendarWarning(YEAR_UNKNOWN, {"year": 2027})


def test_a_deadline_in_a_year_without_the_official_schedule_warns_on_the_case_page_and_the_queue(
        backend, database_copy, tmp_path):
    clock = ManualClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))       # handling due 2027-01-30
    with services_on(database_copy(ORGANISATIONS, backend).url, clock, tmp_path) as services:
        case, handler = accepted_in(services, clock.now())
        page = case_page(services, handler, case.id)
        assert page.calendar_warnings == (WARNING_2027,)
        with services.db.reader() as session:
            queue = queue_page(session, handler, "unclaimed", clock.now(), calendar=services.deadlines.calendar)
        assert queue.calendar_warnings == (WARNING_2027,)
        assert [row.badge.year_unknown for row in queue.rows] == [True]


def test_no_warning_once_the_year_is_configured_in_full_or_known(backend, database_copy, tmp_path):
    clock = ManualClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    holidays = [day.isoformat() for day in sorted(statutory_holidays(2027))]
    with services_on(database_copy(ORGANISATIONS, backend).url, clock, tmp_path,
                     {"calendar.holidays": holidays}) as services:
        case, handler = accepted_in(services, clock.now())
        assert case_page(services, handler, case.id).calendar_warnings == ()
        with services.db.reader() as session:
            queue = queue_page(session, handler, "unclaimed", clock.now(), calendar=services.deadlines.calendar)
        assert queue.calendar_warnings == () and [row.badge.year_unknown for row in queue.rows] == [False]


def test_a_deadline_in_a_known_year_gives_no_warning(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    case = register_case(services, registrar, FORM)                 # 2026: the package's own schedule
    assert case_page(services, registrar, case.id).calendar_warnings == ()
