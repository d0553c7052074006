"""Walking an object together with its structural type: the typed operations of SMD.

- `to_field_set(value)`: the fields a value sets (an apply configuration's claim),
- `compare(old, new)`: which fields were removed, modified or added by a change,
- `merge(live, config)`: a configuration laid over the live object,
- `remove_items(value, fields)`: a value without the given fields,
- `validate(value)`: why a value does not fit its type (unknown fields, bad list items).

Lists and maps that are atomic are leaves: they are owned, compared and replaced whole.
Values of keyed lists are told apart by their keys, values of sets by themselves. The rules,
including how an empty or null map or list counts as a leaf, are sigs.k8s.io/structured-merge-
diff's (`typed/compare.go`, `tofieldset.go`, `merge.go`, `remove.go`, `validate.go`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubegate.api.managedfields.fieldpath import FieldSet, Path, PathElement, freeze, go_json
from kubegate.api.managedfields.schema import (
    NO_TYPE,
    Atom,
    ListType,
    MapType,
    TypeRef,
    TypeSchema,
    deduce,
)


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


def _field_type(shape: MapType, key: str) -> TypeRef:
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
                _fields(schema, child, _field_type(atom.map, key), child_path, out)
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


# -- compare ----------------------------------------------------------------------------------


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


def compare(schema: TypeSchema, old: Any, new: Any, ref: TypeRef) -> Comparison:
    result = Comparison()
    _Compare(schema, result).walk(old, new, ref, ())
    return result


class _Compare:
    def __init__(self, schema: TypeSchema, result: Comparison) -> None:
        self.schema = schema
        self.result = result

    def walk(self, lhs: Any, rhs: Any, ref: TypeRef, path: Path) -> None:
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
                _field_type(shape, key),
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


# -- merge ------------------------------------------------------------------------------------


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
        value = _merge(schema, (left or {}).get(key, MISSING), (right or {}).get(key, MISSING), _field_type(shape, key))
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
                child = _remove(schema, child, below, _field_type(atom.map, key))
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


# -- ensure named fields ----------------------------------------------------------------------


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
            child_ref = _field_type(atom.map, pe.name)
        elif pe.kind == "k" and atom.list is not None:
            child_ref = atom.list.element
        out.children[pe] = ensure_named_fields(schema, child, child_ref)
    return out


# -- validate ---------------------------------------------------------------------------------


def validate(schema: TypeSchema, value: Any, ref: TypeRef) -> list[str]:
    """SMD's validation errors for a value that must fit its type exactly (an apply config)."""
    problems: list[str] = []
    _validate(schema, value, ref, "", problems)
    return problems


def _validate(schema: TypeSchema, value: Any, ref: TypeRef, path: str, problems: list[str]) -> None:
    atom = deduce(schema.resolve(ref), value)
    if atom.map is not None:
        if value is None:
            return
        if not isinstance(value, dict):
            problems.append(f"{path}: expected map, got {go_json(value)}")
            return
        for key, child in value.items():
            child_path = f"{path}.{key}"
            if key not in atom.map.fields and atom.map.element.empty:
                problems.append(f"{child_path}: field not declared in schema")
                return
            _validate(schema, child, _field_type(atom.map, key), child_path, problems)
    elif atom.scalar:
        _validate_scalar(atom.scalar, value, path, problems)
    elif atom.list is not None:
        if value is None:
            return
        if not isinstance(value, list):
            problems.append(f"{path}: expected list, got {go_json(value)}")
            return
        seen: set[PathElement] = set()
        for position, item in enumerate(value):
            if atom.list.atomic:
                pe = PathElement.of_index(position)
            else:
                try:
                    pe = item_element(schema, atom.list, item)
                except TypedError as exc:
                    problems.append(f"{path}: element {position}: {exc}")
                    return
                if pe in seen:
                    problems.append(f"{path}: duplicate entries for key {pe}")
                seen.add(pe)
            _validate(schema, item, atom.list.element, f"{path}{pe}", problems)


def _validate_scalar(kind: str, value: Any, path: str, problems: list[str]) -> None:
    if value is None:
        return
    if kind == "numeric" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        problems.append(f"{path}: expected numeric (int or float), got {_go_type(value)}")
    elif kind == "string" and not isinstance(value, str):
        problems.append(f"{path}: expected string, got {go_json(value)}")
    elif kind == "boolean" and not isinstance(value, bool):
        problems.append(f"{path}: expected boolean, got {go_json(value)}")
    elif kind == "untyped" and isinstance(value, (dict, list)):
        problems.append(f"{path}: expected any scalar, got {go_json(value)}")


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    return "map[string]interface {}" if isinstance(value, dict) else "[]interface {}"


def validation_text(problems: list[str]) -> str:
    """ValidationErrors.Error(): one problem as is, several under an `errors:` heading."""
    if len(problems) == 1:
        return problems[0]
    return "\n".join(["errors:", *(f"  {problem}" for problem in problems)])
