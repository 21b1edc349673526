"""Fixtures for the REST API: the web tests' services and app, and tokens made through the domain function an
administrator's page calls."""
from __future__ import annotations

import pytest

from tests.web import conftest as web
from workflows.accounts import Actor
from workflows.channels.tokens import create_token

# The web tests' fixtures: the services on a copy of the database with the users, the app, the clock.
app, services, clock, compiled_catalogs = web.app, web.services, web.clock, web.compiled_catalogs
ADMIN = Actor("admin", "EEB-330000", frozenset({"admin"}), "管理员")


class System:
    """A channel system's HTTP client: every call carries its token."""

    def __init__(self, client, secret: str) -> None:
        self.client, self.secret = client, secret

    def _headers(self, headers: dict | None) -> dict:
        return {"Authorization": f"Bearer {self.secret}", **(headers or {})}

    def get(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def post(self, path: str, headers: dict | None = None, **kwargs):
        return self.client.post(path, headers=self._headers(headers), **kwargs)


@pytest.fixture
def system(app, services):
    """`system(organisation, roles)`: a new token's client."""
    made = []

    def make(organisation: str = "EEB-330106", roles=("registrar", "handler"), name: str | None = None) -> System:
        issued = create_token(services, ADMIN, name or f"sys-{len(made)}", organisation, roles)
        made.append(issued)
        return System(app.test_client(), issued.secret)
    return make
