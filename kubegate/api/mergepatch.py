"""RFC 7386 JSON Merge Patch, and the JSON-value primitives both patch flavours share.

`PATCH` with `application/merge-patch+json` is the simplest way to change an object: members
set to null are deleted, objects merge member by member, anything else replaces. The real
server (k8s.io/apiserver `handlers/patch.go`, evanphx/json-patch `MergePatch`) rejects a body
that is not an object with 400 before merging; `decode_merge_patch` reproduces those answers,
`apply_merge_patch` is the plain RFC algorithm. evanphx also strips nulls from objects nested
in arrays in some cases; the RFC keeps arrays verbatim, and so do we.

The value primitives (`copy_json`, `json_equal`, `encoded_size`) walk with an explicit stack
rather than recursion, so a deeply nested (or, from Python callers, cyclic) value becomes a
Status error instead of a RecursionError, and a patch result never shares containers with its
inputs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from kubegate.api import errors

#: Go encoding/json's maxNestingDepth: deeper input fails to decode in the real server.
MAX_DEPTH = 10000

TooDeep = Callable[[str], errors.StatusError]


def decode_merge_patch(patch: Any) -> dict[str, Any]:
    """`patch` if the real server would accept it as a merge patch body, else its 400."""
    copy_json(patch, too_deep=patch_too_deep)
    if patch is None:  # decodes to a nil map, which MergePatch refuses
        raise errors.bad_request("Invalid JSON Patch")
    if not isinstance(patch, dict):
        raise errors.bad_request(
            f"error decoding patch: json: cannot unmarshal {go_kind(patch)} into Go value of "
            "type map[string]interface {}"
        )
    return patch


def apply_merge_patch(document: Any, patch: Any) -> Any:
    """RFC 7386 MergePatch(document, patch), computed on copies: neither input is changed."""
    changes = copy_json(patch, too_deep=patch_too_deep)
    if not isinstance(changes, dict):
        return changes
    result = copy_json(document)
    if not isinstance(result, dict):
        result = {}
    pending: list[tuple[dict[str, Any], dict[str, Any]]] = [(result, changes)]
    while pending:
        target, delta = pending.pop()
        for key, change in delta.items():
            if change is None:
                target.pop(key, None)
            elif isinstance(change, dict):
                current = target.get(key)
                if not isinstance(current, dict):
                    current = target[key] = {}  # merging into {} also drops the nulls
                pending.append((current, change))
            else:
                target[key] = change  # `changes` is our own copy, so sharing is safe
    return result


def create_merge_patch(original: dict[str, Any], modified: dict[str, Any]) -> dict[str, Any]:
    """A merge patch that turns `original` into `modified`.

    Merge patches cannot say "set to null", so a null in `modified` comes out as a deletion.
    """
    if not isinstance(original, dict) or not isinstance(modified, dict):
        raise errors.bad_request("Invalid JSON Document")
    old_root, new_root = copy_json(original), copy_json(modified)
    patch: dict[str, Any] = {}
    nested: list[tuple[dict[str, Any], str, dict[str, Any]]] = []
    pending = [(old_root, new_root, patch)]
    while pending:
        old, new, out = pending.pop()
        for key in old:
            if key not in new:
                out[key] = None
        for key, value in new.items():
            if key not in old:
                out[key] = value
            elif isinstance(value, dict) and isinstance(old[key], dict):
                child: dict[str, Any] = {}
                out[key] = child
                nested.append((out, key, child))
                pending.append((old[key], value, child))
            elif not json_equal(old[key], value):
                out[key] = value
    # Children were recorded after their parents, so walking backwards prunes bottom-up.
    for out, key, child in reversed(nested):
        if not child:
            del out[key]
    return patch


# -- JSON values ----------------------------------------------------------------------------


def patch_too_deep(bracket: str) -> errors.StatusError:
    """What the real server says when a patch body nests deeper than `MAX_DEPTH`."""
    return errors.bad_request(
        f"error decoding patch: invalid character '{bracket}' exceeded max depth"
    )


def _value_too_deep(bracket: str) -> errors.StatusError:
    return errors.internal(f"JSON value nested more than {MAX_DEPTH} levels deep")


def copy_json(value: Any, *, too_deep: TooDeep = _value_too_deep, max_depth: int = MAX_DEPTH) -> Any:
    """A deep copy of a JSON value, checking that it is one and is at most `max_depth` deep.

    The first container past the limit, in document order, is reported via `too_deep` with
    its opening bracket, as Go's scanner does. A non-JSON Python value is a caller's bug: 500.
    """
    if max_depth >= _PLAIN_DEPTH:
        try:
            return _plain_copy(value, 1)
        except (_Unusual, RecursionError):
            pass
    return _checked_copy(value, too_deep, max_depth)


class _Unusual(Exception):
    """Something `_plain_copy` leaves to the checked copy: deep nesting, or a non-plain value."""


#: the depth to which the plain copy recurses; deeper values take the checked, iterative copy
_PLAIN_DEPTH = 200
_PLAIN_SCALARS = frozenset((str, int, float, bool, type(None)))


def _plain_copy(value: Any, depth: int) -> Any:
    """The common case fast: plain dicts, lists and scalars, string keys, not deep."""
    kind = type(value)
    if kind is dict:
        if depth > _PLAIN_DEPTH:
            raise _Unusual
        copied: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _Unusual
            copied[key] = item if type(item) in _PLAIN_SCALARS else _plain_copy(item, depth + 1)
        return copied
    if kind is list:
        if depth > _PLAIN_DEPTH:
            raise _Unusual
        return [item if type(item) in _PLAIN_SCALARS else _plain_copy(item, depth + 1) for item in value]
    if kind in _PLAIN_SCALARS:
        return value
    raise _Unusual


def _checked_copy(value: Any, too_deep: TooDeep, max_depth: int) -> Any:
    box: list[Any] = [value]
    copied: dict[str, Any] | list[Any]
    members: Iterable[tuple[Any, Any]]
    pending: list[tuple[Any, Any, Any, int]] = [(value, box, 0, 1)]
    while pending:  # holds containers only; scalars ride along in the shallow copies
        source, target, slot, depth = pending.pop()
        if isinstance(source, dict):
            copied, members, bracket = dict(source), source.items(), "{"
            if not all(isinstance(key, str) for key in copied):
                raise errors.internal("JSON object keys must be strings")
        elif isinstance(source, list):
            copied, members, bracket = list(source), enumerate(source), "["
        elif isinstance(source, _SCALARS):
            continue  # a scalar root
        else:
            raise _not_json(source)
        if depth > max_depth:
            raise too_deep(bracket)
        target[slot] = copied
        children = []
        for key, item in members:
            if isinstance(item, (dict, list)):
                children.append((item, copied, key, depth + 1))
            elif not isinstance(item, _SCALARS):
                raise _not_json(item)
        pending.extend(reversed(children))  # so they pop in document order
    return box[0]


_SCALARS = (str, int, float, type(None))  # bool is an int


def _not_json(value: Any) -> errors.StatusError:
    return errors.internal(f"a {type(value).__name__} is not a JSON value")


def go_kind(value: Any) -> str:
    """The JSON kind of `value` in the words of Go's UnmarshalTypeError."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def json_equal(left: Any, right: Any) -> bool:
    """Equality as RFC 6902 `test` defines it: numbers by value, booleans are not numbers."""
    pending = [(left, right)]
    while pending:
        a, b = pending.pop()
        if isinstance(a, dict):
            if not isinstance(b, dict) or a.keys() != b.keys():
                return False
            pending.extend((a[key], b[key]) for key in a)
        elif isinstance(a, list):
            if not isinstance(b, list) or len(a) != len(b):
                return False
            pending.extend(zip(a, b))
        elif go_kind(a) != go_kind(b) or a != b:
            return False
    return True


def encoded_size(value: Any) -> int:
    """Bytes of compact JSON for `value` (Go's encoder differs only in a few escapes)."""
    size = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            # braces, commas between members, and a colon after each key
            size += 2 + max(len(item) - 1, 0) + sum(_scalar_size(key) + 1 for key in item)
            pending.extend(item.values())
        elif isinstance(item, list):
            size += 2 + max(len(item) - 1, 0)
            pending.extend(item)
        else:
            size += _scalar_size(item)
    return size


def _scalar_size(item: Any) -> int:
    if isinstance(item, int) and item.bit_length() > 14000:
        # Python refuses to print integers past 4300 digits; an estimate will do for those.
        return int(item.bit_length() * 0.30103) + 1 + (item < 0)
    return len(json.dumps(item, ensure_ascii=False).encode("utf-8", "surrogatepass"))
