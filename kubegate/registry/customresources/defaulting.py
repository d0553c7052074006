"""Schema defaults (`default:`) applied to custom objects, as apiextensions' defaulter does.

Runs after pruning on every write (and the real server also runs it on every read from
storage): a property that is absent, or null where the schema does not allow null, gets a
copy of its default; then defaulting descends into every present property, map value and
array item. Defaults are themselves pruned and validated when the CRD is written, so what is
filled in here is always valid.
"""

from __future__ import annotations

import copy
from typing import Any

Schema = dict[str, Any]


def apply_defaults(value: Any, schema: Schema | None) -> None:
    """Fill defaults into `value` (a dict or list, changed in place) following `schema`."""
    if schema is None:
        return
    if isinstance(value, dict):
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        assert isinstance(properties, dict)
        for key, sub in properties.items():
            has_default = isinstance(sub, dict) and sub.get("default") is not None
            if has_default and (key not in value or _null_not_allowed(value[key], sub)):
                value[key] = copy.deepcopy(sub["default"])
        additional = schema.get("additionalProperties")
        for key in list(value):
            sub = properties.get(key)
            if isinstance(sub, dict):
                apply_defaults(value[key], sub)
            elif isinstance(additional, dict):
                if _null_not_allowed(value[key], additional) and additional.get("default") is not None:
                    value[key] = copy.deepcopy(additional["default"])
                apply_defaults(value[key], additional)
    elif isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, dict):
            return
        for index, item in enumerate(value):
            if _null_not_allowed(item, items) and items.get("default") is not None:
                value[index] = copy.deepcopy(items["default"])
            apply_defaults(value[index], items)


def _null_not_allowed(value: Any, schema: Schema) -> bool:
    return value is None and schema.get("nullable") is not True


def has_defaults(schema: Any) -> bool:
    """Whether any node of `schema` declares a default."""
    if not isinstance(schema, dict):
        return False
    if "default" in schema:
        return True
    children: list[Any] = list((schema.get("properties") or {}).values()) if isinstance(schema.get("properties"), dict) else []
    children += [schema.get(key) for key in ("items", "additionalProperties", "not")]
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            children += schema[key]
    return any(has_defaults(child) for child in children)
