"""Fixtures for the designers' use cases: the domain's services (bundle deployed, organisations seeded) on
both databases, a designer and a handler."""
from __future__ import annotations

import pytest

from tests.domain.conftest import make_actor, services  # noqa: F401  (fixtures)


@pytest.fixture
def designer(make_actor):  # noqa: F811
    return make_actor("des-zj", "designer", "EEB-330000")


@pytest.fixture
def handler(make_actor):  # noqa: F811
    return make_actor("han-xh", "handler")
