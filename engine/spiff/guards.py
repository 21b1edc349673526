"""Guarded versions of the operations through which one line of a script could build a huge value or run
long inside a single C call, out of reach of the loop ticks: arithmetic, `%` and f-string formatting,
text padding, replacing and joining, `range`, `pow`, `divmod` and the `math` functions.

Each predicts the size of its result and asks the evaluation's budget (engine/spiff/limits.py) first. The
policy transformer (engine/spiff/policy.py) rewrites designer code to call them.
"""
from __future__ import annotations

import math
import operator
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from types import SimpleNamespace
from typing import Any

from engine.spiff.limits import allocate, limits_in_force, tick

# Integers bigger than this (about 19,700 decimal digits) are refused: dividing two of them is already
# quadratic in C, and no process needs more than a few dozen digits.
MAX_INT_BITS = 1 << 16
_SEQUENCES = (str, bytes, list, tuple)

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
    "%": operator.mod, "**": operator.pow, "<<": operator.lshift, ">>": operator.rshift, "&": operator.and_,
    "|": operator.or_, "^": operator.xor,
}


def _bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) else 0


def _size(value: Any) -> int:
    """Bytes a sequence's items take (without the object header), to predict a repetition or concatenation."""
    return sys.getsizeof(value) - sys.getsizeof(type(value)())


def _refuse() -> None:
    allocate(1 << 62)  # beyond any limit: refused as memory


def _check_int(bits: int) -> None:
    if bits > MAX_INT_BITS:
        _refuse()


def guarded_binop(op: str, left: Any, right: Any) -> Any:
    """`left op right`, refusing an integer beyond MAX_INT_BITS or a sequence beyond the value limit."""
    if isinstance(left, int) and isinstance(right, int):
        _check_int(max(_bits(left), _bits(right)))
        if op == "*":
            _check_int(_bits(left) + _bits(right))
        elif op == "**" and right > 0:
            _check_int(_bits(left) * right if abs(left) > 1 else 1)
        elif op == "<<" and right > 0:
            _check_int(_bits(left) + right)
    elif op == "*":
        if isinstance(left, _SEQUENCES) and isinstance(right, int):
            allocate(_size(left) * max(right, 0))
        elif isinstance(right, _SEQUENCES) and isinstance(left, int):
            allocate(_size(right) * max(left, 0))
    elif op == "+" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        allocate(_size(left) + _size(right))
    elif op == "%" and isinstance(left, (str, bytes)):
        _check_percent_format(left, right)
    return _OPERATORS[op](left, right)


def guarded_inplace(op: str, left: Any, right: Any) -> Any:
    """`left op= right` for a plain name (RestrictedPython's _inplacevar_)."""
    return guarded_binop(op[:-1], left, right)


# width and precision of a %-format or format() spec
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")
_FORMAT_SPEC = re.compile(r"^(?:.?[<>=^])?[+\- ]?z?#?0?(\d+)?[,_]?(?:\.(\d+))?[a-zA-Z%]?$", re.DOTALL)


def _check_width(*numbers: str | int | None) -> None:
    limits = limits_in_force()
    if limits is None:
        return
    for number in numbers:
        if number not in (None, "", "*") and int(number) > limits.value_bytes:
            allocate(int(number))


def _check_percent_format(text: str | bytes, args: Any) -> None:
    pattern = text if isinstance(text, str) else text.decode("latin-1")
    for width, precision in _PERCENT_SPEC.findall(pattern):
        _check_width(width, precision)
        if "*" in (width, precision):
            _check_width(*(a for a in (args if isinstance(args, tuple) else (args,)) if isinstance(a, int)))


def guarded_format(value: Any, spec: str = "", conversion: int = -1) -> str:
    """One f-string field `{value!conversion:spec}`, refusing a width or precision beyond the value limit."""
    if conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("s"):
        value = str(value)
    elif conversion == ord("a"):
        value = ascii(value)
    found = _FORMAT_SPEC.match(spec)
    if found:
        _check_width(*found.groups())
    elif spec:
        _check_width(*re.findall(r"\d+", spec))
    return format(value, spec)


def guarded_range(*args: int) -> range:
    """range(), refused beyond `range_items` numbers: sum(), list() or sorted() consume it in one C call."""
    numbers = range(*args)
    limits = limits_in_force()
    if limits is not None:
        try:
            count = len(numbers)
        except OverflowError:
            count = sys.maxsize
        if count > limits.range_items:
            _refuse()
    return numbers


def guarded_pow(base: Any, exponent: Any, modulo: Any = None) -> Any:
    if modulo is None:
        return guarded_binop("**", base, exponent)
    _check_int(max(_bits(base), _bits(exponent), _bits(modulo)) * 16)  # square-and-multiply: bits(exp) steps
    return pow(base, exponent, modulo)


def guarded_divmod(left: Any, right: Any) -> tuple[Any, Any]:
    guarded_binop("//", left, right)
    return divmod(left, right)


def guarded_iter(iterable: Iterable) -> Iterator:
    """Iteration in designer code (for loops, comprehensions, unpacking): one tick per item."""
    for item in iterable:
        tick()
        yield item


# Text methods that can return much more than they were given.
def _padded(method: Callable) -> Callable:
    def pad(width: int, *rest: Any) -> Any:
        _check_width(width)
        return method(width, *rest)
    return pad


def _replace(text: str | bytes) -> Callable:
    def replace(old: Any, new: Any, count: int = -1) -> Any:
        hits = (len(text) + 1) if not old else text.count(old)
        if count >= 0:
            hits = min(hits, count)
        _check_width(len(text) + hits * max(len(new) - len(old), 0))
        return text.replace(old, new, count)
    return replace


def _join(separator: str | bytes) -> Callable:
    def join(items: Iterable) -> Any:
        items = list(guarded_iter(items))
        allocate(_size(separator) * max(len(items) - 1, 0) + sum(_size(i) for i in items if isinstance(i, _SEQUENCES)))
        return separator.join(items)
    return join


def _expandtabs(text: str | bytes) -> Callable:
    def expandtabs(tabsize: int = 8) -> Any:
        _check_width(text.count("\t" if isinstance(text, str) else b"\t") * max(tabsize, 0) + len(text))
        return text.expandtabs(tabsize)
    return expandtabs


_TEXT_METHODS: dict[str, Callable[[Any], Callable]] = {
    "ljust": lambda text: _padded(text.ljust), "rjust": lambda text: _padded(text.rjust),
    "center": lambda text: _padded(text.center), "zfill": lambda text: _padded(text.zfill),
    "replace": _replace, "join": _join, "expandtabs": _expandtabs,
}


def guard_attribute(obj: Any, name: str, value: Any) -> Any:
    """The text methods above in their guarded form; every other attribute as it is."""
    if isinstance(obj, (str, bytes)) and name in _TEXT_METHODS:
        return _TEXT_METHODS[name](obj)
    return value


def _factorial(n: int) -> int:
    _check_int(int(n * max(math.log2(max(n, 2)), 1)))
    return math.factorial(n)


def _comb_or_perm(function: Callable) -> Callable:
    def bounded(n: int, k: int | None = None) -> int:
        _check_int(_bits(n) * (n if k is None else min(k, n)))
        return function(n, k) if k is not None else function(n)
    return bounded


# The math module as scripts see it: floating-point functions as they are, the integer ones bounded.
_MATH_PLAIN = ("ceil", "floor", "trunc", "fabs", "sqrt", "exp", "log", "log2", "log10", "pow", "sin", "cos",
               "tan", "asin", "acos", "atan", "atan2", "hypot", "degrees", "radians", "isfinite", "isinf",
               "isnan", "isclose", "copysign", "fmod", "modf", "fsum", "gcd", "isqrt", "pi", "e", "tau",
               "inf", "nan")
SAFE_MATH = SimpleNamespace(**{name: getattr(math, name) for name in _MATH_PLAIN},
                            factorial=_factorial, comb=_comb_or_perm(math.comb), perm=_comb_or_perm(math.perm))
