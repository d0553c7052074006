"""The structural types server-side apply reasons with, read from a kind's OpenAPI schema.

structured-merge-diff sees every value as a scalar, a map (a struct with declared fields, or a
string-keyed map) or a list, and each map or list as *atomic* (owned and replaced as a whole)
or *granular* (owned member by member). kube-openapi's `schemaconv` derives that from the
OpenAPI extensions, and this module follows its rules:

- `x-kubernetes-list-type`: `atomic`, `set` (members owned by value) or `map` with
  `x-kubernetes-list-map-keys` (members owned by key); without it, a list whose
  `x-kubernetes-patch-strategy` is `merge` is a set, or a map keyed by its patch merge key;
  any other list is atomic.
- `x-kubernetes-map-type: atomic` makes a map or struct atomic, on the type or on the field
  that refers to it.
- a schema without a type may be any of the three (decided by the value); objects without
  properties, and `x-kubernetes-preserve-unknown-fields`, accept any field, deduced from the
  value ("deduced": maps granular, lists atomic).

Types are resolved lazily and cached by definition name, so recursive schemas are fine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Schema = Mapping[str, Any]
Definitions = Mapping[str, Schema]

REF_PREFIX = "#/components/schemas/"
UNTYPED_ATOMIC = "__untyped_atomic_"
UNTYPED_DEDUCED = "__untyped_deduced_"
_QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension"
#: Defaults the real documents publish for list-map key fields and the schema bundle lacks
#: (`+default="TCP"` on the Go types): a port without a protocol is keyed as TCP.
KEY_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "io.k8s.api.core.v1.ContainerPort": {"protocol": "TCP"},
    "io.k8s.api.core.v1.ServicePort": {"protocol": "TCP"},
}


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A named definition or an inline schema, with the referring field's map-type override."""

    name: str = ""
    inline: Schema | None = field(default=None, compare=False, hash=False)
    #: "atomic" or "separable" from `x-kubernetes-map-type` on the field that refers here
    relationship: str = ""
    preserve_unknown: bool = False

    @property
    def empty(self) -> bool:
        return not self.name and self.inline is None


NO_TYPE = TypeRef()


@dataclass(frozen=True, slots=True)
class MapType:
    fields: Mapping[str, TypeRef]
    #: field defaults, for list-map keys a value may omit (`protocol: TCP`)
    defaults: Mapping[str, Any]
    #: the type of keys that are not declared fields; NO_TYPE when such keys are errors
    element: TypeRef
    atomic: bool = False


@dataclass(frozen=True, slots=True)
class ListType:
    element: TypeRef
    atomic: bool = True
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Atom:
    """What a value at one position may be; several parts when the schema leaves it open."""

    scalar: str = ""  # "numeric", "string", "boolean", "untyped", or "" for none
    map: MapType | None = None
    list: ListType | None = None


_DEDUCED_LIST = ListType(TypeRef(UNTYPED_ATOMIC), atomic=True)
_ATOMIC_ATOM = Atom(
    scalar="untyped",
    map=MapType({}, {}, TypeRef(UNTYPED_ATOMIC), atomic=True),
    list=_DEDUCED_LIST,
)
_DEDUCED_ATOM = Atom(
    scalar="untyped",
    map=MapType({}, {}, TypeRef(UNTYPED_DEDUCED), atomic=False),
    list=_DEDUCED_LIST,
)


class TypeSchema:
    """Resolves `TypeRef`s of one set of OpenAPI definitions into `Atom`s."""

    def __init__(self, definitions: Definitions) -> None:
        self._definitions = definitions
        self._named: dict[tuple[str, bool], Atom] = {}
        #: resolved references; an inline schema is keyed by identity and kept alive with its atom
        self._resolved: dict[tuple[str, int, bool, str], tuple[Schema | None, Atom]] = {}

    def ref(self, name: str) -> TypeRef:
        return TypeRef(name)

    def has(self, name: str) -> bool:
        return name in self._definitions

    def resolve(self, ref: TypeRef) -> Atom:
        key = (ref.name, id(ref.inline), ref.preserve_unknown, ref.relationship)
        hit = self._resolved.get(key)
        if hit is not None and hit[0] is ref.inline:
            return hit[1]
        atom = self._resolve(ref)
        self._resolved[key] = (ref.inline, atom)
        return atom

    def _resolve(self, ref: TypeRef) -> Atom:
        if ref.name == UNTYPED_ATOMIC:
            return _ATOMIC_ATOM
        if ref.name == UNTYPED_DEDUCED:
            return _DEDUCED_ATOM
        if ref.name:
            atom = self._named_atom(ref.name, ref.preserve_unknown)
        elif ref.inline is not None:
            atom = self._atom(ref.inline, ref.preserve_unknown)
        else:
            return _DEDUCED_ATOM
        return _override(atom, ref.relationship)

    def _named_atom(self, name: str, preserve: bool) -> Atom:
        key = (name, preserve)
        cached = self._named.get(key)
        if cached is None:
            if name == _QUANTITY:
                cached = Atom(scalar="untyped")
            elif name == _RAW_EXTENSION:
                cached = _ATOMIC_ATOM
            elif name not in self._definitions:
                cached = _DEDUCED_ATOM
            else:
                cached = self._atom(self._definitions[name], preserve)
                if name in KEY_DEFAULTS and cached.map is not None:
                    shape = cached.map
                    defaults = {**shape.defaults, **KEY_DEFAULTS[name]}
                    cached = Atom(cached.scalar, MapType(shape.fields, defaults, shape.element, shape.atomic))
            self._named[key] = cached
        return cached

    def _atom(self, node: Schema, preserve: bool) -> Atom:
        preserve = preserve or node.get("x-kubernetes-preserve-unknown-fields") is True
        kind = node.get("type")
        kind = kind[0] if isinstance(kind, list) and kind else kind
        if kind == "object":
            return Atom(map=self._map(node, preserve))
        if kind == "array":
            return Atom(list=self._list(node, preserve))
        if kind in ("integer", "number"):
            return Atom(scalar="numeric")
        if kind == "boolean":
            return Atom(scalar="boolean")
        if kind == "string":
            return Atom(scalar="string" if node.get("format", "") in ("", "byte") else "untyped")
        return Atom(scalar="untyped", map=self._map(node, preserve), list=self._list(node, preserve))

    def _member(self, node: Any, preserve: bool) -> TypeRef:
        """makeOpenAPIRef: a `$ref` (bare or as the one `allOf`) names a type, else inline."""
        if not isinstance(node, Mapping):
            return TypeRef(UNTYPED_DEDUCED)
        ref = node.get("$ref")
        all_of = node.get("allOf")
        if not isinstance(ref, str) and isinstance(all_of, list) and len(all_of) == 1:
            ref = all_of[0].get("$ref") if isinstance(all_of[0], Mapping) else None
        relationship = _map_relationship(node)
        if isinstance(ref, str):
            return TypeRef(ref.rsplit("/", 1)[-1], relationship=relationship, preserve_unknown=preserve)
        return TypeRef(inline=node, relationship=relationship, preserve_unknown=preserve)

    def _map(self, node: Schema, preserve: bool) -> MapType:
        properties = node.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        fields = {name: self._member(member, preserve) for name, member in properties.items()}
        defaults = {
            name: member["default"]
            for name, member in properties.items()
            if isinstance(member, Mapping) and "default" in member
        }
        extra = node.get("additionalProperties")
        if isinstance(extra, Mapping):
            element = self._member(extra, preserve)
        elif extra is True or ((preserve or not properties) and extra is None):
            element = TypeRef(UNTYPED_DEDUCED)
        else:
            element = NO_TYPE
        return MapType(fields, defaults, element, atomic=_map_relationship(node) == "atomic")

    def _list(self, node: Schema, preserve: bool) -> ListType:
        items = node.get("items")
        element = self._member(items, preserve) if isinstance(items, Mapping) else TypeRef(UNTYPED_ATOMIC)
        list_type = node.get("x-kubernetes-list-type")
        if list_type == "set":
            return ListType(element, atomic=False)
        if list_type == "map":
            keys = node.get("x-kubernetes-list-map-keys")
            names = tuple(k for k in keys if isinstance(k, str)) if isinstance(keys, list) else ()
            return ListType(element, atomic=False, keys=names)
        if list_type is None and node.get("x-kubernetes-patch-strategy") in ("merge", "merge,retainKeys"):
            merge_key = node.get("x-kubernetes-patch-merge-key")
            return ListType(element, atomic=False, keys=(merge_key,) if isinstance(merge_key, str) else ())
        return ListType(element, atomic=True)


def _map_relationship(node: Schema) -> str:
    value = node.get("x-kubernetes-map-type")
    return {"atomic": "atomic", "granular": "separable"}.get(value, "") if isinstance(value, str) else ""


def _override(atom: Atom, relationship: str) -> Atom:
    if not relationship or atom.map is None:
        return atom
    atomic = relationship == "atomic"
    if atom.map.atomic == atomic:
        return atom
    return Atom(atom.scalar, MapType(atom.map.fields, atom.map.defaults, atom.map.element, atomic), atom.list)


def deduce(atom: Atom, value: Any) -> Atom:
    """The one part of `atom` a value takes (deduceAtom); the atom itself when none fits."""
    if isinstance(value, dict):
        return _parts(atom)[0] if atom.map is not None else atom
    if isinstance(value, list):
        return _parts(atom)[1] if atom.list is not None else atom
    if value is not None and atom.scalar:
        return _parts(atom)[2]
    return atom


#: an atom's map, list and scalar parts as atoms of their own, by the atom's identity (the
#: atom is kept with them); resolved atoms are few and long-lived, others are let go in bulk
_PARTS: dict[int, tuple[Atom, Atom, Atom, Atom]] = {}
_PARTS_LIMIT = 4096


def _parts(atom: Atom) -> tuple[Atom, Atom, Atom]:
    hit = _PARTS.get(id(atom))
    if hit is None or hit[3] is not atom:
        if len(_PARTS) >= _PARTS_LIMIT:
            _PARTS.clear()
        hit = _PARTS[id(atom)] = (Atom(map=atom.map), Atom(list=atom.list), Atom(scalar=atom.scalar), atom)
    return hit[0], hit[1], hit[2]
