"""Notifications in the reader's language: a notification stores its kind and parameters, and this module
words it through the catalogs (a summary line, then one line per item)."""
from __future__ import annotations

import json
from datetime import datetime

from flask_babel import gettext

from webui.i18n import label, pick, when
from workflows.models import Notification
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
    first, _, rest = (note.text or note.kind).partition("\n")
    return first, rest.splitlines()
