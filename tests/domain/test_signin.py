"""Sign-in protection as use cases, on both databases: failures lock an account for a growing time, the
clock releases it; the password policy; a user changing their own password ends their other sessions."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.errors import InvalidData
from workflows.models import User
from workflows.rules.passwords import password_problem
from workflows.signin import SignInPolicy, change_own_password
from workflows.signin import sign_in as sign_in_as_the_pages_do

POLICY = SignInPolicy(failures=3, lock_minutes=10, max_lock_minutes=30)


def sign_in(services, username: str, password: str):
    outcome = sign_in_as_the_pages_do(services.db, services.clock, POLICY, username, password)
    return (outcome.user.username if outcome.user else None), outcome.locked_until


def account(services, username: str) -> User:
    with services.db.reader() as session:
        return session.scalar(sa.select(User).where(User.username == username))


def test_failures_lock_the_account_for_a_growing_time_that_the_clock_releases(services, make_actor):
    make_actor("xh-reg", "registrar")
    now = services.clock.now()
    assert [sign_in(services, "xh-reg", "wrong") for _ in range(2)] == [(None, None), (None, None)]
    assert sign_in(services, "xh-reg", "wrong") == (None, now + timedelta(minutes=10)), "the third failure locks"
    assert sign_in(services, "xh-reg", "password123") == (None, now + timedelta(minutes=10)), \
        "locked even with the right password"
    assert account(services, "xh-reg").failed_logins == 3, "tries while locked do not count"

    services.clock.advance(timedelta(minutes=10, seconds=1))
    later = services.clock.now()
    assert sign_in(services, "xh-reg", "wrong") == (None, later + timedelta(minutes=20)), "twice as long"
    services.clock.advance(timedelta(minutes=21))
    assert sign_in(services, "xh-reg", "wrong")[1] == services.clock.now() + timedelta(minutes=30), "capped"
    services.clock.advance(timedelta(minutes=31))
    assert sign_in(services, "xh-reg", "password123") == ("xh-reg", None)
    assert (account(services, "xh-reg").failed_logins, account(services, "xh-reg").locked_until) == (0, None)


def test_an_unknown_name_is_refused_like_a_wrong_password(services):
    assert sign_in(services, "nobody", "whatever") == (None, None)


def test_a_disabled_account_is_refused_even_with_its_password(services, make_actor):
    make_actor("xh-off", "registrar")
    with services.db.unit_of_work() as tx:
        tx.scalar(sa.select(User).where(User.username == "xh-off")).active = False
    assert sign_in(services, "xh-off", "password123") == (None, None)


@pytest.mark.parametrize("password, username, problem", [
    ("short-pw", "someone", "password.too_short"),
    ("Someone.Else", "someone.else", "password.same_as_username"),
    ("Password123", "someone", "password.too_common"),
    ("woaini1314", "someone", "password.too_common"),
    ("aaaaaaaaaaaa", "someone", "password.too_common"),
    ("correct horse battery", "someone", None),
])
def test_the_password_policy(password, username, problem):
    found = password_problem(password, username, 10)
    assert (found[0] if found else None) == problem


def test_changing_ones_password_checks_the_current_one_and_the_policy(services, make_actor):
    make_actor("xh-han", "handler")
    user = account(services, "xh-han")
    cases = [
        (("wrong", "New-secret-2026", "New-secret-2026"), {"current_password": "password.wrong_current"}),
        (("password123", "xh-han", "xh-han"), {"new_password": "password.too_short"}),
        (("password123", "password123", "password123"), {"new_password": "password.too_common"}),
        (("password123", "New-secret-2026", "New-secret-2027"), {"confirm_password": "password.mismatch"}),
    ]
    for (current, new, confirm), expected in cases:
        with pytest.raises(InvalidData) as refused, services.db.unit_of_work() as tx:
            change_own_password(tx, services.clock.now(), POLICY, user.id, current, new, confirm)
        assert {k: e.code for k, e in refused.value.errors.items()} == expected
    assert account(services, "xh-han").password_hash == user.password_hash, "nothing changed"

    with services.db.unit_of_work() as tx:
        epoch = change_own_password(tx, services.clock.now(), POLICY, user.id, "password123", "New-secret-2026",
                                    "New-secret-2026")
    changed = account(services, "xh-han")
    assert epoch == changed.session_epoch == user.session_epoch + 1
    assert changed.password_changed_at == services.clock.now() and not changed.must_change_password
    assert sign_in(services, "xh-han", "New-secret-2026") == ("xh-han", None)
    assert sign_in(services, "xh-han", "password123")[0] is None
