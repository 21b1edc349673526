"""Fixtures for the petitioners' use cases: the real services (bundle deployed, organisations, the web tests'
users) on each backend, and a petition submitted on the portal and driven by the bureau's staff."""
from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from engine.models import QueueTask
from tests.domain.conftest import services_on
from tests.web.conftest import WEB_SETTINGS, WEB_USERS
from tests.web.helpers import actor
from workflows.handling.tasks import complete_task
from workflows.models import Case
from workflows.portal.submission import Receipt, submit_petition

# What a petitioner types on the portal about a restaurant in 西湖区 (330106).
PETITION = {
    "petitioner": {"name": "张三", "phone": "13800000000", "id_number": "", "address": "杭州市西湖区文三路1号",
                   "anonymous": False, "group_size": 1},
    "reported_party": "杭州某某餐饮有限公司", "reported_address": "杭州市西湖区文三路99号", "division_code": "330106",
    "location": "文三路99号后厨排风口", "pollution_types": ["air", "noise"], "petition_class": "report",
    "facts": "餐厅油烟直排，夜间风机噪声扰民。", "demands": "安装油烟净化设施，夜间停开风机。",
}


@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    with services_on(database_copy(WEB_USERS, backend).url, clock, tmp_path, WEB_SETTINGS) as built:
        yield built


def petition(**changes) -> dict:
    form = copy.deepcopy(PETITION)
    form.update(changes)
    return form


class Staff:
    """The 西湖 bureau working a portal case through the real tasks."""

    def __init__(self, services, receipt: Receipt) -> None:
        self.services, self.receipt = services, receipt

    def complete(self, title: str, data: dict, username: str) -> None:
        with self.services.db.reader() as session:
            tasks = list(session.scalars(sa.select(QueueTask).join(Case, Case.instance_id == QueueTask.instance_id)
                                         .where(Case.case_no == self.receipt.case_no)))
        [task] = [t for t in tasks if t.title.startswith(title)]
        complete_task(self.services, actor(username), task.task_id, data)

    def instance_id(self) -> int:
        with self.services.db.reader() as session:
            return session.scalar(sa.select(Case.instance_id).where(Case.case_no == self.receipt.case_no))

    def accept(self) -> None:
        self.complete("受理决定", {"acceptance_decision": "accept", "content_category": "pollution_complaint",
                                 "track": "normal"}, "reg-xh")

    def refuse(self) -> None:
        self.complete("受理决定", {"acceptance_decision": "refuse", "content_category": "pollution_complaint",
                                 "refusal_reason": "不属于生态环境部门职责", "track": "normal"}, "reg-xh")

    def reply(self) -> None:
        self.complete("调查核实", {"next_step": "draft_reply", "findings": "现场检查属实：油烟未经净化直排。",
                                 "site_inspected": True, "violation_found": True,
                                 "enforcement_actions": ["order_correction"], "joint_departments": []}, "han-xh")
        self.complete("拟写答复", {"reply_opinion": "support", "reply_text": "已责令限期安装油烟净化设施。",
                                 "drafted_by": "han-xh"}, "han-xh")
        self.complete("审批答复", {"approval_decision": "approve"}, "lead-xh")
        delivered = self.services.clock.now().isoformat()
        self.complete("送达答复", {"delivery_method": "in_person", "delivered_at": delivered}, "han-xh")


@pytest.fixture
def submitted(services):
    """A petition submitted on the portal; returns the bureau's staff for it (`.receipt` is the petitioner's)."""
    return Staff(services, submit_petition(services, petition(), []))
