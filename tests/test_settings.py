"""Settings: config.yaml, ECOPETITION_* overrides, and start-up refusing bad values by key."""
from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from workflows.bootstrap import prepare_instance
from workflows.settings import DEFAULT_CONFIG, SettingsError, load_settings


def test_the_shipped_config_loads_with_sqlite_by_default():
    settings = load_settings(DEFAULT_CONFIG, environ={})
    assert settings.database_url.startswith("sqlite:////") and settings.database_url.endswith("ecopetition.db")
    assert settings.locale.default == "zh_CN"
    assert settings.scheduler.sweep_seconds == 30
    assert settings.deadlines.due_soon_days == 3


def test_environment_variables_override_any_key():
    settings = load_settings(DEFAULT_CONFIG, environ={
        "ECOPETITION_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "ECOPETITION_SCHEDULER_SWEEP_SECONDS": "5",
        "ECOPETITION_SCHEDULER_ENABLED": "false",
        "ECOPETITION_CALENDAR_HOLIDAYS": "[2027-01-01, 2027-02-06]",
        "ECOPETITION_SECURITY_SECRET_KEY": "0123",
    })
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert settings.scheduler.sweep_seconds == 5 and settings.scheduler.enabled is False
    assert settings.calendar.holidays == (date(2027, 1, 1), date(2027, 2, 6))
    assert settings.security.secret_key == "0123", "strings stay as written"


@pytest.mark.parametrize("environ, named", [
    ({"ECOPETITION_SCHEDULER_SWEEP_SECONDS": "soon"}, "scheduler.sweep_seconds"),
    ({"ECOPETITION_DATABASE_URL": "mysql://root@localhost/x"}, "database.url"),
    ({"ECOPETITION_LOCALE_DEFAULT": "fr"}, "locale.default"),
    ({"ECOPETITION_SCHEDULER_KPI_SNAPSHOT_CRON": "every night"}, "scheduler.kpi_snapshot_cron"),
    ({"ECOPETITION_CALENDAR_HOLIDAYS": "[2027-13-01]"}, "calendar.holidays"),
    ({"ECOPETITION_DATABSE_URL": "sqlite://"}, "ECOPETITION_DATABSE_URL is not a setting"),
])
def test_a_bad_value_stops_start_up_naming_the_key(environ, named):
    with pytest.raises(SettingsError) as caught:
        load_settings(DEFAULT_CONFIG, environ=environ)
    assert named in str(caught.value)


def test_an_unknown_key_in_the_file_is_named(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite://\n  pool: 5\n")
    with pytest.raises(SettingsError, match="database.pool: Unknown field"):
        load_settings(path, environ={})


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_settings_are_frozen_sections_read_by_attribute():
    settings = load_settings(DEFAULT_CONFIG, environ={"ECOPETITION_REPEAT_DETECTION_WINDOW_DAYS": "30"})
    assert settings.repeat_detection.window_days == 30 and settings.repeat_detection.threshold == 0.5
    with pytest.raises(FrozenInstanceError):
        settings.repeat_detection.window_days = 1


def test_reading_settings_creates_no_folder(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite:///data/app.db\nuploads:\n  dir: files\n")
    settings = load_settings(path, environ={})
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'app.db'}"
    assert settings.path(settings.uploads.dir) == tmp_path / "files"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


def test_preparing_the_instance_creates_the_folders_and_the_key_file_once(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite:///data/app.db\nuploads:\n  dir: files\n"
                    "security:\n  secret_key_file: keys/secret\n")
    settings = load_settings(path, environ={})
    prepare_instance(settings)
    key = (tmp_path / "keys" / "secret").read_text()
    assert (tmp_path / "data").is_dir() and (tmp_path / "files").is_dir() and len(key) == 64
    prepare_instance(settings)
    assert (tmp_path / "keys" / "secret").read_text() == key, "an existing key is kept"


def test_sign_in_protection_settings_have_defaults_and_refuse_a_weak_password_length(tmp_path):
    security = load_settings(DEFAULT_CONFIG, environ={"ECOPETITION_SECURITY_SESSION_IDLE_MINUTES": "15"}).security
    assert (security.session_idle_minutes, security.lockout_failures, security.lockout_minutes,
            security.lockout_max_minutes, security.password_min_length) == (15, 5, 15, 1440, 10)
    assert security.login_ip_limit == "20 per 15 minutes; 100 per day"
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite://\n")
    assert load_settings(path, environ={}).security.session_idle_minutes == 30, "defaults without the keys"
    with pytest.raises(SettingsError, match="security.password_min_length"):
        load_settings(DEFAULT_CONFIG, environ={"ECOPETITION_SECURITY_PASSWORD_MIN_LENGTH": "6"})
