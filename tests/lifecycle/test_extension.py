"""An extension (延期) lengthens the handling period: it runs on from the period's statutory last day, before
that day rolled over a holiday, and the new last day rolls over non-working days once (信访工作条例 第三十五条:
延长办理期限, at most 30 days)."""
from __future__ import annotations

from tests.lifecycle.helpers import (
    EXTENSION,
    INVESTIGATE,
    LEADER,
    accept,
    end_of_day,
    investigate,
    shanghai,
)


def test_an_extension_runs_on_from_the_statutory_end_not_from_the_rolled_deadline(register, clock):
    clock.set(shanghai(2026, 8, 2, 9, 30))                   # Sunday
    case = register(received_at="2026-08-02T09:00:00+08:00")
    accept(case)
    # Aug 2 + 60 = Thu Oct 1, National Day: the deadline rolled to Thu Oct 8
    assert case.task(INVESTIGATE).due_at == end_of_day(2026, 10, 8)
    assert case.task_data(INVESTIGATE)["handling_end"] == "2026-10-01"
    case.advance(days=40)
    investigate(case, next_step="request_extension", extension_days=30, extension_reason="需委托第三方开展噪声监测")
    case.complete(EXTENSION, {"extension_decision": "approve", "approved_days": 30}, LEADER)
    # Oct 1 + 30 = Sat Oct 31 -> Mon Nov 2 (from the rolled Oct 8 it would have been Mon Nov 9)
    assert case.task(INVESTIGATE).due_at == end_of_day(2026, 11, 2)
    assert case.pending_timers() == {"办理提醒 Handling reminder": shanghai(2026, 10, 28),
                                     "办理超期 Handling overdue": end_of_day(2026, 11, 2)}
    notice = case.task_data(INVESTIGATE)["notices"][-1]
    assert (notice["kind"], notice["days"], notice["handling_due"]) == ("extension", 30, "2026-11-02T23:59:59+08:00")
