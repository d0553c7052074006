"""The schema-driven machinery each resource's writes need: field managers and SMP schemas.

Built from the same OpenAPI definitions `/openapi/v3` serves, so custom resources added to
the catalog (with their schemas) are covered as soon as the documents are. Built-in kinds are
typed objects on a real server: they get the Go zero-value skeleton when compared, and
strategic merge patch; custom resources are unstructured and get neither.
"""

from __future__ import annotations

from typing import Any

from kubegate.api.managedfields.fieldmanager import FieldManager
from kubegate.api.managedfields.fieldpath import FieldSet, PathElement
from kubegate.api.managedfields.schema import TypeSchema
from kubegate.api.managedfields.updater import TypedKind
from kubegate.api.strategicpatch import PatchSchema
from kubegate.registry.builtin import ALL_BUILTIN_RESOURCES
from kubegate.registry.openapi import OpenAPIV3
from kubegate.registry.skeletons import skeleton_of
from kubegate.registry.spec import ResourceSpec

_BUILTIN = frozenset(spec.version_key for spec in ALL_BUILTIN_RESOURCES)
_STATUS_ONLY = FieldSet.of((PathElement.field("status"),))
_SPEC_ONLY = FieldSet.of((PathElement.field("spec"),))


def is_builtin(spec: ResourceSpec) -> bool:
    return spec.version_key in _BUILTIN


class FieldManagers:
    """Field managers and patch schemas per kind and endpoint, cached while schemas stay put."""

    def __init__(self, openapi: OpenAPIV3) -> None:
        self._openapi = openapi
        self._cache: dict[tuple[Any, ...], FieldManager] = {}
        #: patch schemas by definition name, with the definition they were made for
        self._patch_schemas: dict[str, tuple[Any, PatchSchema]] = {}

    def for_resource(self, spec: ResourceSpec, subresource: str = "") -> FieldManager:
        """The field manager of `spec`'s objects written through `subresource` ("" for none)."""
        group, version, kind = spec.group, spec.version, spec.kind
        sub = spec.subresource(subresource) if subresource else None
        if sub is not None and sub.kind:
            group, version, kind = sub.group or spec.group, sub.version or spec.version, sub.kind
        name = self._openapi.definition_for(group, version, kind) or ""
        key = (group, version, kind, subresource, name, id(self._openapi.schema_definition(name)))
        cached = self._cache.get(key)
        if cached is None:
            definitions = self._openapi.schema_definitions()
            cached = self._cache[key] = self._build(spec, definitions, name, (group, version, kind), subresource)
        return cached

    def patch_schema(self, spec: ResourceSpec, subresource: str = "") -> PatchSchema | None:
        """Where strategic merge patches of this endpoint find their merge keys; None if the
        kind is not a built-in type (custom resources do not take strategic merge patches)."""
        if not is_builtin(spec):
            return None
        manager = self.for_resource(spec, subresource)
        name = self._openapi.definition_for(manager.group, manager.version, manager.kind_name) or ""
        schema = self._openapi.schema_definition(name)
        cached = self._patch_schemas.get(name)
        if cached is None or cached[0] is not schema:  # built again when the definitions change
            cached = self._patch_schemas[name] = (schema, PatchSchema.of_definition(self._openapi.schema_definitions(), name))
        return cached[1]

    def _build(
        self,
        spec: ResourceSpec,
        definitions: dict[str, Any],
        name: str,
        gvk: tuple[str, str, str],
        subresource: str,
    ) -> FieldManager:
        types = TypeSchema(definitions)
        root = types.ref(name)
        properties = definitions.get(name, {}).get("properties", {})
        top_level = tuple(properties)
        zero = skeleton_of(spec, subresource=subresource, top_level=top_level) if is_builtin(spec) else {}
        ignored: FieldSet | None = None
        if subresource == "status":
            ignored = _SPEC_ONLY
        elif not subresource and spec.subresource("status") is not None:
            ignored = _STATUS_ONLY
        kind = TypedKind(types, root, zero, ignored)
        return FieldManager(kind, gvk[0], gvk[1], gvk[2], subresource=subresource)
