"""cel-go's sets extension (enabled by Kubernetes from 1.29): sets.contains, equivalent, intersects."""

from __future__ import annotations

from typing import Any

from kubegate.cel.library.declare import BOOL, LIST, function, glob
from kubegate.cel.library.lists import index_of


def contains(items: list[Any], wanted: list[Any]) -> bool:
    return all(index_of(items, value) >= 0 for value in wanted)


def equivalent(a: list[Any], b: list[Any]) -> bool:
    return contains(a, b) and contains(b, a)


def intersects(a: list[Any], b: list[Any]) -> bool:
    return any(index_of(a, value) >= 0 for value in b)


DECLARATIONS = (
    function("sets.contains", glob("list_sets_contains_list", BOOL, [LIST, LIST], contains)),
    function("sets.equivalent", glob("list_sets_equivalent_list", BOOL, [LIST, LIST], equivalent)),
    function("sets.intersects", glob("list_sets_intersects_list", BOOL, [LIST, LIST], intersects)),
)
