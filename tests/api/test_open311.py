"""An Open311 GeoReport v2 client (a civic app) lists the services, posts a request with its API key and reads
its status back by service_request_id (our case number); errors in GeoReport's form."""
from __future__ import annotations

import sqlalchemy as sa

from tests.api.conftest import ADMIN
from workflows.channels.tokens import create_token
from workflows.models import Case

REQUEST = {"jurisdiction_id": "330106", "service_code": "noise", "description": "工地夜间施工噪声扰民，持续到凌晨。",
           "address_string": "杭州市西湖区文三路工地", "lat": "30.2741", "long": "120.1551",
           "first_name": "三", "last_name": "张", "phone": "13800000000", "email": "zs@example.org"}


def key(services, name: str = "civic-app") -> str:
    return create_token(services, ADMIN, name, "EEB-330106", ["registrar"]).secret


def test_services_are_the_pollution_types(app):
    services = app.test_client().get("/open311/v2/services.json", headers={"Accept-Language": "en"}).get_json()
    assert [s["service_code"] for s in services][:3] == ["air", "water", "noise"]
    assert services[2]["service_name"] == "Noise" and services[2]["metadata"] is False


def test_a_civic_app_posts_a_request_and_reads_its_status(app, services):
    client, api_key = app.test_client(), key(services)
    posted = client.post("/open311/v2/requests.json", data=dict(REQUEST, api_key=api_key))
    assert posted.status_code == 201, posted.get_json()
    [answer] = posted.get_json()
    case_no = answer["service_request_id"]
    assert case_no.startswith("330106-2026-") and "查询码" in answer["service_notice"]
    with services.db.reader() as session:
        case = session.scalar(sa.select(Case).where(Case.case_no == case_no))
    assert (case.channel, case.registration_org, case.registered_by) == ("web", "EEB-330106", "open311:civic-app")
    assert case.pollution_types == ",noise," and "30.274100" in case.location
    [status] = client.get(f"/open311/v2/requests.json?service_request_id={case_no}&api_key={api_key}").get_json()
    assert (status["service_request_id"], status["status"], status["service_code"]) == (case_no, "open", "noise")
    assert client.get(f"/open311/v2/requests/{case_no}.json?api_key={api_key}").get_json() == [status]
    # Another client does not see it, and nobody without a key does.
    other = key(services, "other-app")
    assert client.get(f"/open311/v2/requests.json?service_request_id={case_no}&api_key={other}").get_json() == []
    assert client.get(f"/open311/v2/requests.json?service_request_id={case_no}").status_code == 403


def test_a_bad_request_is_refused_naming_the_open311_fields(app, services):
    client, api_key = app.test_client(), key(services)
    refused = client.post("/open311/v2/requests.json", data=dict(REQUEST, api_key=api_key, service_code="smell",
                                                                 jurisdiction_id="110105", lat="91"))
    assert refused.status_code == 400
    descriptions = " ".join(e["description"] for e in refused.get_json())
    assert "service_code" in descriptions and "lat" in descriptions
    unplaced = client.post("/open311/v2/requests.json", data=dict(REQUEST, api_key=api_key, jurisdiction_id="110105"))
    assert unplaced.status_code == 400 and unplaced.get_json()[0]["description"].startswith("jurisdiction_id")
    no_key = client.post("/open311/v2/requests.json", data=REQUEST)
    assert no_key.status_code == 400 and "api_key" in no_key.get_json()[0]["description"]
    wrong_key = client.post("/open311/v2/requests.json", data=dict(REQUEST, api_key="eco_wrong"))
    assert wrong_key.status_code == 403


def test_requests_are_limited_per_api_key_not_per_address(services):
    from dataclasses import replace

    from webui import create_app
    settings = replace(services.settings, portal=replace(services.settings.portal, open311_limit="2 per minute"))
    app = create_app(services=replace(services, settings=settings))
    client, first, second = app.test_client(), key(services, "app-1"), key(services, "app-2")
    codes = [client.post("/open311/v2/requests.json", data=dict(REQUEST, api_key=first)).status_code
             for _ in range(3)]
    assert codes == [201, 201, 429]
    assert client.post("/open311/v2/requests.json", data=dict(REQUEST, api_key=second)).status_code == 201
