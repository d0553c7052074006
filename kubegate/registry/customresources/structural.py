"""Structural schemas: the shape rules a CRD's openAPIV3Schema must follow (apiextensions v1).

A schema is structural when every level says what it is (`type`, unless
`x-kubernetes-int-or-string` or `x-kubernetes-preserve-unknown-fields` stand in for it), when
the logical junctors (`allOf`, `anyOf`, `oneOf`, `not`) only add value validations to fields
the structure already declares, and when `metadata` at the root is left to the server. The
checks and messages are those of apiextensions' schema/validation.go and complete.go; the
errors come back sorted by their text, as the real function sorts them.
"""

from __future__ import annotations

import re
from typing import Any

from kubegate.api.errors import CAUSE_FORBIDDEN, CAUSE_INVALID, CAUSE_REQUIRED, FieldError

Schema = dict[str, Any]

ROOT, ITEM, FIELD = "root", "item", "field"
_EMPTY_TYPE = {
    ROOT: "must not be empty at the root",
    ITEM: "must not be empty for specified array items",
    FIELD: "must not be empty for specified object fields",
}
_JUNCTORS = ("allOf", "anyOf", "oneOf")
#: Inside a junctor, these may not appear: (key, how the message says they must be).
_NESTED_FORBIDDEN = (
    ("type", "must be empty to be structural"),
    ("additionalProperties", "must be undefined to be structural"),
    ("default", "must be undefined to be structural"),
    ("title", "must be empty to be structural"),
    ("description", "must be empty to be structural"),
    ("nullable", "must be false to be structural"),
    ("x-kubernetes-preserve-unknown-fields", "must be false to be structural"),
    ("x-kubernetes-embedded-resource", "must be false to be structural"),
    ("x-kubernetes-int-or-string", "must be false to be structural"),
    ("x-kubernetes-list-map-keys", "must be empty to be structural"),
    ("x-kubernetes-list-type", "must be undefined to be structural"),
    ("x-kubernetes-map-type", "must be undefined to be structural"),
    ("x-kubernetes-validations", "must be empty to be structural"),
)
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]


def child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def key(path: str, name: str) -> str:
    return f"{path}[{name}]"


def _set(value: Any) -> bool:
    """Whether a Go field holding `value` would be non-zero (numbers are pointers: set)."""
    if value is None or value is False:
        return False
    return not (isinstance(value, (str, list, dict)) and not value)


def _properties(schema: Schema) -> dict[str, Schema]:
    properties = schema.get("properties")
    return {k: v for k, v in properties.items() if isinstance(v, dict)} if isinstance(properties, dict) else {}


def _items(schema: Schema) -> Schema | None:
    items = schema.get("items")
    return items if isinstance(items, dict) else None


def _additional(schema: Schema) -> Schema | None:
    additional = schema.get("additionalProperties")
    return additional if isinstance(additional, dict) else None


def conversion_error(schema: Schema) -> str:
    """What NewStructural refuses outright (shown only when nothing else is wrong)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node.get("items"), list):
            return "OpenAPIV3Schema 'items' must be a schema, but is an array"
        stack.extend(_properties(node).values())
        stack.extend(s for s in (_items(node), _additional(node), node.get("not")) if isinstance(s, dict))
        for junctor in _JUNCTORS:
            stack.extend(s for s in node.get(junctor) or () if isinstance(s, dict))
    return ""


def validate_structural(path: str, schema: Schema) -> list[FieldError]:
    errors = _invariants(schema, ROOT, path) + _completeness(schema, schema, path, path)
    return sorted(errors, key=str)


def _invariants(schema: Schema, level: str, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    kind = schema.get("type") if isinstance(schema.get("type"), str) else ""
    items = _items(schema)
    if kind == "array" and items is None:
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "items"), "must be specified"))
    if items is not None:
        errors += _invariants(items, ITEM, child(path, "items"))
    for name, sub in _properties(schema).items():
        errors += _invariants(sub, FIELD, key(child(path, "properties"), name))
    if "additionalProperties" in schema and schema["additionalProperties"] is not None:
        if level == ROOT:
            errors.append(FieldError(CAUSE_FORBIDDEN, child(path, "additionalProperties"), "must not be used at the root"))
        if (additional := _additional(schema)) is not None:
            errors += _invariants(additional, FIELD, child(path, "additionalProperties"))
    int_or_string = schema.get("x-kubernetes-int-or-string") is True
    preserve = schema.get("x-kubernetes-preserve-unknown-fields") is True
    embedded = schema.get("x-kubernetes-embedded-resource") is True
    if int_or_string and preserve:
        errors.append(FieldError(CAUSE_INVALID, child(path, "x-kubernetes-preserve-unknown-fields"),
                                 "must be false if x-kubernetes-int-or-string is true", True))  # fmt: skip
    if int_or_string and embedded:
        errors.append(FieldError(CAUSE_INVALID, child(path, "x-kubernetes-embedded-resource"),
                                 "must be false if x-kubernetes-int-or-string is true", True))  # fmt: skip
    errors += _value_validation(schema, path, skip_any_of=schema.get("anyOf") == _INT_OR_STRING)
    check_metadata = level == ROOT or embedded
    if embedded and kind != "object":
        message = "must be object if x-kubernetes-embedded-resource is true"
        errors.append(FieldError(CAUSE_INVALID, child(path, "type"), message, kind) if kind
                      else FieldError(CAUSE_REQUIRED, child(path, "type"), message))  # fmt: skip
    elif not kind and not int_or_string and not preserve:
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "type"), _EMPTY_TYPE[level]))
    if embedded and schema.get("additionalProperties") is not None:
        errors.append(FieldError(CAUSE_FORBIDDEN, child(path, "additionalProperties"),
                                 "must not be used if x-kubernetes-embedded-resource is set"))  # fmt: skip
    if level == ROOT and kind and kind != "object":
        errors.append(FieldError(CAUSE_INVALID, child(path, "type"), "must be object at the root", kind))
    properties = _properties(schema)
    for name in ("kind", "apiVersion"):
        if name in properties and check_metadata and properties[name].get("type") != "string":
            errors.append(FieldError(CAUSE_INVALID, child(key(child(path, "properties"), name), "type"), "must be string",
                                     str(properties[name].get("type") or "")))  # fmt: skip
    if "metadata" in properties:
        errors += _metadata(properties["metadata"], check_metadata, level, key(child(path, "properties"), "metadata"))
    if embedded and not preserve and not properties:
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "properties"),
                                 "must not be empty if x-kubernetes-embedded-resource is true without "
                                 "x-kubernetes-preserve-unknown-fields"))  # fmt: skip
    return errors


def _metadata(schema: Schema, check_metadata: bool, level: str, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    kind = schema.get("type") if isinstance(schema.get("type"), str) else ""
    if check_metadata and kind != "object":
        errors.append(FieldError(CAUSE_INVALID, child(path, "type"), "must be object", kind))
    if level == ROOT:
        rest = {k: v for k, v in schema.items() if k not in ("type", "default")}
        properties = _properties(schema)
        if set(properties) <= {"name", "generateName"} and properties:
            rest.pop("properties", None)
        if any(_set(v) for v in rest.values()):
            errors.append(FieldError(CAUSE_FORBIDDEN, path,
                                     "must not specify anything other than name and generateName, but metadata "
                                     "is implicitly specified"))  # fmt: skip
    return errors


def _value_validation(schema: Schema, path: str, *, skip_any_of: bool = False) -> list[FieldError]:
    errors: list[FieldError] = []
    if not skip_any_of:
        for index, sub in enumerate(schema.get("anyOf") or ()):
            if isinstance(sub, dict):
                errors += _nested(sub, f"{child(path, 'anyOf')}[{index}]")
    all_of = [sub for sub in schema.get("allOf") or () if isinstance(sub, dict)]
    # the int-or-string pattern (`anyOf: [{type: integer}, {type: string}]`) may name types
    int_or_string_first = bool(all_of) and all_of[0].get("anyOf") == _INT_OR_STRING
    for index, sub in enumerate(all_of):
        errors += _nested(sub, f"{child(path, 'allOf')}[{index}]", skip_any_of=index == 0 and int_or_string_first)
    for index, sub in enumerate(schema.get("oneOf") or ()):
        if isinstance(sub, dict):
            errors += _nested(sub, f"{child(path, 'oneOf')}[{index}]")
    if isinstance(schema.get("not"), dict):
        errors += _nested(schema["not"], child(path, "not"))
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            errors.append(FieldError(CAUSE_INVALID, child(path, "pattern"),
                                     f"must be a valid regular expression, but isn't: {exc}", pattern))  # fmt: skip
    return errors


def _nested(schema: Schema, path: str, *, skip_any_of: bool = False) -> list[FieldError]:
    errors = _value_validation(schema, path, skip_any_of=skip_any_of)
    if (items := _items(schema)) is not None:
        errors += _nested(items, child(path, "items"))
    for name, sub in _properties(schema).items():
        errors += _nested(sub, key(child(path, "properties"), name))
    for name, message in _NESTED_FORBIDDEN:
        present = schema.get(name) is not None if name == "additionalProperties" else _set(schema.get(name))
        if present:
            errors.append(FieldError(CAUSE_FORBIDDEN, child(path, name), message))
    if "metadata" in _properties(schema):
        errors.append(FieldError(CAUSE_FORBIDDEN, key(child(path, "properties"), "metadata"),
                                 "must not be specified in a nested context"))  # fmt: skip
    return errors


def _completeness(value_schema: Schema, structure: Schema | None, s_path: str, v_path: str) -> list[FieldError]:
    """Fields named inside a junctor must exist in the structure (complete.go)."""
    errors: list[FieldError] = []
    if isinstance(value_schema.get("not"), dict):
        errors += _nested_complete(value_schema["not"], structure, s_path, child(v_path, "not"))
    for junctor in ("allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(value_schema.get(junctor) or ()):
            if isinstance(sub, dict):
                errors += _nested_complete(sub, structure, s_path, f"{child(v_path, junctor)}[{index}]")
    return errors


def _nested_complete(value_schema: Schema, structure: Schema | None, s_path: str, v_path: str) -> list[FieldError]:
    if structure is None:
        return [FieldError(CAUSE_REQUIRED, s_path, f"because it is defined in {v_path}")]
    errors = _completeness(value_schema, structure, s_path, v_path)
    if (items := _items(value_schema)) is not None:
        errors += _nested_complete(items, _items(structure), child(s_path, "items"), child(v_path, "items"))
    declared = _properties(structure)
    for name, sub in _properties(value_schema).items():
        if name not in declared:
            errors.append(FieldError(CAUSE_REQUIRED, key(child(s_path, "properties"), name),
                                     f"because it is defined in {key(child(v_path, 'properties'), name)}"))  # fmt: skip
        else:
            errors += _nested_complete(sub, declared[name], key(child(s_path, "properties"), name),
                                       key(child(v_path, "properties"), name))  # fmt: skip
    return errors
