"""The queues: my tasks, my bureau's unclaimed tasks, the supervisor's overdue view; claim, release,
reassign and bulk claim; filters, sort and pages."""
from __future__ import annotations

import re

from tests.web.helpers import register, to_investigation


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-task="([0-9a-f-]+)"', page)


def counts(page: str) -> dict[str, int]:
    found = re.findall(r'tab=(\w+)"[^>]*>\s*[^<]*<span class="count">(\d+)</span>', page)
    return {name: int(n) for name, n in found}


def test_a_bureaus_unclaimed_tasks_are_claimed_and_released(as_user, services):
    case = to_investigation(services)
    web = as_user("han-xh")
    page = web.get("/queue?tab=unclaimed").get_data(as_text=True)
    assert rows(page) == [case.task_id("调查核实")] and counts(page) == {"mine": 0, "unclaimed": 1}
    assert "剩 " in page and "badge-on_time" in page and "杭州某某餐饮有限公司" in page and "12369热线" in page
    response = web.post(f"/tasks/{case.task_id('调查核实')}/claim", {"next": "/queue?tab=mine"})
    assert response.headers["Location"] == "/queue?tab=mine"
    page = web.get("/queue?tab=mine").get_data(as_text=True)
    assert rows(page) == [case.task_id("调查核实")] and counts(page) == {"mine": 1, "unclaimed": 0}
    assert "han-xh" in page
    web.post(f"/tasks/{case.task_id('调查核实')}/release")
    assert counts(web.get("/queue").get_data(as_text=True)) == {"mine": 0, "unclaimed": 1}


def test_a_task_claimed_by_someone_else_cannot_be_claimed_again(as_user, services):
    case = to_investigation(services)
    services.runtime.claim(case.task_id("调查核实"), "someone", organisation="EEB-330106")
    web = as_user("han-xh")
    response = web.post(f"/tasks/{case.task_id('调查核实')}/claim")
    assert response.status_code == 403 and "此任务已由 someone 认领。" in response.get_data(as_text=True)


def test_bulk_claim_takes_every_ticked_task(as_user, services):
    cases = [register(services, facts=f"餐厅油烟直排第{n}次投诉，夜间噪声扰民。") for n in range(3)]
    web = as_user("reg-hz")
    page = web.get("/queue?tab=unclaimed").get_data(as_text=True)
    assert len(rows(page)) == 3
    response = web.post("/queue/claim", {"task_id": [c.task_id("分办交办") for c in cases[:2]],
                                         "next": "/queue?tab=mine"})
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "已认领 2 项任务。" in page and counts(page) == {"mine": 2, "unclaimed": 1}


def test_a_leader_reassigns_a_task_to_a_colleague_with_the_role(as_user, services):
    case = to_investigation(services)
    task_id = case.task_id("调查核实")
    leader = as_user("lead-xh")
    assert 'name="assignee"' in leader.get(f"/tasks/{task_id}").get_data(as_text=True)
    leader.post(f"/tasks/{task_id}/reassign", {"assignee": "han-xh"})
    assert rows(as_user("han-xh").get("/queue?tab=mine").get_data(as_text=True)) == [task_id]
    leader.post(f"/tasks/{task_id}/reassign", {"assignee": "lead-xh"})
    page = leader.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "lead-xh 在本单位没有该任务所需的角色。" in page


def test_filters_narrow_the_queue(as_user, services):
    register(services)
    register(services, pollution_types=["water"], channel="letter", facts="河道排污口偷排废水，水体发黑发臭。")
    web = as_user("reg-hz")
    assert len(rows(web.get("/queue?tab=unclaimed").get_data(as_text=True))) == 2
    assert len(rows(web.get("/queue?tab=unclaimed&type=water").get_data(as_text=True))) == 1
    assert len(rows(web.get("/queue?tab=unclaimed&channel=letter&type=air").get_data(as_text=True))) == 0
    assert len(rows(web.get("/queue?tab=unclaimed&division=330106").get_data(as_text=True))) == 2
    assert len(rows(web.get("/queue?tab=unclaimed&division=330200").get_data(as_text=True))) == 0
    assert len(rows(web.get("/queue?tab=unclaimed&task=dispatch_case").get_data(as_text=True))) == 2
    assert len(rows(web.get("/queue?tab=unclaimed&overdue=1").get_data(as_text=True))) == 0
    page = web.get("/queue?tab=unclaimed&q=00002").get_data(as_text=True)
    assert len(rows(page)) == 1 and "330100-2026-00002" in page


def test_the_queue_pages_through_many_tasks(as_user, services):
    for n in range(22):
        register(services, facts=f"第{n}号投诉：工地夜间施工噪声扰民。")
    web = as_user("reg-hz")
    first = web.get("/queue?tab=unclaimed").get_data(as_text=True)
    second = web.get("/queue?tab=unclaimed&page=2").get_data(as_text=True)
    assert len(rows(first)) == 20 and len(rows(second)) == 2
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second and "共 22 项任务" in first
    assert not set(rows(first)) & set(rows(second))


def test_supervisors_see_the_overdue_tasks_of_their_bureau_and_below(as_user, services, clock):
    case = to_investigation(services)
    assert "tab=overdue" not in as_user("han-xh").get("/queue").get_data(as_text=True)
    clock.advance(days=70)
    web = as_user("sup-hz")
    page = web.get("/queue?tab=overdue").get_data(as_text=True)
    assert rows(page) == [case.task_id("调查核实")]
    assert "badge-overdue" in page and "逾期 " in page and "杭州市生态环境局西湖分局" in page
    assert "认领" not in re.search(r"<tbody>.*</tbody>", page, re.DOTALL).group(0), "not the supervisor's to claim"
