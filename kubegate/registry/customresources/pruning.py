"""Structural pruning: the fields a schema does not know are dropped on the way in.

As apiextensions' decoder does for every custom object it reads from a request: fields that no
`properties`/`additionalProperties` (or `x-kubernetes-preserve-unknown-fields`) account for
are removed silently, `null`s where the schema neither allows nor defaults them are removed,
and `metadata` keeps only ObjectMeta's fields, at the root and in embedded resources
(`x-kubernetes-embedded-resource`). `prune` returns the dropped paths (`spec.foo`,
`spec.items[0].bar`, `metadata.foo`), which are what `fieldValidation=Strict` reports as
`unknown field "spec.foo"`.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

#: A resource's own fields, kept (and checked elsewhere) at the root of every resource.
META_FIELDS = frozenset({"apiVersion", "kind", "metadata"})
#: metav1.ObjectMeta's JSON fields: anything else under metadata is not kept.
OBJECT_META_FIELDS = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields",
})  # fmt: skip


def prune(obj: dict[str, Any], schema: Schema | None) -> list[str]:
    """Prune a whole custom object in place; the removed paths, sorted (metadata's first)."""
    removed = _coerce_metadata(obj, "")
    pruned: list[str] = []
    _prune(obj, _as_resource(schema), [], pruned)
    _drop_nulls(obj, schema)
    return removed + sorted(pruned)


def prune_value(value: Any, schema: Schema | None, *, resource_root: bool = False) -> list[str]:
    """Prune any value in place (a CRD default, say): the removed paths, relative to it."""
    removed: list[str] = []
    _prune(value, _as_resource(schema) if resource_root else schema, [], removed)
    return removed


def unknown_fields(obj: dict[str, Any], schema: Schema | None) -> list[str]:
    """What `prune` would remove from `obj`, leaving `obj` alone."""
    import copy

    return prune(copy.deepcopy(obj), schema)


def _as_resource(schema: Schema | None) -> Schema:
    """The root is always treated as an embedded resource: apiVersion/kind/metadata stay."""
    return {**(schema or {}), "x-kubernetes-embedded-resource": True}


def _child_schemas(schema: Schema) -> tuple[dict[str, Any], Schema | None, bool]:
    properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    assert isinstance(properties, dict)
    additional = schema.get("additionalProperties")
    # `additionalProperties: true` (or `{}`-less true) admits any key but describes nothing below
    has_additional = additional is True or isinstance(additional, dict)
    return properties, additional if isinstance(additional, dict) else None, has_additional


def _prune(value: Any, schema: Schema | None, path: list[str], removed: list[str]) -> None:
    if schema is not None and schema.get("x-kubernetes-preserve-unknown-fields") is True:
        _skip_prune(value, schema, path, removed)
        return
    if isinstance(value, dict):
        if schema is None:
            for key in list(value):
                removed.append(_join(path, key))
                del value[key]
            return
        embedded = schema.get("x-kubernetes-embedded-resource") is True
        properties, additional, has_additional = _child_schemas(schema)
        for key in list(value):
            if embedded and key in META_FIELDS:
                continue
            if key in properties and isinstance(properties[key], dict):
                _prune(value[key], properties[key], [*path, key], removed)
            elif has_additional:
                _prune(value[key], additional, [*path, key], removed)
            else:
                if key not in META_FIELDS or path:
                    removed.append(_join(path, key))
                del value[key]
        if embedded and path:
            removed.extend(_coerce_metadata(value, _join(path, "")))
    elif isinstance(value, list):
        items = schema.get("items") if schema is not None and isinstance(schema.get("items"), dict) else None
        for index, item in enumerate(value):
            _prune(item, items, [*path, f"[{index}]"], removed)


def _skip_prune(value: Any, schema: Schema, path: list[str], removed: list[str]) -> None:
    """Under x-kubernetes-preserve-unknown-fields unknown keys stay; known ones are still pruned."""
    if isinstance(value, dict):
        embedded = schema.get("x-kubernetes-embedded-resource") is True
        properties, additional, has_additional = _child_schemas(schema)
        for key in list(value):
            if embedded and key in META_FIELDS:
                continue
            if key in properties and isinstance(properties[key], dict):
                _prune(value[key], properties[key], [*path, key], removed)
            elif has_additional:
                _prune(value[key], additional, [*path, key], removed)
        if embedded and path:
            removed.extend(_coerce_metadata(value, _join(path, "")))
    elif isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else None
        for index, item in enumerate(value):
            if items is not None:
                _skip_prune(item, items, [*path, f"[{index}]"], removed)


def _coerce_metadata(obj: dict[str, Any], prefix: str) -> list[str]:
    """ObjectMeta round trip: unknown metadata keys go (reported as `<prefix>metadata.<key>`)."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return []
    unknown = sorted(key for key in metadata if key not in OBJECT_META_FIELDS)
    for key in unknown:
        del metadata[key]
    return [f"{prefix}metadata.{key}" for key in unknown]


def _join(path: list[str], key: str) -> str:
    """Paths as apiextensions prints them: `a.b`, `a[0].b`; "" key gives the parent plus `.`."""
    text = ""
    for part in path:
        text += part if part.startswith("[") or not text else "." + part
    if not key:
        return f"{text}." if text else ""
    return f"{text}.{key}" if text else key


def _drop_nulls(value: Any, schema: Schema | None) -> None:
    """PruneNonNullableNullsWithoutDefaults: a null the schema neither allows nor defaults goes."""
    if isinstance(value, dict):
        for key in list(value):
            sub = _field_schema(key, schema)
            if value[key] is None and sub is not None and sub.get("nullable") is not True and "default" not in sub:
                del value[key]
            else:
                _drop_nulls(value[key], sub)
    elif isinstance(value, list):
        items = schema.get("items") if schema is not None and isinstance(schema.get("items"), dict) else None
        for item in value:
            _drop_nulls(item, items)


def _field_schema(key: str, schema: Schema | None) -> Schema | None:
    if schema is None:
        return None
    properties = schema.get("properties")
    if isinstance(properties, dict) and isinstance(properties.get(key), dict):
        sub: Schema = properties[key]
        return sub
    additional = schema.get("additionalProperties")
    return additional if isinstance(additional, dict) else None
