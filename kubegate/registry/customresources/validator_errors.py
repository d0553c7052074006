"""kube-openapi's validation errors, and the field errors apiextensions makes of them.

`kubeOpenAPIResultToFieldErrors`: a missing property is `Required value`, an enum miss
`Unsupported value` with the allowed values, a string over maxLength `Too long`, too many items
or properties `Too many`, a wrong type `Invalid value` with reason FieldValueTypeInvalid, the
rest `Invalid value: <value>: <kube-openapi message>`; errors that are not kube-openapi
Validation errors (junctor and number-range failures) land on the nil path `<nil>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from kubegate.api.errors import (
    CAUSE_INVALID,
    CAUSE_NOT_SUPPORTED,
    CAUSE_REQUIRED,
    CAUSE_TOO_LONG,
    CAUSE_TOO_MANY,
    CAUSE_TYPE_INVALID,
    FieldError,
)
from kubegate.registry.customresources.govalues import bad_value

#: kube-openapi's `in`, which every message names
IN = "body"
#: What `field.NewPath` prints for a nil path: errors kube-openapi reports without a name.
NIL_PATH = "<nil>"


@dataclass(slots=True)
class Failure:
    """One kube-openapi error: its kind, the path it names, its message and the bad value."""

    kind: str  # type | required | enum | too_long | max_items | other | plain
    name: str
    message: str
    value: Any = None
    limit: int = -1
    allowed: list[Any] = field(default_factory=list)


def to_field_error(failure: Failure, prefix: str) -> FieldError:
    if failure.kind == "plain":  # not a Validation error: reported at the (nil) root path
        return FieldError(CAUSE_INVALID, prefix or NIL_PATH, failure.message, "")
    name = failure.name.removeprefix(".") if failure.name not in ("", ".") else ""
    path = ".".join(part for part in (prefix, name) if part) or NIL_PATH
    if failure.kind == "required":
        return FieldError(CAUSE_REQUIRED, path)
    if failure.kind == "enum":
        values = [v if isinstance(v, str) else orjson.dumps(v).decode() for v in failure.allowed]
        detail = "supported values: " + ", ".join(quote(v) for v in values) if values else ""
        return FieldError(CAUSE_NOT_SUPPORTED, path, detail, bad_value(failure.value))
    if failure.kind == "too_long":
        return FieldError(CAUSE_TOO_LONG, path, f"may not be more than {failure.limit} bytes")
    if failure.kind == "max_items":
        return FieldError(CAUSE_TOO_MANY, path, f"must have at most {failure.limit} items", failure.value)
    kind = CAUSE_TYPE_INVALID if failure.kind == "type" else CAUSE_INVALID
    value = "" if failure.value is None else bad_value(failure.value)
    return FieldError(kind, path, failure.message, value)


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
