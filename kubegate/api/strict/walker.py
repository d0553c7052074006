"""Running a decoded body through its kind's compiled schema, as Go's strict decoder would.

One pass does what decoding into the Go type does: unknown fields are dropped (and noted as
`unknown field "spec.foo"` when strict errors are wanted), repeated keys are merged the way Go
merges them into a struct (and noted as `duplicate field "x"`), and the first value Go could not
decode becomes the decoding error. Paths are spelled as sigs.k8s.io/json spells them: fields
joined by dots, list positions as `[i]`, map keys like fields; a type error names the Go struct
holding the field and the field path without positions (encoding/json's error context).

Two kinds of decoding errors exist in Go and both are kept apart here: a type mismatch is
*saved* (decoding goes on, the first one wins), while a custom unmarshaller's error (quantity,
time, IntOrString) ends decoding at once and wins over anything saved. Strict errors only count
when decoding succeeded. Timestamps come out as Go encodes them again (`times`), since that is
what the real server stores. At most 100 distinct strict errors are kept, as the real decoder keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubegate.api.mergepatch import go_kind
from kubegate.api.strict import duplicates, scalars, schema, times
from kubegate.api.strict.schema import Node

MAX_STRICT_ERRORS = 100
_INT_LIMITS = {32: (-(2**31), 2**31 - 1), 64: (-(2**63), 2**63 - 1)}


@dataclass(slots=True)
class Decoded:
    """The object Go would have decoded, and what decoding it said."""

    value: Any
    #: strict decoding problems in document order (`unknown field "x"`, `duplicate field "y"`)
    strict: list[str] = field(default_factory=list)
    #: the decoding error that makes the body unusable, worded as Go words it
    error: str | None = None


class _Fatal(Exception):
    """A custom unmarshaller failed: decoding stops here."""


class _Walk:
    __slots__ = ("collect", "repeats", "saved", "seen", "strict")

    def __init__(self, *, collect: bool, repeats: bool) -> None:
        self.strict: list[str] = []
        self.seen: set[str] = set()
        self.saved: str | None = None
        self.collect = collect
        self.repeats = repeats

    # errors ---------------------------------------------------------------------------------

    def note(self, problem: str, path: list[str], name: str) -> None:
        if not self.collect or len(self.strict) >= MAX_STRICT_ERRORS:
            return
        full = "".join(path) + "." + name if path else name
        text = f'{problem} "{full}"'
        if text not in self.seen:
            self.seen.add(text)
            self.strict.append(text)

    def mismatch(self, value: Any, go_type: str, owner: str, fields: list[str], *, number: bool = False) -> str:
        described = go_kind(value)
        if number:
            described = f"number {_go_number(value)}"
        if owner or fields:
            return (f"json: cannot unmarshal {described} into Go struct field {owner}.{'.'.join(fields)} "
                    f"of type {go_type}")
        return f"json: cannot unmarshal {described} into Go value of type {go_type}"

    def save(self, text: str) -> None:
        if self.saved is None:
            self.saved = text

    # the walk -------------------------------------------------------------------------------

    def value(self, node: Node, value: Any, path: list[str], fields: list[str], owner: str) -> Any:
        if value is None:
            return None  # null leaves Go's zero value, whatever the type
        kind = node.kind
        if kind == schema.ANY:
            return self.interface(value, path) if self.repeats else value
        if kind == schema.STRUCT:
            if isinstance(value, dict):
                return self.walk_struct(node, value, path, fields)
        elif kind == schema.MAP:
            if isinstance(value, dict):
                return self.walk_map(node, value, path, fields, owner)
        elif kind == schema.LIST:
            if isinstance(value, list):
                return self.walk_list(node, value, path, fields, owner)
        elif kind == schema.STRING:
            if isinstance(value, str):
                return value
        else:
            return self.scalar(node, value, fields, owner)
        self.save(self.mismatch(value, node.go_type, owner, fields))
        return value

    def interface(self, value: Any, path: list[str]) -> Any:
        """A value decoded into interface{}: repeated keys noted, the last one kept."""
        if isinstance(value, dict):
            pairs = value.pairs if isinstance(value, duplicates.Repeated) else value.items()
            out: dict[str, Any] = {}
            for key, item in pairs:
                if key in out:
                    self.note("duplicate field", path, key)
                path.append("." + key if path else key)
                try:
                    out[key] = self.interface(item, path)
                finally:
                    path.pop()
            return out
        if isinstance(value, list):
            out_list = []
            for position, item in enumerate(value):
                path.append(f"[{position}]")
                try:
                    out_list.append(self.interface(item, path))
                finally:
                    path.pop()
            return out_list
        return value

    def walk_struct(self, node: Node, value: dict[str, Any], path: list[str], fields: list[str]) -> dict[str, Any]:
        declared = node.fields or {}
        pairs = value.pairs if isinstance(value, duplicates.Repeated) else None
        if pairs is None:
            unknown = None
            for key, item in value.items():
                child = declared.get(key)
                if child is None:
                    if not node.open:
                        self.note("unknown field", path, key)
                        unknown = [key] if unknown is None else [*unknown, key]
                    continue
                if _settled(child, item, self.repeats):
                    continue
                new = self.child(child, item, path, fields, key, node.struct_name)
                if new is not item:
                    value[key] = new
            if unknown:
                for key in unknown:
                    del value[key]
            return value
        out: dict[str, Any] = {}
        for key, item in pairs:
            child = declared.get(key)
            if child is None:
                if not node.open:
                    self.note("unknown field", path, key)
                    continue
                child = schema.ANYTHING
            if key in out:
                self.note("duplicate field", path, key)
            new = self.child(child, item, path, fields, key, node.struct_name)
            out[key] = merge(out[key], new, child) if key in out else new
        return out

    def child(self, node: Node, item: Any, path: list[str], fields: list[str], key: str, owner: str) -> Any:
        path.append("." + key if path else key)
        fields.append(key)
        try:
            return self.value(node, item, path, fields, owner)
        finally:
            path.pop()
            fields.pop()

    def walk_map(self, node: Node, value: dict[str, Any], path: list[str], fields: list[str], owner: str) -> dict[str, Any]:
        element = node.element or schema.ANYTHING
        pairs = value.pairs if isinstance(value, duplicates.Repeated) else None
        if pairs is None:
            if element.kind == schema.STRING:
                for item in value.values():
                    if item is not None and not isinstance(item, str):
                        self.save(self.mismatch(item, "string", owner, fields))
                        break
                return value
            if element.kind == schema.ANY and not self.repeats:
                return value
            pairs = list(value.items())
        out: dict[str, Any] = {}
        for key, item in pairs:
            if key in out:
                self.note("duplicate field", path, key)
            path.append("." + key if path else key)
            try:
                new = self.value(element, item, path, fields, owner)
            finally:
                path.pop()
            out[key] = merge(out[key], new, element) if key in out else new
        return out

    def walk_list(self, node: Node, value: list[Any], path: list[str], fields: list[str], owner: str) -> list[Any]:
        element = node.element or schema.ANYTHING
        if element.kind == schema.STRING:
            for item in value:
                if item is not None and not isinstance(item, str):
                    self.save(self.mismatch(item, "string", owner, fields))
                    break
            return value
        if element.kind == schema.ANY and not self.repeats:
            return value
        for position, item in enumerate(value):
            path.append(f"[{position}]")
            try:
                new = self.value(element, item, path, fields, owner)
            finally:
                path.pop()
            if new is not item:
                value[position] = new
        return value

    def scalar(self, node: Node, value: Any, fields: list[str], owner: str) -> Any:
        kind = node.kind
        if kind == schema.INT:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.save(self.mismatch(value, node.go_type, owner, fields))
            elif not _fits(value, node.bits):
                self.save(self.mismatch(value, node.go_type, owner, fields, number=True))
        elif kind == schema.FLOAT:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.save(self.mismatch(value, node.go_type, owner, fields))
        elif kind == schema.BOOL:
            if not isinstance(value, bool):
                self.save(self.mismatch(value, node.go_type, owner, fields))
        elif kind == schema.BYTES:
            if isinstance(value, str):
                problem = scalars.base64_error(value)
                if problem is not None:
                    self.save(problem)
            elif not isinstance(value, list):
                self.save(self.mismatch(value, node.go_type, owner, fields))
        elif kind == schema.INT_OR_STRING:
            if not isinstance(value, str):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise _Fatal(self.mismatch(value, "int32", owner, fields))
                if not _fits(value, 32):
                    raise _Fatal(self.mismatch(value, "int32", owner, fields, number=True))
        elif kind == schema.QUANTITY:
            text = value.strip() if isinstance(value, str) else _go_number(value)
            problem = scalars.quantity_error(text) if text is not None else scalars.QUANTITY_FORMAT_WRONG
            if problem is not None:
                raise _Fatal(problem)
        elif kind in (schema.TIME, schema.MICRO_TIME):
            if not isinstance(value, str):
                raise _Fatal(self.mismatch(value, "string", owner, fields))
            try:
                stored = times.normalise(value, micro=kind == schema.MICRO_TIME)
            except times.TimeError as error:
                raise _Fatal(str(error)) from None
            return value if stored == value else stored  # Go re-encodes it: UTC, its own precision
        return value


def _settled(node: Node, value: Any, repeats: bool) -> bool:
    """Whether a field's value needs no walk: the common leaves, checked without the walk's
    bookkeeping (a hot path: most fields of most objects are plain strings and numbers)."""
    kind = node.kind
    if kind == schema.STRING:
        return value is None or type(value) is str
    if kind == schema.INT:
        return value is None or (type(value) is int and _fits(value, node.bits))
    if kind == schema.BOOL:
        return value is None or type(value) is bool
    return kind == schema.ANY and not repeats


def _fits(value: float, bits: int) -> bool:
    if isinstance(value, float):
        return False  # Go parses integers only: 1.5, 1.0 and 1e3 are all refused
    low, high = _INT_LIMITS[bits]
    return low <= value <= high


def _go_number(value: Any) -> str | None:
    """The number's JSON text, as close as a parsed value allows (None: not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return repr(value) if isinstance(value, float) else str(value)


def merge(old: Any, new: Any, node: Node) -> Any:
    """A repeated key decoded again into the same Go value: structs and maps merge, lists
    merge position by position, everything else is replaced."""
    if isinstance(old, dict) and isinstance(new, dict) and node.kind in (schema.STRUCT, schema.MAP):
        out = dict(old)
        for key, item in new.items():
            child = (node.fields or {}).get(key, schema.ANYTHING) if node.kind == schema.STRUCT else node.element
            out[key] = merge(out[key], item, child or schema.ANYTHING) if key in out else item
        return out
    if isinstance(old, list) and isinstance(new, list) and node.kind == schema.LIST:
        element = node.element or schema.ANYTHING
        return [merge(old[i], item, element) if i < len(old) else item for i, item in enumerate(new)]
    return new


def decode(node: Node, value: Any, *, strict: bool = True, repeats: bool = False) -> Decoded:
    """Decode a body (already parsed JSON) into `node`'s type.

    `strict` collects unknown and duplicate fields; `repeats` says the parser saw repeated keys
    somewhere (see `duplicates.loads`), so `Repeated` objects may occur.
    """
    walk = _Walk(collect=strict, repeats=repeats)
    try:
        result = walk.value(node, value, [], [], "")
    except _Fatal as fatal:
        return Decoded(value, error=str(fatal))
    except RecursionError:
        return Decoded(value, error="exceeded max depth")  # the Go scanner's limit, in its words
    if walk.saved is not None:
        return Decoded(result, error=walk.saved)
    return Decoded(result, walk.strict)
