"""The deadlines preview of a draft: every statutory clock of a case received at a chosen time, counted with
the draft's deadlines table and the configured working-day calendar."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from engine.errors import InvalidData
from workflows.accounts import Actor
from workflows.design.drafts import DEADLINES_FILE, get_draft
from workflows.rules.calendar import WorkingCalendar
from workflows.rules.deadlines import (
    DeadlineCalculator,
    DeadlineConfigError,
    DeadlineRules,
)
from workflows.rules.deadlines_preview import TRACKS, Preview, preview

if TYPE_CHECKING:
    from workflows.bootstrap import Services


def preview_draft_deadlines(services: Services, actor: Actor, draft_id: int, received: datetime,
                            track: str = "normal") -> Preview:
    """When each clock falls due (worst case) under the draft's deadlines table."""
    draft = get_draft(services, actor, draft_id)
    if track not in TRACKS:
        raise InvalidData("design.unknown_track", track=track, known=list(TRACKS))
    try:
        rules = DeadlineRules.from_text(draft.contents().get(DEADLINES_FILE, ""), DEADLINES_FILE)
    except DeadlineConfigError as exc:
        raise InvalidData("design.deadlines_invalid", detail=str(exc)) from None
    calendar = WorkingCalendar(extra_holidays=services.settings.calendar.holidays,
                               extra_workdays=services.settings.calendar.workdays)
    return preview(DeadlineCalculator(rules, calendar), received, track)
