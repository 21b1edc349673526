"""Building the running system from settings: database, clock, process definitions, runtime, deadlines; and
preparing a fresh deployment's folders and key file, as an explicit start-up step."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from engine.clock import Clock, ManualClock, SystemClock
from engine.definitions import Definitions
from engine.runtime import Runtime
from engine.spiff.limits import ScriptLimits
from engine.store import Database
from workflows.handling.tracking import track_case
from workflows.protection import install_keyring, keyring_of
from workflows.rules.calendar import WorkingCalendar
from workflows.rules.deadlines import (
    DeadlineCalculator,
    DeadlineConfigError,
    DeadlineRules,
)
from workflows.scripting import script_functions
from workflows.settings import Settings


@dataclass
class Services:
    """Everything a request, a CLI command or a scheduler job needs; built once per process."""

    settings: Settings
    db: Database
    clock: Clock
    definitions: Definitions
    runtime: Runtime
    deadlines: DeadlineCalculator

    def close(self) -> None:
        self.db.dispose()


def load_deadline_rules(path: Path) -> DeadlineRules:
    """The deadlines table from its YAML file (bpmn/deadlines.yaml); errors name the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeadlineConfigError(f"{path}: file not found; expected the deadlines table (bpmn/deadlines.yaml)") \
            from None
    return DeadlineRules.from_text(text, str(path))


def deadline_calculator(settings: Settings) -> DeadlineCalculator:
    rules = load_deadline_rules(settings.path(settings.deadlines.rules_file))
    calendar = WorkingCalendar(extra_holidays=settings.calendar.holidays,
                               extra_workdays=settings.calendar.workdays)
    return DeadlineCalculator(rules, calendar)


def prepare_instance(settings: Settings) -> None:
    """Create what a fresh deployment lacks: the SQLite file's folder, the uploads folder, and (when no
    secret key is configured) the session-signing key file with a random key. Run once at start-up; reading
    settings never creates anything."""
    if settings.sqlite_file is not None:
        settings.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
    settings.path(settings.uploads.dir).mkdir(parents=True, exist_ok=True)
    if not settings.security.secret_key:
        key_file = settings.path(settings.security.secret_key_file)
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)


def script_limits(settings: Settings) -> ScriptLimits:
    return ScriptLimits(settings.scripting.time_limit_seconds, settings.scripting.memory_limit_megabytes)


def bootstrap(settings: Settings, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    db = Database(settings.database_url, echo=settings.database.echo)
    install_keyring(db, keyring_of(settings))
    calculator = deadline_calculator(settings)
    functions = script_functions(calculator)
    limits = script_limits(settings)
    # Deploy refuses a script calling a function by a name the domain did not register.
    definitions = Definitions(db, clock, script_functions=functions(ManualClock()).keys(), script_limits=limits)
    runtime = Runtime(db, definitions, clock, functions, script_limits=limits)
    runtime.step_listeners.append(track_case)
    return Services(settings, db, clock, definitions, runtime, calculator)
