"""A channel system's token of a sibling bureau is refused on every API route about another bureau's case or
task (enumerated from the URL map, so a new route is covered), and the case does not move. On both databases."""
from __future__ import annotations

import pytest

from tests.domain.conftest import services_on
from tests.web.conftest import WEB_SETTINGS, WEB_USERS
from tests.web.helpers import REGISTRATION, to_investigation

TOKEN_BLUEPRINTS = ("api_cases", "api_tasks")
# Well-formed bodies, so that what answers is the access check, not the body's validation.
BODIES = {"api_cases.CaseMessages": {"message": "review_requested", "payload": {"reason": "没有解决"}},
          "api_tasks.TaskComplete": {"data": {"next_step": "draft_reply", "findings": "查无此事"}}}



@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    """The web tests' services, on each backend."""
    with services_on(database_copy(WEB_USERS, backend).url, clock, tmp_path, WEB_SETTINGS) as built:
        yield built

def test_a_sibling_bureaus_token_is_refused_on_every_route_about_the_case(app, system, services):
    case = to_investigation(services)
    values = {"case_no": case.case_no, "task_id": case.task_id("调查核实")}
    sibling = system("EEB-330203", ["registrar", "handler"])  # 海曙分局, beside 西湖分局
    tried, let_through = [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.rpartition(".")[0] not in TOKEN_BLUEPRINTS or not rule.arguments & set(values):
            continue
        url = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = sibling.client.open(url, method=method, json=BODIES.get(rule.endpoint, {}) if method != "GET" else None,
                                           headers={"Authorization": f"Bearer {sibling.secret}"})
            tried.append(f"{method} {rule.endpoint}")
            if response.status_code not in (403, 404):
                let_through.append((method, url, response.status_code))
            assert REGISTRATION["reported_party"] not in response.get_data(as_text=True), (method, url)
    assert len(tried) >= 6, tried
    assert let_through == []
    assert [(t.title, t.assignee) for t in case.tasks()] == [("调查核实 Investigate", None)]
