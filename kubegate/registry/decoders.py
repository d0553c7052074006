"""The typed decoder of each kind: its OpenAPI schema compiled once for the strict walker.

Built from the same definitions `/openapi/v3` serves, so a custom resource whose schema the
documents carry is covered as soon as they do. Built-in kinds decode as Go types (type errors
and all); custom resources are unstructured, so their schemas only prune unknown fields.
A compiled kind is reused until its definition object changes (a CRD updated).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubegate.api.strict.schema import ANYTHING, Compiler, Node
from kubegate.registry.fieldmanagers import is_builtin
from kubegate.registry.openapi import OpenAPIV3
from kubegate.registry.spec import ResourceSpec


class Decoders:
    """Compiled schema roots per (group, version, kind), for the strict walker."""

    def __init__(self, openapi: OpenAPIV3) -> None:
        self._openapi = openapi
        #: (group, version, kind) -> (the definition object compiled, its root node)
        self._cache: dict[tuple[str, str, str], tuple[object, Node]] = {}
        self._compilers: dict[bool, tuple[Mapping[str, Any], Compiler]] = {}

    def gvk(self, spec: ResourceSpec, subresource: str = "") -> tuple[str, str, str]:
        """The kind a write to `spec` (through `subresource`) carries in its body."""
        sub = spec.subresource(subresource) if subresource else None
        if sub is not None and sub.kind:
            return sub.group or spec.group, sub.version or spec.version, sub.kind
        return spec.group, spec.version, spec.kind

    def for_resource(self, spec: ResourceSpec, subresource: str = "") -> Node:
        """The root node a body written to `spec` decodes into (anything, when unknown)."""
        key = self.gvk(spec, subresource)
        name = self._openapi.definition_for(*key)
        if name is None:
            return ANYTHING
        schema = self._openapi.schema_definition(name)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is schema:
            return cached[1]
        definitions = self._openapi.schema_definitions()
        typed = is_builtin(spec)
        node = self._compiler(definitions, name, typed=typed).definition(name)
        self._cache[key] = (schema, node)
        return node

    def _compiler(self, definitions: Mapping[str, Any], name: str, *, typed: bool) -> Compiler:
        """One compiler per flavour while the definitions it read stay the ones served."""
        current = self._compilers.get(typed)
        if current is not None and current[0].get(name) is definitions.get(name):
            return current[1]
        compiler = Compiler(definitions, typed=typed)
        self._compilers[typed] = (definitions, compiler)
        return compiler
