"""Driving a petition case through the real BPMN bundle on the engine, checking replay after every step.

Like SpiffWorkflow's own test base class (which saves and restores the workflow at every step), the
`CaseDriver` verifies after each command that replaying the case's audit events rebuilds exactly the
state the engine stored.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from engine.audit import canonical_json
from engine.models import Instance, QueueTask, Timer
from engine.runtime import Runtime
from engine.spiff.tasks import is_ready_user_task
from engine.verify import verify_instance
from workflows.rules.timezone import SHANGHAI

BUNDLE = Path(__file__).resolve().parents[2] / "bpmn"

REGISTRAR, HANDLER, LEADER, SUPERVISOR = "reg-wang", "han-li", "lead-zhao", "sup-chen"

# A complaint about a restaurant in 西湖区, registered by the 西湖 bureau on Monday 2026-03-02 09:00.
PETITION = {
    "case_no": "XH-2026-0001",
    "received_at": "2026-03-02T09:00:00+08:00",
    "channel": "12369",
    "petitioner": {"name": "张三", "phone": "13800000000", "id_number": "330106199001011234",
                   "address": "杭州市西湖区文三路1号", "anonymous": False, "group_size": 1},
    "reported_party": "杭州某某餐饮有限公司",
    "reported_address": "杭州市西湖区文三路99号",
    "division_code": "330106",
    "location": "文三路99号后厨排风口",
    "pollution_types": ["air", "noise"],
    "petition_class": "report",
    "facts": "餐厅油烟直排，夜间风机噪声扰民。",
    "demands": "安装油烟净化设施，夜间停开风机。",
    "registration_org": "EEB-330106",
}


def petition(**changes) -> dict:
    """The start data of a case as register_case passes it, with some fields changed."""
    data = copy.deepcopy(PETITION)
    data.update(changes)
    return data


def shanghai(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def end_of_day(year: int, month: int, day: int) -> datetime:
    """Where a statutory clock ends: 23:59:59 Asia/Shanghai on its last day."""
    return shanghai(year, month, day, 23, 59, 59)


def as_replayed(data: dict) -> dict:
    """`data` with its keys in the order replay reads them back from the audit event (sorted).

    Works around an engine bug: a live step applies the caller's dict as given, replay applies the
    canonical (key-sorted) JSON of the event, and SpiffWorkflow's serialized task-data deltas list
    deleted keys in dict order, so the same data in another key order fails `verify`.
    """
    return json.loads(canonical_json(data))


class CaseDriver:
    """One case on the engine: look at its queue and timers, act on it, move the clock."""

    def __init__(self, runtime: Runtime, clock, instance_id: int) -> None:
        self.runtime = runtime
        self.db = runtime.db
        self.clock = clock
        self.instance_id = instance_id

    @classmethod
    def register(cls, runtime: Runtime, clock, data: dict, actor: str = REGISTRAR) -> CaseDriver:
        started = runtime.start("petition", as_replayed(data), actor, organisation=data.get("registration_org"),
                                business_key=data["case_no"])
        case = cls(runtime, clock, started.instance_id)
        case.verify()
        return case

    # -- looking ---------------------------------------------------------------------------------------
    def queue(self) -> list[QueueTask]:
        with self.db.reader() as session:
            return list(session.scalars(sa.select(QueueTask).where(QueueTask.instance_id == self.instance_id)
                                        .order_by(QueueTask.created_at, QueueTask.task_ref)))

    def titles(self) -> list[str]:
        return sorted(row.title for row in self.queue())

    def task(self, title: str, organisation: str | None = None) -> QueueTask:
        """The one open task with this title (and organisation); fails listing what is open otherwise."""
        rows = [row for row in self.queue() if title in (row.title, row.spec_name)
                and (organisation is None or row.organisation == organisation)]
        assert len(rows) == 1, f"expected one open task {title!r} ({organisation}), open: " + \
            ", ".join(f"{r.title} @ {r.organisation}" for r in self.queue())
        return rows[0]

    def timers(self, status: str | None = None) -> list[Timer]:
        with self.db.reader() as session:
            stmt = sa.select(Timer).where(Timer.instance_id == self.instance_id).order_by(Timer.id)
            if status is not None:
                stmt = stmt.where(Timer.status == status)
            return list(session.scalars(stmt))

    def pending_timers(self) -> dict[str, datetime]:
        """{timer name: due} of the timers the case waits on now."""
        return {t.name: t.due_at for t in self.timers("pending")}

    def instance(self) -> Instance:
        with self.db.reader() as session:
            return session.get(Instance, self.instance_id)

    @property
    def status(self) -> str:
        """The engine's status of the instance: running, completed or cancelled."""
        return self.instance().status

    def workflow(self):
        return self.runtime.load_workflow(self.instance())

    def data(self) -> dict:
        """The process data at the end of a finished case."""
        workflow = self.workflow()
        assert workflow.completed, "the case is still running; use task_data(title) to see its data"
        return workflow.data

    def task_data(self, title: str, organisation: str | None = None) -> dict:
        """The process data an open task sees (what its form would show)."""
        row = self.task(title, organisation)
        task = self.workflow().get_task_from_id(UUID(row.task_id))
        assert is_ready_user_task(task)
        return task.data

    # -- acting ----------------------------------------------------------------------------------------
    def complete(self, title: str, data: dict, actor: str, organisation: str | None = None) -> QueueTask:
        row = self.task(title, organisation)
        self.runtime.complete(row.task_id, as_replayed(data), actor, organisation=row.organisation)
        self.verify()
        return row

    def correlate(self, message: str, payload: dict, actor: str = "portal") -> None:
        self.runtime.correlate(self.instance_id, message, as_replayed(payload), actor)
        self.verify()

    def advance(self, **delta: float):
        """Move the clock on and fire every timer that fell due, as the scheduler's sweep would."""
        self.clock.advance(**delta)
        return self.fire_timers()

    def advance_to(self, moment: datetime):
        self.clock.set(moment)
        return self.fire_timers()

    def fire_timers(self):
        result = self.runtime.fire_timers(self.instance_id)
        self.verify()
        return result

    def verify(self) -> None:
        verdict = verify_instance(self.runtime, self.instance_id)
        assert verdict.ok, str(verdict)


# -- the user tasks, by their titles in the BPMN ---------------------------------------------------------
DISPATCH = "分办交办 Dispatch case"
ACCEPTANCE = "受理决定 Acceptance decision"
INVESTIGATE = "调查核实 Investigate"
JOINT = "会办调查 Joint investigation"
DRAFT = "拟写答复 Draft reply"
APPROVE = "审批答复 Approve reply"
DELIVER = "送达答复 Deliver written reply"
EXTENSION = "审批延期 Approve extension"
REPORT = "审核办结报告 Review completion report"
REVIEW_DRAFT = "拟写复查复核意见 Draft review opinion"
REVIEW_SIGN = "签发复查复核意见 Sign review opinion"
RETURN_VISIT = "回访 Return visit"
REHANDLING = "督办重办 Order re-handling"
SUPERVISE = "督办 Supervise overdue case"
FEEDBACK = "督办反馈 Supervision feedback"
OWNERSHIP = "领导包案 Leader takes ownership"
NORMAL_TRACK = "审批转普通程序 Approve move to the normal track"


# -- lifecycle steps with typical form data ------------------------------------------------------------
def accept(case: CaseDriver, track: str = "normal", category: str = "pollution_complaint", **form) -> None:
    """Accept the case; on the simple track the registrar finds it a first petition with clear facts unless
    `form` says otherwise."""
    data = {"acceptance_decision": "accept", "content_category": category, "track": track}
    if track == "simple":
        data.update(first_petition=True, facts_clear=True)
    data.update(form)
    case.complete(ACCEPTANCE, data, REGISTRAR)


def investigate(case: CaseDriver, joint_departments: list[str] | None = None, **form) -> None:
    data = {"next_step": "draft_reply", "findings": "现场检查属实：油烟未经净化直排。", "site_inspected": True,
            "violation_found": True, "enforcement_actions": ["order_correction"],
            "joint_departments": joint_departments or []}
    data.update(form)
    case.complete(INVESTIGATE, data, HANDLER)


def draft_and_approve(case: CaseDriver) -> None:
    case.complete(DRAFT, {"reply_opinion": "support", "reply_text": "已责令限期安装油烟净化设施。",
                          "drafted_by": HANDLER}, HANDLER)
    case.complete(APPROVE, {"approval_decision": "approve"}, LEADER)


def deliver(case: CaseDriver, delivered_at: datetime | None = None, method: str = "in_person",
            receipt_date: str | None = None) -> None:
    """Deliver the written reply; handed over in person unless `method` says otherwise (a posted reply's review
    window runs from `receipt_date`, or from its presumed receipt)."""
    when = (delivered_at or case.clock.now()).astimezone(SHANGHAI).isoformat()
    data = {"delivery_method": method, "delivered_at": when}
    if receipt_date is not None:
        data["receipt_date"] = receipt_date
    case.complete(DELIVER, data, HANDLER)


def handle_and_reply(case: CaseDriver, delivered_at: datetime | None = None) -> None:
    """Investigate alone, draft, approve and deliver the written reply."""
    investigate(case)
    draft_and_approve(case)
    deliver(case, delivered_at)


def review_opinion(case: CaseDriver, outcome: str, reviewer: str = "rev-sun") -> None:
    """The bureau above drafts and its leader signs a review (or re-review) opinion."""
    form = {"review_outcome": outcome, "review_opinion": "经复查，原处理意见认定事实清楚。", "review_drafted_by": reviewer}
    if outcome == "remand":
        form.update(review_opinion="原处理意见未回应夜间噪声诉求。", remand_instructions="补充夜间噪声监测后重新答复。")
    case.complete(REVIEW_DRAFT, form, reviewer)
    case.complete(REVIEW_SIGN, {"review_sign_decision": "sign"}, "rev-lead-qian")


def return_visit(case: CaseDriver, problem_status: str = "resolved") -> None:
    case.complete(RETURN_VISIT, {"visit_result": "reached", "problem_status": problem_status,
                                 "visit_satisfaction": "satisfied"}, REGISTRAR)


def review_upheld_and_archive(case: CaseDriver) -> None:
    """Accept, reply, have the review upheld by the bureau above, and archive after the return visit."""
    accept(case)
    handle_and_reply(case)
    case.advance(days=5)
    case.correlate("review_requested", {"reason": "噪声问题没有解决"})
    case.advance(days=3)
    review_opinion(case, "uphold")
    case.advance(days=31)
    return_visit(case)
