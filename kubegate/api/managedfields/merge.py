"""Laying an apply configuration over the live object, and taking fields out of an object.

SMD's `typed/merge.go` (the configuration's leaves win; maps and granular lists merge, keyed
list members keep the configuration's order, live-only members stay where they were) and
`typed/remove.go` (used to prune what an applier no longer sets).
"""

from __future__ import annotations

from typing import Any

from kubegate.api.managedfields.fieldpath import FieldSet, PathElement
from kubegate.api.managedfields.schema import ListType, MapType, TypeRef, TypeSchema, deduce
from kubegate.api.managedfields.typed import MISSING, TypedError, field_type, item_element


def merge(schema: TypeSchema, live: Any, config: Any, ref: TypeRef) -> Any:
    """`config` laid over `live`: its leaves win, maps and granular lists merge."""
    out = _merge(schema, live, config, ref)
    return {} if out is MISSING else out


def _merge(schema: TypeSchema, lhs: Any, rhs: Any, ref: TypeRef) -> Any:
    atom = schema.resolve(ref)
    left = deduce(atom, lhs) if lhs is not MISSING else atom
    right = deduce(atom, rhs) if rhs is not MISSING else atom
    chosen = left if rhs is MISSING else right
    if chosen.map is not None:
        return _merge_map(schema, chosen.map, lhs, rhs)
    if chosen.scalar:
        return rhs if rhs is not MISSING else lhs
    if chosen.list is not None:
        return _merge_list(schema, chosen.list, lhs, rhs)
    return rhs if rhs is not MISSING else lhs


def _merge_map(schema: TypeSchema, shape: MapType, lhs: Any, rhs: Any) -> Any:
    left = lhs if isinstance(lhs, dict) else None
    right = rhs if isinstance(rhs, dict) else None
    if shape.atomic or (not left and not right):
        return rhs if rhs is not MISSING else lhs
    out: dict[str, Any] = {}
    for key in list(left or {}) + [k for k in right or {} if k not in (left or {})]:
        value = _merge(schema, (left or {}).get(key, MISSING), (right or {}).get(key, MISSING), field_type(shape, key))
        if value is not MISSING:
            out[key] = value
    return out if out else MISSING


def _merge_list(schema: TypeSchema, shape: ListType, lhs: Any, rhs: Any) -> Any:
    left = lhs if isinstance(lhs, list) else None
    right = rhs if isinstance(rhs, list) else None
    if shape.atomic or (not left and not right):
        return rhs if rhs is not MISSING else lhs
    try:
        left_pes = [item_element(schema, shape, item) for item in left or []]
    except TypedError:  # a live list kubegate stored as it came: take it as one value
        return rhs if rhs is not MISSING else lhs
    right_pes = [item_element(schema, shape, item) for item in right or []]
    left_by = dict(zip(left_pes, left or [], strict=True))
    right_by: dict[PathElement, Any] = {}
    for pe, item in zip(right_pes, right or [], strict=True):
        if pe in right_by:
            raise TypedError(f"duplicate entries for key {pe}")
        right_by[pe] = item
    out: list[Any] = []

    def emit(pe: PathElement) -> None:
        value = _merge(schema, left_by.get(pe, MISSING), right_by.get(pe, MISSING), shape.element)
        if value is not MISSING:
            out.append(value)

    # The order of SMD's visitListItems: the config's order for the items it names, live-only
    # items kept where they were relative to the next item both lists share.
    shared = [pe for pe in right_pes if pe in left_by]
    next_shared = shared.pop(0) if shared else None
    merged_rhs: set[PathElement] = set()
    li = ri = 0
    while li < len(left_pes) or ri < len(right_pes):
        if li < len(left_pes) and ri < len(right_pes):
            pe = left_pes[li]
            if pe == right_pes[ri]:
                merged_rhs.add(pe)
                emit(pe)
                li += 1
                ri += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if pe in right_by and next_shared is not None and next_shared != pe:
                li += 1
                continue
        if li < len(left_pes):
            pe = left_pes[li]
            if pe not in right_by:
                emit(pe)
                li += 1
                continue
            if pe in merged_rhs:
                li += 1
        if ri < len(right_pes):
            pe = right_pes[ri]
            merged_rhs.add(pe)
            emit(pe)
            ri += 1
            if next_shared is not None and next_shared == pe:
                next_shared = shared.pop(0) if shared else None
    return out if out else MISSING


# -- remove_items -----------------------------------------------------------------------------


def remove_items(schema: TypeSchema, value: Any, fields: FieldSet, ref: TypeRef) -> Any:
    """`value` without the members of `fields` (and what is under them)."""
    out = _remove(schema, value, fields, ref)
    return {} if out is MISSING else out


def _remove(schema: TypeSchema, value: Any, fields: FieldSet, ref: TypeRef) -> Any:
    atom = deduce(schema.resolve(ref), value)
    if atom.map is not None and isinstance(value, dict):
        if atom.map.atomic or not value:
            return value
        kept: dict[str, Any] = {}
        for key, child in value.items():
            pe = PathElement.field(key)
            if pe in fields.members:
                continue
            below = fields.children.get(pe)
            if below is not None and not below.empty():
                child = _remove(schema, child, below, field_type(atom.map, key))
                if child is MISSING:
                    continue  # emptied by the removal: Go would decode it to a zero value
            kept[key] = child
        return kept if kept else MISSING
    if atom.list is not None and isinstance(value, list):
        if atom.list.atomic or not value:
            return value
        items: list[Any] = []
        for item in value:
            try:
                pe = item_element(schema, atom.list, item)
            except TypedError:
                items.append(item)
                continue
            if pe in fields.members:
                continue
            below = fields.children.get(pe)
            if below is not None and not below.empty():
                item = _remove(schema, item, below, atom.list.element)
                if item is MISSING:
                    continue
            items.append(item)
        return items if items else MISSING
    return value
