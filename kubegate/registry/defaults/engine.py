"""The defaulting engine: a kind's defaults are rows of (field path, value, condition).

The real server fills unset fields while decoding every write (the generated SetDefaults_*
functions); kubegate keeps those facts as tables of `Default` rows, applied by one function.
A field counts as unset when it is absent or null, or, for string defaults, empty (Go's zero
string); a row marked `zero` also replaces Go's zero value of a plain field, 0 or an empty
list (the real functions that test `x == 0` or `len(x) == 0`). A path whose parent is not an object is left alone: validation answers for it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class Default:
    #: dotted path from the object's root, e.g. "spec.strategy.type"
    path: str
    value: Any
    #: the row applies only when this holds for the object (after the rows before it)
    when: Predicate | None = None
    #: 0 and an empty list count as unset too
    zero: bool = False


def lookup(obj: Any, path: str) -> Any:
    """The value at a dotted path, None when any step is missing or not an object."""
    node = obj
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def equals(path: str, value: Any) -> Predicate:
    return lambda obj: lookup(obj, path) == value


def present(path: str) -> Predicate:
    """The row applies where the object has an object at `path` (a pointer the client set)."""
    return lambda obj: isinstance(lookup(obj, path), dict)


def is_unset(value: Any, default: Any, *, zero: bool = False) -> bool:
    if value is None or (isinstance(default, str) and value == ""):
        return True
    return zero and (value == [] or (value == 0 and not isinstance(value, bool)))


def set_default(obj: dict[str, Any], path: str, value: Any, *, zero: bool = False) -> None:
    """Set `path` to a copy of `value` unless it is set; missing parents become objects."""
    *parents, last = path.split(".")
    node = obj
    for part in parents:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            return
        node = child
    if is_unset(node.get(last), value, zero=zero):
        node[last] = copy.deepcopy(value)


def apply(obj: dict[str, Any], rows: Iterable[Default]) -> None:
    for row in rows:
        if row.when is None or row.when(obj):
            set_default(obj, row.path, row.value, zero=row.zero)


def apply_each(value: Any, rows: Iterable[Default]) -> None:
    """`rows` applied to each object of a list (`value` may be anything: only objects count)."""
    rows = tuple(rows)
    for item in dicts(value):
        apply(item, rows)


def apply_at(obj: Any, path: str, rows: Iterable[Default]) -> None:
    """`rows` applied to the object at `path` below `obj`, when there is one."""
    node = lookup(obj, path)
    if isinstance(node, dict):
        apply(node, rows)


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a list (anything else in it is left for validation)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
