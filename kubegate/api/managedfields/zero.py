"""What an object of a built-in kind looks like when nothing is set: its Go zero value.

The real server compares typed objects, and Go's JSON encoding of an empty struct still has
parts: struct-typed fields are never omitted (`spec: {}`, `template: {metadata: {}, ...}`) and
slices, maps and pointers without `omitempty` appear as `null` (`containers: null`). Whether a
map or list was *there* before decides whether a change owns the node itself, which FieldsV1
shows as `".": {}` (`f:labels: {".": {}, f:app: {}}` but `f:template: {f:metadata: ...}`).

kubegate stores objects as given, so it lays this skeleton under both sides of a comparison.
Every built-in kind has `metadata`, and `spec`/`status` when it has them; what lies deeper is
a per-resource fact, kept with the others in `kubegate.registry.skeletons`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from kubegate.api.jsoncopy import json_copy


def skeleton(deeper: Mapping[str, Any], *, top_level: tuple[str, ...]) -> dict[str, Any]:
    """The zero value of a built-in kind whose schema has the fields `top_level`, with the
    parts `deeper` lists below them laid over it."""
    out: dict[str, Any] = {"metadata": {}}
    for part in ("spec", "status"):
        if part in top_level:
            out[part] = {}
    for key, value in deeper.items():
        out[key] = _overlay(out.get(key), value)
    return out


def fill(obj: Any, zero: Any) -> Any:
    """`obj` with the zero value's parts it lacks (what decoding into the Go type gives)."""
    if not isinstance(zero, dict) or not isinstance(obj, dict):
        return obj
    out = dict(obj)
    for key, value in zero.items():
        if key not in out:
            out[key] = json_copy(value)
        else:
            out[key] = fill(out[key], value)
    return out


def _overlay(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _overlay(merged.get(key), value)
        return merged
    return copy.deepcopy(extra)
