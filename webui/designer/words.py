"""The studio's own words for the browser, from the gettext catalogs: keyed by their English text, as bpmn-js's
translate service looks them up (its palette's Chinese comes from bpmn-js-i18n)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

WORDS = {
    # The properties panel (static/designer/src/spiff-properties.js).
    "Engine (ecopetition)": _l("Engine (ecopetition)"),
    "Name (Chinese)": _l("Name (Chinese)"),
    "Name (English)": _l("Name (English)"),
    "Form": _l("Form"),
    "Organisation (expression)": _l("Organisation (expression)"),
    "Deadline (expression)": _l("Deadline (expression)"),
    'e.g. acceptance_due or deadline("acceptance", received_at)':
        _l('e.g. acceptance_due or deadline("acceptance", received_at)'),
    "Assignee (expression, optional)": _l("Assignee (expression, optional)"),
    "Role (default: from the lane)": _l("Role (default: from the lane)"),
    "Decision (DMN)": _l("Decision (DMN)"),
    "Called process": _l("Called process"),
    "Script (Python)": _l("Script (Python)"),
    "Pre-script": _l("Pre-script"),
    "Post-script": _l("Post-script"),
    "Timer duration (expression)": _l("Timer duration (expression)"),
    "Timer date (expression)": _l("Timer date (expression)"),
    'Python: quote ISO values ("P3D") or give a variable such as acceptance_due':
        _l('Python: quote ISO values ("P3D") or give a variable such as acceptance_due'),
    "Message": _l("Message"),
    "Message variable": _l("Message variable"),
    "Condition (Python expression)": _l("Condition (Python expression)"),
    # bpmn-js-properties-panel's own groups and entries (bpmn-js-i18n covers only the palette and context pad).
    "General": _l("General"),
    "ID": _l("ID"),
    "Documentation": _l("Documentation"),
    "Element documentation": _l("Element documentation"),
    "Process documentation": _l("Process documentation"),
    "Process name": _l("Process name"),
    "Process ID": _l("Process ID"),
    "Version tag": _l("Version tag"),
    "Executable": _l("Executable"),
    "Condition": _l("Condition"),
    "Condition expression": _l("Condition expression"),
    "Type": _l("Type"),
    "Script": _l("Script"),
    "Expression": _l("Expression"),
    "Global message reference": _l("Global message reference"),
    "Signal": _l("Signal"),
    "Global signal reference": _l("Global signal reference"),
    "Error": _l("Error"),
    "Global error reference": _l("Global error reference"),
    "Escalation": _l("Escalation"),
    "Timer": _l("Timer"),
    "Duration": _l("Duration"),
    "Date": _l("Date"),
    "Cycle": _l("Cycle"),
    "Multi-instance": _l("Multi-instance"),
    "Loop cardinality": _l("Loop cardinality"),
    "Completion condition": _l("Completion condition"),
    "Called element": _l("Called element"),
    "Inputs": _l("Inputs"),
    "Outputs": _l("Outputs"),
    "Value": _l("Value"),
    "Create new ...": _l("Create new ..."),
    "<none>": _l("<none>"),
    # The studio (static/designer/src/studio.js).
    "lint": _l("while editing"),
    "server": _l("deploy check"),
    "Saved.": _l("Saved."),
    "Their version is loaded.": _l("Their version is loaded."),
    "The draft is valid.": _l("The draft is valid."),
    "The draft has problems; see the list.": _l("The draft has problems; see the list."),
    "Say what changed before deploying.": _l("Say what changed before deploying."),
    "Deployed as version {version}. New cases start on it; running cases stay on theirs.":
        _l("Deployed as version {version}. New cases start on it; running cases stay on theirs."),
    "deadlines note": _l("The draft's deadlines table differs from the one in use: it is configuration "
                         "(config.yaml deadlines.rules_file) and takes effect when that file is changed."),
    "calendar_days": _l("calendar days"),
    "working_days": _l("working days"),
    "A file of that name exists.": _l("A file of that name exists."),
    "A form name is lower-case letters, digits, _ and -, starting with a letter.":
        _l("A form name is lower-case letters, digits, _ and -, starting with a letter."),
    "New form": _l("New form"),
    # The dry run (static/designer/src/dry-run.js).
    "Sample case": _l("Sample case"),
    "Clock at": _l("Clock at"),
    "The case has ended.": _l("The case has ended."),
    "Step {n} was not done:": _l("Step {n} was not done:"),
    "due": _l("due"),
    "Answer (JSON)": _l("Answer (JSON)"),
    "Payload (JSON)": _l("Payload (JSON)"),
    "Complete": _l("Complete"),
    "Send": _l("Send"),
    "command.start": _l("registered and started"),
    "command.complete": _l("completed"),
    "command.timer": _l("clock ran out"),
    "command.message": _l("message received"),
    # The versions' diff (static/designer/src/diff.js).
    "added": _l("added"),
    "removed": _l("removed"),
    "changed": _l("changed"),
    "files_added": _l("files added"),
    "files_removed": _l("files removed"),
    "files_changed": _l("files changed"),
    "no differences": _l("No differences."),
}


def words() -> dict[str, str]:
    # "Name" of a diagram element, not a person's name (the catalogs have both).
    return {key: str(text) for key, text in WORDS.items()} | {"Name": pgettext("diagram element", "Name")}
