"""Demo data: the bureaus of a province, an account for every role, and about 200 cases driven through the
real lifecycle over the last four months, so that every stage of SPEC.md has cases to look at.

A manual clock runs from 120 days ago to now. Every case is registered with `register_case` and moved only
by `complete_task` and the runtime's `correlate`, and every timer fires at its due time through the
`TimerSweeper`, so the audit trail is what four months of work would have left (and `verify` replays it).
Each case follows a scenario that ends in one stage; its receipt date is chosen so that the statutory
clocks leave it in that stage today. Given the seed, the same cases come out every time.
"""
from __future__ import annotations

import copy
import heapq
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine.clock import ManualClock, SystemClock
from engine.definitions import read_bundle
from engine.errors import Conflict
from engine.models import QueueTask
from engine.timers import TimerSweeper
from workflows import demo_texts as texts
from workflows.accounts import Actor, hash_password, seed_organisations
from workflows.bootstrap import Services, bootstrap
from workflows.cases import complete_task, register_case
from workflows.models import Case, CaseLink, User, UserRole
from workflows.organisations import DEMO_ORGANISATIONS
from workflows.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "ecodemo2026"
DAYS_BACK = 120
OLDEST_DAYS = 117.5

BUREAU_SLUGS = {"MEE": "mee", "EEB-330000": "province", "EEB-330100": "hangzhou", "EEB-330106": "xihu",
                "EEB-330110": "yuhang", "EEB-330200": "ningbo", "EEB-330203": "haishu", "EEB-330212": "yinzhou"}
BUREAU_ROLES = ("registrar", "handler", "leader", "supervisor", "auditor")
# The ministry only answers what comes up from the province: reviews, supervision.
MINISTRY_ROLES = ("handler", "leader", "supervisor")
COUNTY_WEIGHTS = {"330106": 3, "330110": 3, "330203": 2, "330212": 2}
NON_RADIATION_TYPES = ("air", "water", "noise", "solid_waste", "soil", "ecology", "other")
# Channels by where a case comes in.
CHANNELS = {"county": ("12369", "letter", "wechat", "visit", "web", "email"),
            "city_assign": ("12345", "superior", "letter"), "province_assign": ("inspection", "superior"),
            "city": ("12369", "web", "letter"), "province": ("superior", "inspection", "letter")}


# -- accounts ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    organisation: str
    roles: tuple[str, ...]


def demo_accounts() -> list[DemoAccount]:
    """Every role at every bureau where it has work, one designer and one admin at the province."""
    names = iter(texts.STAFF_NAMES)
    accounts = []
    for code, slug in BUREAU_SLUGS.items():
        for role in MINISTRY_ROLES if code == "MEE" else BUREAU_ROLES:
            accounts.append(DemoAccount(f"{slug}-{role}", next(names), code, (role,)))
    accounts.append(DemoAccount("designer", next(names), "EEB-330000", ("designer",)))
    accounts.append(DemoAccount("admin", next(names), "EEB-330000", ("admin",)))
    return accounts


def _create_accounts(services: Services) -> dict[tuple[str, str], Actor]:
    """The demo users (those not there yet), and the Actor for each (organisation, role)."""
    # One shared password: hashing it once instead of per user saves ten seconds of argon2.
    password_hash = hash_password(PASSWORD)
    actors = {}
    with services.db.unit_of_work() as tx:
        for account in demo_accounts():
            user = tx.scalar(sa.select(User).where(User.username == account.username))
            if user is None:
                user = User(username=account.username, display_name=account.display_name, password_hash=password_hash,
                            organisation_code=account.organisation, locale="zh_CN", active=True,
                            created_at=services.clock.now(), roles=[UserRole(role=r) for r in account.roles])
                tx.add(user)
                tx.flush()
            for role in user.role_names:
                actors[(user.organisation_code, role)] = Actor.of(user)
    return actors


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
    return Step("task", "decide_acceptance", (0.1, 1.0) if track == "simple" else (0.3, 2.5), mark="accepted",
                data=lambda c: {"acceptance_decision": "accept", "content_category": c.plan.category,
                                "track": track, "acceptance_opinion": c.pick(texts.ACCEPTANCE_OPINIONS)})


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
        return {"delivery_method": method, "delivered_at": c.now.astimezone(SHANGHAI).isoformat(timespec="seconds")}
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
            ("simple_archived", "county"), ("handling", "county"), ("joint_investigation", "county"),
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


# -- planning the cases --------------------------------------------------------------------------------
@dataclass
class Plan:
    """One demo case: its registration form, its scenario, and when each of its steps happens."""

    index: int
    scenario: Scenario
    place: str
    rng: random.Random                          # draws the registration and the receipt time
    step_rng: random.Random                     # draws what each step says
    form: dict = field(default_factory=dict)
    matter: texts.Matter | None = None
    category: str = "pollution_complaint"
    forward_to: str = ""
    forward_reason: str = ""
    joint_departments: tuple[str, ...] = ()
    times: list[datetime] = field(default_factory=list)
    repeats: Plan | None = None
    confirmed_link: bool = False
    case_id: int | None = None
    instance_id: int | None = None
    case_no: str = ""
    done: int = 0
    stuck: str = ""

    @property
    def anonymous(self) -> bool:
        return bool(self.form["petitioner"].get("anonymous"))

    @property
    def received_at(self) -> datetime:
        return datetime.fromisoformat(self.form["received_at"])

    @property
    def registration_org(self) -> str:
        county = self.form["division_code"][:6]
        if self.place in ("city_assign", "city"):
            return f"EEB-{county[:4]}00"
        if self.place in ("province_assign", "province"):
            return "EEB-330000"
        return f"EEB-{county}"


class Planner:
    """Draws the cases: who complains about what and where, and a receipt time that fits each scenario."""

    def __init__(self, services: Services, seed: int, now: datetime) -> None:
        self.calc = services.deadlines
        self.seed = seed
        self.now = now
        self.rng = random.Random(seed)
        # Channels and pollution types in turn, so that even a small demo has every one of them.
        self.turns: dict[str, int] = {}

    def plans(self, count: int) -> list[Plan]:
        entries = list(REQUIRED[:count])
        names, weights = zip(*WEIGHTS.items())
        while len(entries) < count:
            scenario = SCENARIOS[self.rng.choices(names, weights)[0]]
            place = self.rng.choices(scenario.places, [8 if p == "county" else 1 for p in scenario.places])[0]
            entries.append((scenario.name, place))
        plans = [self._plan(i, SCENARIOS[name], place) for i, (name, place) in enumerate(entries)]
        self._add_repeats(plans)
        return sorted(plans, key=lambda p: (p.received_at, p.index))

    def _plan(self, index: int, scenario: Scenario, place: str) -> Plan:
        plan = Plan(index, scenario, place, random.Random(f"{self.seed}/{index}"),
                    random.Random(f"{self.seed}/{index}/steps"))
        rng = plan.rng
        county = texts.COUNTIES[rng.choices(list(COUNTY_WEIGHTS), list(COUNTY_WEIGHTS.values()))[0]]
        town_code, town = rng.choice(county.towns)
        road, community = rng.choice(county.roads), rng.choice(county.communities)
        words = {"city": county.city, "county": county.name, "town": town, "road": road, "community": community,
                 "brand": rng.choice(texts.BRANDS), "hour": rng.choice(("九", "十", "十一"))}
        party, types, facts, demands, petition_class = self._matter(plan)
        words["party"] = party.format(**words)
        number = rng.randint(1, 999)
        division = county.code
        if place == "city" and "radiation" not in types:
            division = county.code[:4] + "00"         # a matter of the whole city
        elif place != "city" and rng.random() < 0.6:
            division += town_code + (f"{rng.randint(1, 30):03d}" if rng.random() < 0.2 else "")
        channel = self._next(place, CHANNELS[place])
        plan.form = {
            "channel": channel,
            "received_at": "",
            "petitioner": {"anonymous": True} if not scenario.named and rng.random() < 0.25
            else self._petitioner(rng, county, community),
            "reported_party": words["party"],
            "reported_address": f"{county.city}{county.name}{town}{road}{number}号",
            "division_code": division,
            "location": f"{road}{number}号附近",
            "pollution_types": list(types),
            "petition_class": petition_class,
            "facts": facts.format(**words),
            "demands": demands.format(**words),
            "cross_county": place == "province",
        }
        if scenario.track == "simple":
            plan.form["track"] = "simple"
        plan.forward_to = plan.forward_to.format(**words)
        city = county.code[:4] + "00"
        sibling = next(c for c in texts.CITY_COUNTIES[city] if c != county.code)
        plan.joint_departments = (f"EEB-{city}", f"EEB-{sibling}")
        self._schedule(plan)
        return plan

    def _next(self, turn: str, options: tuple[str, ...]) -> str:
        self.turns[turn] = self.turns.get(turn, -1) + 1
        return options[self.turns[turn] % len(options)]

    def _matter(self, plan: Plan) -> tuple[str, tuple[str, ...], str, str, str]:
        """(reported party template, pollution types, facts, demands, petition class) of the plan's matter."""
        rng, kind = plan.rng, plan.scenario.kind
        if kind == "legal":
            plan.category, types, facts, demands = rng.choice(texts.LEGAL_MATTERS)
            party = rng.choice(texts.PARTY_KINDS[texts.LEGAL_PARTY_KINDS[plan.category]])
            return party, types, facts, demands, "grievance"
        if kind == "forward":
            types, party, facts, demands, plan.forward_to, plan.forward_reason = rng.choice(texts.FORWARD_MATTERS)
            plan.category = "other"
            return party, types, facts, demands, "report"
        # A city bureau handles radiation, and matters given with a city-level division code.
        wanted = self._next("pollution", NON_RADIATION_TYPES)
        if plan.place == "city" and self._next("city", ("radiation", "other")) == "radiation":
            wanted = "radiation"
        plan.matter = rng.choice([m for m in texts.MATTERS if wanted in m.types
                                  and ("radiation" in m.types) == (wanted == "radiation")])
        plan.category = plan.matter.category
        party = rng.choice(texts.PARTY_KINDS[plan.matter.kind])
        return party, plan.matter.types, plan.matter.facts, plan.matter.demands, plan.matter.petition_class

    @staticmethod
    def _petitioner(rng: random.Random, county: texts.County, community: str) -> dict:
        petitioner = {"name": rng.choice(texts.SURNAMES) + rng.choice(texts.GIVEN_NAMES),
                      "phone": rng.choice(texts.PHONE_PREFIXES) + f"{rng.randint(0, 99999999):08d}",
                      "address": f"{county.city}{county.name}{community}{rng.randint(1, 30)}幢"
                                 f"{rng.randint(1, 3)}单元{rng.randint(1, 25)}{rng.randint(1, 4):02d}室",
                      "anonymous": False, "group_size": 1 if rng.random() < 0.9 else rng.randint(3, 40)}
        if rng.random() < 0.7:
            petitioner["id_number"] = _id_number(rng, county.code)
        return petitioner

    def _add_repeats(self, plans: list[Plan]) -> None:
        """A few petitioners come back about the same matter; every other time the registrar links it at once."""
        wanted, chosen = max(2, len(plans) // 25), 0
        for plan in sorted(plans, key=lambda p: (-p.received_at.timestamp(), p.index)):
            if chosen >= wanted:
                break
            if plan.scenario.kind != "matter" or plan.place != "county":
                continue
            earlier = [p for p in plans if p.scenario.kind == "matter" and p.place == "county" and p.repeats is None
                       and p.received_at < plan.received_at - timedelta(days=7)
                       and not (p.anonymous and plan.scenario.named)]
            if not earlier:
                continue
            origin = plan.rng.choice(sorted(earlier, key=lambda p: p.index))
            plan.repeats, plan.confirmed_link = origin, chosen % 2 == 0
            plan.matter, plan.category = origin.matter, origin.category
            for key in ("petitioner", "reported_party", "reported_address", "division_code", "location",
                        "pollution_types", "petition_class", "demands"):
                plan.form[key] = copy.deepcopy(origin.form[key])
            plan.form["facts"] = "再次反映：" + origin.form["facts"] + "上次处理后问题又出现了。"
            chosen += 1

    # -- when things happen ----------------------------------------------------------------------------
    def _schedule(self, plan: Plan) -> None:
        """Pick a receipt time for which the scenario's clocks leave the case in its stage today."""
        rng = plan.rng
        low, high = 0.2, OLDEST_DAYS
        any_day = plan.form["channel"] in ("web", "wechat", "12369", "email")
        for attempt in range(400):
            age = rng.uniform(low, high)
            received = _office_hours(self.now - timedelta(days=age), rng, any_day=any_day)
            times, marks = self._timeline(plan, received)
            verdict = self._fits(plan, received, times, marks)
            if verdict == 0:
                plan.form["received_at"] = received.astimezone(SHANGHAI).isoformat(timespec="seconds")
                plan.times = times
                return
            # Narrow the range: too late a receipt leaves no time, too early lets a clock run out.
            low, high = (age, high) if verdict > 0 else (low, age)
            if high - low < 0.3:
                low, high = 0.2, OLDEST_DAYS
        raise RuntimeError(f"demo scenario {plan.scenario.name!r} fits no receipt time in the last "
                           f"{OLDEST_DAYS} days")

    def _timeline(self, plan: Plan, received: datetime) -> tuple[list[datetime], dict[str, datetime]]:
        # The same delays for every receipt time tried, so that trying earlier or later converges.
        rng = random.Random(f"{self.seed}/{plan.index}/timeline")
        marks = {"received": received}
        times, moment = [], received
        for step in plan.scenario.steps:
            if step.after_due:
                key, mark = step.after_due
                ran_out = self.calc.due(key, marks[mark]) + timedelta(days=rng.uniform(0.3, 2))
                moment = _office_hours(ran_out, rng, later=True)
            else:
                at = moment + timedelta(days=rng.uniform(*step.delay))
                if step.by != "system":
                    at = _office_hours(at, rng, any_day=step.by == "petitioner")
                moment = max(at, moment + timedelta(minutes=rng.uniform(10, 90)))
            times.append(moment)
            if step.mark:
                marks[step.mark] = moment
        return times, marks

    def _fits(self, plan: Plan, received: datetime, times: list[datetime], marks: dict[str, datetime]) -> int:
        """0 if the timeline fits; 1 if the case should be received earlier, -1 if later."""
        scenario, margin = plan.scenario, timedelta(hours=6)
        if received < self.now - timedelta(days=OLDEST_DAYS):
            return -1
        if times[-1] > self.now - timedelta(hours=1):
            return 1
        if scenario.settled and self.now < self._due(scenario.settled, marks) + margin:
            return 1
        if scenario.hold is not None and self.now - times[-1] > timedelta(days=scenario.hold):
            return -1
        if scenario.until and self.now > self._due(scenario.until, marks) - margin:
            return -1
        return 0

    def _due(self, clock: tuple[str, str] | str, marks: dict[str, datetime]) -> datetime:
        if clock == "extension":
            return self.calc.extension_due(self.calc.due("handling", marks["accepted"]), 30)
        key, mark = clock
        return self.calc.due(key, marks[mark])


def _office_hours(moment: datetime, rng: random.Random, any_day: bool = False, later: bool = False) -> datetime:
    """`moment` moved into working hours: 08:30-17:30 on a weekday, or 07:00-22:00 any day for petitioners.

    It stays on its day where it can (else goes back to the last working day); with `later` it only ever
    moves forward, so a step that waits for a clock never comes before the clock ran out.
    """
    local = moment.astimezone(SHANGHAI)
    start, end = (7.0, 22.0) if any_day else (8.5, 17.5)
    hour = local.hour + local.minute / 60

    def open_on(day: date) -> bool:
        return any_day or day.weekday() < 5

    if open_on(local.date()) and start <= hour <= end:
        return moment
    day, step = local.date(), timedelta(days=1 if later else -1)
    if later:
        if not (open_on(day) and hour < start):
            day += step
        pick = rng.uniform(start, start + 2)
    else:
        pick = rng.uniform(start, end)
    while not open_on(day):
        day += step
    clock_time = dtime(int(pick), int(pick % 1 * 60), rng.randint(0, 59))
    return datetime.combine(day, clock_time, tzinfo=SHANGHAI).astimezone(moment.tzinfo)


def _id_number(rng: random.Random, county_code: str) -> str:
    """A well-formed resident ID number (GB 11643 check digit) of someone born in the county."""
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    body = f"{county_code}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


# -- running them --------------------------------------------------------------------------------------
class Simulation:
    """Plays the plans' steps in time order on the manual clock, firing timers at their due times."""

    def __init__(self, services: Services, clock: ManualClock, actors: dict[tuple[str, str], Actor],
                 now: datetime) -> None:
        self.services = services
        self.clock = clock
        self.actors = actors
        self.now = now
        self.sweeper = TimerSweeper(services.runtime)

    def run(self, plans: list[Plan]) -> None:
        queue = [(plan.times[0], plan.index, plan) for plan in plans]
        heapq.heapify(queue)
        while queue:
            at, _, plan = heapq.heappop(queue)
            self.advance(at)
            step = plan.scenario.steps[plan.done]
            if self._perform(plan, step):
                plan.done += 1
                if plan.done < len(plan.times):
                    heapq.heappush(queue, (max(plan.times[plan.done], at + timedelta(minutes=1)), plan.index, plan))
                continue
            # Not there yet (a clock has not run out): try again tomorrow, and everything after it a day later.
            retry = at + timedelta(days=1)
            if retry > self.now - timedelta(minutes=30):
                plan.stuck = f"step {plan.done + 1} ({step.kind} {step.name}) never became possible"
                continue
            plan.times[plan.done:] = [t + timedelta(days=1) for t in plan.times[plan.done:]]
            heapq.heappush(queue, (retry, plan.index, plan))
        self.advance(self.now)

    def advance(self, until: datetime) -> None:
        """Move the clock to `until`, firing every timer on the way at the moment it falls due."""
        while (due := self.sweeper.next_due()) is not None and due <= until:
            if due > self.clock.now():
                self.clock.set(due)
            if not self.sweeper.sweep():
                raise RuntimeError(f"a timer due at {due.isoformat()} did not fire; see the log")
        if until > self.clock.now():
            self.clock.set(until)

    def _perform(self, plan: Plan, step: Step) -> bool:
        services = self.services
        if step.kind == "register":
            return self._register(plan)
        ctx = Ctx(plan, plan.step_rng, self.clock.now())
        if step.kind == "message":
            if step.by == "receiver":
                actor = self.actors[(plan.registration_org, "registrar")]
                who, organisation = actor.username, actor.organisation
            else:
                who, organisation = "portal", None
            try:
                services.runtime.correlate(plan.instance_id, step.name, step.data(ctx), who, organisation=organisation)
            except Conflict:
                return False
            return True
        row = self._open_task(plan, step)
        if row is None:
            return False
        if step.kind == "task":
            complete_task(services, self.actors[(row.organisation, row.role)], row.task_id, step.data(ctx))
        return True

    def _register(self, plan: Plan) -> bool:
        registrar = self.actors[(plan.registration_org, "registrar")]
        form = dict(plan.form)
        if plan.repeats is not None and plan.confirmed_link:
            form["link_case_nos"] = [plan.repeats.case_no]
        case = register_case(self.services, registrar, form)
        plan.case_id, plan.instance_id, plan.case_no = case.id, case.instance_id, case.case_no
        return True

    def _open_task(self, plan: Plan, step: Step) -> QueueTask | None:
        # Each department's task of a joint investigation is a child of the multi-instance task.
        names = (step.name, f"{step.name}{CHILD_SUFFIX}")
        stmt = (sa.select(QueueTask).where(QueueTask.instance_id == plan.instance_id, QueueTask.spec_name.in_(names))
                .order_by(QueueTask.created_at, QueueTask.task_id))
        if step.joint is not None:
            stmt = stmt.where(QueueTask.organisation == plan.joint_departments[step.joint])
        with self.services.db.reader() as session:
            return session.scalars(stmt).first()


# -- the command ---------------------------------------------------------------------------------------
@dataclass
class DemoReport:
    """What the demo made: the accounts and their password, cases by status and by scenario, and misfits."""

    accounts: list[DemoAccount]
    password: str
    statuses: dict[str, int]
    stages: dict[str, list[str]]
    links: dict[str, int]
    off_plan: list[str]
    seconds: float


def run_demo(settings: Settings, cases: int = 200, seed: int = 7, if_empty: bool = False,
             now: datetime | None = None, echo: Callable[[str], None] = print) -> DemoReport | None:
    """Seed the demo organisations, accounts and `cases` cases, ending at `now` (the wall clock by default).

    With `if_empty`, does nothing (and says so) when the database holds any case.
    """
    started = time.perf_counter()
    now = now or SystemClock().now()
    clock = ManualClock(now - timedelta(days=DAYS_BACK))
    services = bootstrap(settings, clock)
    try:
        with services.db.reader() as session:
            existing = session.scalar(sa.select(sa.func.count(Case.id)))
        if if_empty and existing:
            echo(f"the database already holds {existing} cases; no demo data added")
            return None
        services.definitions.deploy(read_bundle(settings.path(settings["bpmn"]["bundle_dir"])), "designer",
                                    "deployed for the demo data")
        with services.db.unit_of_work() as tx:
            seed_organisations(tx)
        actors = _create_accounts(services)
        echo(f"planning {cases} demo cases (seed {seed}) from {clock.now():%Y-%m-%d} to {now:%Y-%m-%d}")
        plans = Planner(services, seed, now).plans(cases)
        Simulation(services, clock, actors, now).run(plans)
        return _report(services, plans, time.perf_counter() - started)
    finally:
        services.close()


def _report(services: Services, plans: list[Plan], seconds: float) -> DemoReport:
    stages: dict[str, list[str]] = {}
    off_plan = []
    with services.db.reader() as session:
        statuses = dict(session.execute(sa.select(Case.status, sa.func.count(Case.id)).group_by(Case.status)
                                        .order_by(Case.status)).all())
        links = dict(session.execute(sa.select(CaseLink.status, sa.func.count(CaseLink.id))
                                     .group_by(CaseLink.status).order_by(CaseLink.status)).all())
        for plan in plans:
            stages.setdefault(plan.scenario.name, []).append(plan.case_no)
            if plan.case_id is None:
                off_plan.append(f"({plan.scenario.name}) not registered: {plan.stuck}")
                continue
            status = session.get(Case, plan.case_id).status
            tasks = frozenset(name.removesuffix(CHILD_SUFFIX) for name in session.scalars(
                sa.select(QueueTask.spec_name).where(QueueTask.instance_id == plan.instance_id)))
            if plan.stuck or status != plan.scenario.status or \
                    tasks != plan.scenario.tasks:
                off_plan.append(f"{plan.case_no} ({plan.scenario.name}): expected {plan.scenario.status} "
                                f"{sorted(plan.scenario.tasks)}, found {status} {sorted(tasks)} {plan.stuck}".rstrip())
    return DemoReport(demo_accounts(), PASSWORD, statuses, stages, links, off_plan, seconds)


def format_report(report: DemoReport) -> str:
    """The accounts table, the password, and the cases per status, as the command prints them."""
    names = {org.code: org.name_zh for org in DEMO_ORGANISATIONS}
    width = max(len(a.username) for a in report.accounts)
    lines = ["demo accounts 演示账号:", f"  {'username':<{width}}  display name / organisation / roles"]
    for account in report.accounts:
        organisation = names.get(account.organisation, "")
        roles = ", ".join(account.roles)
        lines.append(f"  {account.username:<{width}}  {account.display_name}  {organisation} ({account.organisation})"
                     f"  {roles}")
    lines.append(f"password for every demo account 所有演示账号密码: {report.password}")
    lines.append("cases by status 各状态案件数:")
    lines += [f"  {status:<20} {count:>5}" for status, count in report.statuses.items()]
    lines.append(f"  {'total':<20} {sum(report.statuses.values()):>5}")
    if report.links:
        lines.append("repeat links 重复信访关联: " + ", ".join(f"{s} {n}" for s, n in report.links.items()))
    if report.off_plan:
        lines.append(f"{len(report.off_plan)} cases did not end where their scenario meant to:")
        lines += [f"  {line}" for line in report.off_plan]
    lines.append(f"done in {report.seconds:.0f} s")
    return "\n".join(lines)
