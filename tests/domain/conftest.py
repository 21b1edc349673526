"""Fixtures for the petition domain: the services of a real bootstrap on a test database, with the bundle
deployed, the demo organisations and one user per role at the 西湖 (EEB-330106) bureau."""
from __future__ import annotations

import pytest

from engine.bundles import read_bundle
from engine.models import Base
from workflows.accounts import Actor, create_user, seed_organisations
from workflows.bootstrap import bootstrap
from workflows.settings import PROJECT_ROOT, load_settings

XIHU = "EEB-330106"


@pytest.fixture
def services(database_url, clock, tmp_path):
    settings = load_settings(environ={}, overrides={"database.url": database_url,
                                                    "uploads.dir": str(tmp_path / "uploads")})
    built = bootstrap(settings, clock)
    Base.metadata.create_all(built.db.engine)
    built.definitions.deploy(read_bundle(PROJECT_ROOT / "bpmn"), "designer")
    with built.db.unit_of_work() as tx:
        seed_organisations(tx)
    yield built
    built.close()


@pytest.fixture
def make_actor(services):
    """Create a user (once) and return the Actor that acts for them."""
    def make(username: str, roles, organisation: str = XIHU) -> Actor:
        roles = [roles] if isinstance(roles, str) else list(roles)
        with services.db.unit_of_work() as tx:
            user = create_user(tx, services.clock, username, username, "password123", organisation, roles)
            return Actor.of(user)
    return make
