"""Work shared by several cells of one Table row, done once per row.

Several pod columns (Ready, Status, Restarts) read one summary of the pod's container statuses;
computing it per cell made it a third of a Pod Table. While `build_table` computes a row it
names the row's object here, and a `per_row` function called with that same object returns what
it computed for it earlier in the row. Outside a row (or for another object) it just computes,
so a caller holding a dict it mutates between calls never sees a stale answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_row: list[Any] = [None, {}]  # the object whose row is being computed, and its memo


def begin(obj: Any) -> None:
    _row[0] = obj
    _row[1] = {}


def end() -> None:
    _row[0] = None
    _row[1] = {}


def per_row(function: Callable[[Any], T]) -> Callable[[Any], T]:
    @functools.wraps(function)
    def memoized(obj: Any) -> T:
        if _row[0] is not obj:
            return function(obj)
        memo: dict[Callable[[Any], Any], Any] = _row[1]
        if function in memo:
            return memo[function]  # type: ignore[no-any-return]
        value = memo[function] = function(obj)
        return value

    return memoized
