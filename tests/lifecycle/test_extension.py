"""An extension (延期) lengthens the handling period: it runs on from the period's statutory last day, before
that day rolled over a holiday, and the new last day rolls over non-working days once (信访工作条例 第三十五条:
延长办理期限, at most 30 days)."""
from __future__ import annotations

from engine.bundles import read_bundle
from engine.migration import make_plan, run_migration
from tests.lifecycle.helpers import (
    BUNDLE,
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


def before_the_statutory_end(files: dict[str, str]) -> dict[str, str]:
    """The bundle as deployed before the handling period's statutory end was recorded: accepting a case sets
    no handling_end (nor handling_start)."""
    files = dict(files)
    petition_bpmn = files["petition.bpmn"]
    for line in ("\nhandling_end = statutory_end(handling_clock, accepted_at)", "\nhandling_start = accepted_at\n"):
        assert petition_bpmn.count(line) == 1, line
        petition_bpmn = petition_bpmn.replace(line, "\n" if line.endswith("\n") else "")
    files["petition.bpmn"] = petition_bpmn
    return files


def test_a_case_moved_from_a_version_without_the_statutory_end_extends_its_current_deadline(runtime, register,
                                                                                             clock):
    clock.set(shanghai(2026, 8, 2, 9, 30))
    current = runtime.definitions.latest_for("petition")
    earlier, created = runtime.definitions.deploy(before_the_statutory_end(read_bundle(BUNDLE)), "designer",
                                                  "before handling_end")
    assert created
    case = register(received_at="2026-08-02T09:00:00+08:00")
    assert case.instance().version_id == earlier.id
    accept(case)
    assert "handling_end" not in case.task_data(INVESTIGATE)
    plan = make_plan(runtime.definitions, earlier.id, current, "petition", {})
    [outcome] = run_migration(runtime, plan, [case.instance_id], "designer", dry_run=False).outcomes
    assert outcome.ok and case.instance().version_id == current
    case.verify()
    investigate(case, next_step="request_extension", extension_days=30, extension_reason="需委托第三方开展噪声监测")
    case.complete(EXTENSION, {"extension_decision": "approve", "approved_days": 30}, LEADER)
    # Without the statutory end the extension runs on from the current deadline, as that version did:
    # Oct 8 + 30 = Sat Nov 7 -> Mon Nov 9.
    assert case.task(INVESTIGATE).due_at == end_of_day(2026, 11, 9)
