"""Every route of the app, enumerated from its URL map so that a new route is attacked too: anonymous visitors
are sent to sign in (or refused) unless the route is public by design, an auditor is refused every write, and
a user of a sibling bureau is refused another bureau's case and task addresses. On both databases."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.models import ProcessVersion
from tests.domain.conftest import services_on
from tests.web.conftest import WEB_SETTINGS, WEB_USERS, SignedIn
from tests.web.helpers import REGISTRATION, fetch_case, to_investigation
from webui.auth import READ_ONLY_EXEMPT

# Public by design, each with the reason; the test below fails when an entry no longer matches a route.
PUBLIC_BLUEPRINTS = {
    "portal": "the petitioners' portal: no account, a case number and query code",
    "open311": "civic apps: Open311 with its own API keys",
    "health": "load balancers' health and readiness checks",
    "api-docs": "the API's OpenAPI document and its Swagger UI",
}
PUBLIC_ENDPOINTS = {
    "static": "stylesheets, scripts and images",
    "auth.login": "the sign-in page itself",
    "i18n.set_language": "choosing the language, also before signing in",
}
# Channel systems' API: a bearer token, never a session; without one the answer is 401.
TOKEN_BLUEPRINTS = ("api_cases", "api_tasks")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The readiness check answers 503 by design while the node is not ready (here: no scheduler runs).
NOT_READY = {("health.readyz", 503)}


@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    """The web tests' services, on each backend."""
    with services_on(database_copy(WEB_USERS, backend).url, clock, tmp_path, WEB_SETTINGS) as built:
        yield built


@pytest.fixture
def attack_app(app):
    # CSRF would refuse every forged post first; switched off, the posts reach the checks under test.
    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.fixture
def targets(services):
    """URL parameters from real data: a 西湖 case in investigation, its open task, the deployed version."""
    case = to_investigation(services)
    with services.db.reader() as session:
        version_id = session.scalar(sa.select(sa.func.max(ProcessVersion.id)))
    return {"case": case, "updated_at": fetch_case(services, case.case_id).updated_at, "case_id": case.case_id, "task_id": case.task_id("调查核实"), "case_no": case.case_no,
            "version_id": version_id, "old_id": version_id, "new_id": version_id, "process_id": "petition",
            "path": "petition.bpmn"}


def _blueprint(endpoint: str) -> str:
    return endpoint.rpartition(".")[0]


def _is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or _blueprint(endpoint) in PUBLIC_BLUEPRINTS


def _routes(app, values: dict) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule and method of the app but static files."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        # A parameter no fixture knows gets 1: the checks under test come before any lookup.
        params = {name: values.get(name, 1) for name in rule.arguments}
        url = rule.build(params, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, url))
    return routes


def _send(client, method: str, url: str):
    return client.open(url, method=method, data={} if method != "GET" else None)


def test_the_public_allow_list_names_only_routes_that_exist(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert set(PUBLIC_ENDPOINTS) <= endpoints
    assert {bp for bp in PUBLIC_BLUEPRINTS if not any(_blueprint(e) == bp for e in endpoints)} == set()
    assert {bp for bp in TOKEN_BLUEPRINTS if not any(_blueprint(e) == bp for e in endpoints)} == set()


def test_anonymous_visitors_are_sent_to_sign_in_or_refused_on_every_route_not_public(attack_app, targets):
    client = attack_app.test_client()
    let_through = []
    routes = _routes(attack_app, targets)
    assert len(routes) > 50
    for endpoint, method, url in routes:
        if _is_public(endpoint):
            continue
        response = _send(client, method, url)
        if _blueprint(endpoint) in TOKEN_BLUEPRINTS:
            refused = response.status_code == 401
        else:
            refused = (response.status_code == 302 and "/login" in response.headers["Location"]) \
                or response.status_code in (401, 403)
        if not refused:
            let_through.append((endpoint, method, url, response.status_code))
    assert let_through == []


def test_public_routes_answer_anonymous_visitors_without_failing(attack_app, targets):
    client = attack_app.test_client()
    failed = [(endpoint, method, url, status) for endpoint, method, url in _routes(attack_app, targets)
              if _is_public(endpoint) and (status := _send(client, method, url).status_code) >= 500
              and (endpoint, status) not in NOT_READY]
    assert failed == []


def test_an_auditor_is_refused_every_write(attack_app, targets, services):
    auditor = SignedIn(attack_app.test_client())
    assert auditor.login("aud-zj").status_code == 302
    accepted = []
    writes = [(e, m, u) for e, m, u in _routes(attack_app, targets)
              if m in WRITE_METHODS and not _is_public(e) and e not in READ_ONLY_EXEMPT]
    assert len(writes) > 20
    for endpoint, method, url in writes:
        status = _send(auditor.client, method, url).status_code
        if status not in (401, 403):
            accepted.append((endpoint, method, url, status))
    assert accepted == []
    # Nothing moved: the case still waits at the same task, unclaimed.
    assert [(t.title, t.assignee) for t in targets["case"].tasks()] == [("调查核实 Investigate", None)]
    assert fetch_case(services, targets["case_id"]).updated_at == targets["updated_at"]


def test_a_user_of_a_sibling_bureau_is_refused_the_other_bureaus_case_and_task_addresses(attack_app, targets,
                                                                                      services):
    sibling = SignedIn(attack_app.test_client())
    assert sibling.login("han-nb").status_code == 302  # 海曙分局: handler and registrar, not 西湖's
    let_through = []
    about_the_case = {rule.endpoint for rule in attack_app.url_map.iter_rules()
                      if rule.arguments & {"case_id", "task_id", "case_no"}}
    routes = [(e, m, u) for e, m, u in _routes(attack_app, targets)
              if e in about_the_case and not _is_public(e) and _blueprint(e) not in TOKEN_BLUEPRINTS]
    assert {e for e, _, _ in routes} >= {"cases.show", "cases.notice", "tasks.show", "tasks.complete",
                                         "queue.claim", "audit.history"}
    shown = []
    for endpoint, method, url in routes:
        response = _send(sibling.client, method, url)
        if response.status_code not in (403, 404):
            let_through.append((endpoint, method, url, response.status_code))
        page = response.get_data(as_text=True)
        if REGISTRATION["reported_party"] in page or REGISTRATION["petitioner"]["name"] in page:
            shown.append((endpoint, method, url))
    assert let_through == []
    assert shown == []
    assert [(t.title, t.assignee) for t in targets["case"].tasks()] == [("调查核实 Investigate", None)]
