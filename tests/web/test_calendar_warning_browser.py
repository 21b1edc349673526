"""A deadline in a year whose official holiday schedule is not known in full (2027: chinese-calendar ships up
to 2026) is counted with the statutory holidays and says so on the queue and the case page, in the reader's
language, from the catalogs."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from engine.clock import ManualClock
from tests.domain.conftest import create_actor
from tests.web.conftest import browser_login, shoot
from tests.web.helpers import to_investigation

ZH = "尚无2027年国务院放假安排"
EN = "No official holiday schedule for 2027 yet"


@pytest.fixture
def clock() -> ManualClock:
    # Tue 2026-12-01 10:00 Asia/Shanghai: a case accepted now is due 60 days on, in 2027.
    return ManualClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


def test_the_queue_and_the_case_page_warn_in_chinese_and_english(as_user, services):
    case = to_investigation(services, received_at="2026-12-01T09:00:00+08:00")
    handler = as_user("han-xh")
    queue = handler.get("/queue?tab=unclaimed").get_data(as_text=True)
    assert ZH in queue and "calendar-estimate" in queue
    page = handler.get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert ZH in page and "元旦、春节、清明节" in page
    handler.post("/language", {"locale": "en", "next": f"/cases/{case.case_id}"})
    english = handler.get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert EN in english and "calendar.holidays" in english


def test_a_case_due_in_a_known_year_has_no_warning(as_user, services, clock):
    clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    case = to_investigation(services)
    handler = as_user("han-xh")
    assert ZH not in handler.get("/queue?tab=unclaimed").get_data(as_text=True)
    assert ZH not in handler.get(f"/cases/{case.case_id}").get_data(as_text=True)


def test_the_warning_as_the_handler_sees_it(services, new_page, artifacts):
    case = to_investigation(services, received_at="2026-12-01T09:00:00+08:00")
    page = new_page()
    browser_login(page, "han-xh")
    page.goto("/queue?tab=unclaimed")
    warning = page.locator(".calendar-warning")
    assert ZH in warning.first.inner_text()
    assert page.locator(".calendar-estimate").count() == 1
    shoot(page, artifacts, "calendar-warning-queue")
    page.goto(f"/cases/{case.case_id}")
    assert ZH in page.locator("#deadlines .calendar-warning").inner_text()
    shoot(page, artifacts, "calendar-warning-case")


def test_the_studio_preview_of_the_clocks_words_the_warning(services, as_user):
    create_actor(services, "des-zj", "designer", "EEB-330000")
    web = as_user("des-zj")
    response = web.post("/design/drafts")
    draft_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', web.get("/design/").get_data(as_text=True)).group(1)
    answer = web.client.post(f"/design/api/drafts/{draft_id}/preview", headers={"X-CSRFToken": csrf},
                             json={"received": "2026-09-29T10:00:00+08:00", "track": "normal"})
    assert answer.status_code == 200
    [warning] = answer.get_json()["warnings"]
    assert (warning["code"], warning["params"]) == ("calendar.year_unknown", {"year": 2027})
    assert warning["message"].startswith(ZH)
