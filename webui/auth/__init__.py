"""Signing in and out (Flask-Login, argon2 via workflows.accounts), who is acting, and role checks.

`current_actor()` is what views pass to `workflows`; `roles_required` guards a view; the read-only guard
refuses every write by a user whose only role is auditor.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    LoginManager,
    current_user,
    login_required,
    login_user,
    logout_user,
)

from webui.urls import same_site_path
from workflows.accounts import Actor, authenticate
from workflows.models import User

bp = Blueprint("auth", __name__, template_folder="templates")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"

# Writes an auditor may still make: signing in and out and choosing the language change no case.
READ_ONLY_EXEMPT = frozenset({"auth.login", "auth.logout", "i18n.set_language", "static"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class SignedInUser:
    """The session's user as Flask-Login wants it; a plain copy, never a live database row."""

    id: int
    username: str
    display_name: str
    organisation: str
    roles: frozenset[str]
    locale: str | None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.organisation, self.roles, self.display_name)

    @classmethod
    def of(cls, user: User) -> SignedInUser:
        return cls(user.id, user.username, user.display_name, user.organisation_code,
                   frozenset(user.role_names), user.locale)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_message = None
    app.before_request(_refuse_auditor_writes)
    app.context_processor(lambda: {"nav_items": nav_items, "has_endpoint": has_endpoint})


# (endpoint, label, roles that see it; empty = everyone signed in). Areas not built yet are left out.
NAV = (
    ("queue.index", _l("My tasks"), ()),
    ("registration.new", _l("Register a case"), ("registrar",)),
    ("imports.index", _l("Import cases"), ("registrar",)),
    ("cases.index", _l("Cases"), ()),
    ("oversight.index", _l("Oversight"), ("leader", "supervisor", "auditor")),
    ("audit.index", _l("Audit"), ("auditor",)),
    ("designer.index", _l("Process design"), ("designer",)),
    ("admin.incidents", _l("Incidents"), ("designer",)),
    ("admin.index", _l("Administration"), ("admin",)),
)


def has_endpoint(name: str) -> bool:
    """Whether an area is installed (blueprints of other areas land one by one)."""
    return name in current_app.view_functions


def nav_items() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    actor = current_actor()
    items = []
    for endpoint, text, roles in NAV:
        if endpoint in current_app.view_functions and (not roles or actor.has(*roles)):
            area = endpoint.split(".")[0]
            items.append({"url": url_for(endpoint), "label": str(text),
                          "active": (request.blueprint or "") == area})
    return items


@login_manager.user_loader
def _load_user(user_id: str) -> SignedInUser | None:
    from webui import current_services

    if not user_id.isdigit():
        return None
    with current_services().db.reader() as tx:
        user = tx.get(User, int(user_id))
        if user is None or not user.active:
            return None
        return SignedInUser.of(user)


def current_actor() -> Actor:
    """The signed-in user as the domain sees them; call only behind login_required."""
    if not current_user.is_authenticated:
        abort(401)
    return current_user.actor


def roles_required(*roles: str) -> Callable:
    """Sign-in required, and at least one of `roles`; anyone else gets the 403 page."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if not current_actor().has(*roles):
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return decorate


def is_read_only(actor: Actor) -> bool:
    return actor.roles == frozenset({"auditor"})


def _refuse_auditor_writes():
    if request.method not in WRITE_METHODS or request.endpoint in READ_ONLY_EXEMPT:
        return
    if current_user.is_authenticated and is_read_only(current_user.actor):
        abort(403)
    return


# Where a user without tasks of their own starts: the area of their role.
LANDING = (("auditor", "audit.index"), ("designer", "designer.index"), ("admin", "admin.index"))
TASK_ROLES = ("registrar", "handler", "leader", "supervisor")


def landing_url() -> str:
    """The signed-in user's start page: their task queue, or their area when they work no tasks."""
    if current_user.is_authenticated and not current_actor().has(*TASK_ROLES):
        for role, endpoint in LANDING:
            if current_actor().has(role) and has_endpoint(endpoint):
                return url_for(endpoint)
    return url_for("queue.index")


def safe_next(target: str | None) -> str:
    """Only a path on this site; an absolute URL in `next` would send the user elsewhere."""
    return same_site_path(target) or landing_url()


@bp.route("/login", methods=["GET", "POST"])
def login():
    from webui import current_services
    from webui.i18n import remember_locale

    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")))
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        with current_services().db.unit_of_work() as tx:
            user = authenticate(tx, username, request.form.get("password", ""))
            signed_in = SignedInUser.of(user) if user is not None else None
        if signed_in is None:
            error = _("Wrong user name or password.")
        else:
            chosen = session.get("locale")
            session.clear()  # a new session on sign-in: nothing from before carries over
            login_user(signed_in)
            remember_locale(signed_in.locale or chosen)
            return redirect(safe_next(request.form.get("next")))
    return render_template("auth/login.html", error=error, next=request.values.get("next", "")), 401 if error else 200


@bp.post("/logout")
def logout():
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
