"""Notifications in the reader's language: a notification stores its kind and parameters, and this module
words it through the catalogs (a summary line, then one line per item)."""
from __future__ import annotations

import json
from datetime import datetime

from flask_babel import gettext

from webui.i18n import label, pick, when
from workflows.models import Notification
from workflows.oversight.supervision import SUPERVISION_ISSUED, SUPERVISION_OVERDUE
from workflows.oversight.warnings import WARNING_RAISED
from workflows.reporting.digest import REMINDER_DIGEST


def notice_text(note: Notification) -> tuple[str, list[str]]:
    """(summary, lines) of a notification; one stored as text is shown as it was written."""
    if note.kind == REMINDER_DIGEST and note.params:
        params = json.loads(note.params)
        summary = gettext("%(count)s tasks due soon or overdue (%(overdue)s overdue)", count=params["count"],
                          overdue=params["overdue"])
        lines = [f"{task['case_no']} {pick(task['task'])} {label('badge', 'overdue' if task['overdue'] else 'due_soon')} "
                 f"{when(datetime.fromisoformat(task['due_at']))}" for task in params["tasks"]]
        return summary, lines
    if note.kind in (SUPERVISION_ISSUED, SUPERVISION_OVERDUE, WARNING_RAISED) and note.params:
        return _oversight_notice(note.kind, json.loads(note.params)), []
    first, _, rest = (note.text or note.kind).partition("\n")
    return first, rest.splitlines()


def _oversight_notice(kind: str, params: dict) -> str:
    if kind == WARNING_RAISED:
        return gettext("Early warning: %(count)s cases about %(subject)s", count=params["count"],
                       subject=label("pollution", params["subject"]) if params["kind"] == "rise_pollution"
                       else params["subject"])
    due = when(datetime.fromisoformat(params["due"]))
    if kind == SUPERVISION_ISSUED:
        return gettext("Supervision order on case %(case_no)s: written feedback due %(due)s",
                       case_no=params["case_no"], due=due)
    return gettext("Supervision order on case %(case_no)s is overdue: feedback was due %(due)s",
                   case_no=params["case_no"], due=due)
