"""What an openAPIV3Schema in a CRD may say at all (apiextensions' OpenAPI schema validation).

Independent of structure: the OpenAPI v3 features Kubernetes does not support (`$ref`, `id`,
`patternProperties`, `dependencies`, `definitions`, `additionalItems`, `uniqueItems: true`,
`type: null`), types outside the six JSON ones, `properties` beside a schema-valued
`additionalProperties`, defaults where they cannot apply (in top-level metadata), and the
rules of the `x-kubernetes-*` extensions (list and map types, list-map keys). The walk visits
nodes in the real order; properties in the schema's own order (Go visits a map at random).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kubegate.api.errors import (
    CAUSE_FORBIDDEN,
    CAUSE_INVALID,
    CAUSE_NOT_SUPPORTED,
    CAUSE_REQUIRED,
    FieldError,
)
from kubegate.registry.customresources.govalues import GoValue
from kubegate.registry.customresources.structural import child, key

Schema = dict[str, Any]

OPENAPI_TYPES = ("array", "boolean", "integer", "number", "object", "string")
_META_FIELDS = ("metadata", "kind", "apiVersion")
#: (JSON key, message) of features refused outright, in the order the real checks run.
_UNSUPPORTED = (
    ("id", "id is not supported"),
    ("additionalItems", "additionalItems is not supported"),
    ("patternProperties", "patternProperties is not supported"),
    ("definitions", "definitions is not supported"),
    ("dependencies", "dependencies is not supported"),
    ("$ref", "$ref is not supported"),
)


@dataclass(frozen=True, slots=True)
class _Context:
    allow_defaults: bool = True
    defaults_reason: str = ""
    inside_meta: bool = False


def _not_supported(path: str, value: str, allowed: tuple[str, ...] | list[str]) -> FieldError:
    return FieldError(CAUSE_NOT_SUPPORTED, path, "supported values: " + ", ".join(f'"{v}"' for v in allowed), value)


def validate_schema(schema: Schema, path: str) -> list[FieldError]:
    """Every rule violation in `schema` (a CRD's openAPIV3Schema) under field path `path`."""
    return _walk(schema, path, _Context(), root=True)


def _standard(schema: Schema, path: str, context: _Context) -> list[FieldError]:
    errors: list[FieldError] = []
    kind = schema.get("type")
    if isinstance(kind, str) and kind and kind not in OPENAPI_TYPES:
        errors.append(_not_supported(child(path, "type"), kind, OPENAPI_TYPES))
    if "default" in schema and schema["default"] is not None and not context.allow_defaults:
        detail = "must not be set" + (f" {context.defaults_reason}" if context.defaults_reason else "")
        errors.append(FieldError(CAUSE_FORBIDDEN, child(path, "default"), detail))
    for name, message in _UNSUPPORTED:
        if schema.get(name) not in (None, "", {}, []):
            errors.append(FieldError(CAUSE_FORBIDDEN, child(path, name), message))
    if kind == "null":
        errors.append(FieldError(CAUSE_FORBIDDEN, child(path, "type"), "type cannot be set to null, use nullable as an alternative"))
    if isinstance(schema.get("items"), list) and schema["items"]:
        errors.append(FieldError(CAUSE_FORBIDDEN, child(path, "items"), "items must be a schema object and not an array"))
    if context.inside_meta and schema.get("x-kubernetes-embedded-resource") is True:
        errors.append(FieldError(CAUSE_FORBIDDEN, child(path, "x-kubernetes-embedded-resource"), "must not be used inside of resource meta"))
    return errors


def _walk(schema: Schema, path: str, context: _Context, *, root: bool = False) -> list[FieldError]:
    errors = _standard(schema, path, context)
    if schema.get("uniqueItems") is True:
        errors.append(FieldError(CAUSE_FORBIDDEN, child(path, "uniqueItems"),
                                 "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"))  # fmt: skip
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    assert isinstance(properties, dict)
    additional = schema.get("additionalProperties")
    if additional is not None:
        if properties and (additional is not True):
            errors.append(FieldError(CAUSE_FORBIDDEN, child(path, "additionalProperties"),
                                     "additionalProperties and properties are mutual exclusive"))  # fmt: skip
        if isinstance(additional, dict):
            sub_context = context
            if context.inside_meta:
                sub_context = replace(context, allow_defaults=False,
                                      defaults_reason="inside additionalProperties applying to object metadata")  # fmt: skip
            errors += _walk(additional, child(path, "additionalProperties"), sub_context)
    for name, sub in properties.items():
        if not isinstance(sub, dict):
            continue
        sub_context = context
        if (root or schema.get("x-kubernetes-embedded-resource") is True) and name in _META_FIELDS:
            sub_context = replace(sub_context, inside_meta=True)
            if root:
                sub_context = replace(sub_context, allow_defaults=False, defaults_reason=f"in top-level {name}")
        errors += _walk(sub, key(child(path, "properties"), name), sub_context)
    if isinstance(schema.get("not"), dict):
        errors += _walk(schema["not"], child(path, "not"), context)
    for junctor in ("allOf", "oneOf", "anyOf"):
        for index, sub in enumerate(schema.get(junctor) or ()):
            if isinstance(sub, dict):
                errors += _walk(sub, f"{child(path, junctor)}[{index}]", context)
    items = schema.get("items")
    if isinstance(items, dict):
        errors += _walk(items, child(path, "items"), context)
    errors += _extensions(schema, path)
    return errors


def _extensions(schema: Schema, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    kind = schema.get("type") if isinstance(schema.get("type"), str) else ""
    if schema.get("x-kubernetes-preserve-unknown-fields") is False:
        errors.append(FieldError(CAUSE_INVALID, child(path, "x-kubernetes-preserve-unknown-fields"), "must be true or undefined", False))
    map_type = schema.get("x-kubernetes-map-type")
    if map_type is not None and kind != "object":
        message = "must be object if x-kubernetes-map-type is specified"
        errors.append(FieldError(CAUSE_INVALID, child(path, "type"), message, kind) if kind
                      else FieldError(CAUSE_REQUIRED, child(path, "type"), message))  # fmt: skip
    if map_type is not None and map_type not in ("atomic", "granular"):
        errors.append(_not_supported(child(path, "x-kubernetes-map-type"), str(map_type), ("atomic", "granular")))
    list_type = schema.get("x-kubernetes-list-type")
    items = schema.get("items") if isinstance(schema.get("items"), dict) else None
    if list_type is not None and kind != "array":
        message = "must be array if x-kubernetes-list-type is specified"
        errors.append(FieldError(CAUSE_INVALID, child(path, "type"), message, kind) if kind
                      else FieldError(CAUSE_REQUIRED, child(path, "type"), message))  # fmt: skip
    elif list_type == "set" and items is not None:
        errors += _atomic_set_items(items, path)
    if list_type is not None and list_type not in ("atomic", "set", "map"):
        errors.append(_not_supported(child(path, "x-kubernetes-list-type"), str(list_type), ("atomic", "set", "map")))
    map_keys = schema.get("x-kubernetes-list-map-keys")
    keys = [k for k in map_keys if isinstance(k, str)] if isinstance(map_keys, list) else []
    if keys:
        if list_type is None:
            errors.append(FieldError(CAUSE_REQUIRED, child(path, "x-kubernetes-list-type"), "must be map if x-kubernetes-list-map-keys is non-empty"))
        elif list_type != "map":
            errors.append(FieldError(CAUSE_INVALID, child(path, "x-kubernetes-list-type"),
                                     "must be map if x-kubernetes-list-map-keys is non-empty", list_type))  # fmt: skip
    if list_type == "map":
        errors += _map_list(schema, items, keys, path)
    if list_type in ("set", "map") and items is not None:
        errors += _map_set_items(items, list_type, keys, path)
    for index, rule in enumerate(schema.get("x-kubernetes-validations") or ()):
        if isinstance(rule, dict) and not str(rule.get("rule") or "").strip():
            errors.append(FieldError(CAUSE_REQUIRED, child(f"{child(path, 'x-kubernetes-validations')}[{index}]", "rule"), "rule is not specified"))
    return errors


def _atomic_set_items(items: Schema, path: str) -> list[FieldError]:
    message = "must be atomic as item of a list with x-kubernetes-list-type=set"
    item_type = items.get("type")
    if item_type == "array" and items.get("x-kubernetes-list-type") not in (None, "atomic"):
        return [FieldError(CAUSE_INVALID, child(child(path, "items"), "x-kubernetes-list-type"), message,
                           GoValue(f'(*string)("{items["x-kubernetes-list-type"]}")'))]  # fmt: skip
    if item_type == "object" and items.get("x-kubernetes-map-type") != "atomic":
        shown = items.get("x-kubernetes-list-type")
        value = GoValue("(*string)(nil)") if shown is None else GoValue(f'(*string)("{shown}")')
        return [FieldError(CAUSE_INVALID, child(child(path, "items"), "x-kubernetes-map-type"), message, value)]
    return []


def _map_list(schema: Schema, items: Schema | None, keys: list[str], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not keys:
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map"))
    if "items" not in schema:
        errors.append(FieldError(CAUSE_REQUIRED, child(path, "items"), "must have a schema if x-kubernetes-list-type is map"))
    if items is None:
        return errors
    item_type = items.get("type") if isinstance(items.get("type"), str) else ""
    if item_type != "object":
        errors.append(FieldError(CAUSE_INVALID, child(child(path, "items"), "type"), "must be object if parent array's x-kubernetes-list-type is map", item_type))
        return errors
    properties = items.get("properties") if isinstance(items.get("properties"), dict) else {}
    assert isinstance(properties, dict)
    shown = GoValue("[]string{" + ", ".join(f'"{k}"' for k in keys) + "}")
    seen: set[str] = set()
    for name in keys:
        prop = properties.get(name)
        if isinstance(prop, dict):
            if prop.get("type") in ("array", "object"):
                errors.append(FieldError(CAUSE_INVALID, child(key(child(child(path, "items"), "properties"), name), "type"),
                                         "must be a scalar type if parent array's x-kubernetes-list-type is map", item_type))  # fmt: skip
        else:
            errors.append(FieldError(CAUSE_INVALID, child(path, "x-kubernetes-list-map-keys"), "entries must all be names of item properties", shown))
        if name in seen:
            errors.append(FieldError(CAUSE_INVALID, child(path, "x-kubernetes-list-map-keys"), "must not contain duplicate entries", shown))
        seen.add(name)
    return errors


def _map_set_items(items: Schema, list_type: str, keys: list[str], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if items.get("nullable") is True:
        errors.append(FieldError(CAUSE_FORBIDDEN, child(child(path, "items"), "nullable"), f"cannot be nullable when x-kubernetes-list-type is {list_type}"))
    if list_type != "map":
        return errors
    required = set(items.get("required") or ())
    properties = items.get("properties") if isinstance(items.get("properties"), dict) else {}
    assert isinstance(properties, dict)
    for name in keys:
        prop = properties.get(name)
        if not isinstance(prop, dict):
            continue
        prop_path = key(child(child(path, "items"), "properties"), name)
        if name not in required and "default" not in prop:
            errors.append(FieldError(CAUSE_REQUIRED, child(prop_path, "default"),
                                     "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"))  # fmt: skip
        if prop.get("nullable") is True:
            errors.append(FieldError(CAUSE_FORBIDDEN, child(prop_path, "nullable"),
                                     "this property is in x-kubernetes-list-map-keys, so it cannot be nullable"))  # fmt: skip
    return errors
