"""Migration 0010 seals the petitioner's data of cases stored before it, with the key ring it is given, and its
downgrade opens them again. On both databases."""
from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa

from tests.domain.conftest import TEST_DATA_KEY
from workflows.migrate import downgrade, upgrade
from workflows.protection import parse_keys

PLAIN = {"petitioner_name": "张三", "petitioner_phone": "13800000000", "petitioner_id_number": "330106199001011234",
         "petitioner_address": "杭州市西湖区文三路1号"}


def _insert_case(engine: sa.Engine, case_id: int, personal: dict) -> None:
    row = {"id": case_id, "instance_id": case_id, "case_no": f"330106-2026-{case_id:05d}", "channel": "12369",
           "received_at": datetime(2026, 3, 2), "anonymous": not personal, "group_size": 1,
           "reported_party": "杭州某某餐饮有限公司", "division_code": "330106", "pollution_types": ",air,",
           "petition_class": "report", "facts": "餐厅油烟直排。", "registration_org": "EEB-330100",
           "status": "registered", "registered_by": "reg-hz", "updated_at": datetime(2026, 3, 2), **personal}
    table = sa.table("petition_case", *(sa.column(c) for c in row))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # The case's workflow instance is not needed here: foreign keys are not checked for this row.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.execute(table.insert().values(**row))


def _stored(engine: sa.Engine, case_id: int) -> dict:
    columns = list(PLAIN) + ["petitioner_phone_index", "petitioner_id_number_index"]
    with engine.connect() as conn:
        row = conn.execute(sa.text(f"SELECT {', '.join(columns)} FROM petition_case WHERE id = :id"),
                           {"id": case_id}).one()
    return dict(row._mapping)


def test_existing_petitioners_are_sealed_by_the_upgrade_and_opened_by_the_downgrade(database_url):
    keyring = parse_keys(TEST_DATA_KEY, "test")
    upgrade(database_url, "0009")
    engine = sa.create_engine(database_url)
    _insert_case(engine, 1, PLAIN)
    _insert_case(engine, 2, {})
    upgrade(database_url, "0010", keyring)
    sealed = _stored(engine, 1)
    for column, plain in PLAIN.items():
        assert sealed[column].startswith("enc1:test:") and plain not in sealed[column]
        assert keyring.open(sealed[column], f"petition_case.{column}") == plain
    assert sealed["petitioner_phone_index"] == keyring.blind_index("13800000000", "petitioner_phone")
    assert sealed["petitioner_id_number_index"] == keyring.blind_index("330106199001011234", "petitioner_id_number")
    assert set(_stored(engine, 2).values()) == {None}

    downgrade(database_url, "0009", keyring)
    with engine.connect() as conn:
        row = conn.execute(sa.text(f"SELECT {', '.join(PLAIN)} FROM petition_case WHERE id = 1")).one()
    assert dict(row._mapping) == PLAIN
    engine.dispose()


def test_petitioners_inside_the_workflow_are_opened_by_the_downgrade_and_sealed_again_by_the_upgrade(
        backend, database_copy, clock, tmp_path):
    """Cases registered with the petitioner sealed in their start data: migration 0011's downgrade puts it back
    in the clear in the state and the start event, its upgrade seals it again under a new case key; each time
    the chain is computed again, so every case still verifies, and the case row and the history still read."""
    from alembic import command

    from engine.models import AuditEvent, Instance, QueueTask
    from engine.verify import verify_all
    from tests.domain.conftest import ORGANISATIONS, create_actor, services_on
    from tests.domain.test_repeats import form
    from workflows.audit.history import case_history
    from workflows.intake.registration import register_case
    from workflows.migrate import alembic_config

    url = database_copy(ORGANISATIONS, backend).url
    keyring = parse_keys(TEST_DATA_KEY, "test")
    with services_on(url, clock, tmp_path) as services:
        registrar = create_actor(services, "reg-wang", ["registrar"], "EEB-330106")
        named = register_case(services, registrar, form())
        anonymous = register_case(services, registrar, form(petitioner={"anonymous": True, "group_size": 3},
                                                           received_at="2026-02-11T09:00:00+08:00"))
        with services.db.reader() as session:
            task = session.scalar(sa.select(QueueTask.task_id).where(QueueTask.instance_id == named.instance_id))
        services.runtime.claim(task, "reg-wang", "EEB-330106")  # a second event after the start
    command.stamp(alembic_config(url), "head")  # the test database was made with create_all
    engine = sa.create_engine(url)

    def stored() -> tuple[dict, str, int]:
        with engine.connect() as conn:
            start = conn.execute(sa.select(AuditEvent.data).where(AuditEvent.instance_id == named.instance_id,
                                                                  AuditEvent.seq == 1)).scalar()
            state = conn.execute(sa.select(Instance.state).where(Instance.id == named.instance_id)).scalar()
            events = conn.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.instance_id == named.instance_id)).scalar()
        # The engine stores the state as ASCII JSON (张 as \\u5f20): read it back as text to search it.
        return json.loads(start)["data"]["petitioner"], json.dumps(json.loads(state), ensure_ascii=False), events

    def verified() -> list[bool]:
        with services_on(url, clock, tmp_path) as services:
            return [v.ok for v in verify_all(services.runtime)]

    sealed_before, _, events = stored()
    assert "sealed" in sealed_before and events == 2
    downgrade(url, "0010", keyring)
    opened, state, _ = stored()
    assert (opened["name"], opened["phone"], opened["id_number"]) == ("张三", "13800000000", "330106199001011234")
    assert "张三" in state and "sealed" not in opened
    assert verified() == [True, True], "the chain was computed again over the opened start data"

    upgrade(url, "head", keyring)
    sealed, state, _ = stored()
    assert set(sealed) == {"anonymous", "group_size", "sealed"} and sealed["sealed"] != sealed_before["sealed"]
    assert "张三" not in state and "13800000000" not in state
    assert verified() == [True, True]
    with services_on(url, clock, tmp_path) as services:
        full = case_history(services, registrar, named.id, masked=False).states[0].data["petitioner"]
        assert (full["name"], full["id_number"]) == ("张三", "330106199001011234")
        assert case_history(services, registrar, anonymous.id).states[0].data["petitioner"] == {
            "anonymous": True, "group_size": 3}
    engine.dispose()
