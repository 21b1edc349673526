"""A channel system registers and follows cases through the API with its token: errors as JSON naming the
field in the caller's language, tasks claimed and completed, messages delivered, documents, history, every call
logged, revoked tokens refused."""
from __future__ import annotations

import copy
import io

import sqlalchemy as sa

from tests.api.conftest import ADMIN
from tests.web.helpers import REGISTRATION
from workflows.channels.tokens import revoke_token
from workflows.models import ApiCall, ApiToken, Case

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def registration(**changes) -> dict:
    form = copy.deepcopy(REGISTRATION)
    form.update(changes)
    return form


def test_a_call_without_a_valid_token_is_refused_and_logged(app, services):
    client = app.test_client()
    for headers in ({}, {"Authorization": "Bearer eco_wrong"}, {"Authorization": "Basic abc"}):
        answer = client.get("/api/v1/cases", headers=headers)
        assert answer.status_code == 401 and answer.get_json()["code"] == "api_token.invalid"
    with services.db.reader() as session:
        assert session.scalar(sa.select(sa.func.count(ApiCall.id)).where(ApiCall.status == 401)) == 3


def test_a_system_registers_a_case_and_reads_it_back(system, services):
    hotline = system("EEB-330106", ["registrar"])
    answer = hotline.post("/api/v1/cases", json=registration(channel="12345"))
    assert answer.status_code == 201, answer.get_json()
    created = answer.get_json()
    assert created["case_no"].startswith("330106-2026-") and len(created["query_code"]) == 10
    assert created["channel"] == "12345" and created["pollution_types"] == ["air", "noise"]
    case = hotline.get(f"/api/v1/cases/{created['case_no']}").get_json()
    assert case["status"] == "awaiting_acceptance" and "query_code" not in case
    assert "张三" not in str(case) and "13800000000" not in str(case)
    listed = hotline.get("/api/v1/cases?channel=12345").get_json()
    assert listed["total"] == 1 and listed["items"][0]["case_no"] == created["case_no"]
    with services.db.reader() as session:
        registered_by = session.scalar(sa.select(Case.registered_by).where(Case.case_no == created["case_no"]))
    assert registered_by.startswith("api:")


def test_errors_name_the_field_with_the_house_codes_and_sentences(system):
    hotline = system("EEB-330106", ["registrar"])
    form = registration(division_code="12", facts="")
    del form["reported_party"]
    answer = hotline.post("/api/v1/cases", json=form, headers={"Accept-Language": "en"})
    assert answer.status_code == 422
    error = answer.get_json()
    assert error["code"] == "registration.invalid"
    assert error["errors"]["division_code"]["code"] == "registration.division_code"
    assert error["errors"]["reported_party"]["code"] == "field.required"
    assert "GB/T 2260" in error["errors"]["division_code"]["message"]
    chinese = hotline.post("/api/v1/cases", json=form).get_json()
    assert chinese["message"] != error["message"] and chinese["errors"]["division_code"]["code"] == "registration.division_code"
    not_object = hotline.post("/api/v1/cases", json=[1, 2])
    assert not_object.status_code == 422 and "_body" in not_object.get_json()["errors"]
    bad_query = hotline.get("/api/v1/cases?channel=fax&per_page=0").get_json()
    assert set(bad_query["errors"]) == {"channel", "per_page"}


def test_a_system_without_the_role_or_of_another_bureau_is_refused(system):
    registrar = system("EEB-330106", ["registrar"])
    case_no = registrar.post("/api/v1/cases", json=registration()).get_json()["case_no"]
    handler = system("EEB-330106", ["handler"])
    assert handler.post("/api/v1/cases", json=registration()).get_json()["code"] == "registration.registrar_only"
    other = system("EEB-330203", ["registrar"])
    refused = other.get(f"/api/v1/cases/{case_no}")
    assert refused.status_code == 403 and refused.get_json()["code"] == "case.other_bureau"
    assert other.get("/api/v1/cases/330106-2026-99999").status_code == 404


def test_tasks_are_listed_claimed_and_completed_with_form_data(system):
    bureau = system("EEB-330106", ["registrar", "handler"])
    case_no = bureau.post("/api/v1/cases", json=registration()).get_json()["case_no"]
    queue = bureau.get("/api/v1/tasks?queue=unclaimed").get_json()
    [task] = [t for t in queue["items"] if t["case_no"] == case_no]
    assert task["spec_name"] == "decide_acceptance" and task["form"] == "acceptance.json"
    assert bureau.post(f"/api/v1/tasks/{task['task_id']}/claim").status_code == 204
    assert [t["task_id"] for t in bureau.get("/api/v1/tasks?queue=mine").get_json()["items"]] == [task["task_id"]]
    incomplete = bureau.post(f"/api/v1/tasks/{task['task_id']}/complete", json={"data": {"track": "normal"}})
    assert incomplete.status_code == 422 and "acceptance_decision" in incomplete.get_json()["errors"]
    done = bureau.post(f"/api/v1/tasks/{task['task_id']}/complete", json={"data": {
        "acceptance_decision": "accept", "content_category": "pollution_complaint", "track": "normal"}})
    assert done.status_code == 204
    assert bureau.get(f"/api/v1/cases/{case_no}").get_json()["status"] in ("accepted", "handling")
    again = bureau.post(f"/api/v1/tasks/{task['task_id']}/complete", json={"data": {}})
    assert again.status_code == 409 and again.get_json()["code"] == "task.not_open"


def test_messages_documents_and_history(system):
    bureau = system("EEB-330106", ["registrar", "handler"])
    case_no = bureau.post("/api/v1/cases", json=registration()).get_json()["case_no"]
    early = bureau.post(f"/api/v1/cases/{case_no}/messages", json={"message": "review_requested",
                                                                   "payload": {"reason": "没有解决"}})
    assert early.status_code == 409 and early.get_json()["code"] == "message.not_awaited"
    unknown = bureau.post(f"/api/v1/cases/{case_no}/messages", json={"message": "anything"})
    assert unknown.status_code == 422 and unknown.get_json()["errors"]["message"]["code"] == "field.one_of"
    stored = bureau.post(f"/api/v1/cases/{case_no}/attachments",
                         data={"files": [(io.BytesIO(PNG), "现场.png"), (io.BytesIO(b"MZ"), "x.exe")]})
    assert stored.status_code == 422 and set(stored.get_json()["errors"]) == {"attachments.1"}
    stored = bureau.post(f"/api/v1/cases/{case_no}/attachments", data={"files": [(io.BytesIO(PNG), "现场.png")]})
    assert stored.status_code == 201 and stored.get_json()[0]["filename"] == "现场.png"
    assert [d["filename"] for d in bureau.get(f"/api/v1/cases/{case_no}/attachments").get_json()] == ["现场.png"]
    history = bureau.get(f"/api/v1/cases/{case_no}/history").get_json()
    assert history[0]["command"] == "start" and history[0]["actor"].startswith("api:")


def test_a_revoked_token_is_refused_and_every_call_is_logged_with_its_token(system, services):
    hotline = system("EEB-330106", ["registrar"], name="12345-hotline")
    assert hotline.get("/api/v1/cases").status_code == 200
    with services.db.reader() as session:
        [call] = session.scalars(sa.select(ApiCall).where(ApiCall.token_id.is_not(None))).all()
    assert (call.method, call.path, call.status) == ("GET", "/api/v1/cases", 200)
    revoke_token(services, ADMIN, call.token_id)
    assert hotline.get("/api/v1/cases").status_code == 401


def test_the_openapi_document_describes_every_endpoint(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/cases", "/api/v1/cases/{case_no}", "/api/v1/cases/{case_no}/messages",
            "/api/v1/cases/{case_no}/attachments", "/api/v1/cases/{case_no}/history", "/api/v1/tasks",
            "/api/v1/tasks/{task_id}/claim", "/api/v1/tasks/{task_id}/complete"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    register = document["paths"]["/api/v1/cases"]["post"]
    assert "petitioner" in str(register["requestBody"]) or "Registration" in str(register["requestBody"])


def test_an_administrator_creates_a_token_once_shown_and_revokes_it(app, services):
    from tests.web.conftest import SignedIn
    from workflows.accounts import create_user
    with services.db.unit_of_work() as tx:
        create_user(tx, services.clock, "admin-zj", "管理员", "password123", "EEB-330000", ["admin"])
    admin = SignedIn(app.test_client())
    admin.login("admin-zj")
    assert admin.get("/admin/api-tokens/").status_code == 200
    refused = admin.post("/admin/api-tokens/", {"name": "", "organisation": "EEB-999999"})
    assert refused.status_code == 422
    created = admin.post("/admin/api-tokens/", {"name": "12345-hotline", "organisation": "EEB-330106",
                                                "roles": ["registrar"]})
    page = created.get_data(as_text=True)
    secret = page.split('id="issued-secret">')[1].split("<")[0]
    assert secret.startswith("eco_")
    client = app.test_client()
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert secret not in admin.get("/admin/api-tokens/").get_data(as_text=True)
    with services.db.reader() as session:
        token = session.scalars(sa.select(ApiToken)).one()
    admin.post(f"/admin/api-tokens/{token.id}/revoke")
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    # Other users do not manage tokens.
    registrar = SignedIn(app.test_client())
    registrar.login("reg-hz")
    assert registrar.get("/admin/api-tokens/").status_code == 403


def test_the_interactive_docs_are_served_from_this_server(app):
    client = app.test_client()
    page = client.get("/api/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page and "/api/openapi.json" in page
    assert "http" not in page.split("<script>")[0].replace("http-equiv", "")
