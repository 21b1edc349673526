"""The studio's page for moving running cases to another version (designers only): the dry run's table names
each refused case with the reason, and the run moves the cases that can move."""
from __future__ import annotations

from engine.bundles import read_bundle
from engine.models import Instance
from tests.domain.conftest import create_actor
from tests.domain.test_cases import FORM
from tests.lifecycle.helpers import BUNDLE
from tests.lifecycle.test_migration import version_b
from workflows.intake.registration import register_case


def test_only_designers_may_move_cases(as_user):
    assert as_user("reg-hz").get("/design/migrate").status_code == 403


def test_a_designer_dry_runs_then_moves_the_running_cases(services, as_user):
    create_actor(services, "des-zj", "designer", "EEB-330000")
    registrar = create_actor(services, "reg-wang", "registrar")
    case = register_case(services, registrar, FORM)
    old = services.definitions.latest_for("petition")
    new, _ = services.definitions.deploy(version_b(read_bundle(BUNDLE)), "designer", "B")
    web = as_user("des-zj")
    assert 'href="/design/migrate"' in web.get("/design/").get_data(as_text=True)
    form = {"from_version": old, "to_version": new.id, "apply": "0"}

    page = web.post("/design/migrate", {**form, "mappings": ""}).get_data(as_text=True)
    assert "migration.element_missing" in page and case.case_no in page
    assert 'id="apply"' not in page

    bad = web.post("/design/migrate", {**form, "mappings": "decide_acceptance"}).get_data(as_text=True)
    assert "每个映射请写成 旧=新，而不是 decide_acceptance。" in bad

    mapped = {**form, "mappings": "decide_acceptance=accept_or_refuse"}
    dry = web.post("/design/migrate", mapped).get_data(as_text=True)
    assert 'id="apply"' in dry and "migration." not in dry.split('id="migrate-table"')[1]
    done = web.post("/design/migrate", {**mapped, "apply": "1"}).get_data(as_text=True)
    assert 'class="ok"' in done and 'class="refused"' not in done
    with services.db.reader() as session:
        assert session.get(Instance, case.instance_id).version_id == new.id
