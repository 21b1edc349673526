"""The production settings example loads as it is shipped: HTTPS-only cookies, keys from files outside the
project (or the environment), a shared rate-limit store, PostgreSQL."""
from __future__ import annotations

from workflows.settings import PROJECT_ROOT, load_settings

EXAMPLE = PROJECT_ROOT / "config.production.example.yaml"


def test_the_production_example_loads_with_https_only_cookies_and_shared_stores():
    settings = load_settings(EXAMPLE, environ={})
    assert settings.security.session_cookie_secure is True
    assert settings.security.secret_key == "" and settings.security.data_key == ""
    assert settings.path(settings.security.data_key_file).is_absolute()
    assert settings.path(settings.security.secret_key_file).is_absolute()
    assert settings.portal.rate_limit_storage.startswith("redis://")
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_the_environment_gives_the_keys_in_production():
    key = "k1:" + "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA="
    settings = load_settings(EXAMPLE, environ={"ECOPETITION_SECURITY_SECRET_KEY": "s" * 64,
                                               "ECOPETITION_SECURITY_DATA_KEY": key})
    assert (settings.security.secret_key, settings.security.data_key) == ("s" * 64, key)
