"""The defaulting engine: a kind's defaults are rows of (field path, value, condition).

The real server fills unset fields while decoding every write (the generated SetDefaults_*
functions); kubegate keeps those facts as tables of `Default` rows, applied by one function.
A field counts as unset when it is absent or null, or, for string defaults, empty (Go's zero
string). A path whose parent is not an object is left alone: validation answers for it.
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


def is_unset(value: Any, default: Any) -> bool:
    return value is None or (isinstance(default, str) and value == "")


def set_default(obj: dict[str, Any], path: str, value: Any) -> None:
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
    if is_unset(node.get(last), value):
        node[last] = copy.deepcopy(value)


def apply(obj: dict[str, Any], rows: Iterable[Default]) -> None:
    for row in rows:
        if row.when is None or row.when(obj):
            set_default(obj, row.path, row.value)


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a list (anything else in it is left for validation)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
