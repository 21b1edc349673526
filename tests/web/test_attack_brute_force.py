"""Login brute force is slowed: wrong passwords lock the account (then even the right one is refused), and
one address trying many accounts is refused with 429 past the configured limit. The limits themselves are
built in webui/auth (sign-in protection); these tests attack them from outside, on both databases."""
from __future__ import annotations

import re

import pytest

from tests.domain.conftest import services_on
from tests.web.conftest import WEB_SETTINGS, WEB_USERS, SignedIn


@pytest.fixture
def services(backend, database_copy, clock, tmp_path):
    """The web tests' services, on each backend."""
    with services_on(database_copy(WEB_USERS, backend).url, clock, tmp_path, WEB_SETTINGS) as built:
        yield built


def _guess(web: SignedIn, username: str, password: str = "not-the-password"):
    return web.login(username, password)


def test_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(web, services):
    failures = services.settings.security.lockout_failures
    statuses = [_guess(web, "reg-hz").status_code for _ in range(failures)]
    assert 302 not in statuses
    right = web.login("reg-hz")
    assert right.status_code != 302, "the account is locked: the right password must not sign in now"
    assert "/queue" not in right.headers.get("Location", "")
    assert web.get("/queue").status_code == 302


def test_one_address_guessing_many_accounts_is_refused_past_the_limit(web, services):
    allowed = int(re.match(r"\s*(\d+)", services.settings.security.login_ip_limit).group(1))
    statuses = [_guess(web, f"guess-{number}").status_code for number in range(allowed)]
    assert 429 not in statuses and 302 not in statuses
    assert _guess(web, "guess-last").status_code == 429
    # The real user from that address is refused too until the window passes.
    assert web.login("reg-xh").status_code == 429
