"""The Kubernetes lists library: isSorted, sum, min, max, indexOf, lastIndexOf on lists.

As k8s.io/apiserver's `library.Lists`: sum of an empty list is 0, min/max of one is the error
`min called on empty list`; items are compared as CEL compares them (numbers across int, uint
and double; strings; bools; durations and timestamps).
"""

from __future__ import annotations

from typing import Any

from kubegate.cel.library.declare import (
    BOOL,
    DYN,
    INT,
    LIST,
    VALUE_TYPES,
    LibraryError,
    function,
    member,
)


def _comparable(items: list[Any]) -> list[Any]:
    kinds = {type(item) for item in items}
    numbers = kinds <= {int, float}
    if len(kinds) > 1 and not numbers or any(isinstance(item, (list, dict)) for item in items):
        raise LibraryError("no such overload")
    return items


def is_sorted(items: list[Any]) -> bool:
    items = _comparable(list(items))
    return all(items[i] <= items[i + 1] for i in range(len(items) - 1))


def total(items: list[Any]) -> Any:
    items = _comparable(list(items))
    return sum(items) if items else 0


def _extreme(name: str, pick: Any) -> Any:
    def extreme(items: list[Any]) -> Any:
        items = _comparable(list(items))
        if not items:
            raise LibraryError(f"{name} called on empty list")
        return pick(items)

    return extreme


def index_of(items: list[Any], value: Any) -> int:
    for position, item in enumerate(items):
        if _equal(item, value):
            return position
    return -1


def last_index_of(items: list[Any], value: Any) -> int:
    for position in range(len(items) - 1, -1, -1):
        if _equal(items[position], value):
            return position
    return -1


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


DECLARATIONS = (
    function("isSorted", member("list_a_is_sorted_bool", BOOL, [LIST], is_sorted)),
    function("sum", member("list_a_sum", DYN, [LIST], total)),
    function("min", member("list_a_min", DYN, [LIST], _extreme("min", min))),
    function("max", member("list_a_max", DYN, [LIST], _extreme("max", max))),
    # indexOf and lastIndexOf merge with the strings extension's, one overload per item type
    function("indexOf", *(member(f"list_a_index_of_int_{name}", INT, [LIST, kind], index_of)
                          for name, kind in VALUE_TYPES.items())),
    function("lastIndexOf", *(member(f"list_a_last_index_of_int_{name}", INT, [LIST, kind], last_index_of)
                              for name, kind in VALUE_TYPES.items())),
)
