"""Petitioners' personal data at rest: sealed in the database, opened for the application, still found by
equality through blind indexes, and sealed again with a new key after a rotation; inside the workflow (its
state and the start event) sealed under the case's own key, which a rotation re-wraps without touching the
hash-chained events. On both databases."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from engine.models import AuditEvent, Instance
from engine.verify import verify_all, verify_instance
from tests.domain.conftest import TEST_DATA_KEY, services_on
from tests.domain.test_repeats import form
from workflows.audit.history import case_history
from workflows.datakeys import keys_in_use, reseal_cases
from workflows.intake.registration import register_case
from workflows.intake.repeats import find_repeats
from workflows.models import PERSONAL_COLUMNS, Case, PersonalKey
from workflows.personal import open_petitioner
from workflows.protection import DataKeyError, new_key_entry, parse_keys

NEW_KEY = new_key_entry("k2")


@pytest.fixture
def registrar(make_actor):
    return make_actor("reg-wang", "registrar")


def _stored(services, case_id: int) -> dict:
    """The row as the database holds it, not opened."""
    table = Case.__table__
    columns = [sa.type_coerce(table.c[c], sa.Text()).label(c) for c in PERSONAL_COLUMNS]
    with services.db.reader() as session:
        return dict(session.execute(sa.select(*columns, table.c.petitioner_phone_index)
                                    .where(table.c.id == case_id)).one()._mapping)


PLAIN = ("张三", "13800000000", "330106199001011234", form()["petitioner"]["address"])


def _start_events(services) -> list[tuple[str, str]]:
    with services.db.reader() as session:
        return [tuple(row) for row in session.execute(sa.select(AuditEvent.data, AuditEvent.hash)
                                                       .where(AuditEvent.command == "start")
                                                       .order_by(AuditEvent.instance_id))]


def _workflow_texts(services, case) -> list[str]:
    """The case's stored workflow state and the data of each of its events, as stored."""
    with services.db.reader() as session:
        state = session.scalar(sa.select(Instance.state).where(Instance.id == case.instance_id))
        events = session.scalars(sa.select(AuditEvent.data).where(AuditEvent.instance_id == case.instance_id))
        return [state, *events]


def _start_petitioner(services, case) -> dict:
    with services.db.reader() as session:
        data = session.scalar(sa.select(AuditEvent.data).where(AuditEvent.instance_id == case.instance_id,
                                                                AuditEvent.seq == 1))
    return json.loads(data)["data"]["petitioner"]


def _repeats_of(services, data: dict) -> list[str]:
    with services.db.reader() as session:
        return [c.case_no for c in find_repeats(session, data, 365, 0.3, services.clock.now())]


def test_personal_fields_are_stored_sealed_and_read_in_full(services, registrar):
    case = register_case(services, registrar, form())
    stored = _stored(services, case.id)
    for column in PERSONAL_COLUMNS:
        assert stored[column].startswith("enc1:test:"), column
    for plain in ("张三", "13800000000", "330106199001011234", "文三路"):
        assert not any(plain in value for value in stored.values() if value), plain
    with services.db.reader() as session:
        read = session.get(Case, case.id)
        assert (read.petitioner_name, read.petitioner_phone, read.petitioner_id_number) == (
            "张三", "13800000000", "330106199001011234")
    # Two seals of the same phone differ (random nonce); only the blind index is stable.
    second = register_case(services, registrar, form(received_at="2026-02-11T09:00:00+08:00"))
    assert _stored(services, second.id)["petitioner_phone"] != stored["petitioner_phone"]
    assert _stored(services, second.id)["petitioner_phone_index"] == stored["petitioner_phone_index"]


def test_an_anonymous_petitioner_has_no_sealed_values_and_no_indexes(services, registrar):
    case = register_case(services, registrar, form(petitioner={"anonymous": True, "group_size": 1}))
    stored = _stored(services, case.id)
    assert set(stored.values()) == {None}
    assert _start_petitioner(services, case) == {"anonymous": True, "group_size": 1}, "no case key needed"
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PersonalKey)) == 0


def test_the_workflow_keeps_the_petitioner_sealed_under_the_cases_own_key(services, registrar, make_actor):
    case = register_case(services, registrar, form())
    for plain in PLAIN:
        assert not any(plain in text for text in _workflow_texts(services, case)), plain
    petitioner = _start_petitioner(services, case)
    assert set(petitioner) == {"anonymous", "group_size", "sealed"}, "what the process reads stays in the clear"
    assert (petitioner["anonymous"], petitioner["group_size"]) == (False, 1)
    ref = petitioner["sealed"].split(":")[1]
    assert petitioner["sealed"].startswith(f"env1:{ref}:")
    with services.db.reader() as session:
        wrapped = session.scalar(sa.select(sa.type_coerce(PersonalKey.__table__.c.secret, sa.Text()))
                                 .where(PersonalKey.ref == ref))
    assert wrapped.startswith("enc1:test:"), "the case's key is itself sealed by the ring"
    assert verify_instance(services.runtime, case.instance_id).ok, "replay and the chain need no key"
    masked = case_history(services, registrar, case.id).states[0].data["petitioner"]
    full = case_history(services, registrar, case.id, masked=False).states[0].data["petitioner"]
    assert (masked["name"], masked["phone"]) == ("张*", "138****0000")
    assert (full["name"], full["phone"], full["id_number"], full["address"]) == (
        "张三", "13800000000", "330106199001011234", form()["petitioner"]["address"])
    assert "sealed" not in full


def test_a_sealed_petitioner_does_not_open_in_another_case_and_an_erased_key_leaves_nothing(services, registrar):
    first = register_case(services, registrar, form())
    second = register_case(services, registrar, form(received_at="2026-02-11T09:00:00+08:00"))
    mine, theirs = _start_petitioner(services, first), _start_petitioner(services, second)
    _, ref, body = mine["sealed"].split(":", 2)
    moved = dict(mine, sealed=f"env1:{theirs['sealed'].split(':')[1]}:{body}")
    with services.db.reader() as session, pytest.raises(DataKeyError, match="moved from another case"):
        open_petitioner(session, moved)
    with services.db.unit_of_work() as tx:
        tx.delete(tx.get(PersonalKey, ref))
    with services.db.reader() as session:
        erased = open_petitioner(session, mine)
    assert {erased[k] for k in ("name", "phone", "id_number", "address")} == {None}
    assert verify_instance(services.runtime, first.instance_id).ok, "the events are as they were"


def test_repeats_are_found_by_phone_and_by_id_number_through_the_blind_index(services, registrar):
    first = register_case(services, registrar, form())
    by_phone = form(received_at="2026-02-12T09:00:00+08:00",
                    petitioner={"name": "张三", "phone": "138-0000-0000", "anonymous": False, "group_size": 1})
    assert _repeats_of(services, by_phone) == [first.case_no]
    by_id = form(received_at="2026-02-12T09:00:00+08:00",
                 petitioner={"name": "张三", "id_number": "330106199001011234", "anonymous": False,
                             "group_size": 1})
    assert _repeats_of(services, by_id) == [first.case_no]
    other = form(received_at="2026-02-12T09:00:00+08:00",
                 petitioner={"name": "李四", "phone": "13900000000", "anonymous": False, "group_size": 1})
    assert _repeats_of(services, other) == []


def test_a_value_moved_into_another_column_does_not_open(services, registrar):
    case = register_case(services, registrar, form())
    phone = _stored(services, case.id)["petitioner_phone"]
    with services.db.unit_of_work() as tx:
        tx.execute(sa.update(Case.__table__).where(Case.__table__.c.id == case.id)
                   .values(petitioner_name=sa.type_coerce(phone, sa.Text())))
    with services.db.reader() as session, pytest.raises(DataKeyError, match="moved from another column"):
        session.get(Case, case.id)


def test_a_rotation_keeps_old_cases_readable_and_findable_then_reseals_them(services, registrar, clock, tmp_path):
    old = register_case(services, registrar, form())
    url = services.settings.database_url
    with services_on(url, clock, tmp_path, {"security.data_key": f"{NEW_KEY},{TEST_DATA_KEY}"}) as rotated:
        # New cases are sealed with the new key; old ones still open and still match by phone.
        new = register_case(rotated, registrar, form(received_at="2026-02-11T09:00:00+08:00"))
        assert _stored(rotated, new.id)["petitioner_phone"].startswith("enc1:k2:")
        later = form(received_at="2026-02-12T09:00:00+08:00")
        assert sorted(_repeats_of(rotated, later)) == sorted([old.case_no, new.case_no])
        # Each case counts twice: its row and its own key (which seals the petitioner in its workflow).
        assert keys_in_use(rotated.db) == {"test": 2, "k2": 2}
        events = _start_events(rotated)

        report = reseal_cases(rotated.db, batch=1)
        assert (report.cases, report.resealed, report.case_keys, report.rewrapped, report.keys_in_use) == (
            2, 1, 2, 1, {"k2": 4})
        assert _stored(rotated, old.id)["petitioner_phone"].startswith("enc1:k2:")
        again = reseal_cases(rotated.db)
        assert (again.resealed, again.rewrapped) == (0, 0)
        assert _start_events(rotated) == events, "a rotation re-wraps the case keys and never rewrites an event"
        assert [v.ok for v in verify_all(rotated.runtime)] == [True, True]
    with services_on(url, clock, tmp_path, {"security.data_key": NEW_KEY}) as only_new, only_new.db.reader() as s:
        assert s.get(Case, old.id).petitioner_phone == "13800000000"
        assert sorted(_repeats_of(only_new, later)) == sorted([old.case_no, new.case_no])
        history = case_history(only_new, registrar, old.id, masked=False)
        assert history.states[0].data["petitioner"]["phone"] == "13800000000", "the old case's workflow opens"
    with services_on(url, clock, tmp_path) as only_old, only_old.db.reader() as session, \
            pytest.raises(DataKeyError, match="data key 'k2'"):
        session.get(Case, old.id)


@pytest.mark.parametrize("text, problem", [
    ("", "no data key"),
    ("k1", "entry 1 must be"),
    ("k1:c2hvcnQ=", "entry 1 must be"),
    ("k-1:" + NEW_KEY.partition(":")[2], "entry 1 must be"),
    (f"{NEW_KEY},{NEW_KEY}", "must differ"),
])
def test_a_malformed_data_key_is_refused_naming_the_setting(text, problem):
    with pytest.raises(DataKeyError, match=problem) as refused:
        parse_keys(text, "security.data_key")
    assert problem == "no data key" or problem == "must differ" or "security.data_key" in str(refused.value)


def test_the_key_file_is_created_once_with_one_key_and_kept(tmp_path):
    from workflows.protection import keyring_of
    from workflows.settings import load_settings

    settings = load_settings(environ={}, overrides={"security.data_key_file": str(tmp_path / "keys" / "data_key")})
    first = keyring_of(settings)
    path = tmp_path / "keys" / "data_key"
    assert [k.key_id for k in first.keys] == ["k1"] and path.stat().st_mode & 0o777 == 0o600
    assert keyring_of(settings) == first
    assert sorted(p.name for p in path.parent.iterdir()) == ["data_key"]
