"""Walking an object together with its structural type: the shared pieces and field sets.

structured-merge-diff's typed operations, split by concern: this module has what they share
(absent values, list member keys) and `to_field_set`, the fields a value sets, which is an
apply configuration's claim; `compare`, `merge` and `validate` hold the others.

Lists and maps that are atomic are leaves: they are owned, compared and replaced whole.
Values of keyed lists are told apart by their keys, values of sets by themselves.
"""

from __future__ import annotations

from typing import Any

from kubegate.api.managedfields.fieldpath import FieldSet, Path, PathElement
from kubegate.api.managedfields.schema import (
    NO_TYPE,
    ListType,
    MapType,
    TypeRef,
    TypeSchema,
    deduce,
)
from kubegate.api.managedfields.values import freeze, go_json


class _Missing:
    """An absent value (Go's nil value.Value), as opposed to JSON null."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class TypedError(ValueError):
    """A value that does not fit its type; the text is SMD's ValidationErrors text."""


def item_element(schema: TypeSchema, shape: ListType, item: Any) -> PathElement:
    """The path element of a member of a keyed list or a set (listItemToPathElement)."""
    if shape.keys:
        if item is None:
            raise TypedError("associative list with keys may not have a null element")
        if not isinstance(item, dict):
            raise TypedError("associative list with keys may not have non-map elements")
        element_map = schema.resolve(shape.element).map
        pairs: dict[str, Any] = {}
        for name in shape.keys:
            if name in item:
                pairs[name] = item[name]
            elif element_map is not None and name in element_map.defaults:
                pairs[name] = element_map.defaults[name]
            else:
                raise TypedError(
                    f"associative list with keys has an element that omits key field {go_json(name)} "
                    "(and doesn't have default value)"
                )
        return PathElement.of_key(pairs)
    if isinstance(item, dict):
        raise TypedError("associative list without keys has an element that's a map type")
    if isinstance(item, list):
        raise TypedError("not supported: associative list with lists as elements")
    if item is None:
        raise TypedError("associative list without keys has an element that's an explicit null")
    return PathElement.of_value(item)


def field_type(shape: MapType, key: str) -> TypeRef:
    return shape.fields.get(key, shape.element)


def equal(left: Any, right: Any) -> bool:
    return freeze(left) == freeze(right)


# -- to_field_set -----------------------------------------------------------------------------


def to_field_set(schema: TypeSchema, value: Any, ref: TypeRef) -> FieldSet:
    out = FieldSet()
    _fields(schema, value, ref, (), out)
    return out


def _fields(schema: TypeSchema, value: Any, ref: TypeRef, path: Path, out: FieldSet) -> None:
    atom = deduce(schema.resolve(ref), value)
    if atom.map is not None:
        if atom.map.atomic:
            out.insert(path)
        elif isinstance(value, dict):
            for key, child in value.items():
                child_path = (*path, PathElement.field(key))
                _fields(schema, child, field_type(atom.map, key), child_path, out)
                if child is None or child == {} or key not in atom.map.fields:
                    out.insert(child_path)
    elif atom.scalar:
        out.insert(path)
    elif atom.list is not None:
        if atom.list.atomic:
            out.insert(path)
        elif isinstance(value, list):
            pairs = []
            for item in value:
                try:
                    pairs.append((item_element(schema, atom.list, item), item))
                except TypedError:
                    continue  # SMD ignores the error here; configurations are validated first
            elements = [pe for pe, _ in pairs]
            repeated = {pe for pe in elements if elements.count(pe) > 1}
            for pe in repeated:
                out.insert((*path, pe))
            for pe, item in pairs:
                if pe not in repeated:
                    _fields(schema, item, atom.list.element, (*path, pe), out)
                    out.insert((*path, pe))


def ensure_named_fields(schema: TypeSchema, fields: FieldSet, ref: TypeRef) -> FieldSet:
    """The set plus every struct field that has members under it (EnsureNamedFieldsAreMembers)."""
    atom = schema.resolve(ref)
    out = FieldSet()
    out.members = set(fields.members)
    for pe, child in fields.children.items():
        child_ref = NO_TYPE
        if pe.kind == "f" and atom.map is not None:
            if pe.name in atom.map.fields:
                out.members.add(pe)
            child_ref = field_type(atom.map, pe.name)
        elif pe.kind == "k" and atom.list is not None:
            child_ref = atom.list.element
        out.children[pe] = ensure_named_fields(schema, child, child_ref)
    return out
