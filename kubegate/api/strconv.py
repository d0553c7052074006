"""Integers from client text, parsed as Go's strconv parses them: the one place that bounds them.

Python's `int()` accepts any length up to 4,300 digits and then raises a ValueError that tells
the client about `sys.set_int_max_str_digits()`; Go's `strconv.ParseInt` and `ParseUint` stop at
the type's range and answer `strconv.ParseInt: parsing "…": value out of range`. Every integer
a request carries as text (query parameters, selector values, YAML scalars) goes through here,
so a 5,000-digit `limit` gets the real server's 400 and never reaches `int()` unbounded.
"""

from __future__ import annotations

from kubegate.api.gofmt import go_quote

#: The most digits an int64/uint64 can have; anything longer (leading zeros aside) is out of range.
_MAX_DIGITS = 20


class NumError(ValueError):
    """strconv.NumError: `strconv.<Func>: parsing "<text>": <reason>`."""

    def __init__(self, func: str, text: str, reason: str) -> None:
        super().__init__(f"strconv.{func}: parsing {go_quote(text)}: {reason}")
        self.func, self.text, self.reason = func, text, reason


INVALID_SYNTAX = "invalid syntax"
OUT_OF_RANGE = "value out of range"


def _magnitude(digits: str) -> int | None:
    """The value of ASCII decimal `digits`, or None when it is longer than any 64-bit integer."""
    significant = digits.lstrip("0")
    if len(significant) > _MAX_DIGITS:
        return None
    return int(significant or "0")


def _is_decimal(text: str) -> bool:
    return bool(text) and text.isascii() and text.isdigit()


def parse_int(text: str, *, bits: int = 64, func: str = "ParseInt") -> int:
    """strconv.ParseInt(text, 10, bits)."""
    sign, digits = (text[0], text[1:]) if text[:1] in ("+", "-") else ("", text)
    if not _is_decimal(digits):
        raise NumError(func, text, INVALID_SYNTAX)
    magnitude = _magnitude(digits)
    value = None if magnitude is None else (-magnitude if sign == "-" else magnitude)
    if value is None or not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
        raise NumError(func, text, OUT_OF_RANGE)
    return value


def parse_uint(text: str, *, bits: int = 64) -> int:
    """strconv.ParseUint(text, 10, bits): no sign allowed."""
    if not _is_decimal(text):
        raise NumError("ParseUint", text, INVALID_SYNTAX)
    value = _magnitude(text)
    if value is None or value >= 1 << bits:
        raise NumError("ParseUint", text, OUT_OF_RANGE)
    return value


def atoi(text: str) -> int:
    """strconv.Atoi: ParseInt for Go's 64-bit int, with Atoi in the message."""
    return parse_int(text, func="Atoi")
