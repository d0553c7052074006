"""Uniqueness of `x-kubernetes-list-type: set` and `map` lists in custom objects.

A set may not repeat an element; a map list may not repeat a key (the tuple of its
`x-kubernetes-list-map-keys`). Each repeat after the first is reported once as
`Duplicate value`, with the element (set) or its key fields (map), as apiextensions'
listtype validation reports them.
"""

from __future__ import annotations

from typing import Any

import orjson

from kubegate.api.errors import CAUSE_DUPLICATE, CAUSE_INVALID, FieldError
from kubegate.registry.customresources.govalues import bad_value

Schema = dict[str, Any]
_UNSPECIFIED = object()


def validate_lists(obj: dict[str, Any], schema: Schema | None) -> list[FieldError]:
    if schema is None:
        return []
    return _object("", obj, schema)


def _object(path: str, obj: dict[str, Any], schema: Schema) -> list[FieldError]:
    out: list[FieldError] = []
    additional = schema.get("additionalProperties")
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    assert isinstance(properties, dict)
    if isinstance(additional, dict):
        for key, value in obj.items():
            out += _value(f"{path}[{key}]", value, additional)
    for key, value in obj.items():
        sub = properties.get(key)
        if isinstance(sub, dict):
            out += _value(f"{path}.{key}" if path else key, value, sub)
    return out


def _value(path: str, value: Any, schema: Schema) -> list[FieldError]:
    if isinstance(value, list):
        return _array(path, value, schema)
    if isinstance(value, dict):
        return _object(path, value, schema)
    return []


def _array(path: str, value: list[Any], schema: Schema) -> list[FieldError]:
    out: list[FieldError] = []
    list_type = schema.get("x-kubernetes-list-type")
    if list_type == "set":
        out += [FieldError(CAUSE_DUPLICATE, f"{path}[{i}]", bad_value=bad_value(value[i])) for i in _repeats(value)]
    elif list_type == "map":
        out += _map_list(path, value, [k for k in schema.get("x-kubernetes-list-map-keys") or () if isinstance(k, str)])
    items = schema.get("items")
    if isinstance(items, dict):
        for index, item in enumerate(value):
            out += _value(f"{path}[{index}]", item, items)
    return out


def _map_list(path: str, value: list[Any], keys: list[str]) -> list[FieldError]:
    for index, item in enumerate(value):
        if item is not None and not isinstance(item, dict):
            return [FieldError(CAUSE_INVALID, f"{path}[{index}]", "must be an object for an array of list-type map", bad_value(item))]
    if len(value) <= 1:
        return []
    if len(keys) == 1:
        singles = [(item or {}).get(keys[0], _UNSPECIFIED) for item in value]
        return [
            FieldError(
                CAUSE_DUPLICATE, f"{path}[{i}]",
                bad_value=bad_value({} if singles[i] is _UNSPECIFIED else {keys[0]: singles[i]}),
            )
            for i in _repeats(singles)
        ]  # fmt: skip
    tuples = [{k: item[k] for k in keys if k in item} if item else {} for item in value]
    return [FieldError(CAUSE_DUPLICATE, f"{path}[{i}]", bad_value=bad_value(tuples[i])) for i in _repeats(tuples)]


def _repeats(values: list[Any]) -> list[int]:
    """Indices of the second occurrence of each repeated value (later ones are not reported)."""
    seen: dict[Any, int] = {}
    repeats = []
    for index, value in enumerate(values):
        key = _identity(value)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] == 2:
            repeats.append(index)
    return repeats


def _identity(value: Any) -> Any:
    if value is _UNSPECIFIED:
        return ("unspecified",)
    if isinstance(value, (dict, list)):
        return ("json", orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
    return (type(value).__name__, value)
