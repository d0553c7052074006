"""JSON values as field paths need them: hashable, ordered, and printed as Go prints them.

List-map keys and set members are JSON values inside path elements, so they are kept frozen
(hashable), compared in structured-merge-diff's total order across JSON types, and written
as Go writes them (compact JSON with Go's HTML-safe escapes; `%q`-quoted strings in paths).
"""

from __future__ import annotations

import json
from typing import Any


class FieldsError(ValueError):
    """managedFields content that is not a valid FieldsV1 document or entry."""


#: A JSON value in hashable form: ("n", number) ("s", text) ("b", flag) ("l", items)
#: ("m", sorted members) ("z",) for null. Numbers compare across int and float, as SMD does.
Frozen = tuple[Any, ...]
_RANK = {"n": 0, "s": 1, "b": 2, "l": 3, "m": 4, "z": 5}


def freeze(value: Any) -> Frozen:
    if value is None:
        return ("z",)
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("l", tuple(freeze(item) for item in value))
    if isinstance(value, dict):
        return ("m", tuple(sorted((key, freeze(item)) for key, item in value.items())))
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def thaw(frozen: Frozen) -> Any:
    tag = frozen[0]
    if tag == "z":
        return None
    if tag == "l":
        return [thaw(item) for item in frozen[1]]
    if tag == "m":
        return {key: thaw(item) for key, item in frozen[1]}
    return frozen[1]


def compare_values(left: Frozen, right: Frozen) -> int:
    if left[0] != right[0]:
        return -1 if _RANK[left[0]] < _RANK[right[0]] else 1
    tag = left[0]
    if tag == "z":
        return 0
    if tag in ("l", "m"):
        for a, b in zip(left[1], right[1], strict=False):
            if tag == "m":
                if a[0] != b[0]:
                    return -1 if a[0] < b[0] else 1
                a, b = a[1], b[1]
            if (c := compare_values(a, b)) != 0:
                return c
        return (len(left[1]) > len(right[1])) - (len(left[1]) < len(right[1]))
    return int(left[1] > right[1]) - int(left[1] < right[1])


def go_json(value: Any) -> str:
    """Compact JSON as Go's encoder writes it (HTML-safe escapes included)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def go_string(value: Any) -> str:
    """value.ToString: strings quoted, numbers and booleans as Go prints them."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(go_string(item) for item in value) + "]"
    if isinstance(value, dict):
        return "".join(f"{key}={go_string(item)}" for key, item in value.items())
    return str(value)
