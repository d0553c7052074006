"""Applying a strategic merge patch to an object: apimachinery's `mergeMap` and `mergeSlice`.

Maps merge key by key and `null` deletes; lists whose field says `patchStrategy: merge` merge
by their merge key (maps) or by value (primitives), other lists are replaced. Directives steer
the rest:

- `$patch: replace` in a map replaces it; in a list, the list becomes the patch's items.
- `$patch: delete` in a map deletes it; in a list of maps, deletes the items with that key.
- `$retainKeys: [...]` clears the keys of the live map that are not listed.
- `$setElementOrder/<field>: [...]` fixes the order of the merged list.
- `$deleteFromPrimitiveList/<field>: [...]` removes values from a list of primitives.

The functions work on private copies and mutate them as the Go code does; the order in which
things happen is the Go code's, because error texts and list orders depend on it.
"""

from __future__ import annotations

from typing import Any

from kubegate.api.strategicpatch import errors, order
from kubegate.api.strategicpatch.directives import discard_nulls, remove_directives
from kubegate.api.strategicpatch.errors import MAP_TYPE, SLICE_TYPE, PatchError
from kubegate.api.strategicpatch.meta import PatchMeta, PatchSchema
from kubegate.api.strategicpatch.slices import SharedSlice

DIRECTIVE = order.DIRECTIVE
DELETE = order.DELETE
REPLACE = "replace"
MERGE = "merge"
RETAIN_KEYS = "retainKeys"
RETAIN_KEYS_DIRECTIVE = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER = "$setElementOrder"


def merge_map(original: dict[str, Any] | None, patch: dict[str, Any], schema: PatchSchema) -> dict[str, Any]:
    if DIRECTIVE in patch:
        return _map_directive(patch[DIRECTIVE], patch)
    if original is None:
        original = {}
    _retain_keys(original, patch)
    _apply_element_orders(original, patch, schema)
    for key, patch_value in list(patch.items()):
        is_delete_list = False
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST):
            key = _directive_target(key, DELETE_FROM_PRIMITIVE_LIST)
            is_delete_list = True
        if patch_value is None:
            original.pop(key, None)
            continue  # the server ignores unmatched nulls
        if key not in original or _go_type(original[key]) != _go_type(patch_value):
            if not is_delete_list:
                _take_patch_value(original, key, patch_value)
            continue
        current = original[key]
        if isinstance(current, dict):
            sub, meta = schema.lookup_struct(key)
            original[key] = _merge_map_field(current, patch_value, sub, _strategy(meta))
        elif isinstance(current, list):
            sub, meta = schema.lookup_slice(key)
            original[key] = merge_slice_field(
                current, patch_value, sub, _strategy(meta), meta.merge_key, is_delete_list=is_delete_list
            )
        else:
            _take_patch_value(original, key, patch_value)
    return original


def _go_type(value: Any) -> str:
    return errors.go_type(value)


def _take_patch_value(original: dict[str, Any], key: str, value: Any) -> None:
    """A patch value with nothing to merge into: its nulls and directive items are dropped."""
    discard_nulls(value)
    kept, keep = remove_directives(value)
    if keep:
        original[key] = kept
    else:
        original.pop(key, None)


def _map_directive(directive: Any, patch: dict[str, Any]) -> dict[str, Any]:
    if order.go_eq(directive, REPLACE):
        del patch[DIRECTIVE]
        return patch
    if order.go_eq(directive, DELETE):
        return {}
    raise errors.bad_patch_type(directive, patch)


def _strategy(meta: PatchMeta) -> str:
    """The strategy left once `retainKeys` is set aside (extractRetainKeysPatchStrategy)."""
    strategies = meta.strategies
    if len(strategies) == 1:
        return "" if strategies[0] == RETAIN_KEYS else strategies[0]
    if len(strategies) == 2:
        if strategies[0] == RETAIN_KEYS:
            return strategies[1]
        if strategies[1] == RETAIN_KEYS:
            return strategies[0]
    if len(strategies) > 1:
        raise PatchError(f"unexpected patch strategy: [{' '.join(strategies)}]")
    return ""


def _merge_map_field(current: Any, patch: Any, schema: PatchSchema, strategy: str) -> dict[str, Any]:
    if not isinstance(current, dict):
        raise errors.bad_arg_type(MAP_TYPE, current)
    if not isinstance(patch, dict):
        raise errors.bad_arg_type(MAP_TYPE, patch)
    if strategy == REPLACE:
        return patch
    return merge_map(current, patch, schema)


def merge_slice_field(
    current: Any, patch: Any, schema: PatchSchema, strategy: str, merge_key: str, *, is_delete_list: bool
) -> list[Any]:
    """mergeSliceHandler: merge when the field says so (or for deletion lists), else replace."""
    if not isinstance(current, list):
        raise errors.bad_arg_type(SLICE_TYPE, current)
    if not isinstance(patch, list):
        raise errors.bad_arg_type(SLICE_TYPE, patch)
    if strategy == MERGE or is_delete_list:
        return _merge_slice(current, patch, schema, merge_key, is_delete_list=is_delete_list)
    return patch


def _merge_slice(
    original: list[Any], patch: list[Any], schema: PatchSchema, merge_key: str, *, is_delete_list: bool
) -> list[Any]:
    if not original and not patch:
        return original
    is_map = element_kind(original, patch) == MAP_TYPE
    if not is_map:
        if is_delete_list:
            doomed = {order.go_key(value) for value in patch}
            return [value for value in original if order.go_key(value) not in doomed]
        merged = _dedupe([*original, *patch])
        server_order = original
    else:
        if not merge_key:
            raise PatchError(f"cannot merge lists without merge key for {schema.name}")
        items = SharedSlice(original)
        patch, replaced = _special_elements(items, patch, merge_key)
        if replaced is not None:
            items = SharedSlice(replaced)
        server_order = items.view()
        merged = _merge_items(items, patch, merge_key, schema)
    named, server_only = order.partition(merged, patch, merge_key)
    return order.normalize(
        named, server_only, patch_order=patch, server_order=server_order, merge_key=merge_key, is_map=is_map
    )


def element_kind(*lists: list[Any]) -> str:
    """sliceElementType: the one Go type every element of the lists has."""
    seen: str | None = None
    for items in lists:
        for item in items:
            kind = _go_type(item)
            if seen is None:
                if item is None:  # reflect.TypeOf(nil).Kind() dereferences a nil Type
                    raise PatchError("runtime error: invalid memory address or nil pointer dereference")
                if kind == SLICE_TYPE:
                    raise errors.sentinel(errors.NO_LIST_OF_LISTS)
                seen = kind
            elif kind != seen:
                raise PatchError(f"list element types are not identical: {errors.go_v(list(lists))}")
    if seen is None:
        raise PatchError("no elements in any of the given slices")
    return seen


def _dedupe(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for value in values:
        key = order.go_key(value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _special_elements(
    items: SharedSlice, patch: list[Any], merge_key: str
) -> tuple[list[Any], list[Any] | None]:
    """mergeSliceWithSpecialElements: act on `$patch` items; (plain items, replacement list)."""
    plain: list[Any] = []
    replace = False
    for item in patch:
        if DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[DIRECTIVE]
        if order.go_eq(directive, DELETE):
            if merge_key not in item:
                raise errors.no_merge_key(item, merge_key)
            while (found := order.find_by_key(items.view(), merge_key, item[merge_key])) is not None:
                items.delete(found)
        elif order.go_eq(directive, REPLACE):
            replace = True
        elif order.go_eq(directive, MERGE):
            raise PatchError("merging lists cannot yet be specified in the patch")
        else:
            raise errors.bad_patch_type(directive, item)
    if replace:
        return [], plain
    return plain, None


def _merge_items(items: SharedSlice, patch: list[Any], merge_key: str, schema: PatchSchema) -> list[Any]:
    """mergeSliceWithoutSpecialElements: merge items with a live twin, append the others."""
    for item in patch:
        if merge_key not in item:
            raise errors.no_merge_key(item, merge_key)
        found = order.find_by_key(items.view(), merge_key, item[merge_key])
        if found is None:
            items.append(item)
        else:
            items.set(found, merge_map(items.view()[found], item, schema))
    return items.view()


def _retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    """`$retainKeys`: keep only the listed keys of the live map; the patch may set only those."""
    if RETAIN_KEYS_DIRECTIVE not in patch:
        return
    wanted = patch.pop(RETAIN_KEYS_DIRECTIVE)
    if not isinstance(wanted, list):
        raise errors.sentinel(errors.BAD_RETAIN_KEYS)
    keep = {value for value in wanted if isinstance(value, str)}
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_FROM_PRIMITIVE_LIST, SET_ELEMENT_ORDER)):
            continue
        if key not in keep:
            raise errors.sentinel(errors.BAD_RETAIN_KEYS)
    for key in [k for k in original if k not in keep]:
        del original[key]


def _directive_target(key: str, prefix: str) -> str:
    """`$setElementOrder/containers` -> `containers` (extractKey)."""
    head, sep, tail = key.partition("/")
    if not sep or head != prefix:
        if prefix == DELETE_FROM_PRIMITIVE_LIST:
            raise errors.sentinel(errors.BAD_PRIMITIVE_LIST)
        raise errors.sentinel(errors.BAD_SET_ELEMENT_ORDER)
    return tail


def _apply_element_orders(original: dict[str, Any], patch: dict[str, Any], schema: PatchSchema) -> None:
    """mergePatchIntoOriginal: merge each list named by a `$setElementOrder` and order it."""
    for key in list(patch):
        if key not in patch or not key.startswith(SET_ELEMENT_ORDER):
            continue
        wanted = patch.pop(key)
        if not isinstance(wanted, list):
            raise errors.bad_arg_type(SLICE_TYPE, wanted)
        field = _directive_target(key, SET_ELEMENT_ORDER)
        has_live, has_change = field in original, field in patch
        live, change = original.get(field), patch.get(field)
        if has_live and not isinstance(live, list):
            raise errors.bad_arg_type(SLICE_TYPE, live)
        if has_change and not isinstance(change, list):
            raise errors.bad_arg_type(SLICE_TYPE, change)
        live = live if isinstance(live, list) else []
        change = change if isinstance(change, list) else []
        sub, meta = schema.lookup_slice(field)
        strategy = _strategy(meta)
        order.check_set_element_order(change, wanted, meta.merge_key)
        if has_live and not has_change:
            merged: list[Any] = live
        elif has_change and not has_live:
            merged = remove_directives(change)[0]
        elif has_change:
            merged = merge_slice_field(live, change, sub, strategy, meta.merge_key, is_delete_list=False)
        else:
            continue
        named, server_only = order.partition(merged, wanted, meta.merge_key)
        is_map = element_kind(live, change) == MAP_TYPE
        original[field] = order.normalize(
            named, server_only, patch_order=wanted, server_order=live, merge_key=meta.merge_key, is_map=is_map
        )
        patch.pop(field, None)
