"""Deployment settings: config.yaml plus ECOPETITION_* environment overrides, validated once at start-up into
frozen dataclasses (`settings.repeat_detection.window_days`). Reading a setting never touches the disk."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates,
)

from workflows.rules.deadlines import DUE_SOON_DAYS
from workflows.rules.language import DEFAULT_LOCALE, LOCALES
from workflows.rules.timezone import TIMEZONE_NAME

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config.yaml"
ENV_PREFIX = "ECOPETITION_"
# Variables with our prefix that are not settings (read by tools, not by the app).
NON_SETTING_VARIABLES = {"ECOPETITION_CONFIG"}


class SettingsError(ValueError):
    """A setting is missing or has a value we cannot use; the message names the key."""


def _url(value: str) -> None:
    try:
        url = sa.make_url(value)
    except sa.exc.ArgumentError as exc:
        raise ValidationError(f"not a database URL: {exc}") from exc
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValidationError("only sqlite:/// and postgresql+psycopg:// URLs are supported")


# -- the typed settings ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    echo: bool


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    proxy_hops: int


@dataclass(frozen=True)
class SecuritySettings:
    secret_key: str
    secret_key_file: str
    session_cookie_secure: bool
    data_key: str
    data_key_file: str
    session_idle_minutes: int
    lockout_failures: int
    lockout_minutes: int
    lockout_max_minutes: int
    login_ip_limit: str
    password_min_length: int


@dataclass(frozen=True)
class LocaleSettings:
    default: str
    available: tuple[str, ...]


@dataclass(frozen=True)
class BpmnSettings:
    bundle_dir: str


@dataclass(frozen=True)
class SchedulerSettings:
    enabled: bool
    sweep_seconds: float
    batch_size: int
    timezone: str
    reminder_digest_cron: str
    kpi_snapshot_cron: str
    oversight_sweep_cron: str


@dataclass(frozen=True)
class DeadlinesSettings:
    rules_file: str
    due_soon_days: int


@dataclass(frozen=True)
class CalendarSettings:
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]


@dataclass(frozen=True)
class UploadsSettings:
    dir: str
    max_megabytes: float


@dataclass(frozen=True)
class ScriptingSettings:
    time_limit_seconds: float
    memory_limit_megabytes: float


@dataclass(frozen=True)
class RepeatDetectionSettings:
    window_days: int
    threshold: float


@dataclass(frozen=True)
class LifecycleSettings:
    return_visit_rate: float


@dataclass(frozen=True)
class OversightSettings:
    strike_off_approval: str
    strike_off_approval_by_bureau: dict
    feedback_days: int
    hotspot_count: int
    hotspot_days: int
    rise_period_days: int
    rise_previous_periods: int
    rise_factor: float
    rise_min_count: int


@dataclass(frozen=True)
class PortalSettings:
    rate_limit_storage: str
    submit_limit: str
    lookup_limit: str
    code_limit: str
    open311_limit: str
    disclosure_enabled: bool
    disclosure_reported_parties: bool


@dataclass(frozen=True)
class KpiTargets:
    """Each KPI's target in percent (None: no target); repeat_rate's is a ceiling, the others floors."""

    timely_acceptance: float | None
    on_time_completion: float | None
    rating_participation: float | None
    satisfaction: float | None
    satisfaction_strict: float | None
    repeat_rate: float | None
    backlog_resolution: float | None


@dataclass(frozen=True)
class KpiSettings:
    targets: KpiTargets


# -- the schemas that validate config.yaml into them ----------------------------------------------------
class _Section(Schema):
    """One section of config.yaml; unknown keys are refused, and loading gives the section's dataclass."""

    settings_class: type

    class Meta:
        unknown = RAISE

    @post_load
    def _typed(self, data: dict, **_: Any):
        return self.settings_class(**{key: tuple(value) if isinstance(value, list) else value
                                      for key, value in data.items()})


class DatabaseSchema(_Section):
    settings_class = DatabaseSettings
    url = fields.String(required=True, validate=_url)
    echo = fields.Boolean(load_default=False)


class ServerSchema(_Section):
    settings_class = ServerSettings
    host = fields.String(load_default="127.0.0.1")
    port = fields.Integer(load_default=5000, validate=validate.Range(1, 65535))
    # Proxies in front of the node that set X-Forwarded-For/-Proto (the client address is read from them).
    proxy_hops = fields.Integer(load_default=0, validate=validate.Range(0, 5))


class SecuritySchema(_Section):
    settings_class = SecuritySettings
    secret_key = fields.String(load_default="")
    secret_key_file = fields.String(load_default="instance/secret_key")
    session_cookie_secure = fields.Boolean(load_default=False)
    # Keys that seal petitioners' personal data: "id:base64key" entries, newest first (workflows/protection.py).
    data_key = fields.String(load_default="")
    data_key_file = fields.String(load_default="instance/data_key")
    # A session unused this long is ended; the next request asks to sign in again.
    session_idle_minutes = fields.Integer(load_default=30, validate=validate.Range(min=1, max=24 * 60))
    # After this many failed sign-ins in a row an account is locked for lockout_minutes, doubled with each
    # further failure up to lockout_max_minutes; a successful sign-in starts the count again.
    lockout_failures = fields.Integer(load_default=5, validate=validate.Range(min=1, max=100))
    lockout_minutes = fields.Integer(load_default=15, validate=validate.Range(min=1))
    lockout_max_minutes = fields.Integer(load_default=24 * 60, validate=validate.Range(min=1))
    # Failed sign-ins per client address (Flask-Limiter notation), whatever the account; storage as portal's.
    login_ip_limit = fields.String(load_default="20 per 15 minutes; 100 per day")
    password_min_length = fields.Integer(load_default=10, validate=validate.Range(min=10, max=128))


class LocaleSchema(_Section):
    settings_class = LocaleSettings
    default = fields.String(load_default=DEFAULT_LOCALE, validate=validate.OneOf(LOCALES))
    available = fields.List(fields.String(validate=validate.OneOf(LOCALES)), load_default=list(LOCALES))


class BpmnSchema(_Section):
    settings_class = BpmnSettings
    bundle_dir = fields.String(load_default="bpmn")


class SchedulerSchema(_Section):
    settings_class = SchedulerSettings
    enabled = fields.Boolean(load_default=True)
    sweep_seconds = fields.Float(load_default=30, validate=validate.Range(min=0.1))
    batch_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=10000))
    timezone = fields.String(load_default=TIMEZONE_NAME)
    reminder_digest_cron = fields.String(load_default="0 8 * * *")
    kpi_snapshot_cron = fields.String(load_default="30 1 * * *")
    oversight_sweep_cron = fields.String(load_default="*/15 * * * *")

    @validates("reminder_digest_cron")
    def _digest(self, value: str, **_: Any) -> None:
        _cron(value)

    @validates("kpi_snapshot_cron")
    def _kpi(self, value: str, **_: Any) -> None:
        _cron(value)

    @validates("oversight_sweep_cron")
    def _oversight(self, value: str, **_: Any) -> None:
        _cron(value)


def _cron(value: str) -> None:
    if len(value.split()) != 5:
        raise ValidationError("a cron expression has five fields: minute hour day month weekday")


class DeadlinesSchema(_Section):
    settings_class = DeadlinesSettings
    rules_file = fields.String(load_default="bpmn/deadlines.yaml")
    # A task due within this many days (in its deadline's unit) shows yellow and goes into the morning digest.
    due_soon_days = fields.Integer(load_default=DUE_SOON_DAYS, validate=validate.Range(min=0))


class CalendarSchema(_Section):
    settings_class = CalendarSettings
    holidays = fields.List(fields.Date(), load_default=list)
    workdays = fields.List(fields.Date(), load_default=list)


class UploadsSchema(_Section):
    settings_class = UploadsSettings
    dir = fields.String(load_default="instance/uploads")
    max_megabytes = fields.Float(load_default=20, validate=validate.Range(min=0.01))


class RepeatSchema(_Section):
    settings_class = RepeatDetectionSettings
    window_days = fields.Integer(load_default=365, validate=validate.Range(min=1))
    threshold = fields.Float(load_default=0.5, validate=validate.Range(0, 1))


class LifecycleSchema(_Section):
    settings_class = LifecycleSettings
    # Share of closed cases that get a return visit (回访), 0..1: fixed into each case when it is registered, and
    # the case number's hash decides whether the case is in the sample, so replay gives the same answer.
    return_visit_rate = fields.Float(load_default=1.0, validate=validate.Range(0, 1))


class PortalSchema(_Section):
    settings_class = PortalSettings
    # Flask-Limiter's storage: memory:// counts per process; several nodes share redis:// or memcached://.
    rate_limit_storage = fields.String(load_default="memory://")
    # Limits in Flask-Limiter's notation ("10 per hour; 3 per minute"): submissions per IP, look-ups per IP,
    # and look-ups and actions per query code.
    submit_limit = fields.String(load_default="5 per minute; 20 per hour")
    lookup_limit = fields.String(load_default="30 per minute; 300 per hour")
    code_limit = fields.String(load_default="10 per minute; 60 per hour")
    # Open311 clients post for many people from one server: counted per API key, not per address.
    open311_limit = fields.String(load_default="60 per minute; 2000 per day")
    # The public disclosure page (/portal/disclosure): anonymised monthly figures per bureau; off by default.
    disclosure_enabled = fields.Boolean(load_default=False)
    # Whether that page names the most reported parties (enterprises); never petitioners.
    disclosure_reported_parties = fields.Boolean(load_default=False)


def _target(default: float | None) -> fields.Float:
    return fields.Float(load_default=default, allow_none=True, validate=validate.Range(0, 100))


class KpiTargetsSchema(_Section):
    settings_class = KpiTargets
    timely_acceptance = _target(100)
    on_time_completion = _target(95)
    rating_participation = _target(90)
    satisfaction = _target(90)
    satisfaction_strict = _target(None)
    repeat_rate = _target(10)
    backlog_resolution = _target(100)


class KpiSchema(_Section):
    settings_class = KpiSettings
    targets = fields.Nested(KpiTargetsSchema, load_default=lambda: KpiTargetsSchema().load({}))


class OversightSchema(_Section):
    settings_class = OversightSettings
    # Who approves striking a case off the backlog ledger (销号): "leader" (a leader of the case's bureau) or
    # "supervisor" (a supervisor of the bureau above); a bureau may differ (by bureau code).
    strike_off_approval = fields.String(load_default="leader", validate=validate.OneOf(("leader", "supervisor")))
    strike_off_approval_by_bureau = fields.Dict(keys=fields.String(),
                                                values=fields.String(validate=validate.OneOf(("leader", "supervisor"))),
                                                load_default=dict)
    # Days a supervision order gives the handling bureau for its written feedback (default of the form).
    feedback_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365))
    # A hotspot: at least hotspot_count cases about one reported party or place within hotspot_days.
    hotspot_count = fields.Integer(load_default=3, validate=validate.Range(min=2))
    hotspot_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365))
    # A sharp rise: a division's or pollution type's cases in the last rise_period_days reach rise_min_count
    # and rise_factor times the average of the rise_previous_periods periods before.
    rise_period_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365))
    rise_previous_periods = fields.Integer(load_default=3, validate=validate.Range(min=1, max=24))
    rise_factor = fields.Float(load_default=2.0, validate=validate.Range(min=1.0))
    rise_min_count = fields.Integer(load_default=5, validate=validate.Range(min=1))


class ScriptingSchema(_Section):
    settings_class = ScriptingSettings
    # Each evaluation of a BPMN script or expression: wall-clock time and memory added to the process.
    time_limit_seconds = fields.Float(load_default=1.0, validate=validate.Range(min=0.01, max=60))
    memory_limit_megabytes = fields.Float(load_default=64, validate=validate.Range(min=1, max=4096))


class SettingsSchema(Schema):
    class Meta:
        unknown = RAISE

    database = fields.Nested(DatabaseSchema, required=True)
    server = fields.Nested(ServerSchema, load_default=lambda: ServerSchema().load({}))
    security = fields.Nested(SecuritySchema, load_default=lambda: SecuritySchema().load({}))
    locale = fields.Nested(LocaleSchema, load_default=lambda: LocaleSchema().load({}))
    bpmn = fields.Nested(BpmnSchema, load_default=lambda: BpmnSchema().load({}))
    scheduler = fields.Nested(SchedulerSchema, load_default=lambda: SchedulerSchema().load({}))
    deadlines = fields.Nested(DeadlinesSchema, load_default=lambda: DeadlinesSchema().load({}))
    calendar = fields.Nested(CalendarSchema, load_default=lambda: CalendarSchema().load({}))
    uploads = fields.Nested(UploadsSchema, load_default=lambda: UploadsSchema().load({}))
    repeat_detection = fields.Nested(RepeatSchema, load_default=lambda: RepeatSchema().load({}))
    lifecycle = fields.Nested(LifecycleSchema, load_default=lambda: LifecycleSchema().load({}))
    scripting = fields.Nested(ScriptingSchema, load_default=lambda: ScriptingSchema().load({}))
    portal = fields.Nested(PortalSchema, load_default=lambda: PortalSchema().load({}))
    kpi = fields.Nested(KpiSchema, load_default=lambda: KpiSchema().load({}))
    oversight = fields.Nested(OversightSchema, load_default=lambda: OversightSchema().load({}))


@dataclass(frozen=True)
class Settings:
    """The validated settings, one frozen dataclass per section; `root` is the folder relative paths start from.

    Nothing here creates files or folders: `workflows.bootstrap.prepare_instance` does, once, at start-up."""

    database: DatabaseSettings
    server: ServerSettings
    security: SecuritySettings
    locale: LocaleSettings
    bpmn: BpmnSettings
    scheduler: SchedulerSettings
    deadlines: DeadlinesSettings
    calendar: CalendarSettings
    uploads: UploadsSettings
    repeat_detection: RepeatDetectionSettings
    lifecycle: LifecycleSettings
    scripting: ScriptingSettings
    portal: PortalSettings
    oversight: OversightSettings
    kpi: KpiSettings
    root: Path

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite file made absolute against `root`."""
        path = self.sqlite_file
        if path is None:
            return self.database.url
        return sa.make_url(self.database.url).set(database=str(path)).render_as_string(hide_password=False)

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite database file (absolute), or None for an in-memory or a PostgreSQL database."""
        url = sa.make_url(self.database.url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return self.path(url.database)

    def path(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else self.root / path


def _setting_paths(schema: Schema, prefix: tuple[str, ...] = ()) -> dict[str, tuple[tuple[str, ...], fields.Field]]:
    paths = {}
    for name, field in schema.fields.items():
        path = prefix + (name,)
        if isinstance(field, fields.Nested):
            paths.update(_setting_paths(field.schema, path))
        else:
            paths["_".join(path).upper()] = (path, field)
    return paths


def _apply_environment(data: dict, environ: Mapping[str, str]) -> None:
    known = _setting_paths(SettingsSchema())
    for variable, text in environ.items():
        if not variable.startswith(ENV_PREFIX) or variable in NON_SETTING_VARIABLES:
            continue
        entry = known.get(variable[len(ENV_PREFIX):])
        if entry is None:
            raise SettingsError(f"{variable} is not a setting; known: "
                                + ", ".join(ENV_PREFIX + k for k in sorted(known)))
        path, field = entry
        if isinstance(field, fields.String):
            value = text  # strings stay as written, even "0123" or "true"
        else:
            try:
                value = yaml.safe_load(text)
            except (yaml.YAMLError, ValueError) as exc:
                raise SettingsError(f"{variable} ({'.'.join(path)}): cannot read its value {text!r}: {exc}") from exc
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value


def _messages(errors: Any, prefix: str = "") -> list[str]:
    if isinstance(errors, dict):
        out = []
        for key, value in errors.items():
            out.extend(_messages(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(errors, list) and all(isinstance(e, str) for e in errors):
        return [f"{prefix}: {'; '.join(errors)}"]
    return [f"{prefix}: {errors}"]


def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read config.yaml (or `path`, or $ECOPETITION_CONFIG), apply ECOPETITION_* variables and overrides."""
    environ = os.environ if environ is None else environ
    path = Path(path or environ.get("ECOPETITION_CONFIG") or DEFAULT_CONFIG)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise SettingsError(f"configuration file {path} does not exist") from exc
    except (yaml.YAMLError, ValueError) as exc:
        raise SettingsError(f"{path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"{path} must hold a mapping of sections (database:, scheduler:, ...)")
    _apply_environment(data, environ)
    for dotted, value in (overrides or {}).items():
        node = data
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    try:
        loaded = SettingsSchema().load(data)
    except ValidationError as exc:
        raise SettingsError(f"{path}: bad setting: " + "; ".join(_messages(exc.messages))) from exc
    return Settings(**loaded, root=path.resolve().parent if path.parent != Path("") else PROJECT_ROOT)

