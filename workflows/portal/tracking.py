"""What a petitioner sees of their case: the public stage, the deadline that runs now, the notices and replies
sent to them, their rating, and whether review or re-review may still be asked (and until when). Nothing
internal: no names of staff, no tasks, no findings, no other person's data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from engine.models import Instance
from workflows.portal.access import open_case
from workflows.rules.timezone import SHANGHAI

if TYPE_CHECKING:
    from workflows.bootstrap import Services
    from workflows.models import Case

# The public stage of each status: internal steps (rework, remand, assignment) are not the petitioner's business.
STAGES = {
    "registered": "received", "awaiting_acceptance": "received", "assigned": "received",
    "accepted": "handling", "handling": "handling", "rework": "handling", "remanded": "handling",
    "reopened": "handling",
    "replied": "replied", "reviewed": "replied",
    "under_review": "under_review", "under_rereview": "under_review",
    "refused": "refused", "forwarding": "forwarded", "forwarded": "forwarded",
    "closed": "closed", "archived": "closed", "cancelled": "closed",
}
# The clock that runs in each stage, as a key of the workflow's data.
STAGE_DEADLINES = {"received": "acceptance_due", "handling": "handling_due", "replied": "request_due",
                   "under_review": "opinion_due"}
# Statuses in which the workflow waits for the petitioner: a rating, or a review request before request_due.
AWAITING_PETITIONER = ("replied", "reviewed")
# Refused and forwarded cases wait for a rating too (应评尽评), for the window their BPMN gives.
RATEABLE = AWAITING_PETITIONER + ("refused", "forwarded")
# What a notice may tell the petitioner, by kind; any other key stays inside.
NOTICE_KEYS = {
    "acceptance": ("track", "handling_due"),
    "refusal": ("reason", "legal_channel"),
    "forwarding": ("to", "reason"),
    "assignment": ("to",),
    "extension": ("days", "reason", "handling_due"),
    "track_change": ("track", "reason", "handling_due"),
    "review_opinion": ("outcome", "by"),
    "rereview_opinion": ("outcome", "by"),
}


@dataclass(frozen=True)
class Notice:
    kind: str
    at: datetime | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    organisation: str
    opinion: str
    text: str
    delivered_at: datetime | None


@dataclass(frozen=True)
class ReviewWindow:
    """Review (`review`) or re-review (`rereview`), open until `closes_at`, or closed on `closed_on`."""

    kind: str
    closes_at: datetime | None
    is_open: bool
    closed_on: date | None


@dataclass(frozen=True)
class PublicCase:
    case_no: str
    received_at: datetime
    reported_party: str
    pollution_types: tuple[str, ...]
    stage: str
    handling_org: str | None
    deadline: datetime | None
    notices: list[Notice]
    replies: list[Reply]
    rating: str | None
    may_rate: bool
    window: ReviewWindow | None
    final: bool


def track_case(services: Services, case_no: str, query_code: str) -> PublicCase:
    """The public view of the case the number and code open (NotFound('portal.not_found') otherwise)."""
    case, data, running = case_state(services, case_no, query_code)
    stage = STAGES.get(case.status, "handling")
    deadline_key = STAGE_DEADLINES.get(stage)
    return PublicCase(
        case_no=case.case_no, received_at=case.received_at, reported_party=case.reported_party,
        pollution_types=tuple(t for t in case.pollution_types.split(",") if t), stage=stage,
        handling_org=case.handling_org,
        deadline=_time(data.get(deadline_key)) if deadline_key else None,
        notices=[_notice(n) for n in data.get("notices") or [] if n.get("kind") in NOTICE_KEYS],
        replies=[Reply(str(r.get("org") or ""), str(r.get("opinion") or ""), str(r.get("text") or ""),
                       _time(r.get("delivered_at"))) for r in data.get("replies") or []],
        rating=data.get("satisfaction"), may_rate=may_rate(case, running),
        window=review_window(data, case, running, services.clock.now()), final=bool(data.get("final")))


def case_state(services: Services, case_no: str, query_code: str) -> tuple[Case, dict, bool]:
    """The case, its workflow data and whether its workflow still runs."""
    with services.db.reader() as session:
        case = open_case(session, case_no, query_code)
        instance = session.get(Instance, case.instance_id)
    return case, services.runtime.current_data(instance), instance.status == "running"


def may_rate(case: Case, running: bool) -> bool:
    """The workflow takes a rating while it waits for the petitioner: after a reply or a review opinion, and
    after a refusal or a forwarding."""
    return running and case.status in RATEABLE


def review_window(data: dict, case: Case, running: bool, now: datetime) -> ReviewWindow | None:
    """The review or re-review window once one has opened; None before the first reply."""
    due = _time(data.get("request_due"))
    kind = data.get("next_review")
    lapsed = case.status in ("closed", "archived")
    if due is None or kind not in ("review", "rereview") or not (case.status in AWAITING_PETITIONER or lapsed):
        return None
    is_open = running and case.status in AWAITING_PETITIONER and now <= due
    return ReviewWindow(kind, due, is_open, None if is_open else due.astimezone(SHANGHAI).date())


def _notice(raw: dict) -> Notice:
    keys = NOTICE_KEYS[raw["kind"]]
    details = {k: _time(raw[k]) if k.endswith("_due") else raw[k] for k in keys if raw.get(k) not in (None, "")}
    return Notice(raw["kind"], _time(raw.get("at")), details)


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None
