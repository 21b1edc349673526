"""Languages: Flask-Babel with zh_CN (default) and en, chosen per user and kept in the session.

Also the labels of the domain's codes (channels, pollution types, statuses...), the split of the
bilingual labels that BPMN titles and form files carry ("受理决定 Decision"), and the translation of the
English messages that the engine and the domain raise.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, redirect, request, session, url_for
from flask_babel import Babel, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webui.urls import local_path, same_site_path
from workflows.rules.timezone import TIMEZONE_NAME

bp = Blueprint("i18n", __name__)
LOCALES = ("zh_CN", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

CHANNELS = {
    "letter": _l("Letter"), "visit": _l("Visit"), "12369": _l("12369 hotline"), "wechat": _l("WeChat"),
    "web": _l("Web portal"), "email": _l("Email"), "superior": _l("Superior assignment"),
    "12345": _l("12345 hotline transfer"), "inspection": _l("Inspection transfer"),
}
POLLUTION_TYPES = {
    "air": _l("Air"), "water": _l("Water"), "noise": _l("Noise"), "solid_waste": _l("Solid waste"),
    "soil": _l("Soil"), "ecology": _l("Ecology"), "radiation": _l("Radiation"), "other": _l("Other"),
}
PETITION_CLASSES = {"suggestion": _l("Suggestion"), "report": _l("Report"), "grievance": _l("Grievance")}
ROLES = {
    "registrar": _l("Registrar"), "handler": _l("Handler"), "leader": _l("Leader"),
    "supervisor": _l("Supervisor"), "designer": _l("Process designer"), "auditor": _l("Auditor"),
    "admin": _l("Administrator"),
}
STATUSES = {
    "registered": _l("Registered"), "awaiting_acceptance": _l("Awaiting acceptance"), "accepted": _l("Accepted"),
    "assigned": _l("Assigned"), "handling": _l("Being handled"), "replied": _l("Replied"),
    "refused": _l("Refused"), "forwarding": _l("Being forwarded"), "forwarded": _l("Forwarded"),
    "closed": _l("Closed"), "archived": _l("Archived"), "rework": _l("Returned for rework"),
    "remanded": _l("Remanded"), "reopened": _l("Reopened"), "reviewed": _l("Reviewed"),
    "under_review": _l("Under review"), "under_rereview": _l("Under re-review"), "cancelled": _l("Cancelled"),
}
TRACKS = {"normal": _l("Normal"), "simple": _l("Simple track")}
COMMANDS = {
    "start": _l("Registered"), "complete": _l("Task completed"), "claim": _l("Task claimed"),
    "release": _l("Task released"), "reassign": _l("Task reassigned"), "message": _l("Message received"),
    "timer": _l("Timer fired"), "correct_deadline": _l("Deadline corrected"), "cancel": _l("Cancelled"),
    "migrate": _l("Moved to a new process version"),
}
BADGES = {"on_time": _l("On time"), "due_soon": _l("Due soon"), "overdue": _l("Overdue")}


def N_(text: str) -> str:
    """Marks a message for extraction (pybabel -k N_); translated where it is shown."""
    return text


# The English messages of engine and domain errors, as patterns, and what to say instead.
_MESSAGES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^this field is required$"), N_("This field is required.")),
    (re.compile(r"^Missing data for required field\.$"), N_("This field is required.")),
    (re.compile(r"^Field may not be null\.$"), N_("This field is required.")),
    (re.compile(r"^required unless the petitioner is anonymous$"),
     N_("Required unless the petitioner is anonymous.")),
    (re.compile(r"^give a phone number or an address to reply to$"),
     N_("Give a phone number or an address to reply to.")),
    (re.compile(r"^digits, \+, - and spaces only$"), N_("Digits, +, - and spaces only.")),
    (re.compile(r"^an 18-character resident ID number"), N_("An 18-character resident ID number (the last may be X).")),
    (re.compile(r"^choose at least one pollution type$"), N_("Choose at least one pollution type.")),
    (re.compile(r"^Must be one of: "), N_("Choose one of the options.")),
    (re.compile(r"^Not a valid datetime\.$"), N_("Not a valid date and time.")),
    (re.compile(r"^Not a valid integer\.$"), N_("Give a whole number.")),
    (re.compile(r"^Not a valid string\.$"), N_("This field is required.")),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), N_("Give between %(a)s and %(b)s characters.")),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), N_("Give at least %(a)s characters.")),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), N_("Give at most %(a)s characters.")),
    (re.compile(r"^Must be greater than or equal to (\d+) and less than or equal to (\d+)\.$"),
     N_("Give a number from %(a)s to %(b)s.")),
    (re.compile(r"^lies in the future$"), N_("This time lies in the future.")),
    (re.compile(r"^division code .* is not a GB/T 2260 code"),
     N_("Not a GB/T 2260 division code: give 6, 9 or 12 digits, e.g. 330106.")),
    (re.compile(r"^the case was not registered"), N_("The case was not registered; correct the fields marked.")),
    (re.compile(r"^the form of task .* has errors"), N_("The form has errors; correct the fields marked.")),
    (re.compile(r"^'.*' is not one of "), N_("Choose one of the options.")),
    (re.compile(r"^.* should be non-empty$"), N_("This field is required.")),
    (re.compile(r"^'.*' is too short$"), N_("Too short.")),
    (re.compile(r"^.* is less than the minimum of (\d+)$"), N_("Give at least %(a)s.")),
    (re.compile(r"^.* is greater than the maximum of (\d+)$"), N_("Give at most %(a)s.")),
    (re.compile(r"^.* is not of type 'integer'$"), N_("Give a whole number.")),
    (re.compile(r"^.* is not a 'date-time'$"), N_("Give a date and time.")),
    (re.compile(r"^.* is not a 'date'$"), N_("Give a date.")),
    (re.compile(r"^.* does not match '"), N_("Not in the expected format.")),
    (re.compile(r"^.* has non-unique elements$"), N_("Each value may appear once.")),
    (re.compile(r"^.* was expected$"), N_("This value does not fit the other answers.")),
    (re.compile(r"^case .* belongs to another bureau$"), N_("This case belongs to another bureau.")),
    (re.compile(r"^case .* does not exist$"), N_("No such case.")),
    (re.compile(r"^task .* is no longer open"),
     N_("This task is no longer open: someone else has just completed it. The case has been reloaded.")),
    (re.compile(r"^this task is no longer open"),
     N_("This task is no longer open: someone else has just completed it. The case has been reloaded.")),
    (re.compile(r"^the case changed since you opened it"),
     N_("The case changed since you opened it: someone else has just acted on it. Reload to see what changed.")),
    (re.compile(r"^the case was changed by someone else"),
     N_("The case changed since you opened it: someone else has just acted on it. Reload to see what changed.")),
    (re.compile(r"^task .* was already claimed by (\S+)$"), N_("Someone else claimed this task first (%(a)s).")),
    (re.compile(r"^task .* is claimed by (\S+?);?( |$)"), N_("This task is claimed by %(a)s.")),
    (re.compile(r"^task .* belongs to (\S+), not"), N_("This task belongs to another bureau (%(a)s).")),
    (re.compile(r"^task .* is for the (\S+) role$"), N_("This task is for another role (%(a)s).")),
    (re.compile(r"^only (\S+) can release task"), N_("Only %(a)s can release this task.")),
    (re.compile(r"^only a leader or supervisor of the task's bureau reassigns it$"),
     N_("Only a leader or supervisor of the task's bureau may reassign it.")),
    (re.compile(r"^'(.*)' is not a (\S+) of "), N_("%(a)s does not have this task's role in this bureau.")),
    (re.compile(r"^the task was not reassigned$"), N_("The task was not reassigned.")),
    (re.compile(r"^only registrars register cases$"), N_("Only registrars register cases.")),
    (re.compile(r"^the case is (\S+); it accepts no more steps$"), N_("The case is closed; it accepts no more steps.")),
]


def init_app(app: Flask) -> None:
    settings = app.extensions["ecopetition"].settings
    app.config.setdefault("BABEL_DEFAULT_LOCALE", settings.locale.default)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE_NAME)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(label=label, pick=pick, locales=LOCALES, current_locale=current_locale,
                                 org_name=org_name)
    app.jinja_env.filters.update(when=when, day=day, pick=pick)


def available() -> list[str]:
    return [code for code in current_app.extensions["ecopetition"].settings.locale.available
            if code in LOCALES]


def select_locale() -> str:
    """The session's choice, else the user's stored one, else the deployment default."""
    chosen = session.get("locale")
    if chosen in available():
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in available():
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    """'zh_CN' or 'en' (Babel itself spells the Chinese locale zh_Hans_CN)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def remember_locale(locale: str | None) -> None:
    if locale in LOCALES:
        session["locale"] = locale


@bp.post("/language")
def set_language():
    from webui import current_services
    from workflows.accounts import set_locale

    locale = request.form.get("locale", "")
    if locale in available():
        session["locale"] = locale
        if current_user.is_authenticated:
            # The user's choice follows them to their next session; no case changes.
            with current_services().db.unit_of_work() as tx:
                set_locale(tx, current_user.id, locale)
    target = request.form.get("next") or request.referrer or ""
    return redirect(same_site_path(local_path(target)) or url_for("queue.index"))


# -- labels ---------------------------------------------------------------------------------------------
_TABLES = {"channel": CHANNELS, "pollution": POLLUTION_TYPES, "class": PETITION_CLASSES, "role": ROLES,
           "status": STATUSES, "track": TRACKS, "command": COMMANDS, "badge": BADGES}


def label(kind: str, code: str | None) -> str:
    """The translated label of a code of the domain, or the code itself when it has none."""
    if code is None:
        return ""
    found = _TABLES[kind].get(code)
    return str(found) if found is not None else str(code)


# "受理决定 Decision", "12369 热线 12369 hotline": Chinese first, then English from the first Latin word
# that follows a Chinese character (or closing bracket).
_BILINGUAL = re.compile(r"^(.*[\u2e80-\u9fff\uff00-\uffef】」]\S*?)(?:\s+|(?<=[）】」]))([A-Za-z].*)$")


def pick(text: str | None, locale: str | None = None) -> str:
    """The half of a bilingual label for the current language; the whole label if it is not bilingual."""
    if not text:
        return ""
    match = _BILINGUAL.match(text)
    if match is None:
        return text
    locale = locale or current_locale()
    return match.group(2).strip() if locale == "en" else match.group(1).strip()


def org_name(code: str | None) -> str:
    """An organisation's name in the current language (looked up once per request), or its code."""
    if not code:
        return ""
    names = g.get("org_names")
    if names is None:
        from webui import current_services
        from workflows.models import Organisation

        with current_services().db.reader() as tx:
            names = {o.code: (o.name_zh, o.name_en) for o in tx.scalars(sa.select(Organisation))}
        g.org_names = names
    found = names.get(code)
    if found is None:
        return code
    return found[1] if current_locale() == "en" else found[0]


def when(moment: datetime | None, format: str = "short") -> str:
    """A moment in Asia/Shanghai, in the current language's short date and time format."""
    if moment is None:
        return ""
    return format_datetime(moment, "yyyy-MM-dd HH:mm") if format == "short" else format_datetime(moment, format)


_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def shown_time(value: str) -> str:
    """An ISO time (as case data holds it) in the local format; any other text as it is."""
    if _ISO_MOMENT.match(value):
        return when(datetime.fromisoformat(value))
    return value


def day(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return format_datetime(moment, "yyyy-MM-dd")


def translate_error(message: str | None) -> str:
    """An engine or domain message in the user's language; unknown messages are shown as they are."""
    if not message:
        return ""
    for pattern, text in _MESSAGES:
        match = pattern.search(message)
        if match:
            groups = match.groups()
            values = {"a": groups[0] if groups else "", "b": groups[1] if len(groups) > 1 else ""}
            return _(text, **values)
    return message


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    return {field: translate_error(message) for field, message in errors.items()}



def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile each messages.po whose messages.mo is missing or older (what `pybabel compile` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo_path)
    return written
