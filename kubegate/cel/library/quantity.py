"""The Kubernetes quantity library (1.28): quantity("1Gi"), isQuantity, comparisons, arithmetic.

Parsing follows resource.ParseQuantity (the message for a bad text is its error), values are
exact decimals; `asInteger` fails with `cannot convert value to integer` for fractions and for
values outside int64, as `Quantity.AsInt64` does.
"""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation
from typing import Any

from kubegate.api.strict.scalars import quantity_error
from kubegate.cel.library import types
from kubegate.cel.library.declare import (
    BOOL,
    DOUBLE,
    INT,
    STRING,
    LibraryError,
    function,
    glob,
    member,
)

_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_INT64 = (-(2**63), 2**63 - 1)
Q = types.QUANTITY


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> Decimal:
    problem = quantity_error(text)
    if problem is not None:
        raise LibraryError(problem)
    end = len(text)
    while end > 0 and not (text[end - 1].isdigit() or text[end - 1] == "."):
        end -= 1
    number, suffix = text[:end], text[end:]
    try:
        if suffix in _BINARY:
            return Decimal(number) * Decimal(2 ** _BINARY[suffix])
        if suffix in _DECIMAL:
            return Decimal(number).scaleb(_DECIMAL[suffix])
        return Decimal(text)  # an exponent: 1e3, 5E-2
    except InvalidOperation:
        raise LibraryError(problem or "unable to parse quantity's suffix") from None


def _make(value: Decimal) -> Any:
    text = format(value.normalize(), "f") if value else "0"
    return types.make("kubernetes.Quantity", text)


def _value(quantity: Any) -> Decimal:
    return Decimal(quantity.value or "0")


def to_quantity(text: str) -> Any:
    return _make(parse(text))


def is_quantity(text: str) -> bool:
    return quantity_error(text) is None


def sign(q: Any) -> int:
    value = _value(q)
    return (value > 0) - (value < 0)


def compare(a: Any, b: Any) -> int:
    x, y = _value(a), _value(b)
    return (x > y) - (x < y)


def as_integer(q: Any) -> int:
    value = _value(q)
    if value != value.to_integral_value() or not _INT64[0] <= value <= _INT64[1]:
        raise LibraryError("cannot convert value to integer")
    return int(value)


def is_integer(q: Any) -> bool:
    value = _value(q)
    return value == value.to_integral_value() and _INT64[0] <= value <= _INT64[1]


def add(a: Any, b: Any) -> Any:
    return _make(_value(a) + (Decimal(b) if isinstance(b, int) else _value(b)))


def sub(a: Any, b: Any) -> Any:
    return _make(_value(a) - (Decimal(b) if isinstance(b, int) else _value(b)))


DECLARATIONS = (
    function("quantity", glob("string_to_quantity", Q, [STRING], to_quantity)),
    function("isQuantity", glob("is_quantity_string", BOOL, [STRING], is_quantity)),
    function("sign", member("quantity_sign", INT, [Q], sign)),
    function("isGreaterThan", member("quantity_is_greater_than", BOOL, [Q, Q], lambda a, b: compare(a, b) > 0)),
    function("isLessThan", member("quantity_is_less_than", BOOL, [Q, Q], lambda a, b: compare(a, b) < 0)),
    function("compareTo", member("quantity_compare_to", INT, [Q, Q], compare)),
    function("asApproximateFloat", member("quantity_get_float", DOUBLE, [Q], lambda q: float(_value(q)))),
    function("asInteger", member("quantity_get_int", INT, [Q], as_integer)),
    function("isInteger", member("quantity_is_integer", BOOL, [Q], is_integer)),
    function("add", member("quantity_add", Q, [Q, Q], add), member("quantity_add_int", Q, [Q, INT], add)),
    function("sub", member("quantity_sub", Q, [Q, Q], sub), member("quantity_sub_int", Q, [Q, INT], sub)),
)
