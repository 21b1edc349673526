"""Oversight pages through the Flask client: who may open them (403 for others, auditors read only), a leader
taking ownership from the case page, a supervisor issuing 挂牌督办 (a past feedback day refused next to the
field), the board, the handling bureau's feedback, the ledger's strike-off, and the warnings page."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from tests.web.helpers import to_investigation
from workflows.oversight.models import BacklogEntry, EarlyWarning, SupervisionOrder
from workflows.oversight.sweep import oversight_sweep
from workflows.rules.timezone import SHANGHAI


def one(services, model):
    with services.db.reader() as s:
        return s.scalars(sa.select(model).order_by(model.id)).all()


def test_only_leaders_supervisors_and_auditors_open_the_oversight_pages(as_user):
    for path in ("/oversight/ledger", "/oversight/board", "/oversight/warnings"):
        assert as_user("han-xh").get(path).status_code == 403
        assert as_user("reg-hz").get(path).status_code == 403
        for reader in ("lead-xh", "sup-hz", "aud-zj"):
            assert as_user(reader).get(path).status_code == 200, (reader, path)
    assert as_user("lead-xh").get("/oversight/owned").status_code == 200
    assert as_user("sup-hz").get("/oversight/owned").status_code == 403
    assert "督办" in as_user("sup-hz").get("/queue").get_data(as_text=True), "the navigation offers the area"


def test_a_leader_takes_ownership_on_the_case_page_and_sees_it_in_owned_cases(services, as_user):
    case = to_investigation(services)
    leader = as_user("lead-xh")
    page = leader.get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert 'id="take-ownership"' in page and "暂无领导包案" in page
    response = leader.post(f"/oversight/cases/{case.case_id}/own")
    assert response.status_code == 302
    page = leader.get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert "lead-xh" in page and 'id="release-ownership"' in page and 'id="take-ownership"' not in page
    assert case.case_no in leader.get("/oversight/owned").get_data(as_text=True)
    # A handler sees the owner but has no button; a handler posting is refused.
    handler_page = as_user("han-xh").get(f"/cases/{case.case_id}").get_data(as_text=True)
    assert "lead-xh" in handler_page and 'id="take-ownership"' not in handler_page
    assert as_user("han-xh").post(f"/oversight/cases/{case.case_id}/own").status_code == 403
    assert as_user("aud-zj").post(f"/oversight/cases/{case.case_id}/release").status_code == 403


def test_a_supervisor_issues_a_listed_order_the_bureau_answers_it(services, as_user, clock):
    case = to_investigation(services)
    supervisor = as_user("sup-hz")
    form = supervisor.get(f"/oversight/cases/{case.case_id}/supervise").get_data(as_text=True)
    today = clock.now().astimezone(SHANGHAI).date()
    assert "挂牌督办" in form and f'value="{(today + timedelta(days=30)).isoformat()}"' in form, "30 days by default"
    refused = supervisor.post(f"/oversight/cases/{case.case_id}/supervise",
                              data={"level": "listed", "instructions": "", "feedback_due": "2020-01-01"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "2020-01-01" in text and text.count('class="field-error"') == 2, "the day and the instructions"
    assert one(services, SupervisionOrder) == []
    done = supervisor.post(f"/oversight/cases/{case.case_id}/supervise",
                           data={"level": "listed", "instructions": "挂牌督办：限期书面反馈", "feedback_due": ""})
    assert done.status_code == 302
    [order] = one(services, SupervisionOrder)
    assert (order.level, order.target_org, order.issued_by) == ("listed", "EEB-330106", "sup-hz")
    board = supervisor.get("/oversight/board?level=listed").get_data(as_text=True)
    assert case.case_no in board and "挂牌督办" in board
    assert case.case_no not in supervisor.get("/oversight/board?level=order").get_data(as_text=True)
    assert as_user("han-nb").get(f"/oversight/orders/{order.id}").status_code == 403
    handler = as_user("han-xh")
    assert f"案件 {case.case_no} 被督办" in handler.get("/queue").get_data(as_text=True), "the bureau is told"
    assert 'id="send-feedback"' in handler.get(f"/oversight/orders/{order.id}").get_data(as_text=True)
    assert handler.post(f"/oversight/orders/{order.id}/feedback", data={"feedback": " "}).status_code == 422
    assert handler.post(f"/oversight/orders/{order.id}/feedback",
                        data={"feedback": "已责令整改并复查"}).status_code == 302
    assert one(services, SupervisionOrder)[0].status == "answered"
    assert "已责令整改并复查" in supervisor.get(f"/oversight/orders/{order.id}").get_data(as_text=True)


def test_the_ledger_strike_off_needs_another_leader_and_the_warnings_page_lists_hotspots(services, as_user, clock):
    for _ in range(3):
        case = to_investigation(services)
    clock.advance(minutes=5)
    assert len(oversight_sweep(services).warnings) >= 1, "three cases about one restaurant: a hotspot"
    clock.advance(days=70)
    assert len(oversight_sweep(services).entered) == 3, "the 60-day handling deadline (rolled past May Day) has passed"
    entry = one(services, BacklogEntry)[-1]
    leader = as_user("lead-xh")
    assert case.case_no in leader.get("/oversight/ledger").get_data(as_text=True)
    refused = leader.post(f"/oversight/ledger/{entry.id}/strike-off", data={"note": "已解决"})
    assert refused.status_code == 422 and "请填写化解计划" in refused.get_data(as_text=True)
    assert leader.post(f"/oversight/ledger/{entry.id}/update", data={"owner": "lead-xh", "plan": "约谈企业"}
                       ).status_code == 302
    assert leader.post(f"/oversight/ledger/{entry.id}/strike-off", data={"note": "已解决"}).status_code == 302
    page = leader.get(f"/oversight/ledger/{entry.id}").get_data(as_text=True)
    assert 'id="approve-strike-off"' not in page, "the requester does not approve their own request"
    response = leader.post(f"/oversight/ledger/{entry.id}/decide", data={"decision": "approve"})
    assert response.status_code == 403
    assert one(services, BacklogEntry)[-1].status == "strike_requested"
    assert as_user("aud-zj").post(f"/oversight/ledger/{entry.id}/decide",
                                  data={"decision": "approve"}).status_code == 403

    warnings = one(services, EarlyWarning)
    page = as_user("sup-hz").get("/oversight/warnings").get_data(as_text=True)
    assert all(w.subject_label in page for w in warnings)
    hotspot = next(w for w in warnings if w.kind == "hotspot_party")
    supervisor = as_user("sup-hz")
    assert supervisor.post(f"/oversight/warnings/{hotspot.id}/acknowledge", data={"note": ""}).status_code == 422
    assert supervisor.post(f"/oversight/warnings/{hotspot.id}/acknowledge",
                           data={"note": "已安排检查"}).status_code == 302
    assert next(w for w in one(services, EarlyWarning) if w.id == hotspot.id).status == "acknowledged"
    assert as_user("lead-xh").post(f"/oversight/warnings/{hotspot.id}/acknowledge",
                                   data={"note": "x"}).status_code == 403


def test_the_queue_shows_the_owning_leader(services, as_user):
    case = to_investigation(services)
    handler = as_user("han-xh")
    assert "领导包案：" not in handler.get("/queue?tab=unclaimed").get_data(as_text=True)
    assert as_user("lead-xh").post(f"/oversight/cases/{case.case_id}/own").status_code == 302
    assert "领导包案：lead-xh" in handler.get("/queue?tab=unclaimed").get_data(as_text=True)


def test_the_sweep_button_is_for_leaders_and_supervisors_and_the_pages_speak_english(as_user):
    assert as_user("han-xh").post("/oversight/sweep").status_code == 403
    assert as_user("aud-zj").post("/oversight/sweep").status_code == 403
    supervisor = as_user("sup-hz")
    assert supervisor.post("/oversight/sweep").status_code == 302
    supervisor.post("/language", data={"locale": "en"})
    page = supervisor.get("/oversight/board").get_data(as_text=True)
    assert "Supervision board" in page and "Backlog ledger" in page and "Early warnings" in page


def test_the_ledger_pages_keep_its_filters(services, as_user, clock, monkeypatch):
    from workflows.oversight import access
    monkeypatch.setattr(access, "PER_PAGE", 2)
    cases = [to_investigation(services).case_no for _ in range(3)]
    clock.advance(days=70)
    assert len(oversight_sweep(services).entered) == 3
    leader = as_user("lead-xh")
    first = leader.get("/oversight/ledger?status=open&q=-2026-").get_data(as_text=True)
    shown = re.findall(r'class="case-no"[^>]*>([^<]+)<', first)
    assert len(shown) == 2 and 'rel="prev"' not in first
    following = re.search(r'<a class="button" rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "page=2" in following and "status=open" in following and "q=-2026-" in following
    second = leader.get(following).get_data(as_text=True)
    rest = re.findall(r'class="case-no"[^>]*>([^<]+)<', second)
    assert sorted(shown + rest) == sorted(cases) and 'rel="next"' not in second and 'rel="prev"' in second
    assert leader.get("/oversight/ledger?page=x").status_code == 200, "an unreadable page is the first"
