"""The designer studio over HTTP: designers only (403 for everyone else), the draft's JSON, a stale save is a 409
carrying both versions, validation lists every problem with its sentence, deploy, the form preview."""
from __future__ import annotations

import json
import re

import pytest

from tests.domain.conftest import create_actor

ACCEPTANCE_FORM = "forms/acceptance.json"


@pytest.fixture
def designer_web(services, as_user):
    create_actor(services, "des-zj", "designer", "EEB-330000")
    return as_user("des-zj")


def token(web) -> str:
    page = web.get("/design/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def call(web, method, path, body=None):
    return web.client.open(path, method=method, json=body, headers={"X-CSRFToken": token(web)})


def new_draft(web) -> int:
    response = web.post("/design/drafts")
    assert response.status_code == 302
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


@pytest.mark.parametrize("username", ["reg-hz", "han-xh", "aud-zj", "lead-xh"])
def test_everyone_but_designers_is_refused(as_user, username):
    web = as_user(username)
    assert web.get("/design/").status_code == 403
    assert web.get("/design/api/drafts/1").status_code == 403
    assert "/design/" not in web.get("/queue").get_data(as_text=True)


def test_a_designer_opens_the_studio_on_a_new_draft(designer_web):
    assert 'href="/design/"' in designer_web.get("/queue").get_data(as_text=True)
    draft_id = new_draft(designer_web)
    page = designer_web.get(f"/design/drafts/{draft_id}").get_data(as_text=True)
    assert "designer/dist/studio.js" in page
    data = designer_web.get(f"/design/api/drafts/{draft_id}").get_json()
    assert "petition.bpmn" in [f["path"] for f in data["draft"]["files"]]
    assert "acceptance.json" in data["catalog"]["forms"]
    assert {"jurisdiction_routing", "legal_channel_triage"} <= set(data["catalog"]["decisions"])
    assert "handler" in data["catalog"]["roles"] and "designer" not in data["catalog"]["roles"]
    assert "deadline" in data["catalog"]["functions"]


def test_a_stale_save_is_a_conflict_showing_both(designer_web):
    draft_id = new_draft(designer_web)
    url = f"/design/api/drafts/{draft_id}/files/{ACCEPTANCE_FORM}"
    assert call(designer_web, "PUT", url, {"content": '{"type": "object"}', "revision": 1}).status_code == 200
    refused = call(designer_web, "PUT", url, {"content": "{}", "revision": 1})
    assert refused.status_code == 409
    answer = refused.get_json()
    assert answer["code"] == "design.stale_file"
    assert answer["theirs"]["content"] == '{"type": "object"}' and answer["theirs"]["revision"] == 2
    assert "des-zj" in answer["message"] and "forms/acceptance.json" in answer["message"]


def test_validation_lists_problems_with_their_sentence_and_deploy_refuses_them(designer_web, services):
    draft_id = new_draft(designer_web)
    files = {f["path"]: f for f in designer_web.get(f"/design/api/drafts/{draft_id}").get_json()["draft"]["files"]}
    broken = files["petition.bpmn"]["content"].replace('value="acceptance.json"', 'value="gone.json"')
    call(designer_web, "PUT", f"/design/api/drafts/{draft_id}/files/petition.bpmn", {"content": broken, "revision": 1})
    report = call(designer_web, "POST", f"/design/api/drafts/{draft_id}/validate").get_json()
    assert report["valid"] is False
    [problem] = report["problems"]
    assert (problem["file"], problem["element"], problem["code"]) == ("petition.bpmn", "decide_acceptance",
                                                                      "bundle.form_missing")
    assert problem["line"] and "gone.json" in problem["message"]
    versions = len(services.definitions.versions())
    refused = call(designer_web, "POST", f"/design/api/drafts/{draft_id}/deploy", {"note": "try"})
    assert refused.status_code == 422 and refused.get_json()["problems"][0]["code"] == "bundle.form_missing"
    assert len(services.definitions.versions()) == versions
    missing_note = call(designer_web, "POST", f"/design/api/drafts/{draft_id}/deploy", {})
    assert missing_note.status_code == 422 and "note" in missing_note.get_json()["fields"]


def test_a_valid_draft_deploys_and_is_listed_with_its_note(designer_web):
    draft_id = new_draft(designer_web)
    files = {f["path"]: f for f in designer_web.get(f"/design/api/drafts/{draft_id}").get_json()["draft"]["files"]}
    form = json.loads(files[ACCEPTANCE_FORM]["content"])
    form["properties"]["acceptance_opinion"]["title"] = "受理意见（必填）Remarks (required)"
    call(designer_web, "PUT", f"/design/api/drafts/{draft_id}/files/{ACCEPTANCE_FORM}",
         {"content": json.dumps(form, ensure_ascii=False), "revision": 1})
    deployed = call(designer_web, "POST", f"/design/api/drafts/{draft_id}/deploy", {"note": "受理意见改名"})
    assert deployed.status_code == 200, deployed.get_json()
    version = deployed.get_json()["version_id"]
    listing = designer_web.get("/design/").get_data(as_text=True)
    assert f'data-version="{version}"' in listing and "受理意见改名" in listing
    diff = designer_web.get(f"/design/api/versions/{version - 1}/diff/{version}").get_json()
    assert diff["files_changed"] == [ACCEPTANCE_FORM] and diff["diagrams"] == []


def test_the_form_preview_uses_the_operators_widgets(designer_web):
    schema = {"title": "测试 Test", "type": "object", "required": ["decision"],
              "properties": {"decision": {"type": "string", "title": "决定 Decision", "enum": ["a", "b"],
                                          "enumNames": ["甲 A", "乙 B"]}}}
    html = call(designer_web, "POST", "/design/api/form-preview",
                {"content": json.dumps(schema)}).get_data(as_text=True)
    assert 'type="radio" name="decision" value="a"' in html and "required" in html
    bad = call(designer_web, "POST", "/design/api/form-preview", {"content": "{"})
    assert bad.status_code == 422 and bad.get_json()["code"] == "bundle.form_json"


def test_the_preview_of_the_clocks(designer_web):
    draft_id = new_draft(designer_web)
    answer = call(designer_web, "POST", f"/design/api/drafts/{draft_id}/preview",
                  {"received": "2026-09-29T10:00:00+08:00", "track": "normal"}).get_json()
    assert answer["clocks"][0]["key"] and answer["clocks"][0]["due"].startswith("2026-")
    bad = call(designer_web, "POST", f"/design/api/drafts/{draft_id}/preview", {"received": "2026-09-29T10:00"})
    assert bad.status_code == 422


def test_unsaved_edits_are_checked_as_typed_and_nothing_is_saved(designer_web):
    draft_id = new_draft(designer_web)
    files = {f["path"]: f for f in designer_web.get(f"/design/api/drafts/{draft_id}").get_json()["draft"]["files"]}
    petition = files["petition.bpmn"]["content"]
    broken = petition.replace('acceptance_clock = "simple_acceptance"', 'acceptance_clock = ("simple_acceptance"', 1)
    assert broken != petition
    routing = files["routing.dmn"]["content"]
    renamed = routing.replace('id="jurisdiction_routing"', 'id="jurisdiction_routing_v2"', 1)
    answer = call(designer_web, "POST", f"/design/api/drafts/{draft_id}/check",
                  {"files": {"petition.bpmn": broken}}).get_json()
    assert answer["valid"] is False
    found = {(p["file"], p["element"], p["code"]) for p in answer["problems"]}
    assert found == {("petition.bpmn", "start_acceptance_clock", "bundle.restricted_script")}
    # The pickers' sets follow the unsaved edits: the renamed decision is offered, the old id is gone, and the
    # task that calls the old id is a problem.
    answer = call(designer_web, "POST", f"/design/api/drafts/{draft_id}/check",
                  {"files": {"routing.dmn": renamed}}).get_json()
    assert [p["element"] for p in answer["problems"]] == ["route_case"]
    assert "jurisdiction_routing_v2" in answer["catalog"]["decisions"]
    assert "jurisdiction_routing" not in answer["catalog"]["decisions"]
    stored = {f["path"]: f for f in designer_web.get(f"/design/api/drafts/{draft_id}").get_json()["draft"]["files"]}
    assert stored["petition.bpmn"]["content"] == petition and stored["petition.bpmn"]["revision"] == 1
    refused = call(designer_web, "POST", f"/design/api/drafts/{draft_id}/check", {"files": {"../etc/passwd": "x"}})
    assert refused.status_code == 422 and refused.get_json()["code"] == "design.bad_path"
