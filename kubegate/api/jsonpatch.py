"""RFC 6902 JSON Patch, failing the way kube-apiserver fails.

`PATCH` with `application/json-patch+json` passes three gates in the real server
(k8s.io/apiserver `handlers/patch.go`, backed by gopkg.in/evanphx/json-patch.v4):

1. the body is decoded strictly into a list of `{op, path, from, value}` records; a body of
   the wrong shape is 400 `error decoding patch: json: cannot unmarshal …`;
2. more than 10000 operations is 413 `Request entity too large: The allowed maximum
   operations in a JSON patch is 10000, got N`;
3. any failure while applying is a bare 422 `Invalid` with a canned message: the library's
   explanation is dropped. We keep it as the `__cause__` (a `PatchApplyError`) so that logs
   and tests can still see why.

Where evanphx v4 is laxer than the RFCs (negative and zero-padded array indices, `replace`,
`copy` or `test` of a missing key succeeding, `add` without `value` adding null, numbers
compared by their text) we follow RFC 6902/6901, using the library's texts where it has one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kubegate.api import errors
from kubegate.api.gofmt import go_quote
from kubegate.api.mergepatch import (
    copy_json,
    encoded_size,
    go_kind,
    json_equal,
    patch_too_deep,
)

#: handlers/patch.go maxJSONPatchOperations.
MAX_OPERATIONS = 10000
#: apiserver's default JSONPatchMaxCopyBytes (it becomes evanphx's AccumulatedCopySizeLimit).
MAX_COPY_BYTES = 3 * 1024 * 1024
#: What NewGenericServerResponse(422, …) says, whatever the library said.
APPLY_FAILED = "the server rejected our request due to an error in our request"

_STRING_MEMBERS = ("op", "path", "from")
_UTF8 = "utf-8"
_RFC_INDEX = re.compile(r"0|[1-9][0-9]*")
_ATOI_SYNTAX = re.compile(r"[+-]?[0-9]+")
_BAD_ESCAPE = re.compile(r"~(?![01])")
_INT64_DIGITS = 19


class PatchApplyError(Exception):
    """Why one operation could not be applied, in evanphx/json-patch's words."""


class _MissingMember(PatchApplyError):
    """The parent exists but lacks the named member (so `test` can fail rather than err)."""


Op = dict[str, Any]


def apply_json_patch(
    document: Any,
    patch: Any,
    *,
    max_operations: int = MAX_OPERATIONS,
    max_copy_bytes: int = MAX_COPY_BYTES,
) -> Any:
    """`document` with `patch` (already-parsed JSON) applied; `document` itself is untouched."""
    ops = _decode(patch)
    if len(ops) > max_operations:
        raise errors.StatusError(
            413,
            "RequestEntityTooLarge",
            "Request entity too large: The allowed maximum operations in a JSON patch is "
            f"{max_operations}, got {len(ops)}",
        )
    state = _State(copy_json(document), max_copy_bytes)
    try:
        for op in ops:
            _HANDLERS.get(op.get("op", ""), _unknown)(state, op)
    except PatchApplyError as cause:
        raise errors.StatusError(422, "Invalid", APPLY_FAILED, {}) from cause
    return state.doc


# -- gate 1: the strict decode ------------------------------------------------------------------


def _decode(patch: Any) -> list[Op]:
    """The operations in `patch`, or the 400 the strict Go decoder gives for its shape."""
    ops = copy_json(patch, too_deep=patch_too_deep)
    if ops is None:  # Go decodes `null` into an empty list: a patch that does nothing
        return []
    if not isinstance(ops, list):
        raise _cannot_unmarshal(ops, "Go value of type []handlers.jsonPatchOp")
    for op in ops:
        if op is not None and not isinstance(op, dict):
            raise _cannot_unmarshal(op, "Go value of type handlers.jsonPatchOp")
        for key, member in (op or {}).items():
            if key in _STRING_MEMBERS and member is not None and not isinstance(member, str):
                raise _cannot_unmarshal(member, f"Go struct field jsonPatchOp.{key} of type string")
    # A null element is an operation without members; a member set to null is absent
    # (except `value`, where null is a value).
    return [{k: v for k, v in (op or {}).items() if v is not None or k == "value"} for op in ops]


def _cannot_unmarshal(value: Any, target: str) -> errors.StatusError:
    return errors.bad_request(
        f"error decoding patch: json: cannot unmarshal {go_kind(value)} into {target}"
    )


# -- gate 3: the operations ---------------------------------------------------------------------


@dataclass(slots=True)
class _State:
    """The document being patched (our own copy) and the bytes copied into it so far."""

    doc: Any
    copy_limit: int
    copied: int = 0


def _require(op: Op, member: str, failure: str) -> Any:
    if member not in op:
        raise PatchApplyError(failure)
    return op[member]


def _path(op: Op, verb: str) -> str:
    # evanphx words this differently per operation; these are its exact texts.
    detail = "" if verb in ("add", "remove", "copy") else "operation missing path field: "
    return str(
        _require(op, "path", f"{verb} operation failed to decode path: {detail}missing value")
    )


def _from(op: Op, verb: str) -> str:
    return str(
        _require(
            op,
            "from",
            f"{verb} operation failed to decode from: operation, missing from field: missing value",
        )
    )


def _value(op: Op, verb: str) -> Any:
    return _require(op, "value", f"{verb} operation, missing value field: missing value")


def _unknown(state: _State, op: Op) -> None:
    raise PatchApplyError(f"Unexpected kind: {op.get('op', 'unknown')}")


def _add(state: _State, op: Op) -> None:
    path, value = _path(op, "add"), _value(op, "add")
    missing = f'add operation does not apply: doc is missing path: "{path}": missing value'
    state.doc = _insert(state.doc, path, value, missing, f"error in add for path: '{path}': ")


def _remove(state: _State, op: Op) -> None:
    path = _path(op, "remove")
    missing = f'remove operation does not apply: doc is missing path: "{path}": missing value'
    _pop(state.doc, path, missing, f"error in remove for path: '{path}': ")


def _replace(state: _State, op: Op) -> None:
    path, value = _path(op, "replace"), _value(op, "replace")
    if path == "":
        state.doc = value
        return
    missing = f"replace operation does not apply: doc is missing path: {path}: missing value"
    parent, token = _parent(state.doc, path, missing)
    if _child(parent, token) is _ABSENT:
        raise PatchApplyError(
            f"replace operation does not apply: doc is missing key: {path}: missing value"
        )
    if isinstance(parent, dict):
        parent[token] = value
    else:
        parent[int(token)] = value


def _move(state: _State, op: Op) -> None:
    source, path = _from(op, "move"), _path(op, "move")
    missing = f"move operation does not apply: doc is missing from path: {source}: missing value"
    unreachable = (
        f"move operation does not apply: doc is missing destination path: {path}: missing value"
    )
    if source == path:  # RFC 6902 4.4 allows it; nothing changes once `from` is found
        _get(state.doc, source, missing, "")
        return
    if path.startswith(source + "/") or source == "":  # no moving a value into itself
        raise PatchApplyError(unreachable)
    key = (_tokens(source) or [""])[-1]
    value = _pop(state.doc, source, missing, f"error in move for path: '{key}': ")
    state.doc = _insert(state.doc, path, value, unreachable, f"error in move for path: '{path}': ")


def _copy(state: _State, op: Op) -> None:
    source, path = _from(op, "copy"), _path(op, "copy")
    missing = f"copy operation does not apply: doc is missing from path: {source}: missing value"
    value = _get(state.doc, source, missing, f"error in copy for from: '{source}': ")
    # `copy` is the one operation that can grow a document faster than the patch grows, so
    # the real server caps the bytes that all copies of one patch may add.
    text = _compact(value)
    state.copied += (
        encoded_size(value) if text is None else len(text.encode(_UTF8, "surrogatepass"))
    )
    if 0 < state.copy_limit < state.copied:
        raise PatchApplyError(
            "Unable to complete the copy, the accumulated size increase of copy is "
            f"{state.copied}, exceeding the limit {state.copy_limit}"
        )
    duplicate = copy_json(value) if text is None else json.loads(text)
    unreachable = (
        f"copy operation does not apply: doc is missing destination path: {path}: missing value"
    )
    state.doc = _insert(
        state.doc, path, duplicate, unreachable, "error while adding value during copy: "
    )


def _compact(value: Any) -> str | None:
    """`value` (from our already-checked document) as compact JSON, if the C codec can."""
    # The C codec is many times faster than a Python walk, which matters when a hostile patch
    # copies megabytes; it gives up past ~1000 levels of nesting or on 4300-digit integers.
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (RecursionError, ValueError):
        return None


def _test(state: _State, op: Op) -> None:
    path, expected = _path(op, "test"), _value(op, "test")
    failed = f"testing value {path} failed: test failed"
    missing = f"test operation does not apply: is missing path: {path}: missing value"
    try:
        actual = _get(state.doc, path, missing, f"error in test for path: '{path}': ")
    except _MissingMember:
        raise PatchApplyError(failed) from None
    if not json_equal(actual, expected):
        raise PatchApplyError(failed)


_HANDLERS: dict[str, Callable[[_State, Op], None]] = {
    "add": _add,
    "remove": _remove,
    "replace": _replace,
    "move": _move,
    "copy": _copy,
    "test": _test,
}


# -- RFC 6901 pointers --------------------------------------------------------------------------


def _tokens(pointer: str) -> list[str] | None:
    """The decoded reference tokens of `pointer`, or None if it is not a JSON pointer."""
    if pointer == "":
        return []
    if not pointer.startswith("/") or _BAD_ESCAPE.search(pointer):
        return None
    return [raw.replace("~1", "/").replace("~0", "~") for raw in pointer[1:].split("/")]


def _parent(doc: Any, pointer: str, missing: str) -> tuple[dict[str, Any] | list[Any], str]:
    """The container that holds (or would hold) the value at `pointer`, and its last token."""
    tokens = _tokens(pointer)
    if not tokens:
        raise PatchApplyError(missing)
    node = doc
    for token in tokens[:-1]:
        node = _child(node, token)
    if not isinstance(node, (dict, list)):  # also catches _ABSENT on the way
        raise PatchApplyError(missing)
    return node, tokens[-1]


_ABSENT = object()


def _child(node: Any, token: str) -> Any:
    """The member or in-range element `token` names in `node`, else `_ABSENT`."""
    if isinstance(node, dict):
        return node.get(token, _ABSENT)
    if isinstance(node, list) and _atoi_error(token) is None and _RFC_INDEX.fullmatch(token):
        index = int(token)  # safe: _atoi_error rules out the huge ones int() refuses
        return node[index] if index < len(node) else _ABSENT
    return _ABSENT


def _get(doc: Any, pointer: str, missing: str, context: str) -> Any:
    """The value at `pointer`; the empty pointer is the whole document."""
    if pointer == "":
        return doc
    parent, token = _parent(doc, pointer, missing)
    if isinstance(parent, dict):
        if token not in parent:
            raise _MissingMember(missing)
        return parent[token]
    return parent[_index(token, len(parent), context)]


def _pop(doc: Any, pointer: str, missing: str, context: str) -> Any:
    """Remove the value at `pointer` from `doc` (our copy, changed in place) and return it."""
    parent, token = _parent(doc, pointer, missing)
    if isinstance(parent, dict):
        if token not in parent:
            raise PatchApplyError(
                f"{context}Unable to remove nonexistent key: {token}: missing value"
            )
        return parent.pop(token)
    return parent.pop(_index(token, len(parent), context))


def _insert(doc: Any, pointer: str, value: Any, missing: str, context: str) -> Any:
    """`doc` with `value` added at `pointer`: either a new root or `doc` changed in place."""
    if pointer == "":
        return value
    parent, token = _parent(doc, pointer, missing)
    if isinstance(parent, dict):
        parent[token] = value
    elif token == "-":
        parent.append(value)
    else:
        if (atoi := _atoi_error(token)) is not None:
            raise PatchApplyError(f"{context}value was not a proper array index: '{token}': {atoi}")
        parent.insert(_index(token, len(parent) + 1, context), value)
    return doc


def _index(token: str, size: int, context: str) -> int:
    """The array index `token` names among `size` slots, by RFC 6901's strict grammar."""
    if (atoi := _atoi_error(token)) is not None:
        raise PatchApplyError(f"{context}{atoi}")
    # Go's Atoi also takes "-1", "+1" and "01"; RFC 6901 allows only "0" and [1-9][0-9]*.
    if not _RFC_INDEX.fullmatch(token) or int(token) >= size:
        raise PatchApplyError(
            f"{context}Unable to access invalid index: {token}: invalid index referenced"
        )
    return int(token)


def _atoi_error(token: str) -> str | None:
    """What Go's strconv.Atoi says about `token`, or None when it parses as an int64."""
    if not _ATOI_SYNTAX.fullmatch(token):
        return f"strconv.Atoi: parsing {go_quote(token)}: invalid syntax"
    digits = token.lstrip("+-").lstrip("0")
    limit = str(2**63 if token.startswith("-") else 2**63 - 1)
    if len(digits) > _INT64_DIGITS or (len(digits) == _INT64_DIGITS and digits > limit):
        return f"strconv.Atoi: parsing {go_quote(token)}: value out of range"
    return None
