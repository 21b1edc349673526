"""The auditor's history of a case moved to a new process version: the migrate event is described, each
event is read in its own version's words, the replay draws each step on the version it ran on, and the
case still verifies."""
from __future__ import annotations

import pytest

from engine.bundles import read_bundle
from engine.migration import make_plan
from tests.domain.conftest import ORGANISATIONS, create_actor, services_on
from tests.domain.test_cases import FORM
from tests.lifecycle.helpers import BUNDLE
from tests.lifecycle.test_migration import ACCEPT_OR_REFUSE, RENAMED, version_b
from workflows.audit.dossier import dossier_json, verify_dossier
from workflows.audit.history import case_history, verify_case
from workflows.intake.registration import register_case


@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    with services_on(database_copy(ORGANISATIONS, backend).url, clock, tmp_path) as built:
        yield built


def test_a_migrated_case_shows_both_versions_and_verifies(services, clock):
    registrar = create_actor(services, "reg-wang", "registrar")
    auditor = create_actor(services, "aud-li", "auditor")
    case = register_case(services, registrar, FORM)
    version_a = services.definitions.latest_for("petition")
    deployed, _ = services.definitions.deploy(version_b(read_bundle(BUNDLE)), "designer")
    plan = make_plan(services.definitions, version_a, deployed.id, "petition", {"decide_acceptance": RENAMED})
    clock.advance(hours=1)
    services.runtime.migrate(case.instance_id, plan, "designer")

    history = case_history(services, auditor, case.id)
    assert history.versions == [version_a, deployed.id]
    last = history.entries[-1]
    assert (last.command, last.subject, last.version_id) == ("migrate", f"#{version_a} → #{deployed.id}",
                                                              deployed.id)
    assert last.detail["mappings"] == {"decide_acceptance": RENAMED}
    assert [t["name"] for t in last.detail["timers"]] == ["受理超期 Acceptance overdue"]
    assert [s.version_id for s in history.states][-2:] == [version_a, deployed.id]
    assert [t.title for t in history.states[-1].ready] == [ACCEPT_OR_REFUSE]
    assert verify_case(services, auditor, case.id).ok
    # The JSON dossier carries both versions' files, so it replays elsewhere across the move too.
    document = dossier_json(services, auditor, case.id)
    assert [v["id"] for v in document["earlier_versions"]] == [version_a]
    verdict = verify_dossier(services, document)
    assert verdict.ok, str(verdict)
