"""List order in a strategic merge patch: `$setElementOrder` and the order of merged lists.

A merged list keeps the patch's relative order for the items the patch names and the live
order for the rest, interleaved by where the live list had them
(design-proposals-archive `cli/preserve-order-in-strategic-merge-patch.md`). These helpers
mirror apimachinery's `normalizeElementOrder`, `mergeSortedSlice` and their partitions.

Values are compared with Go's `==` on interface values: same dynamic type and equal, and a
runtime error for maps and slices, which Go cannot compare (the real server would panic).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from kubegate.api.strategicpatch import errors
from kubegate.api.strategicpatch.errors import MAP_TYPE, PatchError

DIRECTIVE = "$patch"
DELETE = "delete"


def go_eq(left: Any, right: Any) -> bool:
    if errors.go_type(left) != errors.go_type(right):
        return False
    if isinstance(left, (dict, list)):
        raise PatchError(f"runtime error: comparing uncomparable type {errors.go_type(left)}")
    return bool(left == right)


def go_key(value: Any) -> Hashable:
    """A key that is equal exactly when Go's map lookup would find the same entry."""
    if isinstance(value, (dict, list)):
        raise PatchError(f"runtime error: hash of unhashable type {errors.go_type(value)}")
    return (errors.go_type(value), value)


def index_of(items: list[Any], wanted: Any, merge_key: str, is_map: bool) -> int:
    """Where `wanted` sits in `items` (by merge key value for maps), or -1."""
    probe = wanted.get(merge_key) if is_map and isinstance(wanted, dict) else (None if is_map else wanted)
    for position, item in enumerate(items):
        value = (item.get(merge_key) if isinstance(item, dict) else None) if is_map else item
        if go_eq(probe, value):
            return position
    return -1


def require_merge_keys(merge_key: str, *lists: list[Any]) -> None:
    for items in lists:
        for item in items:
            if not isinstance(item, dict):
                raise errors.bad_arg_type(MAP_TYPE, item)
            if merge_key not in item:
                raise errors.no_merge_key(item, merge_key)


def split_deletions(items: list[Any]) -> tuple[list[Any], list[Any]]:
    """(items to keep, items that are `$patch: delete` directives)."""
    keep: list[Any] = []
    doomed: list[Any] = []
    for item in items:
        if not isinstance(item, dict):
            raise errors.bad_arg_type(MAP_TYPE, item)
        (doomed if _is_delete(item) else keep).append(item)
    return keep, doomed


def _is_delete(item: dict[str, Any]) -> bool:
    return DIRECTIVE in item and go_eq(item[DIRECTIVE], DELETE)


def sort_by(items: list[Any], order: list[Any], merge_key: str, is_map: bool) -> list[Any]:
    """`items` stably sorted by their position in `order` (deletions moved to the end)."""
    doomed: list[Any] = []
    if is_map:
        require_merge_keys(merge_key, items, order)
        items, doomed = split_deletions(items)
    unknown = len(order)
    positions = [index_of(order, item, merge_key, is_map) for item in items]
    ranked = sorted(range(len(items)), key=lambda i: positions[i] if positions[i] >= 0 else unknown)
    return [items[i] for i in ranked] + doomed


def interleave(
    server_only: list[Any], patch: list[Any], server_order: list[Any], merge_key: str, is_map: bool
) -> list[Any]:
    """mergeSortedSlice: put each server-only item before the first patch item that follows it live."""
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) or j < len(patch):
        if i >= len(server_only):
            out.append(patch[j])
            j += 1
        elif j >= len(patch):
            out.append(server_only[i])
            i += 1
        else:
            left = index_of(server_order, server_only[i], merge_key, is_map)
            right = index_of(server_order, patch[j], merge_key, is_map)
            if left >= 0 and right >= 0 and left < right:
                out.append(server_only[i])
                i += 1
            else:
                out.append(patch[j])
                j += 1
    return out


def normalize(
    patch: list[Any],
    server_only: list[Any],
    *,
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str,
    is_map: bool,
) -> list[Any]:
    """normalizeElementOrder: patch items in patch order, the rest in live order, interleaved."""
    patch = sort_by(patch, patch_order, merge_key, is_map)
    server_only = sort_by(server_only, server_order, merge_key, is_map)
    return interleave(server_only, patch, server_order, merge_key, is_map)


def partition(merged: list[Any], by: list[Any], merge_key: str) -> tuple[list[Any], list[Any]]:
    """(items of `merged` that `by` names, the others), by value or by merge key."""
    named: list[Any] = []
    others: list[Any] = []
    if not merge_key:
        present = {go_key(value) for value in by}
        for value in merged:
            (named if go_key(value) in present else others).append(value)
        return named, others
    for item in merged:
        if not isinstance(item, dict):
            raise errors.bad_arg_type(MAP_TYPE, item)
        if merge_key not in item:
            raise errors.no_merge_key(item, merge_key)
        found = find_by_key(by, merge_key, item[merge_key]) is not None
        (named if found else others).append(item)
    return named, others


def find_by_key(items: list[Any], key: str, value: Any) -> int | None:
    """findMapInSliceBasedOnKeyValue: the index of the map whose `key` equals `value`."""
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise PatchError(f"value for key {position} is not a map")
        if key in item and go_eq(item[key], value):
            return position
    return None


def check_set_element_order(patch_list: Any, order: Any, merge_key: str) -> None:
    """The patch list must follow the `$setElementOrder` list (deletions aside)."""
    if not isinstance(order, list) or not isinstance(patch_list, list):
        raise errors.sentinel(errors.BAD_SET_ELEMENT_ORDER)
    if not order or not patch_list:
        return
    items = split_deletions(patch_list)[0] if merge_key else patch_list
    at_patch = at_order = 0
    while at_patch < len(items) and at_order < len(order):
        item = items[at_patch]
        if isinstance(item, dict) and DIRECTIVE in item:
            at_patch += 1
            continue
        if _merge_key_equal(item, order[at_order], merge_key):
            at_patch += 1
        at_order += 1
    if at_patch < len(items) and at_order >= len(order):
        raise PatchError(
            f"The order in patch list:\n{errors.go_v(patch_list)}\n doesn't match "
            f"$setElementOrder list:\n{errors.go_v(order)}\n"
        )


def _merge_key_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return go_eq(left, right)
    for item in (left, right):
        if not isinstance(item, dict):
            raise errors.bad_arg_type(MAP_TYPE, item)
        if merge_key not in item:
            raise errors.no_merge_key(item, merge_key)
    return go_eq(left[merge_key], right[merge_key])
