"""Registering a case: validation by field, the case row kept in step with the workflow, who sees what."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.errors import FieldError, InvalidData, NotAllowed
from engine.models import Instance, QueueTask
from tests.lifecycle.helpers import petition
from workflows.cases import get_case
from workflows.handling.tasks import complete_task
from workflows.intake.registration import register_case
from workflows.models import Case, CaseOrganisation

# What a registrar enters: the lifecycle tests' start data without what registration adds itself.
FORM = {key: value for key, value in petition().items() if key not in ("case_no", "registration_org")}


def counts(services) -> tuple[int, int]:
    with services.db.reader() as s:
        return s.scalar(sa.select(sa.func.count(Case.id))), s.scalar(sa.select(sa.func.count(Instance.id)))


def test_register_stores_case_row_and_starts_the_process(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    case = register_case(services, registrar, FORM)
    assert case.case_no == "330106-2026-00001"
    assert len(case.query_code) == 10
    with services.db.reader() as s:
        stored = s.get(Case, case.id)
        assert stored.status == "awaiting_acceptance"
        assert stored.pollution_type_list == ["air", "noise"]
        assert stored.petitioner_name == "张三" and stored.registered_by == "reg-wang"
        tasks = list(s.scalars(sa.select(QueueTask).where(QueueTask.instance_id == stored.instance_id)))
        assert [t.spec_name for t in tasks] == ["decide_acceptance"]
        orgs = set(s.scalars(sa.select(CaseOrganisation.organisation).where(CaseOrganisation.case_id == case.id)))
        assert orgs == {"EEB-330106"}
    second = register_case(services, registrar, FORM)
    assert second.case_no == "330106-2026-00002"


def test_bad_registration_names_each_field_and_stores_nothing(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    bad = dict(FORM, channel="pigeon", division_code="33010", pollution_types=[],
               petitioner=dict(FORM["petitioner"], name="", id_number="123"))
    with pytest.raises(InvalidData) as raised:
        register_case(services, registrar, bad)
    errors = raised.value.errors
    assert set(errors) >= {"channel", "division_code", "pollution_types", "petitioner.id_number"}
    assert errors["division_code"] == FieldError("registration.division_code", {"value": "33010"})
    assert errors["channel"].code == "field.one_of" and "letter" in errors["channel"].params["options"]
    assert errors["pollution_types"] == FieldError("registration.pollution_type_required")
    assert errors["petitioner.id_number"] == FieldError("petitioner.id_number_format")
    assert counts(services) == (0, 0)


def test_named_petitioner_needs_a_name_unless_anonymous(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    with pytest.raises(InvalidData) as raised:
        register_case(services, registrar, dict(FORM, petitioner={"name": "", "phone": "1380000"}))
    assert raised.value.code == "registration.invalid"
    assert raised.value.errors["petitioner.name"] == FieldError("petitioner.name_required")
    anonymous = register_case(services, registrar, dict(FORM, petitioner={"anonymous": True}))
    assert anonymous.anonymous and anonymous.petitioner_name is None


def test_only_registrars_register(services, make_actor):
    with pytest.raises(NotAllowed):
        register_case(services, make_actor("han-li", "handler"), FORM)
    assert counts(services) == (0, 0)


def test_case_row_follows_the_workflow_and_visibility(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    other_county = make_actor("reg-yh", "registrar", "EEB-330110")
    city_supervisor = make_actor("sup-hz", "supervisor", "EEB-330100")
    other_city_supervisor = make_actor("sup-nb", "supervisor", "EEB-330200")
    case = register_case(services, registrar, FORM)
    with services.db.reader() as s:
        task = s.scalar(sa.select(QueueTask).where(QueueTask.instance_id == case.instance_id))
    complete_task(services, registrar, task.task_id,
                  {"acceptance_decision": "accept", "content_category": "pollution_complaint", "track": "normal"})
    with services.db.reader() as s:
        stored = s.get(Case, case.id)
        assert stored.status in ("accepted", "handling")
        assert stored.handling_org == "EEB-330106" and stored.track == "normal"
        assert get_case(s, registrar, case.id).id == case.id
        assert get_case(s, city_supervisor, case.id).id == case.id
        with pytest.raises(NotAllowed):
            get_case(s, other_county, case.id)
        with pytest.raises(NotAllowed):
            get_case(s, other_city_supervisor, case.id)


def test_a_task_of_another_role_or_bureau_is_refused(services, make_actor):
    registrar = make_actor("reg-wang", "registrar")
    handler = make_actor("han-li", "handler")
    elsewhere = make_actor("reg-yh", "registrar", "EEB-330110")
    case = register_case(services, registrar, FORM)
    with services.db.reader() as s:
        task = s.scalar(sa.select(QueueTask).where(QueueTask.instance_id == case.instance_id))
    decision = {"acceptance_decision": "accept", "content_category": "pollution_complaint", "track": "normal"}
    for actor in (handler, elsewhere):
        with pytest.raises(NotAllowed):
            complete_task(services, actor, task.task_id, decision)
