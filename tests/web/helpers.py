"""Building cases for web tests through the real domain functions (register_case, complete_task)."""
from __future__ import annotations

import copy
from dataclasses import dataclass

import sqlalchemy as sa

from engine.models import QueueTask
from tests.web.conftest import USERS
from workflows.accounts import Actor
from workflows.handling.tasks import complete_task
from workflows.intake.registration import register_case
from workflows.models import Case

# The registration form of a complaint about a restaurant in 西湖区, as register_case takes it.
REGISTRATION = {
    "channel": "12369", "received_at": "2026-03-02T08:30:00+08:00",
    "petitioner": {"name": "张三", "phone": "13800000000", "id_number": "330106199001011234",
                   "address": "杭州市西湖区文三路1号", "anonymous": False, "group_size": 1},
    "reported_party": "杭州某某餐饮有限公司", "reported_address": "杭州市西湖区文三路99号", "division_code": "330106",
    "location": "文三路99号后厨排风口", "pollution_types": ["air", "noise"], "petition_class": "report",
    "facts": "餐厅油烟直排，夜间风机噪声扰民。", "demands": "安装油烟净化设施，夜间停开风机。",
}


def actor(username: str) -> Actor:
    name, organisation, roles = USERS[username]
    return Actor(username, organisation, frozenset(roles), name)


@dataclass
class WebCase:
    services: object
    case_id: int
    case_no: str
    instance_id: int

    def tasks(self) -> list[QueueTask]:
        with self.services.db.reader() as session:
            return list(session.scalars(sa.select(QueueTask).where(QueueTask.instance_id == self.instance_id)))

    def titles(self) -> list[str]:
        return sorted(t.title for t in self.tasks())

    def task_id(self, title: str) -> str:
        [task] = [t for t in self.tasks() if t.title.startswith(title)]
        return task.task_id

    def complete(self, title: str, data: dict, username: str) -> None:
        complete_task(self.services, actor(username), self.task_id(title), data)


def register(services, registrar: str = "reg-hz", **changes) -> WebCase:
    form = copy.deepcopy(REGISTRATION)
    form.update(changes)
    case = register_case(services, actor(registrar), form)
    return WebCase(services, case.id, case.case_no, case.instance_id)


def to_investigation(services, **changes) -> WebCase:
    """A case registered at the city, assigned to 西湖 and accepted there: the investigation is open."""
    case = register(services, **changes)
    case.complete("分办交办", {"dispatch_decision": "assign"}, "reg-hz")
    case.complete("受理决定", {"acceptance_decision": "accept", "content_category": "pollution_complaint",
                             "track": "normal"}, "reg-xh")
    return case


def fetch_case(services, case_id: int) -> Case:
    with services.db.reader() as session:
        return session.get(Case, case_id)
