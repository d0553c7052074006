"""What a change did to an object, field by field: removed, modified and added paths.

SMD's `typed/compare.go`. A leaf counts as modified when its value changed; a map or list
that appears or disappears as a whole is itself added or removed, while one that was there
(even as `null`) only has its members compared, which is what decides whether ownership of
the node itself (`".": {}`) changes hands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from kubegate.api.managedfields.fieldpath import FieldSet, Path, PathElement
from kubegate.api.managedfields.schema import Atom, ListType, MapType, TypeRef, TypeSchema, deduce
from kubegate.api.managedfields.typed import MISSING, TypedError, equal, field_type, item_element


@dataclass
class Comparison:
    removed: FieldSet = field(default_factory=FieldSet)
    modified: FieldSet = field(default_factory=FieldSet)
    added: FieldSet = field(default_factory=FieldSet)

    def filtered(self, ignore: FieldSet | None) -> Comparison:
        if ignore is None:
            return self
        return Comparison(
            self.removed.recursive_difference(ignore),
            self.modified.recursive_difference(ignore),
            self.added.recursive_difference(ignore),
        )


_CONTAINERS = (dict, list)


def _same_json(lhs: Any, rhs: Any) -> bool:
    """Whether two maps or lists are the same JSON, key order and number types included.

    Python's `==` (fast, but `1 == 1.0 == True`) rules most differences out; equal encodings
    then make it exact. Anything orjson cannot encode is walked as before.
    """
    if lhs != rhs:
        return False
    try:
        return orjson.dumps(lhs) == orjson.dumps(rhs)
    except TypeError:
        return False


def compare(schema: TypeSchema, old: Any, new: Any, ref: TypeRef) -> Comparison:
    result = Comparison()
    _Compare(schema, result).walk(old, new, ref, ())
    return result


class _Compare:
    def __init__(self, schema: TypeSchema, result: Comparison) -> None:
        self.schema = schema
        self.result = result

    def walk(self, lhs: Any, rhs: Any, ref: TypeRef, path: Path) -> None:
        if lhs is rhs or (type(lhs) is type(rhs) and type(lhs) in _CONTAINERS and _same_json(lhs, rhs)):
            return  # an unchanged part (the same JSON) adds, removes and modifies nothing
        atom = self.schema.resolve(ref)
        left = deduce(atom, lhs) if lhs is not MISSING else atom
        right = deduce(atom, rhs) if rhs is not MISSING else atom
        if rhs is MISSING:
            in_leaf = self.handle(left, lhs, rhs, path)
        elif lhs is MISSING or left == right:
            in_leaf = self.handle(right, lhs, rhs, path)
        else:
            self.handle(left, lhs, rhs, path)
            in_leaf = self.handle(right, lhs, rhs, path)
        if not in_leaf:
            if lhs is MISSING:
                self.result.added.insert(path)
            elif rhs is MISSING:
                self.result.removed.insert(path)

    def handle(self, atom: Atom, lhs: Any, rhs: Any, path: Path) -> bool:
        """Walk one part of the type; True when the position was treated as a leaf."""
        if atom.map is not None:
            return self.do_map(atom.map, lhs, rhs, path)
        if atom.scalar:
            return self.leaf(lhs, rhs, path)
        if atom.list is not None:
            return self.do_list(atom.list, lhs, rhs, path)
        return True

    def leaf(self, lhs: Any, rhs: Any, path: Path) -> bool:
        if lhs is MISSING:
            self.result.added.insert(path)
        elif rhs is MISSING:
            self.result.removed.insert(path)
        elif not equal(lhs, rhs):
            self.result.modified.insert(path)
        return True

    def do_map(self, shape: MapType, lhs: Any, rhs: Any, path: Path) -> bool:
        left = lhs if isinstance(lhs, dict) else None
        right = rhs if isinstance(rhs, dict) else None
        if shape.atomic or (not left and not right):
            return self.leaf(lhs, rhs, path)
        for key in list(left or {}) + [k for k in right or {} if k not in (left or {})]:
            self.walk(
                (left or {}).get(key, MISSING),
                (right or {}).get(key, MISSING),
                field_type(shape, key),
                (*path, PathElement.field(key)),
            )
        return False

    def do_list(self, shape: ListType, lhs: Any, rhs: Any, path: Path) -> bool:
        left = lhs if isinstance(lhs, list) else None
        right = rhs if isinstance(rhs, list) else None
        if shape.atomic or (not left and not right):
            return self.leaf(lhs, rhs, path)
        left_items = self._index(shape, left or [])
        right_items = self._index(shape, right or [])
        order = list(left_items) + [pe for pe in right_items if pe not in left_items]
        for pe in order:
            olds, news = left_items.get(pe, []), right_items.get(pe, [])
            child = (*path, pe)
            if len(olds) <= 1 and len(news) <= 1:
                self.walk(olds[0] if olds else MISSING, news[0] if news else MISSING, shape.element, child)
            elif len(olds) >= 2 and len(news) >= 2:
                if not equal(olds, news):
                    self.result.modified.insert(child)
            elif len(olds) >= 2:
                if news:
                    self.walk(MISSING, news[0], shape.element, child)
                self.result.removed.insert(child)
            else:
                if olds:
                    self.walk(olds[0], MISSING, shape.element, child)
                self.result.added.insert(child)
        return False

    def _index(self, shape: ListType, items: list[Any]) -> dict[PathElement, list[Any]]:
        indexed: dict[PathElement, list[Any]] = {}
        for item in items:
            try:
                pe = item_element(self.schema, shape, item)
            except TypedError:
                continue  # the live object is taken as it is; a bad item is not compared
            indexed.setdefault(pe, []).append(item)
        return indexed
