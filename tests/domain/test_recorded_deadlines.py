"""Deadlines a case was given stay its deadlines: the step's audit event keeps what the configuration-dependent
script functions answered (engine/spiff/recorded.py), so configuring a holiday later changes neither the
replay nor `verify` of an old case, while new cases count with the new calendar. On both databases."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from engine.models import AuditEvent, Timer
from engine.spiff.recorded import CallRecord, recorded
from engine.verify import verify_instance
from tests.domain.conftest import ORGANISATIONS, create_actor, services_on
from tests.domain.test_repeats import form
from workflows.audit.history import case_history
from workflows.intake.registration import register_case
from workflows.rules.timezone import SHANGHAI

RECEIVED = "2026-05-11T09:00:00+08:00"  # a Monday; 15 calendar days later is Tuesday 26 May


def acceptance_due(services, case) -> datetime:
    with services.db.reader() as session:
        return session.scalar(sa.select(Timer.due_at).where(Timer.instance_id == case.instance_id,
                                                            Timer.spec_name == "acceptance_overdue_timer"))


def test_a_holiday_configured_later_changes_new_cases_but_not_the_replay_of_old_ones(backend, database_copy, clock,
                                                                                      tmp_path):
    url = database_copy(ORGANISATIONS, backend).url
    clock.set(datetime(2026, 5, 11, 2, 0, tzinfo=UTC))
    with services_on(url, clock, tmp_path) as services:
        registrar = create_actor(services, "reg-wang", "registrar")
        old = register_case(services, registrar, form(received_at=RECEIVED))
        given = acceptance_due(services, old)
        with services.db.reader() as session:
            start = json.loads(session.scalar(sa.select(AuditEvent.data).where(
                AuditEvent.instance_id == old.instance_id, AuditEvent.seq == 1)))
    assert given.astimezone(SHANGHAI).date().isoformat() == "2026-05-26"
    assert ["deadline", ["acceptance", RECEIVED], given.astimezone(SHANGHAI).isoformat()] in start["recorded"], \
        "the start event keeps the deadline the case was given"

    with services_on(url, clock, tmp_path, {"calendar.holidays": ["2026-05-26"]}) as later:
        assert verify_instance(later.runtime, old.instance_id).ok, "the replay gets the recorded deadline back"
        assert acceptance_due(later, old) == given
        history = case_history(later, registrar, old.id)
        replayed = [t.due_at for t in history.states[0].timers if t.element_id == "acceptance_overdue_timer"]
        assert replayed == [given], "the auditor's step-by-step view shows the deadline the case was given"
        new = register_case(later, registrar, form(received_at=RECEIVED, reported_party="杭州某某印染厂"))
        assert acceptance_due(later, new).astimezone(SHANGHAI).date().isoformat() == "2026-05-27", \
            "a new case counts with the new calendar: the holiday rolls its deadline to the next working day"
        assert verify_instance(later.runtime, new.instance_id).ok


def test_a_recorded_function_answers_from_the_event_when_it_has_the_call_and_computes_otherwise():
    calls = []

    @recorded
    def deadline(key: str, start: str) -> str:
        calls.append((key, start))
        return f"computed {key}"

    live = CallRecord()
    wrapped = live.wrap("deadline", deadline)
    assert wrapped("acceptance", "t0") == "computed acceptance"
    assert wrapped("acceptance", "t0") == "computed acceptance"
    assert live.entries() == [["deadline", ["acceptance", "t0"], "computed acceptance"]], "each call once"

    replay = CallRecord([["deadline", ["acceptance", "t0"], "as given then"]]).wrap("deadline", deadline)
    assert replay("acceptance", "t0") == "as given then"
    assert replay("reply", "t0") == "computed reply", "a call the event did not keep is computed"
    assert calls == [("acceptance", "t0"), ("reply", "t0")]
