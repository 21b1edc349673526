"""The deadline preview (workflows.rules.deadlines_preview) as an aligned text table for the command line,
with its words from the gettext catalogs and weekday names from Babel's locale data."""
from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from babel.dates import format_date
from babel.support import Translations

from webui.i18n import TRANSLATIONS
from webui.i18n.errors import MESSAGES, UNKNOWN, ByParam
from workflows.rules.calendar import CalendarWarning
from workflows.rules.deadlines import WORKING_DAYS
from workflows.rules.deadlines_preview import ClockPreview, Preview
from workflows.rules.language import LOCALES, N_

# What starts each clock, as the rule column names it.
EVENTS = {
    "received": N_("received"),
    "accepted": N_("accepted"),
    "reply_sent": N_("reply sent"),
    "reply_received": N_("reply received"),
    "review_requested": N_("review requested"),
    "review_opinion": N_("review opinion"),
    "rereview_requested": N_("re-review requested"),
    "extension_approved": N_("extension approved"),
    "supervision_ordered": N_("supervision ordered"),
}
WORKING_RULE = N_("%(length)s working days after %(event)s")
CALENDAR_RULE = N_("%(length)s calendar days after %(event)s")
TIMEZONE_NOTE = N_("All times in %(zone)s")
ASSUMED_NOTE = N_("* assumed: taken to happen when the clock before it runs out (worst case)")
WARNING = N_("Warning: %(warning)s")


def format_preview_table(items: Preview | Iterable[ClockPreview], locale: str = LOCALES[0]) -> str:
    """An aligned text table of the clocks in `locale` (zh_CN or en), then the notes and calendar warnings."""
    if locale not in LOCALES:
        raise ValueError(f"unknown language '{locale}'; accepted: {', '.join(LOCALES)}")
    table = _Table(locale)
    clocks = list(items.clocks if isinstance(items, Preview) else items)
    rows = [table.headers()] + [table.row(clock) for clock in clocks]
    widths = [max(_display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [_format_row(row, widths) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    notes = [table.text(TIMEZONE_NOTE, zone=str(clocks[0].due.tzinfo))] if clocks else []
    if any(clock.assumed for clock in clocks):
        notes.append(table.text(ASSUMED_NOTE))
    found = items.warnings if isinstance(items, Preview) else ()
    warnings = [table.text(WARNING, warning=table.warning(w)) for w in found]
    for block in (notes, warnings):
        if block:
            lines += ["", *block]
    return "\n".join(lines)


class _Table:
    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.translations = Translations.load(str(TRANSLATIONS), [locale])

    def text(self, msgid: str, **params: str) -> str:
        translated = self.translations.gettext(msgid)
        return translated % params if params else translated

    def warning(self, warning: CalendarWarning) -> str:
        entry = MESSAGES.get(warning.code, UNKNOWN)
        msgid = entry.choose(warning.params) if isinstance(entry, ByParam) else entry
        return self.translations.gettext(msgid) % defaultdict(str, {k: str(v) for k, v in warning.params.items()},
                                                              code=warning.code)

    def headers(self) -> tuple[str, ...]:
        pgettext = self.translations.pgettext
        return (pgettext("deadline table", "Clock"), pgettext("deadline table", "Rule"),
                pgettext("deadline table", "Starts"), pgettext("deadline table", "Due"),
                pgettext("deadline table", "Reminder"))

    def row(self, clock: ClockPreview) -> tuple[str, ...]:
        label = clock.label_en if self.locale == "en" else clock.label_zh
        rule = self.text(WORKING_RULE if clock.unit == WORKING_DAYS else CALENDAR_RULE, length=str(clock.length),
                         event=self.text(EVENTS[clock.starts_at]))
        start = self.moment(clock.start, seconds=True) + (" *" if clock.assumed else "")
        return (label, rule, start, self.moment(clock.due, seconds=True), self.moment(clock.reminder, seconds=False))

    def moment(self, moment: datetime, seconds: bool) -> str:
        pattern = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
        return f"{moment.strftime(pattern)} {format_date(moment, 'EEE', locale=self.locale)}"


def _display_width(text: str) -> int:
    # CJK characters take two columns in a terminal; padding by len() would misalign them.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _format_row(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = [cell + " " * (width - _display_width(cell)) for cell, width in zip(cells, widths, strict=True)]
    return "  ".join(padded).rstrip()
