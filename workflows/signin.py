"""Signing in with protection against guessing, and changing one's own password.

Failed sign-ins are counted per account: past `lockout_failures` in a row the account is locked, for a
time that doubles with each further failure (up to a maximum). A password change moves the account's
session epoch on, which ends every other session (the web layer compares the epoch a session began in).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from engine.clock import Clock
from engine.errors import FieldError, InvalidData, NotFound
from engine.store import Database
from workflows.accounts import (
    hash_password,
    needs_rehash,
    password_matches,
    verify_password,
)
from workflows.models import User
from workflows.rules.passwords import password_problem
from workflows.settings import SecuritySettings


@dataclass(frozen=True)
class SignInPolicy:
    """How many failures lock an account and for how long; the password length people must choose."""

    failures: int = 5
    lock_minutes: int = 15
    max_lock_minutes: int = 24 * 60
    password_min_length: int = 10

    @classmethod
    def of(cls, security: SecuritySettings) -> SignInPolicy:
        return cls(security.lockout_failures, security.lockout_minutes, security.lockout_max_minutes,
                   security.password_min_length)

    def lock_for(self, failures: int) -> timedelta | None:
        """How long the account is locked after `failures` failures in a row (None: not locked)."""
        if failures < self.failures:
            return None
        doublings = min(failures - self.failures, 20)
        return timedelta(minutes=min(self.lock_minutes * 2 ** doublings, self.max_lock_minutes))


@dataclass(frozen=True)
class SignInOutcome:
    """The signed-in user (None when refused) and, for a locked account, until when it is locked."""

    user: User | None
    locked_until: datetime | None = None


def sign_in(db: Database, clock: Clock, policy: SignInPolicy, username: str, password: str) -> SignInOutcome:
    """Check the name and password, counting failures against the account. A locked account is refused even
    with the right password; the password is still checked, so that a refusal takes as long either way.

    The password is checked (argon2, a good fraction of a second) outside any write transaction; only the
    outcome is written, in a short one, on the row read again."""
    with db.reader() as session:
        found = session.execute(sa.select(User.id, User.password_hash)
                                .where(User.username == (username or "").strip())).first()
    matches = verify_password(found.password_hash if found else None, password)
    if found is None:
        return SignInOutcome(None)
    with db.unit_of_work() as tx:
        user = tx.get(User, found.id)
        if user is None:
            return SignInOutcome(None)
        if matches and user.password_hash != found.password_hash:
            matches = verify_password(user.password_hash, password)  # changed meanwhile: check the new one
        if matches and needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return record_attempt(user, clock.now(), policy, matches)


def attempt_sign_in(session: so.Session, now: datetime, policy: SignInPolicy, username: str,
                    password: str) -> SignInOutcome:
    """`sign_in` within the caller's transaction (the command line, tests)."""
    user = session.scalar(sa.select(User).where(User.username == (username or "").strip()))
    matches = password_matches(user, password)
    if user is None:
        return SignInOutcome(None)
    return record_attempt(user, now, policy, matches)


def record_attempt(user: User, now: datetime, policy: SignInPolicy, matches: bool) -> SignInOutcome:
    """Count the attempt against the account: refused while locked; a failure may lock it; success clears."""
    if user.locked_until is not None and user.locked_until > now:
        return SignInOutcome(None, user.locked_until)
    if not matches or not user.active:
        user.failed_logins += 1
        lock = policy.lock_for(user.failed_logins)
        user.locked_until = now + lock if lock is not None else None
        return SignInOutcome(None, user.locked_until)
    user.failed_logins, user.locked_until = 0, None
    return SignInOutcome(user)


def password_errors(password: str, username: str, policy: SignInPolicy) -> FieldError | None:
    """The policy's objection to a password chosen for `username`, as a field error, or None."""
    problem = password_problem(password, username, policy.password_min_length)
    return FieldError(*problem) if problem is not None else None


def set_password(user: User, password: str, now: datetime, must_change: bool,
                 password_hash: str | None = None) -> None:
    """Store a new password (already checked against the policy; `password_hash` when it was hashed before
    the transaction) and end the user's other sessions."""
    user.password_hash = password_hash or hash_password(password)
    user.password_changed_at = now
    user.must_change_password = must_change
    user.failed_logins, user.locked_until = 0, None
    user.session_epoch += 1


def change_own_password(session: so.Session, now: datetime, policy: SignInPolicy, user_id: int, current: str,
                        new: str, confirm: str) -> int:
    """The user replaces their password, giving the current one; returns the new session epoch (the web
    layer keeps the session that made the change and every other session of the user ends)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("user.not_found", user=user_id)
    errors: dict[str, FieldError] = {}
    if not password_matches(user, current):
        errors["current_password"] = FieldError("password.wrong_current")
    problem = password_errors(new, user.username, policy)
    if problem is not None:
        errors["new_password"] = problem
    elif new == current:
        errors["new_password"] = FieldError("password.same_as_current")
    if not errors.get("new_password") and new != confirm:
        errors["confirm_password"] = FieldError("password.mismatch")
    if errors:
        raise InvalidData("password.not_changed", errors=errors)
    set_password(user, new, now, must_change=False)
    return user.session_epoch
