"""The paths demo cases take through the lifecycle: each scenario is a list of steps (register, complete a
task with data, deliver a message, wait for a clock) and the status and open tasks it ends in."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workflows.demo import texts
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.demo.planner import Plan


# -- scenarios -----------------------------------------------------------------------------------------
@dataclass
class Ctx:
    """What a step's data is made from: the case's plan, its random source, the time of the step."""

    plan: Plan
    rng: random.Random
    now: datetime

    def pick(self, options):
        return self.rng.choice(options)

    @property
    def today(self) -> str:
        return self.now.astimezone(SHANGHAI).date().isoformat()


@dataclass(frozen=True)
class Step:
    """One thing done to a case, `delay` days after the step before (or once a clock ran out)."""

    kind: str                                   # register, task, message, await (a task to appear)
    name: str = ""                              # task spec name or message name
    delay: tuple[float, float] = (0.3, 2.0)
    after_due: tuple[str, str] | None = None    # (clock key, mark it started at): act once it ran out
    data: Callable[[Ctx], dict] | None = None
    mark: str | None = None                     # remember when this happened, for the clocks after it
    by: str = "staff"                           # staff (office hours), petitioner (any day), receiver, system
    joint: int | None = None                    # which joint department's task


def _accept(track: str = "normal") -> Step:
    # A simple-track case is a first petition with clear facts (the planner keeps such cases single and unlinked).
    qualifies = {"first_petition": True, "facts_clear": True} if track == "simple" else {}
    return Step("task", "decide_acceptance", (0.1, 1.0) if track == "simple" else (0.3, 2.5), mark="accepted",
                data=lambda c: {"acceptance_decision": "accept", "content_category": c.plan.category,
                                "track": track, "acceptance_opinion": c.pick(texts.ACCEPTANCE_OPINIONS),
                                **qualifies})


def _investigate(simple: bool = False, joint: bool = False) -> Step:
    def data(c: Ctx) -> dict:
        matter = c.plan.matter
        return {"next_step": "draft_reply", "findings": matter.findings, "site_inspected": True,
                "inspection_date": c.today, "violation_found": matter.violation,
                "enforcement_actions": list(matter.actions),
                "joint_departments": list(c.plan.joint_departments) if joint else []}
    return Step("task", "investigate", (0.5, 3) if simple else (3, 12), data=data)


def _draft(simple: bool = False) -> Step:
    return Step("task", "draft_reply", (0.2, 1) if simple else (0.5, 3), data=lambda c: {
        "reply_opinion": c.plan.matter.opinion, "reply_text": c.plan.matter.reply,
        "legal_basis": texts.LEGAL_BASIS[c.plan.form["pollution_types"][0]]})


def _approve(simple: bool = False, send_back: bool = False) -> Step:
    if send_back:
        return Step("task", "approve_reply", (0.2, 1.5), data=lambda c: {
            "approval_decision": "send_back", "approval_comment": c.pick(texts.SEND_BACK_COMMENTS)})
    return Step("task", "approve_reply", (0.1, 0.8) if simple else (0.2, 1.5),
                data=lambda c: {"approval_decision": "approve"})


def _deliver(simple: bool = False) -> Step:
    def data(c: Ctx) -> dict:
        method = "anonymous_record" if c.plan.anonymous else c.pick(("post", "in_person", "electronic", "portal"))
        local = c.now.astimezone(SHANGHAI)
        data = {"delivery_method": method, "delivered_at": local.isoformat(timespec="seconds")}
        if method == "post":
            # The return receipt is back when the delivery is recorded: the review window runs from its date.
            data["receipt_date"] = local.date().isoformat()
        return data
    return Step("task", "deliver_reply", (0.1, 0.8) if simple else (0.3, 1.5), data=data, mark="delivered")


def _reply(simple: bool = False, send_back: bool = False, joint: bool = False) -> list[Step]:
    steps = [_investigate(simple, joint)]
    if joint:
        steps += [_joint(0), _joint(1)]
    steps.append(_draft(simple))
    if send_back:
        steps += [_approve(send_back=True), _draft()]
    return steps + [_approve(simple), _deliver(simple)]


def _joint(index: int) -> Step:
    return Step("task", "joint_investigation", (1, 5), joint=index, data=lambda c: {
        "department_findings": c.pick(texts.JOINT_FINDINGS), "department_actions": []})


def _request_extension() -> Step:
    return Step("task", "investigate", (38, 46), data=lambda c: {
        "next_step": "request_extension", "findings": "初步调查：" + c.plan.matter.findings, "site_inspected": True,
        "extension_days": 30, "extension_reason": c.pick(texts.EXTENSION_REASONS)})


def _approve_extension() -> Step:
    return Step("task", "approve_extension", (0.5, 2), mark="extended", data=lambda c: {
        "extension_decision": "approve", "approved_days": 30, "extension_comment": "同意延期30日。"})


def _ask_normal_track() -> Step:
    return Step("task", "investigate", (1, 4), data=lambda c: {
        "next_step": "normal_track", "findings": "初步调查：" + c.plan.matter.findings, "site_inspected": True,
        "normal_track_reason": "涉及多家企业，需委托第三方监测，事实难以在简易程序期限内查清。"})


def _approve_normal_track() -> Step:
    return Step("task", "approve_normal_track", (0.2, 1), data=lambda c: {
        "normal_track_decision": "approve", "normal_track_comment": "同意转为普通程序办理。"})


def _rate() -> Step:
    def data(c: Ctx) -> dict:
        rating = c.rng.choices(("satisfied", "basically_satisfied", "dissatisfied"), (6, 3, 1))[0]
        return {"rating": rating, "comment": c.pick(texts.RATING_COMMENTS[rating]), "source": "portal"}
    return Step("message", "satisfaction_rated", (1, 8), by="petitioner", data=data)


def _review_request(kind: str = "review") -> Step:
    reasons = texts.REVIEW_REASONS if kind == "review" else texts.REREVIEW_REASONS
    return Step("message", "review_requested", (2, 10), by="petitioner", mark=f"{kind}_requested",
                data=lambda c: {"reason": c.pick(reasons)})


def _review_opinion(outcome: str) -> Step:
    def data(c: Ctx) -> dict:
        form = {"review_outcome": outcome, "review_opinion": c.pick(texts.REVIEW_OPINIONS[outcome])}
        if outcome == "remand":
            form["remand_instructions"] = c.pick(texts.REMAND_INSTRUCTIONS)
        return form
    return Step("task", "draft_review_opinion", (2, 8), data=data)


def _sign_opinion() -> Step:
    return Step("task", "sign_review_opinion", (0.3, 2), mark="opinion",
                data=lambda c: {"review_sign_decision": "sign"})


def _report(decision: str) -> Step:
    opinions = texts.REPORT_ACCEPT_OPINIONS if decision == "accept" else texts.REPORT_RETURN_OPINIONS
    return Step("task", "review_completion_report", (1, 4),
                data=lambda c: {"report_decision": decision, "report_opinion": c.pick(opinions)})


def _return_visit(problem: str = "resolved", after_due: tuple[str, str] | None = ("review_request", "delivered")
                  ) -> Step:
    def data(c: Ctx) -> dict:
        if c.plan.anonymous:
            return {"visit_result": "unreachable", "problem_status": "unknown", "visit_notes": "匿名信访，无法回访。"}
        satisfaction = "dissatisfied" if problem == "unresolved" else c.pick(("satisfied", "basically_satisfied"))
        return {"visit_result": "reached", "problem_status": problem, "visit_satisfaction": satisfaction,
                "visit_notes": c.pick(texts.VISIT_NOTES[problem])}
    return Step("task", "return_visit", (1, 5), after_due=after_due, data=data)


def _rehandling(decision: str = "order") -> Step:
    def data(c: Ctx) -> dict:
        if decision == "archive":
            return {"rehandling_decision": "archive", "archive_reason": "经核实问题已整改，信访人诉求超出职责范围。"}
        return {"rehandling_decision": "order", "order_text": c.pick(texts.REHANDLING_ORDERS), "listed": False}
    return Step("task", "order_rehandling", (1, 4), mark="ordered", data=data)


def _supervise(clock: tuple[str, str], action: str = "order") -> Step:
    def data(c: Ctx) -> dict:
        if action == "note":
            return {"supervision_action": "note", "note_text": c.pick(texts.SUPERVISION_NOTES)}
        return {"supervision_action": "order", "order_text": c.pick(texts.SUPERVISION_ORDERS), "listed": False}
    return Step("task", "supervise_overdue", after_due=clock, mark="ordered", data=data)


def _awaits(task: str, clock: tuple[str, str]) -> Step:
    return Step("await", task, after_due=clock)


def _forward() -> Step:
    return Step("task", "decide_acceptance", (0.3, 2), mark="forwarded", data=lambda c: {
        "acceptance_decision": "forward", "content_category": "other", "track": "normal",
        "forward_to": c.plan.forward_to, "forward_reason": c.plan.forward_reason})


def _refuse(legal: bool) -> Step:
    def data(c: Ctx) -> dict:
        reason = "属于依法应通过法定途径解决的事项。" if legal else c.pick(texts.REFUSAL_REASONS)
        return {"acceptance_decision": "refuse", "content_category": c.plan.category, "track": "normal",
                "refusal_reason": reason}
    return Step("task", "decide_acceptance", (0.5, 4), data=data)


REGISTER = Step("register", delay=(0.005, 0.06), by="system")


DISPATCH = Step("task", "dispatch_case", (0.3, 2), mark="dispatched", data=lambda c: {
    "dispatch_decision": "assign", "assignment_note": c.pick(texts.ASSIGNMENT_NOTES)})


OBJECTION = Step("message", "forward_objected", (1, 3), by="receiver", data=lambda c: {
    "by": c.plan.forward_to, "reason": "该事项属生态环境部门职责 within the environment bureau's remit"})


FEEDBACK = Step("task", "supervision_feedback", (2, 10), data=lambda c: {
    "feedback_text": c.pick(texts.FEEDBACK_TEXTS), "measures_taken": c.pick(texts.FEEDBACK_MEASURES)})


HANDLING_OVERDUE = ("handling", "accepted")


CHILD_SUFFIX = " [child]"


@dataclass(frozen=True)
class Scenario:
    """A path through the lifecycle and the stage it leaves a case in today.

    `until` is the clock (key, mark) whose running out would move the case on, so it must not have run out
    by now; `settled` a clock that must have run out for the case to be there; `hold` the most days the
    case may have rested since its last step.
    """

    name: str
    steps: tuple[Step, ...]
    status: str
    tasks: frozenset[str] = frozenset()
    places: tuple[str, ...] = ("county",)
    track: str = "normal"
    until: tuple[str, str] | str | None = None
    settled: tuple[str, str] | None = None
    hold: float | None = None
    named: bool = False
    kind: str = "matter"                        # matter, legal, forward


def _scenario(name, steps, status, tasks=(), **options) -> Scenario:
    return Scenario(name, tuple(steps), status, frozenset(tasks), **options)


_REPLIED = [REGISTER, _accept(), *_reply()]


_REVIEWED = [*_REPLIED, _review_request(), _review_opinion("uphold"), _sign_opinion()]


_ANYWHERE = ("county", "city", "province")


SCENARIOS = {s.name: s for s in (
    _scenario("awaiting_acceptance", [REGISTER], "awaiting_acceptance", ["decide_acceptance"], places=_ANYWHERE,
              until=("acceptance", "received")),
    _scenario("awaiting_dispatch", [REGISTER], "registered", ["dispatch_case"], places=("city_assign",),
              until=("registration_decision", "received")),
    _scenario("refused_legal_channel", [REGISTER, _refuse(legal=True)], "refused", kind="legal"),
    _scenario("refused", [REGISTER, _refuse(legal=False)], "refused"),
    _scenario("forwarded", [REGISTER, _forward()], "forwarded", settled=("forward_objection", "forwarded"),
              kind="forward"),
    _scenario("forwarding", [REGISTER, _forward()], "forwarding", until=("forward_objection", "forwarded"),
              kind="forward"),
    _scenario("forward_objected", [REGISTER, _forward(), OBJECTION, _accept()], "handling", ["investigate"],
              until=HANDLING_OVERDUE, kind="forward"),
    _scenario("simple_handling", [REGISTER, _accept("simple")], "handling", ["investigate"], track="simple",
              until=("simple_reply", "accepted")),
    _scenario("simple_archived", [REGISTER, _accept("simple"), *_reply(simple=True), _rate(), _return_visit()],
              "archived", track="simple"),
    _scenario("handling", [REGISTER, _accept()], "handling", ["investigate"], places=_ANYWHERE,
              until=HANDLING_OVERDUE),
    _scenario("joint_investigation", [REGISTER, _accept(), _investigate(joint=True), _joint(0)], "handling",
              ["joint_investigation"], until=HANDLING_OVERDUE),
    _scenario("draft_pending", [REGISTER, _accept(), _investigate()], "handling", ["draft_reply"], places=_ANYWHERE,
              until=HANDLING_OVERDUE),
    _scenario("approval_pending", [REGISTER, _accept(), _investigate(), _draft()], "handling", ["approve_reply"],
              until=HANDLING_OVERDUE),
    _scenario("sent_back", [REGISTER, _accept(), _investigate(), _draft(), _approve(send_back=True)], "handling",
              ["draft_reply"], until=HANDLING_OVERDUE),
    _scenario("delivery_pending", [REGISTER, _accept(), _investigate(), _draft(), _approve()], "handling",
              ["deliver_reply"], until=HANDLING_OVERDUE),
    _scenario("extension_requested", [REGISTER, _accept(), _request_extension()], "handling",
              ["approve_extension"], hold=6),
    _scenario("moved_to_normal_track", [REGISTER, _accept("simple"), _ask_normal_track(), _approve_normal_track()],
              "handling", ["investigate"], track="simple", until=HANDLING_OVERDUE),
    _scenario("extension_approved", [REGISTER, _accept(), _request_extension(), _approve_extension()], "handling",
              ["investigate"], until="extension"),
    _scenario("report_pending", [REGISTER, DISPATCH, _accept(), *_reply()], "replied", ["review_completion_report"],
              places=("city_assign",), hold=12),
    _scenario("rework", [REGISTER, DISPATCH, _accept(), *_reply(), _report("return")], "handling", ["investigate"],
              places=("city_assign",), until=HANDLING_OVERDUE),
    _scenario("replied", _REPLIED, "replied", places=_ANYWHERE, until=("review_request", "delivered")),
    _scenario("rated", [*_REPLIED, _rate()], "replied", places=_ANYWHERE, until=("review_request", "delivered")),
    _scenario("under_review", [*_REPLIED, _review_request()], "under_review", ["draft_review_opinion"],
              until=("review_opinion", "review_requested"), named=True),
    _scenario("review_signing", [*_REPLIED, _review_request(), _review_opinion("uphold")], "under_review",
              ["sign_review_opinion"], until=("review_opinion", "review_requested"), named=True),
    _scenario("remanded", [*_REPLIED, _review_request(), _review_opinion("remand"), _sign_opinion()], "handling",
              ["investigate"], until=("handling", "opinion"), named=True),
    _scenario("reviewed", _REVIEWED, "reviewed", until=("rereview_request", "opinion"), named=True),
    _scenario("under_rereview", [*_REVIEWED, _review_request("rereview")], "under_rereview",
              ["draft_review_opinion"], until=("rereview_opinion", "rereview_requested"), named=True),
    _scenario("final", [*_REVIEWED, _review_request("rereview"), _review_opinion("uphold"), _sign_opinion()],
              "closed", ["return_visit"], named=True),
    _scenario("return_visit_pending", _REPLIED, "closed", ["return_visit"], places=_ANYWHERE,
              settled=("review_request", "delivered")),
    _scenario("reopened", [*_REPLIED, _return_visit("unresolved")], "reopened", ["order_rehandling"], named=True),
    _scenario("rehandling", [*_REPLIED, _return_visit("unresolved"), _rehandling()], "handling", ["investigate"],
              until=("supervision_feedback", "ordered"), named=True),
    _scenario("overdue_acceptance", [REGISTER, _awaits("supervise_overdue", ("acceptance", "received"))],
              "awaiting_acceptance", ["decide_acceptance", "supervise_overdue"], hold=20),
    _scenario("overdue_handling", [REGISTER, _accept(), _awaits("supervise_overdue", HANDLING_OVERDUE)], "handling",
              ["investigate", "supervise_overdue"], hold=15),
    _scenario("supervision_ordered", [REGISTER, _accept(), _supervise(HANDLING_OVERDUE)], "handling",
              ["investigate", "supervision_feedback"], until=("supervision_feedback", "ordered")),
    _scenario("leader_ownership", [REGISTER, _accept(), _supervise(HANDLING_OVERDUE),
                                   _awaits("take_ownership", ("supervision_feedback", "ordered"))], "handling",
              ["investigate", "supervision_feedback", "take_ownership"], hold=10),
    _scenario("supervision_answered", [REGISTER, _accept(), _supervise(HANDLING_OVERDUE), FEEDBACK], "handling",
              ["investigate"]),
    _scenario("supervision_noted", [REGISTER, _supervise(("acceptance", "received"), "note"), _accept()],
              "handling", ["investigate"], until=HANDLING_OVERDUE),
    _scenario("archived", [*_REPLIED, _rate(), _return_visit()], "archived", places=_ANYWHERE),
    _scenario("archived_assigned", [REGISTER, DISPATCH, _accept(), *_reply(), _report("accept"), _rate(),
                                    _return_visit()], "archived", places=("city_assign", "province_assign")),
    _scenario("archived_after_review", [*_REVIEWED, _return_visit(after_due=("rereview_request", "opinion"))],
              "archived", named=True),
    _scenario("archived_after_rework", [REGISTER, DISPATCH, _accept(), *_reply(), _report("return"), *_reply(),
                                        _report("accept"), _return_visit()], "archived", places=("city_assign",)),
    _scenario("archived_after_remand", [*_REPLIED, _review_request(), _review_opinion("remand"), _sign_opinion(),
                                        *_reply(), _return_visit()], "archived", named=True),
    _scenario("archived_sent_back", [REGISTER, _accept(), *_reply(send_back=True), _rate(), _return_visit()],
              "archived"),
    _scenario("archived_joint", [REGISTER, _accept(), *_reply(joint=True), _return_visit()], "archived"),
    _scenario("archived_extension", [REGISTER, _accept(), _request_extension(), _approve_extension(), *_reply(),
                                     _return_visit()], "archived"),
    _scenario("reopened_archived", [*_REPLIED, _return_visit("unresolved"), _rehandling("archive")], "archived",
              named=True),
)}


# One case of each, in this order, before the rest are drawn by weight.
REQUIRED = (("awaiting_acceptance", "county"), ("awaiting_dispatch", "city_assign"),
            ("refused_legal_channel", "county"), ("refused", "county"), ("forwarded", "county"),
            ("forwarding", "county"), ("forward_objected", "county"), ("simple_handling", "county"),
            ("simple_archived", "county"), ("moved_to_normal_track", "county"), ("handling", "county"),
            ("joint_investigation", "county"),
            ("draft_pending", "county"), ("approval_pending", "county"), ("sent_back", "county"),
            ("delivery_pending", "county"), ("extension_requested", "county"), ("extension_approved", "county"),
            ("report_pending", "city_assign"), ("rework", "city_assign"), ("replied", "county"), ("rated", "county"),
            ("under_review", "county"), ("review_signing", "county"), ("remanded", "county"), ("reviewed", "county"),
            ("under_rereview", "county"), ("final", "county"), ("return_visit_pending", "county"),
            ("reopened", "county"), ("rehandling", "county"), ("overdue_acceptance", "county"),
            ("overdue_handling", "county"), ("supervision_ordered", "county"), ("leader_ownership", "county"),
            ("archived", "county"), ("archived_assigned", "province_assign"), ("archived_after_review", "county"),
            ("handling", "city"), ("archived", "province"))


WEIGHTS = {"archived": 30, "simple_archived": 12, "archived_assigned": 8, "archived_sent_back": 5,
           "archived_joint": 3, "archived_extension": 3, "archived_after_review": 3, "archived_after_remand": 2,
           "archived_after_rework": 2, "reopened_archived": 2, "refused": 3, "refused_legal_channel": 3,
           "forwarded": 4, "handling": 8, "awaiting_acceptance": 5, "simple_handling": 2, "draft_pending": 2,
           "approval_pending": 1, "delivery_pending": 1, "replied": 4, "rated": 4, "return_visit_pending": 5,
           "under_review": 1, "report_pending": 2, "overdue_handling": 1, "overdue_acceptance": 1,
           "supervision_noted": 1, "supervision_answered": 1, "awaiting_dispatch": 1, "joint_investigation": 1,
           "extension_approved": 1}
