"""JSON parsing that remembers what duplicate keys would otherwise hide.

A JSON object may repeat a key; Go's decoder then reports `duplicate field "x"` (strict mode)
and, decoding into a struct, merges the occurrences. Ordinary parsers keep only the last one,
so the strict walker could never say so. Here an object with a repeated key becomes a
`Repeated` dict (the last value per key, as usual) that also keeps its key-value pairs in
document order; objects without repeats stay plain dicts, so the common case costs one
length comparison per object.
"""

from __future__ import annotations

import json
from typing import Any


class Repeated(dict[str, Any]):
    """An object whose keys repeat: the usual last-wins view, plus every pair in order."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


class _Tracker:
    """object_pairs_hook for json: notes whether any object repeated a key."""

    __slots__ = ("repeated",)

    def __init__(self) -> None:
        self.repeated = False

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            self.repeated = True
            return Repeated(pairs)
        return obj


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def loads(body: bytes | str) -> tuple[Any, bool]:
    """(value, whether some object repeated a key); ValueError for text that is not JSON."""
    tracker = _Tracker()
    value = json.loads(body, object_pairs_hook=tracker, parse_constant=_refuse_constant)
    return value, tracker.repeated

