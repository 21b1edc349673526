"""The password policy for passwords people choose: long enough, not the user name, not a common password.

Returns the problem as an error code and its parameters (callers turn it into a FieldError)."""
from __future__ import annotations

MIN_LENGTH = 10

# Passwords that lead every leaked-password list, Chinese sites' included (pinyin, 1314, keyboard rows), of
# the lengths the policy would otherwise accept. Compared without case.
COMMON_PASSWORDS = frozenset({
    "1234567890", "0123456789", "12345678910", "123456789a", "a123456789", "1234567890a", "1234567890q",
    "0987654321", "9876543210", "1111111111", "0000000000", "1122334455", "1357924680", "5201314520",
    "1314520520", "5211314521", "woaini1314", "woaini520", "woaini5201314", "iloveyou1314", "qwertyuiop",
    "qwertyuiop123", "1qaz2wsx3edc", "1q2w3e4r5t", "1q2w3e4r5t6y", "q1w2e3r4t5", "qazwsxedcrfv", "asdfghjkl;",
    "asdfghjkl123", "zxcvbnm123", "qwerty1234", "qwerty123456", "abc1234567", "abcd123456", "abcd1234567",
    "abc123456789", "a1b2c3d4e5", "aa123456789", "password12", "password123", "password1234", "passw0rd123",
    "p@ssw0rd123", "p@ssword123", "admin12345", "admin123456", "administrator", "root123456",
    "iloveyou123", "iloveyou12", "welcome123", "welcome1234", "letmein123", "changeme123", "football123",
    "baseball123", "sunshine123", "princess123", "monkey12345", "dragon12345", "shadow12345", "master12345",
    "superman123", "batman12345", "trustno1234", "whatever123", "123qweasdzxc", "qweasdzxc123", "123456qwerty",
    "123456abcdef", "zhang123456", "wang123456", "li123456789", "woaini123456", "aini1314520", "12345678900",
    "88888888888", "66666666666", "13141314520", "19491001", "password", "qwerty12345", "computer123",
    "internet123", "test123456", "test1234567", "user123456", "guest123456", "default123", "secret12345",
    "ecopetition", "ecopetition1", "ecopetition123",
})


def password_problem(password: str, username: str, min_length: int = MIN_LENGTH) -> tuple[str, dict] | None:
    """The first problem with a password someone chose for the account `username`, or None."""
    password = password or ""
    if len(password) < min_length:
        return "password.too_short", {"min": min_length}
    if username and password.strip().lower() == username.strip().lower():
        return "password.same_as_username", {}
    if password.lower() in COMMON_PASSWORDS or len(set(password)) <= 2:
        return "password.too_common", {}
    return None
