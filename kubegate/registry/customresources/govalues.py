"""How Go prints JSON values inside validation messages: `%v` and `%#v` of unstructured data.

Custom resources are unstructured on a real server (`map[string]interface{}`, `[]interface{}`,
int64, float64, string, bool, nil), and field errors print a bad value with `%v` when it is a
simple type and `%#v` otherwise. Messages built from kube-openapi use `%v` of float64 bounds.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from kubegate.api.gofmt import go_quote


def go_float(value: float) -> str:
    """`%v` of a float64: the shortest digits, with an exponent only below 1e-4 or from 1e21 on."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if -4 <= exponent < 21:
        text = format(Decimal(repr(value)), "f")
        return text.removesuffix(".0")
    return repr(value)  # Python's exponent form is Go's: 1e+21, 1.5e-07


def go_number(value: float) -> str:
    return go_float(value) if isinstance(value, float) else str(value)


def go_v(value: Any) -> str:
    """`%v`: strings bare, maps as `map[k:v]`, slices as `[a b]`, nil as `<nil>`."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return go_number(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_v(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_v(item) for item in value) + "]"
    return str(value)


def go_sharp_v(value: Any) -> str:
    """`%#v` of an unstructured value, as field errors print maps and slices."""
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, dict):
        body = ", ".join(f"{go_quote(str(k))}:{go_sharp_v(value[k])}" for k in sorted(value))
        return "map[string]interface {}{" + body + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_sharp_v(item) for item in value) + "}"
    return str(value)


class GoValue:
    """A bad value for `FieldError` that prints exactly as Go's field.Error would print it."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"GoValue({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoValue) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def bad_value(value: Any) -> Any:
    """A JSON value as `FieldError.bad_value`: simple values as is (strings are quoted there),
    floats in Go's spelling, maps and slices as `%#v`."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return GoValue(go_float(value))
    return GoValue(go_sharp_v(value))
