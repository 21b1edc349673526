"""The review window (复查申请期) runs from the petitioner's receipt of the written reply (SPEC: "within 30 days
of receiving the reply"), not from when the bureau finished it.

The delivery records the date on the return receipt when there is one; a reply handed over, sent
electronically or published on the portal is received when delivered; a posted reply without a recorded
receipt is presumed received when bpmn/deadlines.yaml's `reply_receipt` clock runs out (15 days after
posting, not rolled), and the window counts 30 days from that day.
"""
from __future__ import annotations

import pytest

from engine.errors import ScriptError
from tests.lifecycle.helpers import (
    DELIVER,
    RETURN_VISIT,
    accept,
    deliver,
    draft_and_approve,
    end_of_day,
    investigate,
    shanghai,
)

WINDOW = "申请期届满 Request window closed"


def replied_by(register, **delivery):
    """A case accepted and answered on Mon 2026-03-02, the reply delivered as `delivery` says."""
    case = register()
    accept(case)
    investigate(case)
    draft_and_approve(case)
    deliver(case, **delivery)
    return case


def test_a_reply_handed_over_opens_the_window_on_delivery(register):
    case = replied_by(register, method="in_person")
    # Mar 2 + 30 = Wed Apr 1
    assert case.pending_timers() == {WINDOW: end_of_day(2026, 4, 1)}


def test_a_posted_reply_with_a_return_receipt_opens_the_window_on_the_receipt_date(register):
    case = register()
    accept(case)
    investigate(case)
    draft_and_approve(case)
    case.advance(days=6)                                     # Sun 03-08: the return receipt is back
    deliver(case, delivered_at=shanghai(2026, 3, 2, 15, 0), method="post", receipt_date="2026-03-06")
    # received Fri Mar 6: + 30 = Sun Apr 5, in the Qingming holidays (Sat Apr 4 .. Mon Apr 6) -> Tue Apr 7
    assert case.pending_timers() == {WINDOW: end_of_day(2026, 4, 7)}
    case.advance_to(end_of_day(2026, 4, 7))
    [reply] = case.task_data(RETURN_VISIT)["replies"]
    assert (reply["method"], reply["delivered_at"], reply["received_at"], reply["receipt_basis"]) == (
        "post", "2026-03-02T15:00:00+08:00", "2026-03-06T00:00:00+08:00", "receipt")
    assert case.task_data(RETURN_VISIT)["receipt_date"] is None, "a later delivery records its own receipt"


def test_a_posted_reply_without_a_receipt_is_presumed_received_fifteen_days_after_posting(register):
    case = replied_by(register, method="post")
    # posted Mon Mar 2, presumed received Tue Mar 17; + 30 = Thu Apr 16
    assert case.pending_timers() == {WINDOW: end_of_day(2026, 4, 16)}


@pytest.mark.parametrize(("receipt_date", "why"), [("2026-03-01", "before the delivery"),
                                                    ("2026-03-09", "in the future")])
def test_a_receipt_date_outside_delivery_to_today_is_refused_and_nothing_is_stored(register, receipt_date, why):
    case = register()
    accept(case)
    investigate(case)
    draft_and_approve(case)
    row = case.task(DELIVER)
    timers = case.pending_timers()
    with pytest.raises(ScriptError) as caught:
        case.runtime.complete(row.task_id, {"delivery_method": "post", "delivered_at": "2026-03-02T15:00:00+08:00",
                                            "receipt_date": receipt_date}, "han-li")
    assert caught.value.code == "script.failed", why
    assert f"receipt_date {receipt_date} must lie between the delivery" in caught.value.params["detail"]
    assert case.task(DELIVER).task_id == row.task_id, "the delivery is still to do"
    assert case.pending_timers() == timers and WINDOW not in timers


def test_a_receipt_dated_today_is_taken_just_after_local_midnight(register):
    case = register()
    accept(case)
    investigate(case)
    draft_and_approve(case)
    case.clock.set(shanghai(2026, 3, 8, 0, 30))               # still 03-07 in UTC
    deliver(case, delivered_at=shanghai(2026, 3, 2, 15, 0), method="post", receipt_date="2026-03-08")
    # received Sun Mar 8: + 30 = Tue Apr 7
    assert case.pending_timers() == {WINDOW: end_of_day(2026, 4, 7)}
