"""Validation of one openAPIV3Schema of a CRD (validateCustomResourceDefinitionValidation).

In the real order: with the status subresource on, only an `object` root with a restricted set
of keywords; no `nullable` root; the structural rules (or, once the structure is sound, every
`default` pruned and valid against its own schema); the OpenAPI feature rules; and only if
nothing else was wrong, what the structural conversion itself refused.
"""

from __future__ import annotations

import copy
from typing import Any

from kubegate.api.errors import CAUSE_FORBIDDEN, CAUSE_INVALID, FieldError
from kubegate.registry.customresources import pruning, validator
from kubegate.registry.customresources.govalues import GoValue, bad_value
from kubegate.registry.customresources.schema_rules import validate_schema
from kubegate.registry.customresources.structural import (
    child,
    conversion_error,
    key,
    validate_structural,
)

Schema = dict[str, Any]

#: JSON keys allowed at the root of a schema whose version has the status subresource, in the
#: order of the Go struct fields the real check walks.
ALLOWED_AT_ROOT_WITH_STATUS = (
    "description", "type", "format", "title", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
    "multipleOf", "required", "items", "properties", "externalDocs", "example",
    "x-kubernetes-preserve-unknown-fields", "x-kubernetes-validations",
)  # fmt: skip
#: The Go field names the message lists.
_ALLOWED_GO_NAMES = (
    "[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength "
    "MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties "
    "ExternalDocs Example XPreserveUnknownFields XValidations]"
)
#: JSONSchemaProps keys in Go field order, for finding the first one the root may not have.
_FIELD_ORDER = (
    "id", "$schema", "$ref", "description", "type", "format", "title", "default", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
    "maxItems", "minItems", "uniqueItems", "multipleOf", "enum", "maxProperties", "minProperties",
    "required", "items", "allOf", "oneOf", "anyOf", "not", "properties", "additionalProperties",
    "patternProperties", "dependencies", "additionalItems", "definitions", "externalDocs",
    "example", "nullable", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
    "x-kubernetes-int-or-string", "x-kubernetes-list-map-keys", "x-kubernetes-list-type",
    "x-kubernetes-map-type", "x-kubernetes-validations",
)  # fmt: skip


def validate_version_schema(schema: Schema | None, path: str, *, status_enabled: bool) -> list[FieldError]:
    """Errors of `schema` (the openAPIV3Schema under `path`, e.g. `spec.validation`)."""
    if schema is None:
        return []
    root = child(path, "openAPIV3Schema")
    errors: list[FieldError] = []
    if status_enabled:
        errors += _status_root(schema, path)
    if schema.get("nullable") is True:
        errors.append(FieldError(CAUSE_FORBIDDEN, child(path, "openAPIV3Schema.nullable"), "nullable cannot be true at the root"))
    refused = conversion_error(schema)
    if not refused:
        structural = validate_structural(root, schema)
        errors += structural if structural else validate_defaults(schema, root)
    errors += validate_schema(schema, root)
    if not errors and refused:
        errors.append(FieldError(CAUSE_INVALID, root, refused, ""))
    return errors


def _status_root(schema: Schema, path: str) -> list[FieldError]:
    for name in _FIELD_ORDER:
        value = schema.get(name)
        if value in (None, False, "", [], {}):
            continue
        if name == "type":
            if value != "object":
                return [FieldError(CAUSE_INVALID, child(path, "openAPIV3Schema.type"), 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled', value)]
            continue
        if name not in ALLOWED_AT_ROOT_WITH_STATUS:
            # Go prints the whole struct here (%#v, pointers as addresses); the gist is enough
            shown = GoValue("apiextensions.JSONSchemaProps{...}")
            message = f"only {_ALLOWED_GO_NAMES} fields are allowed at the root of the schema if the status subresource is enabled"
            return [FieldError(CAUSE_INVALID, child(path, "openAPIV3Schema"), message, shown)]
    return []


def validate_defaults(schema: Schema, path: str, *, resource_root: bool = True, inside_meta: bool = False) -> list[FieldError]:
    """Every `default` must survive pruning unchanged and validate against its own schema."""
    errors: list[FieldError] = []
    embedded = resource_root or schema.get("x-kubernetes-embedded-resource") is True
    if "default" in schema and schema["default"] is not None and not inside_meta:
        default = schema["default"]
        node = {**schema, "x-kubernetes-embedded-resource": True} if embedded and schema.get("type") == "object" else schema
        pruned = copy.deepcopy(default)
        pruning.prune_value(pruned, node, resource_root=embedded and isinstance(pruned, dict))
        if pruned != default:
            errors.append(FieldError(CAUSE_INVALID, child(path, "default"), "must not have unknown fields", bad_value(default)))
        errors += validator.validate(schema, default, prefix=child(path, "default"))
    items = schema.get("items")
    if isinstance(items, dict):
        errors += validate_defaults(items, child(path, "items"), resource_root=False, inside_meta=inside_meta)
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    assert isinstance(properties, dict)
    for name, sub in properties.items():
        if isinstance(sub, dict):
            meta = inside_meta or (embedded and name in ("metadata", "apiVersion", "kind"))
            errors += validate_defaults(sub, key(child(path, "properties"), name), resource_root=False, inside_meta=meta)
    return errors
