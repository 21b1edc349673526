"""Languages: Flask-Babel with zh_CN (default) and en, chosen per user and kept in the session, else taken
from the browser's Accept-Language.

Also the labels of the domain's codes (channels, pollution types, statuses...) and the split of the
bilingual labels that BPMN titles and form files carry ("受理决定 Decision"). Errors are translated by
their code in webui/i18n/errors.py.
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
from workflows.rules.language import LOCALES, N_
from workflows.rules.timezone import TIMEZONE_NAME

bp = Blueprint("i18n", __name__)
__all__ = ["LOCALES", "N_", "TRANSLATIONS", "label", "pick", "select_locale"]
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
ORG_LEVELS = {"ministry": _l("Ministry"), "province": _l("Province"), "city": _l("City"), "county": _l("County"),
              "department": _l("Department")}
REPEAT_REASONS = {
    "same_id_number": _l("Same petitioner (ID number)"), "same_name_and_phone": _l("Same petitioner (name and phone)"),
    "same_phone": _l("Same phone number"), "same_reported_party": _l("Same reported party"),
    "anonymous_same_party": _l("Anonymous, same reported party"),
    "confirmed_by_registrar": _l("Confirmed by the registrar"),
}


def init_app(app: Flask) -> None:
    settings = app.extensions["ecopetition"].settings
    app.config.setdefault("BABEL_DEFAULT_LOCALE", settings.locale.default)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE_NAME)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(label=label, pick=pick, locales=LOCALES, current_locale=current_locale,
                                 org_name=org_name)
    app.jinja_env.filters.update(when=when, day=day, pick=pick, repeat_reason=repeat_reason)


def available() -> list[str]:
    return [code for code in current_app.extensions["ecopetition"].settings.locale.available
            if code in LOCALES]


def select_locale() -> str:
    """The session's choice, else the user's stored one, else the browser's (Accept-Language), else the
    deployment default."""
    chosen = session.get("locale")
    if chosen in available():
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in available():
        return current_user.locale
    return browser_locale(available()) or current_app.config["BABEL_DEFAULT_LOCALE"]


def browser_locale(offered: list[str]) -> str | None:
    """The available locale the browser prefers ('en-US' gives en, 'zh-TW' gives zh_CN), or None."""
    # Accept-Language spells them en-US, zh-CN; match on the language alone.
    by_language = {code.split("_")[0].lower(): code for code in offered}
    best = request.accept_languages.best_match(list(by_language))
    return by_language.get(best) if best else None


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
           "status": STATUSES, "track": TRACKS, "command": COMMANDS, "badge": BADGES,
           "org_level": ORG_LEVELS}


def repeat_reason(reason: str) -> str:
    """Why a case may repeat another ("same_phone", "similar_text:0.83"), in the reader's language; a reason
    stored as text before reasons were codes is shown as it was written."""
    code, _colon, value = reason.partition(":")
    if code == "similar_text" and value:
        return _("Similar text %(score)s", score=value)
    found = REPEAT_REASONS.get(code)
    return str(found) if found is not None else pick(reason)


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


def shown_time(value: str) -> str:
    """An ISO time with its offset (as case data holds it) in the local format; any other text as it is."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return when(moment) if "T" in value and moment.tzinfo is not None else value


def day(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return format_datetime(moment, "yyyy-MM-dd")


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
