"""Removing directives and nulls from patch values that are taken as they are.

A patch value with nothing live to merge into is stored whole, minus the list items and map
values that are directives (`removeDirectives`) and minus nulls (`discardNullValuesFromPatch`,
as the server ignores unmatched nulls).
"""

from __future__ import annotations

from typing import Any

DIRECTIVE = "$patch"


def remove_directives(value: Any) -> tuple[Any, bool]:
    """removeDirectives: drop maps carrying `$patch` (and say whether `value` itself stays)."""
    if isinstance(value, dict):
        if DIRECTIVE in value:
            return None, False
        for key in list(value):
            kept, keep = remove_directives(value[key])
            if keep:
                value[key] = kept
            else:
                del value[key]
        return value, True
    if isinstance(value, list):
        out = []
        for item in value:
            kept, keep = remove_directives(item)
            if keep:
                out.append(kept)
        return out, True
    return value, True


def discard_nulls(value: Any) -> None:
    if isinstance(value, dict):
        for key in [k for k, v in value.items() if v is None]:
            del value[key]
        for child in value.values():
            discard_nulls(child)
    elif isinstance(value, list):
        for child in value:
            discard_nulls(child)
