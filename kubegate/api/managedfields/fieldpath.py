"""Field paths and sets of them, and their FieldsV1 form (`f:`, `k:{...}`, `v:`, `i:`).

A path names one field of an object: `.spec.replicas`, or `.spec.template.spec.containers
[name="main"].image` through a list keyed by `name`, or `.metadata.finalizers[="x"]` through a
set. A `FieldSet` is a tree of them: the paths that are members, and the subtrees under
further path elements. A manager owns one set per object; FieldsV1 writes it as nested JSON
objects whose keys are serialized path elements and where `".": {}` marks a node that is a
member itself as well as having members under it.

Elements sort as structured-merge-diff sorts them (fields, then keys, then values, then
indices; values across JSON types numbers, strings, booleans, lists, maps, null), which fixes
the key order of FieldsV1 and the order conflicts are reported in.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kubegate.api.managedfields.values import (
    FieldsError,
    Frozen,
    compare_values,
    freeze,
    go_json,
    go_string,
    thaw,
)


@dataclass(frozen=True, slots=True)
class PathElement:
    """One step of a path: a field name, a list-map key, a set value or a list index."""

    kind: str  # "f", "k", "v" or "i", which is also their sort order
    name: str = ""
    key: tuple[tuple[str, Frozen], ...] = ()
    value: Frozen = ("z",)
    index: int = 0

    @staticmethod
    def field(name: str) -> PathElement:
        return _field(name)

    @staticmethod
    def of_key(pairs: dict[str, Any]) -> PathElement:
        return PathElement("k", key=tuple(sorted((k, freeze(v)) for k, v in pairs.items())))

    @staticmethod
    def of_value(value: Any) -> PathElement:
        return PathElement("v", value=freeze(value))

    @staticmethod
    def of_index(index: int) -> PathElement:
        return PathElement("i", index=index)

    def __str__(self) -> str:
        if self.kind == "f":
            return "." + self.name
        if self.kind == "k":
            return "[" + ",".join(f"{k}={go_string(thaw(v))}" for k, v in self.key) + "]"
        if self.kind == "v":
            return f"[={go_string(thaw(self.value))}]"
        return f"[{self.index}]"

    def serialize(self) -> str:
        if self.kind == "f":
            return "f:" + self.name
        if self.kind == "k":
            return "k:{" + ",".join(f"{go_json(k)}:{go_json(thaw(v))}" for k, v in self.key) + "}"
        if self.kind == "v":
            return "v:" + go_json(thaw(self.value))
        return f"i:{self.index}"

    @staticmethod
    def parse(text: str) -> PathElement | None:
        """A serialized element; None for an unknown element type (skipped, as SMD skips it)."""
        if len(text) < 2 or text[1] != ":":
            raise FieldsError(f"invalid path element {text!r}")
        tag, body = text[0], text[2:]
        if tag == "f":
            return PathElement.field(body)
        if tag == "k":
            pairs = json.loads(body)
            if not isinstance(pairs, dict):
                raise FieldsError(f"invalid key element {text!r}")
            return PathElement.of_key(pairs)
        if tag == "v":
            return PathElement.of_value(json.loads(body))
        if tag == "i":
            return PathElement.of_index(int(body))
        return None


@functools.lru_cache(maxsize=8192)
def _field(name: str) -> PathElement:
    """Field elements are built for every key of every write: the common ones are reused."""
    return PathElement("f", name=name)


def compare_elements(left: PathElement, right: PathElement) -> int:
    if left.kind != right.kind:
        return -1 if "fkvi".index(left.kind) < "fkvi".index(right.kind) else 1
    if left.kind == "f":
        return (left.name > right.name) - (left.name < right.name)
    if left.kind == "k":
        for (ln, lv), (rn, rv) in zip(left.key, right.key, strict=False):
            if ln != rn:
                return -1 if ln < rn else 1
            if (c := compare_values(lv, rv)) != 0:
                return c
        return (len(left.key) > len(right.key)) - (len(left.key) < len(right.key))
    if left.kind == "v":
        return compare_values(left.value, right.value)
    return (left.index > right.index) - (left.index < right.index)


element_order = functools.cmp_to_key(compare_elements)


def _in_order(elements: set[PathElement]) -> list[PathElement]:
    """`elements` sorted by `element_order`; field names alone (the usual case) sort as strings."""
    if all(element.kind == "f" for element in elements):
        return sorted(elements, key=_name)
    return sorted(elements, key=element_order)


def _name(element: PathElement) -> str:
    return element.name
Path = tuple[PathElement, ...]


def path_string(path: Path) -> str:
    return "".join(str(element) for element in path)


class FieldSet:
    """A set of paths, kept as a tree (SMD's fieldpath.Set)."""

    __slots__ = ("_layout", "children", "members")

    def __init__(self) -> None:
        self.members: set[PathElement] = set()
        self.children: dict[PathElement, FieldSet] = {}
        #: this node's FieldsV1 keys in order, with their subtrees (see `_emit`)
        self._layout: list[tuple[str, FieldSet | None, bool]] | None = None

    @classmethod
    def of(cls, *paths: Path) -> FieldSet:
        out = cls()
        for path in paths:
            out.insert(path)
        return out

    def insert(self, path: Path) -> None:
        if not path:
            return
        node = self
        node._layout = None
        for element in path[:-1]:
            node = node.children.setdefault(element, FieldSet())
            node._layout = None
        node.members.add(path[-1])

    def has(self, path: Path) -> bool:
        node: FieldSet | None = self
        for element in path[:-1]:
            node = node.children.get(element) if node is not None else None
        return node is not None and bool(path) and path[-1] in node.members

    def empty(self) -> bool:
        return not self.members and all(child.empty() for child in self.children.values())

    def with_prefix(self, element: PathElement) -> FieldSet:
        return self.children.get(element) or FieldSet()

    def copy(self) -> FieldSet:
        out = FieldSet()
        out.members = set(self.members)
        out.children = {pe: child.copy() for pe, child in self.children.items()}
        return out

    # The set operations share unchanged subtrees with their operands instead of copying them:
    # a set is only ever mutated while it is being built (`insert`, FieldsV1 parsing), never
    # once it is a manager's or an operation's result, so sharing is safe and keeps an update
    # that touches one field from copying every manager's whole tree.

    def _bare(self) -> bool:
        return not self.members and not self.children

    def union(self, other: FieldSet) -> FieldSet:
        if other._bare():
            return self
        if self._bare():
            return other
        out = FieldSet()
        out.members = self.members | other.members
        mine, theirs = self.children, other.children
        for element in mine.keys() | theirs.keys():
            a, b = mine.get(element), theirs.get(element)
            child = a.union(b) if a is not None and b is not None else a if a is not None else b
            if child is not None and not child.empty():
                out.children[element] = child
        return out

    def intersection(self, other: FieldSet) -> FieldSet:
        out = FieldSet()
        out.members = self.members & other.members
        theirs = other.children
        for element, a in self.children.items():
            b = theirs.get(element)
            if b is not None:
                child = a.intersection(b)
                if not child.empty():
                    out.children[element] = child
        return out

    def difference(self, other: FieldSet) -> FieldSet:
        if other._bare():
            return self
        out = FieldSet()
        out.members = self.members - other.members
        theirs = other.children
        for element, a in self.children.items():
            b = theirs.get(element)
            child = a.difference(b) if b is not None else a
            if not child.empty():
                out.children[element] = child
        return out

    def recursive_difference(self, other: FieldSet) -> FieldSet:
        """Everything not in `other` nor under one of its members."""
        if other._bare():
            return self
        out = FieldSet()
        out.members = self.members - other.members
        for element, child in self.children.items():
            if element in other.members:
                continue
            below = other.children.get(element)
            kept = child.recursive_difference(below) if below is not None else child
            if not kept.empty():
                out.children[element] = kept
        return out

    def paths(self, prefix: Path = ()) -> Iterator[Path]:
        """Every member path: a node's members in order, then its subtrees in order."""
        for element in sorted(self.members, key=element_order):
            yield (*prefix, element)
        for element in sorted(self.children, key=element_order):
            yield from self.children[element].paths((*prefix, element))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSet):
            return NotImplemented
        return set(self.paths()) == set(other.paths())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "FieldSet(" + ", ".join(path_string(p) for p in self.paths()) + ")"

    # -- FieldsV1 -----------------------------------------------------------------------------

    def to_fields_v1(self) -> dict[str, Any]:
        return self._emit(include_self=False)

    def _emit(self, *, include_self: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if include_self and (self.members or self.children):
            out["."] = {}
        layout = self._layout
        if layout is None:
            # Sorting and serializing a node's elements is the costly part, and a manager's set
            # is written again on each update while it seldom changes: done once per node (a
            # set is not changed once built; `insert` starts the layout again).
            layout = self._layout = [
                (element.serialize(), self.children.get(element), element in self.members)
                for element in _in_order(self.members | self.children.keys())
            ]
        for key, child, is_member in layout:
            out[key] = {} if child is None else child._emit(include_self=is_member)
        return out

    @classmethod
    def from_fields_v1(cls, fields: Any) -> FieldSet:
        """Parse FieldsV1; raises ValueError for anything that is not one."""
        if not isinstance(fields, dict):
            raise FieldsError("FieldsV1 must be a JSON object")
        found, _ = cls._read(fields)
        return found or cls()

    @classmethod
    def _read(cls, node: dict[str, Any]) -> tuple[FieldSet | None, bool]:
        children: FieldSet | None = None
        is_member = False
        for key, value in node.items():
            if key == ".":
                is_member = True
                continue
            element = PathElement.parse(key)
            if element is None:
                continue
            if not isinstance(value, dict):
                raise FieldsError(f"FieldsV1 value of {key!r} must be an object")
            grandchildren, child_is_member = cls._read(value)
            if children is None:
                children = cls()
            if child_is_member:
                children.members.add(element)
            if grandchildren is not None:
                children.children[element] = grandchildren
        if children is None:
            is_member = True
        return children, is_member
