"""The auditors' reveal log: who saw which petitioner's personal data, filtered by user, case and date range, on both databases."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.domain.conftest import services_on
from tests.web.conftest import WEB_SETTINGS, WEB_USERS
from tests.web.helpers import register


@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    """The web tests' services, on each backend."""
    with services_on(database_copy(WEB_USERS, backend).url, clock, tmp_path, WEB_SETTINGS) as built:
        yield built


def test_the_reveal_log_filters_by_user_case_and_date_range(as_user, services, clock):
    first, second = register(services), register(services, reported_party="杭州某某印染厂",
                                                 received_at="2026-03-02T08:40:00+08:00")
    assert as_user("reg-hz").post(f"/cases/{first.case_id}/reveal").status_code == 200
    clock.advance(timedelta(days=3))
    assert as_user("sup-hz").post(f"/cases/{second.case_id}/reveal").status_code == 200
    auditor = as_user("aud-zj")

    def shown(query: str) -> set[str]:
        page = auditor.get("/audit/reveals" + query).get_data(as_text=True)
        return {number for number in (first.case_no, second.case_no) if number in page}

    assert shown("") == {first.case_no, second.case_no}
    assert shown("?username=sup-hz") == {second.case_no}
    assert shown("?username=reg-hz") == {first.case_no}
    # Days are Shanghai days, both ends included: the first look was on 2 March, the second on 5 March.
    assert shown("?received_from=2026-03-02&received_to=2026-03-02") == {first.case_no}
    assert shown("?received_from=2026-03-05") == {second.case_no}
    assert shown("?received_to=2026-03-04") == {first.case_no}
    filtered_out = auditor.get(f"/audit/reveals?case_no={second.case_no}&received_to=2026-03-04")
    assert 'id="reveal-log"' not in filtered_out.get_data(as_text=True)
    # An unreadable date is ignored, as in the case list's filters.
    assert shown("?received_from=yesterday") == {first.case_no, second.case_no}
