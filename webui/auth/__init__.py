"""Signing in and out (Flask-Login, argon2 via workflows.accounts), who is acting, and role checks.

`current_actor()` is what views pass to `workflows`; `roles_required` guards a view; the read-only guard
refuses every write by a user whose only role is auditor. Sign-in protection: failed sign-ins lock the
account (workflows.signin) and are limited per client address (Flask-Limiter); a session ends after
`security.session_idle_minutes` without a request and when the user's session epoch moves on (password
changed, account disabled); a user whose password an administrator set can do nothing but choose their own.
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

from engine.errors import InvalidData
from webui.ratelimit import limiter
from webui.urls import same_site_path
from workflows.accounts import Actor
from workflows.models import User
from workflows.signin import SignInPolicy, change_own_password, sign_in

bp = Blueprint("auth", __name__, template_folder="templates")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "strong"

# Writes an auditor may still make: signing in and out and choosing the language change no case.
READ_ONLY_EXEMPT = frozenset({"auth.login", "auth.logout", "auth.change_password", "i18n.set_language", "static"})
# All a user who must choose a new password may reach until they have.
MUST_CHANGE_ALLOWED = frozenset({"auth.change_password", "auth.logout", "i18n.set_language", "static"})
# Session keys: the epoch the session began in, and when it was last used (POSIX seconds of the clock).
EPOCH, SEEN = "epoch", "seen"
# The last-used time is written at most this often, so that not every response rewrites the cookie.
SEEN_RESOLUTION_SECONDS = 60
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
    must_change_password: bool = False
    epoch: int = 0

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
                   frozenset(user.role_names), user.locale, user.must_change_password, user.session_epoch)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_message = None
    app.before_request(_guard_session)
    app.before_request(_refuse_auditor_writes)
    app.context_processor(lambda: {"nav_items": nav_items, "has_endpoint": has_endpoint})


# (endpoint, label, roles that see it; empty = everyone signed in). Areas not built yet are left out.
NAV = (
    ("queue.index", _l("My tasks"), ()),
    ("registration.new", _l("Register a case"), ("registrar",)),
    ("imports.index", _l("Import cases"), ("registrar",)),
    ("cases.index", _l("Cases"), ()),
    ("dashboard.index", _l("Dashboard"), ("leader", "supervisor", "auditor", "admin")),
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
    # Someone who must choose a password first sees no areas: they lead nowhere else until then.
    if not current_user.is_authenticated or current_user.must_change_password:
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
        # A session from before a password change (or a disabled account) no longer signs anyone in.
        if user is None or not user.active or session.get(EPOCH) != user.session_epoch:
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


def _guard_session():
    """End a session unused for too long; keep a user who must change the password on that page."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    from webui import current_services

    services = current_services()
    now = services.clock.now().timestamp()
    seen = session.get(SEEN)
    if seen is not None and now - seen > services.settings.security.session_idle_minutes * 60:
        # Signed out for the rest of this request too: a page that needs sign-in sends to it (and back after),
        # a public page (the portal) is served as to anyone.
        _end_session()
        flash(_("You were signed out after %(minutes)s minutes without activity. Sign in again.",
                minutes=services.settings.security.session_idle_minutes), "info")
        return None
    if seen is None or now - seen >= SEEN_RESOLUTION_SECONDS:
        session[SEEN] = now
    if current_user.must_change_password and request.endpoint not in MUST_CHANGE_ALLOWED:
        return redirect(url_for("auth.change_password"))
    return None


def _end_session() -> None:
    """Sign out, keeping only the chosen language."""
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale


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


def _login_limit() -> str:
    return current_app.extensions["ecopetition"].settings.security.login_ip_limit


@bp.route("/login", methods=["GET", "POST"])
# Only refused sign-ins count against the address; when they are used up, every sign-in from it gets 429.
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 401)
def login():
    from webui import current_services
    from webui.i18n import remember_locale, when

    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")))
    error = None
    if request.method == "POST":
        services = current_services()
        username = request.form.get("username", "").strip()
        outcome = sign_in(services.db, services.clock, SignInPolicy.of(services.settings.security), username,
                          request.form.get("password", ""))
        signed_in = SignedInUser.of(outcome.user) if outcome.user is not None else None
        if signed_in is None:
            error = _("Wrong user name or password.")
            if outcome.locked_until is not None:
                error = _("Too many failed sign-ins: this account is locked until %(until)s. Try again then, or "
                          "ask an administrator to reset the password.", until=when(outcome.locked_until))
        else:
            chosen = session.get("locale")
            session.clear()  # a new session on sign-in: nothing from before carries over
            login_user(signed_in)
            session[EPOCH], session[SEEN] = signed_in.epoch, services.clock.now().timestamp()
            remember_locale(signed_in.locale or chosen)
            if signed_in.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.form.get("next")))
    return render_template("auth/login.html", error=error, next=request.values.get("next", "")), 401 if error else 200


@bp.errorhandler(429)
def _too_many_sign_ins(exc):
    if request.endpoint == "auth.change_password":
        from webui import current_services

        message = _("Too many refused attempts from this address. Wait a few minutes and try again.")
        return render_template("auth/change_password.html", errors={}, message=message,
                               min_length=current_services().settings.security.password_min_length), 429
    error = _("Too many failed sign-ins from this address. Wait a few minutes and try again.")
    return render_template("auth/login.html", error=error, next=request.values.get("next", "")), 429


@bp.route("/password", methods=["GET", "POST"])
@login_required
# Guessing the current password through this form is limited like signing in.
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 422)
def change_password():
    """The user chooses a new password (and must, after an administrator set one); other sessions end."""
    from webui import current_services
    from webui.i18n.errors import error_message, field_messages

    errors: dict[str, str] = {}
    message = None
    services = current_services()
    if request.method == "POST":
        try:
            with services.db.unit_of_work() as tx:
                epoch = change_own_password(tx, services.clock.now(), SignInPolicy.of(services.settings.security),
                                            current_user.id, request.form.get("current_password", ""),
                                            request.form.get("new_password", ""),
                                            request.form.get("confirm_password", ""))
        except InvalidData as exc:
            errors, message = field_messages(exc.errors), error_message(exc)
        else:
            session[EPOCH] = epoch  # this session carries on; every other one of the user has ended
            flash(_("Your password was changed. Your other sessions were signed out."), "success")
            return redirect(landing_url())
    return render_template("auth/change_password.html", errors=errors, message=message,
                           min_length=services.settings.security.password_min_length), 422 if errors else 200


@bp.post("/logout")
def logout():
    _end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))
