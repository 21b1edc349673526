"""What a channel system gets back through the API carries none of the petitioner's personal data: the case,
the case list, the history (events without their data) and the task queue, even for a registrar's token. On both databases."""
from __future__ import annotations

import pytest

from tests.domain.conftest import services_on
from tests.web.conftest import WEB_SETTINGS, WEB_USERS
from tests.web.helpers import REGISTRATION

PERSONAL = (REGISTRATION["petitioner"]["name"], REGISTRATION["petitioner"]["phone"],
            REGISTRATION["petitioner"]["id_number"], REGISTRATION["petitioner"]["address"])



@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    """The web tests' services, on each backend."""
    with services_on(database_copy(WEB_USERS, backend).url, clock, tmp_path, WEB_SETTINGS) as built:
        yield built

def test_no_api_answer_carries_the_petitioners_personal_data(system):
    hotline = system("EEB-330106", ["registrar", "handler"])
    created = hotline.post("/api/v1/cases", json=REGISTRATION)
    assert created.status_code == 201, created.get_json()
    case_no = created.get_json()["case_no"]
    answers = {path: hotline.get(path) for path in (
        f"/api/v1/cases/{case_no}", "/api/v1/cases", f"/api/v1/cases/{case_no}/history",
        f"/api/v1/cases/{case_no}/attachments", "/api/v1/tasks")}
    for path, answer in answers.items():
        assert answer.status_code == 200, path
        text = answer.get_data(as_text=True)
        assert [value for value in PERSONAL if value in text] == [], path
    assert answers[f"/api/v1/cases/{case_no}/history"].get_json()[0]["command"] == "start"
