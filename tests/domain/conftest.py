"""Fixtures for the petition domain: the services of a real bootstrap on a test database, with the bundle
deployed and the demo organisations, and users made on demand (at the 西湖 (EEB-330106) bureau by default)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from engine.store import Database
from tests.conftest import share_compiled_versions
from tests.lifecycle.conftest import BUNDLE_DEPLOYED
from tests.templates import Template
from workflows.accounts import Actor, create_user, seed_organisations
from workflows.bootstrap import Services, bootstrap
from workflows.settings import load_settings

XIHU = "EEB-330106"


def seed_bureaus(url: str, folder: Path) -> None:
    database = Database(url)
    try:
        with database.unit_of_work() as tx:
            seed_organisations(tx)
    finally:
        database.dispose()


# The bundle deployed and the organisation tree seeded: where every domain test starts.
ORGANISATIONS = Template("organisations", seed_bureaus, base=BUNDLE_DEPLOYED, rebuilt_on_postgres=True)


# The data key every test database is sealed with (tests of rotation add keys to it).
TEST_DATA_KEY = "test:" + "MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA="


@contextmanager
def services_on(url: str, clock, folder: Path, overrides: dict | None = None) -> Iterator[Services]:
    """The services of a real bootstrap on the database at `url`, uploads kept in `folder`; closed after."""
    settings = load_settings(environ={}, overrides={"database.url": url, "uploads.dir": str(folder / "uploads"),
                                                    "security.data_key": TEST_DATA_KEY, **(overrides or {})})
    built = bootstrap(settings, clock)
    share_compiled_versions(built.definitions)
    try:
        yield built
    finally:
        built.close()


def create_actor(services: Services, username: str, roles, organisation: str = XIHU) -> Actor:
    """Create a user with the password `password123` and return the Actor that acts for them."""
    roles = [roles] if isinstance(roles, str) else list(roles)
    with services.db.unit_of_work() as tx:
        user = create_user(tx, services.clock, username, username, "password123", organisation, roles)
        return Actor.of(user)


@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    with services_on(database_copy(ORGANISATIONS, backend).url, clock, tmp_path) as built:
        yield built


@pytest.fixture
def make_actor(services):
    """Create a user (once) and return the Actor that acts for them."""
    def make(username: str, roles, organisation: str = XIHU) -> Actor:
        return create_actor(services, username, roles, organisation)
    return make
