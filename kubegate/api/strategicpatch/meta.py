"""Where a strategic merge patch finds its merge keys and strategies: the OpenAPI schema.

The real server reads the `patchStrategy`/`patchMergeKey` tags of the Go structs; the OpenAPI
documents publish the same facts as `x-kubernetes-patch-strategy` and
`x-kubernetes-patch-merge-key` on each property, which is what kubectl itself reads
(`PatchMetaFromOpenAPIV3`). A `PatchSchema` is one position in that schema; looking up a key
answers the position below it plus the key's patch metadata, following `$ref` and `allOf`.

A key the schema does not know is looked up leniently (no metadata: maps merge, lists
replace). The real server never meets such a key, because decoding into Go types drops
unknown fields before any patch; kubegate keeps what it is given, so it can.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Schema = Mapping[str, Any]
Definitions = Mapping[str, Schema]

REF_PREFIX = "#/components/schemas/"
PATCH_STRATEGY = "x-kubernetes-patch-strategy"
PATCH_MERGE_KEY = "x-kubernetes-patch-merge-key"
#: How many `$ref` hops to follow before deciding a schema is circular.
_MAX_HOPS = 32


@dataclass(frozen=True, slots=True)
class PatchMeta:
    """The patch strategies (`merge`, `replace`, `retainKeys`) and merge key of one field."""

    strategies: tuple[str, ...] = ()
    merge_key: str = ""

    @classmethod
    def of(cls, node: Schema) -> PatchMeta:
        strategy = node.get(PATCH_STRATEGY)
        key = node.get(PATCH_MERGE_KEY)
        return cls(
            tuple(strategy.split(",")) if isinstance(strategy, str) else (),
            key if isinstance(key, str) else "",
        )


class PatchSchema:
    """One position in a kind's schema; `None` means "nothing known here"."""

    __slots__ = ("_definitions", "node")

    def __init__(self, definitions: Definitions, node: Schema | None) -> None:
        self._definitions = definitions
        self.node = node

    @classmethod
    def of_definition(cls, definitions: Definitions, name: str) -> PatchSchema:
        return cls(definitions, definitions.get(name))

    @classmethod
    def untyped(cls) -> PatchSchema:
        return cls({}, None)

    def lookup_struct(self, key: str) -> tuple[PatchSchema, PatchMeta]:
        """The schema of the object under `key`, and the key's patch metadata."""
        field = self._field(key)
        if field is None:
            return PatchSchema(self._definitions, None), PatchMeta()
        return PatchSchema(self._definitions, self._resolve(field)), PatchMeta.of(field)

    def lookup_slice(self, key: str) -> tuple[PatchSchema, PatchMeta]:
        """The schema of the elements of the list under `key`, and the key's patch metadata."""
        field = self._field(key)
        if field is None:
            return PatchSchema(self._definitions, None), PatchMeta()
        # As kubectl's PatchMetaFromOpenAPIV3: step into `items` when there are any, then resolve
        # (a field typed as a single object still describes the elements of a list under it).
        items = field.get("items")
        element = self._resolve(items if isinstance(items, Mapping) else field)
        return PatchSchema(self._definitions, element), PatchMeta.of(field)

    @property
    def name(self) -> str:
        """The Go kind of this position, as `cannot merge lists without merge key for %s` says."""
        node = self.node
        if node is None or "properties" in node:
            return "struct"
        kind = node.get("type")
        return {"object": "map", "array": "slice"}.get(kind, kind) if isinstance(kind, str) else "struct"

    # -- helpers ------------------------------------------------------------------------------

    def _field(self, key: str) -> Schema | None:
        node = self.node
        if node is None:
            return None
        properties = node.get("properties")
        if isinstance(properties, Mapping) and isinstance(properties.get(key), Mapping):
            field: Schema = properties[key]
            return field
        extra = node.get("additionalProperties")
        return extra if isinstance(extra, Mapping) else None

    def _resolve(self, node: Schema) -> Schema | None:
        """Follow `allOf: [{$ref}]` and `$ref` to the schema that describes the value."""
        for _ in range(_MAX_HOPS):
            all_of = node.get("allOf")
            if isinstance(all_of, list) and all_of and isinstance(all_of[0], Mapping):
                node = all_of[0]
                continue
            ref = node.get("$ref")
            if isinstance(ref, str):
                target = self._definitions.get(ref.removeprefix(REF_PREFIX))
                if target is None:
                    return None
                node = target
                continue
            return node
        return None
