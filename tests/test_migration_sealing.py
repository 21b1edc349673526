"""Migration 0010 seals the petitioner's data of cases stored before it, with the key ring it is given, and its
downgrade opens them again. On both databases."""
from __future__ import annotations

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
