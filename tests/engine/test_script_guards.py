"""Each way one line of a script could run long or build a huge value inside a single C call is stopped by a
guard, a script that catches the stop is stopped anyway, and ordinary scripts compute what Python would."""
from __future__ import annotations

import time

import pytest

from engine.spiff.limits import LimitSignal, ScriptLimits
from engine.spiff.scripting import RestrictedEnvironment

LIMITS = ScriptLimits(time_seconds=0.5, memory_megabytes=64)


def run(script: str) -> dict:
    context: dict = {}
    RestrictedEnvironment({}, LIMITS).execute(script, context)
    return context


@pytest.mark.parametrize(("script", "limit"), [
    ("while True: pass", "time"),
    ("total = sum(x * x for x in range(300_000))\nwhile total: total = total + 1", "time"),
    ("def f(n):\n    return f(n + 1) + f(n + 1) if n < 60 else 1\nx = f(0)", "time"),
    ("f = lambda n: 1 if n > 60 else f(n + 1) + f(n + 1)\nx = f(0)", "time"),
    ("while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass", "time"),
    ("try:\n    while True: pass\nexcept BaseException:\n    done = True", "time"),
    ("total = sum(range(300_000_000))", "memory"),
    ('x = "x" * 10**10', "memory"),
    ("x = [0] * 10**9", "memory"),
    ("x = 10 ** 10 ** 10", "memory"),
    ("x = pow(10, 10 ** 10)", "memory"),
    ("x = 1 << 10 ** 9", "memory"),
    ("s = 'x'\nwhile True: s = s + s", "memory"),
    ("s = 'x'\nwhile True: s += s", "memory"),
    ("s = 'x'.ljust(10 ** 9)", "memory"),
    ("s = ('x' * 1000).replace('x', 'y' * 100000)", "memory"),
    ("s = ('x' * 100000).join(['a'] * 100000)", "memory"),
    ("s = f'{1:>999999999}'", "memory"),
    ("s = '%999999999d' % 1", "memory"),
    ("x = math.factorial(10 ** 6)", "memory"),
])
def test_a_script_past_a_limit_is_stopped_promptly(script, limit):
    started = time.monotonic()
    with pytest.raises(LimitSignal) as caught:
        run(script)
    assert caught.value.limit == limit
    assert time.monotonic() - started < 5 * LIMITS.time_seconds


def test_ordinary_scripts_compute_what_python_would():
    assert run("a = 7 * 6\nb = 'ab' * 2\nc = f'{a:>5}|{b!r}'\nd = '%05.1f' % 2.25\ne = sum(range(10))\n"
               "f = [i * i for i in range(4)]\ng = math.floor(2.5) + pow(2, 10) + divmod(7, 2)[0]\n"
               "h = ', '.join(['x', 'y']).upper()\nn = 0\nwhile n < 3:\n    n += 1\n") == {
        "a": 42, "b": "abab", "c": "   42|'abab'", "d": "002.2", "e": 45, "f": [0, 1, 4, 9], "g": 1029,
        "h": "X, Y", "n": 3}


def test_random_numbers_are_not_available_because_replay_must_compute_the_same():
    with pytest.raises(NameError):
        run("x = random.random()")
