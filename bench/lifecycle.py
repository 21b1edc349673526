"""A petition case as the benchmarks drive it through the real bundle: who acts, with what form data, in what order.

A case is a list of actions (complete a task, deliver a message, let the next timer fall due). The parts run
the same actions in different ways: through the domain and engine (`Driver`), or in memory and the naive way
beside the engine (bench_step).
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from bench.common import T0
from engine.models import QueueTask, Timer
from workflows.accounts import Actor
from workflows.bootstrap import Services
from workflows.handling.tasks import complete_task
from workflows.intake.registration import register_case
from workflows.models import Case
from workflows.rules.organisations import org_above
from workflows.rules.timezone import SHANGHAI

BUREAU = "EEB-330106"
# One county bureau per worker process, so case numbers (per bureau and year) never collide between workers.
WORKER_BUREAUS = ("EEB-330106", "EEB-330110", "EEB-330203", "EEB-330212")


@dataclass(frozen=True)
class Cast:
    """The people who work a case of one county bureau, and the city bureau above it that reviews."""

    registrar: Actor
    handler: Actor
    leader: Actor
    reviewer: Actor
    review_leader: Actor


def cast_for(bureau: str) -> Cast:
    city = org_above(bureau, 1)
    return Cast(Actor(f"reg-{bureau}", bureau, frozenset({"registrar"})),
                Actor(f"han-{bureau}", bureau, frozenset({"handler"})),
                Actor(f"lead-{bureau}", bureau, frozenset({"leader"})),
                Actor(f"rev-{city}", city, frozenset({"handler"})),
                Actor(f"revlead-{city}", city, frozenset({"leader"})))


@dataclass(frozen=True)
class Action:
    kind: str                  # complete | message | timer
    name: str                  # task spec name, or message name
    data: dict
    actor: Actor | None = None


_petitioners = itertools.count(1)


def registration(bureau: str) -> dict:
    """What a registrar enters for a complaint about a restaurant in the bureau's county.

    Each case has a petitioner of its own: registration looks for earlier cases of the same petitioner
    (repeat detection), and one petitioner behind every benchmark case would make that its worst case."""
    number = next(_petitioners) + 100_000 * (os.getpid() % 1000)
    return {
        "channel": "12369", "received_at": T0.astimezone(SHANGHAI).isoformat(),
        "petitioner": {"name": f"张{number}", "phone": f"139{number:08d}", "id_number": f"3301061990{number:08d}",
                       "address": "杭州市西湖区文三路1号", "anonymous": False, "group_size": 1},
        "reported_party": "杭州某某餐饮有限公司", "reported_address": "杭州市西湖区文三路99号",
        "division_code": bureau.removeprefix("EEB-"), "location": "文三路99号后厨排风口",
        "pollution_types": ["air", "noise"], "petition_class": "report",
        "facts": "餐厅油烟直排，夜间风机噪声扰民。", "demands": "安装油烟净化设施，夜间停开风机。",
    }


def handling(cast: Cast) -> list[Action]:
    """Investigate alone, draft, approve and deliver the written reply."""
    return [
        Action("complete", "investigate", {
            "next_step": "draft_reply", "findings": "现场检查属实：油烟未经净化直排。", "site_inspected": True,
            "violation_found": True, "enforcement_actions": ["order_correction"], "joint_departments": []},
            cast.handler),
        Action("complete", "draft_reply", {"reply_opinion": "support", "reply_text": "已责令限期安装油烟净化设施。",
                                           "drafted_by": cast.handler.username}, cast.handler),
        Action("complete", "approve_reply", {"approval_decision": "approve"}, cast.leader),
        Action("complete", "deliver_reply", {"delivery_method": "post", "delivered_at": "now"}, cast.handler),
    ]


def review(cast: Cast, outcome: str) -> list[Action]:
    """The petitioner asks for review; the city bureau drafts and signs its opinion."""
    opinion = {"review_outcome": outcome, "review_opinion": "经复查，原处理意见认定事实清楚。",
               "review_drafted_by": cast.reviewer.username}
    if outcome == "remand":
        opinion.update(review_opinion="原处理意见未回应夜间噪声诉求。", remand_instructions="补充夜间噪声监测后重新答复。")
    return [
        Action("message", "review_requested", {"reason": "噪声问题没有解决"}),
        Action("complete", "draft_review_opinion", opinion, cast.reviewer),
        Action("complete", "sign_review_opinion", {"review_sign_decision": "sign"}, cast.review_leader),
    ]


def full_case(cast: Cast) -> list[Action]:
    """After registration: accepted, handled, rated, reviewed and upheld, the re-review window lapses,
    return visit; the case completes. Eight operator steps, two messages, one timer."""
    return [
        Action("complete", "decide_acceptance", {"acceptance_decision": "accept",
                                                 "content_category": "pollution_complaint", "track": "normal"},
               cast.registrar),
        *handling(cast),
        Action("message", "satisfaction_rated", {"rating": "basically_satisfied", "comment": "处理及时",
                                                 "source": "portal"}),
        *review(cast, "uphold"),
        Action("timer", "request window closes", {}),
        Action("complete", "return_visit", {"visit_result": "reached", "problem_status": "resolved",
                                            "visit_satisfaction": "satisfied"}, cast.registrar),
    ]


def until_replied(cast: Cast) -> list[Action]:
    return full_case(cast)[:5]


def remand_loop(cast: Cast) -> list[Action]:
    """One more round of history: review requested, remanded, handled again and replied again."""
    return [*review(cast, "remand"), *handling(cast)]


class Driver:
    """Registers cases and applies actions through the domain layer and the engine, as the web views do."""

    def __init__(self, services: Services, bureau: str = BUREAU) -> None:
        self.services = services
        self.clock = services.clock
        self.cast = cast_for(bureau)
        self.bureau = bureau

    def register(self) -> int:
        self.clock.set(T0)
        case = register_case(self.services, self.cast.registrar, registration(self.bureau))
        return case.instance_id

    def open_task(self, instance_id: int, spec_name: str) -> QueueTask:
        with self.services.db.reader() as session:
            row = session.scalar(sa.select(QueueTask).where(QueueTask.instance_id == instance_id,
                                                            QueueTask.spec_name == spec_name))
        if row is None:
            raise AssertionError(f"instance {instance_id} has no open task {spec_name!r}")
        return row

    def form_data(self, action: Action) -> dict:
        data = dict(action.data)
        if data.get("delivered_at") == "now":
            data["delivered_at"] = self.clock.now().astimezone(SHANGHAI).isoformat()
        return data

    def next_timer(self, instance_id: int):
        with self.services.db.reader() as session:
            return session.scalar(sa.select(sa.func.min(Timer.due_at)).where(
                Timer.instance_id == instance_id, Timer.status == "pending"))

    def tick(self) -> None:
        """An operator acts a few minutes after the last step."""
        self.clock.advance(timedelta(minutes=5))

    def apply(self, instance_id: int, action: Action) -> None:
        self.tick()
        runtime = self.services.runtime
        if action.kind == "complete":
            row = self.open_task(instance_id, action.name)
            complete_task(self.services, action.actor, row.task_id, self.form_data(action))
        elif action.kind == "message":
            runtime.correlate(instance_id, action.name, action.data, "portal")
        elif action.kind == "timer":
            self.clock.set(self.next_timer(instance_id))
            if runtime.fire_timers(instance_id) is None:
                raise AssertionError(f"instance {instance_id}: no timer fell due")
        else:
            raise ValueError(f"unknown action {action.kind!r}")

    def run_case(self) -> int:
        instance_id = self.register()
        for action in full_case(self.cast):
            self.apply(instance_id, action)
        return instance_id

    def case_status(self, instance_id: int) -> str:
        with self.services.db.reader() as session:
            return session.scalar(sa.select(Case.status).where(Case.instance_id == instance_id))
