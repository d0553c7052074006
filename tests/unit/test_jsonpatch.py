"""RFC 6902 JSON Patch: the RFC's examples, suite-style edge cases, the real server's errors."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from kubegate.api import jsonpatch
from kubegate.api.errors import StatusError
from kubegate.api.jsonpatch import APPLY_FAILED, apply_json_patch

# RFC 6902 Appendix A (A.13, duplicate "op" members, cannot survive JSON parsing).
RFC_EXAMPLES: list[tuple[str, Any, list[Any], Any]] = [
    (
        "A.1",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux"}],
        {"baz": "qux", "foo": "bar"},
    ),
    (
        "A.2",
        {"foo": ["bar", "baz"]},
        [{"op": "add", "path": "/foo/1", "value": "qux"}],
        {"foo": ["bar", "qux", "baz"]},
    ),
    ("A.3", {"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
    (
        "A.4",
        {"foo": ["bar", "qux", "baz"]},
        [{"op": "remove", "path": "/foo/1"}],
        {"foo": ["bar", "baz"]},
    ),
    (
        "A.5",
        {"baz": "qux", "foo": "bar"},
        [{"op": "replace", "path": "/baz", "value": "boo"}],
        {"baz": "boo", "foo": "bar"},
    ),
    (
        "A.6",
        {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
        [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
        {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
    ),
    (
        "A.7",
        {"foo": ["all", "grass", "cows", "eat"]},
        [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
        {"foo": ["all", "cows", "eat", "grass"]},
    ),
    (
        "A.8",
        {"baz": "qux", "foo": ["a", 2, "c"]},
        [
            {"op": "test", "path": "/baz", "value": "qux"},
            {"op": "test", "path": "/foo/1", "value": 2},
        ],
        {"baz": "qux", "foo": ["a", 2, "c"]},
    ),
    (
        "A.10",
        {"foo": "bar"},
        [{"op": "add", "path": "/child", "value": {"grandchild": {}}}],
        {"foo": "bar", "child": {"grandchild": {}}},
    ),
    (
        "A.11",
        {"foo": "bar"},
        [{"op": "add", "path": "/baz", "value": "qux", "xyz": 123}],
        {"foo": "bar", "baz": "qux"},
    ),
    ("A.14", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": 10}], {"/": 9, "~1": 10}),
    (
        "A.16",
        {"foo": ["bar"]},
        [{"op": "add", "path": "/foo/-", "value": ["abc", "def"]}],
        {"foo": ["bar", ["abc", "def"]]},
    ),
]

RFC_FAILURES: list[tuple[str, Any, list[Any]]] = [
    ("A.9", {"baz": "qux"}, [{"op": "test", "path": "/baz", "value": "bar"}]),
    ("A.12", {"foo": "bar"}, [{"op": "add", "path": "/baz/bat", "value": "qux"}]),
    ("A.15", {"/": 9, "~1": 10}, [{"op": "test", "path": "/~01", "value": "10"}]),
]

# Edge cases in the style of the json-patch/json-patch-tests suite: (doc, patch, expected).
SUITE: list[tuple[Any, Any, Any]] = [
    ({}, [], {}),
    ({"foo": 1}, None, {"foo": 1}),  # Go decodes a null body into no operations
    ({"foo": 1}, [{"op": "add", "path": "", "value": [1]}], [1]),
    ({"foo": 1}, [{"op": "replace", "path": "", "value": "x"}], "x"),
    ({"foo": 1}, [{"op": "add", "path": "/foo", "value": 2}], {"foo": 2}),
    ({"": 1}, [{"op": "replace", "path": "/", "value": 2}], {"": 2}),
    ({"a": {"": {"b": 1}}}, [{"op": "remove", "path": "/a//b"}], {"a": {"": {}}}),
    ([1, 2], [{"op": "add", "path": "/2", "value": 3}], [1, 2, 3]),
    ([1, 2], [{"op": "add", "path": "/0", "value": 0}], [0, 1, 2]),
    ([1, 2], [{"op": "add", "path": "/-", "value": None}], [1, 2, None]),
    ({"a": [[1]]}, [{"op": "add", "path": "/a/0/-", "value": 2}], {"a": [[1, 2]]}),
    (
        {"a/b": 1, "m~n": 2},
        [{"op": "remove", "path": "/a~1b"}, {"op": "remove", "path": "/m~0n"}],
        {},
    ),
    ({"a": 1}, [{"op": "test", "path": "/a", "value": 1.0}], {"a": 1}),
    ({"a": None}, [{"op": "test", "path": "/a", "value": None}], {"a": None}),
    (
        {"a": [1, {"b": [2]}]},
        [{"op": "test", "path": "", "value": {"a": [1, {"b": [2]}]}}],
        {"a": [1, {"b": [2]}]},
    ),
    ({"a": 1}, [{"op": "move", "from": "/a", "path": "/a"}], {"a": 1}),
    ({"a": {"b": 1}}, [{"op": "move", "from": "/a/b", "path": "/c"}], {"a": {}, "c": 1}),
    ([1, 2, 3], [{"op": "move", "from": "/0", "path": "/-"}], [2, 3, 1]),
    ({"a": [1]}, [{"op": "copy", "from": "/a", "path": "/b"}], {"a": [1], "b": [1]}),
    ({"a": 1}, [{"op": "copy", "from": "", "path": "/b"}], {"a": 1, "b": {"a": 1}}),
    ({"é": "ü"}, [{"op": "move", "from": "/é", "path": "/✓"}], {"✓": "ü"}),
    ({"a": 1}, [{"op": "add", "path": "/b", "value": 2, "from": None}], {"a": 1, "b": 2}),
]


@pytest.mark.parametrize(("name", "doc", "patch", "expected"), RFC_EXAMPLES)
def test_rfc_appendix_a(name: str, doc: Any, patch: list[Any], expected: Any) -> None:
    assert apply_json_patch(doc, patch) == expected


@pytest.mark.parametrize(("name", "doc", "patch"), RFC_FAILURES)
def test_rfc_appendix_a_failures(name: str, doc: Any, patch: list[Any]) -> None:
    with pytest.raises(StatusError) as caught:
        apply_json_patch(doc, patch)
    assert caught.value.code == 422


@pytest.mark.parametrize(("doc", "patch", "expected"), SUITE)
def test_suite_style_cases(doc: Any, patch: Any, expected: Any) -> None:
    assert apply_json_patch(doc, patch) == expected


def test_booleans_are_not_numbers() -> None:
    for doc, value in (({"a": 1}, True), ({"a": False}, 0), ({"a": "1"}, 1)):
        with pytest.raises(StatusError):
            apply_json_patch(doc, [{"op": "test", "path": "/a", "value": value}])


# -- the real server's answers ------------------------------------------------------------------


def test_failed_apply_is_the_bare_422_of_the_real_server() -> None:
    # Body as kube-apiserver sends it (seen in kubernetes/kubernetes#79210).
    with pytest.raises(StatusError) as caught:
        apply_json_patch({"a": 1}, [{"op": "remove", "path": "/x"}])
    assert caught.value.to_status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server rejected our request due to an error in our request",
        "reason": "Invalid",
        "details": {},
        "code": 422,
    }


DECODE_ERRORS: list[tuple[Any, str]] = [
    ({"op": "add"}, "cannot unmarshal object into Go value of type []handlers.jsonPatchOp"),
    ("[]", "cannot unmarshal string into Go value of type []handlers.jsonPatchOp"),
    (7, "cannot unmarshal number into Go value of type []handlers.jsonPatchOp"),
    (True, "cannot unmarshal bool into Go value of type []handlers.jsonPatchOp"),
    ([1], "cannot unmarshal number into Go value of type handlers.jsonPatchOp"),
    (
        [{"op": "test", "path": "/a", "value": 1}, ["add"]],
        "cannot unmarshal array into Go value of type handlers.jsonPatchOp",
    ),
    ([{"op": 1}], "cannot unmarshal number into Go struct field jsonPatchOp.op of type string"),
    (
        [{"op": "add", "path": ["a"]}],
        "cannot unmarshal array into Go struct field jsonPatchOp.path of type string",
    ),
    (
        [{"op": "move", "from": {}, "path": "/a"}],
        "cannot unmarshal object into Go struct field jsonPatchOp.from of type string",
    ),
]


@pytest.mark.parametrize(("patch", "error"), DECODE_ERRORS)
def test_patch_of_the_wrong_shape_is_400(patch: Any, error: str) -> None:
    with pytest.raises(StatusError) as caught:
        apply_json_patch({"a": 1}, patch)
    assert (caught.value.code, caught.value.reason) == (400, "BadRequest")
    assert caught.value.message == f"error decoding patch: json: {error}"


def test_too_many_operations_is_413() -> None:
    ops = [{"op": "test", "path": "", "value": {}}] * 10001
    with pytest.raises(StatusError) as caught:
        apply_json_patch({}, ops)
    assert (caught.value.code, caught.value.reason) == (413, "RequestEntityTooLarge")
    assert caught.value.message == (
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, "
        "got 10001"
    )
    assert apply_json_patch({}, ops[:10000]) == {}
    with pytest.raises(StatusError, match="maximum operations in a JSON patch is 2, got 3"):
        apply_json_patch({}, ops[:3], max_operations=2)


def _nested(depth: int, leaf: Any = 0) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def test_patch_nested_past_go_max_depth_is_400() -> None:
    # The patch list is level 1 and each operation level 2, so the value adds 9998 more.
    assert apply_json_patch({}, [{"op": "add", "path": "/a", "value": _nested(9998)}]) != {}
    with pytest.raises(StatusError) as caught:
        apply_json_patch({}, [{"op": "add", "path": "/a", "value": _nested(9999)}])
    assert (caught.value.code, caught.value.message) == (
        400,
        "error decoding patch: invalid character '[' exceeded max depth",
    )


def test_a_cyclic_patch_is_too_deep_not_a_hang() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(StatusError, match=r"invalid character '\{' exceeded max depth"):
        apply_json_patch({}, [{"op": "add", "path": "/a", "value": loop}])


def test_deep_documents_need_no_recursion() -> None:
    deep = _nested(5000, {"x": 1})  # far past Python's recursion limit
    patch = [{"op": "test", "path": "", "value": deep}, {"op": "copy", "from": "", "path": "/0/1"}]
    result = apply_json_patch(deep, patch)
    assert len(result[0]) == 2


def test_non_json_python_value_is_an_internal_error() -> None:
    with pytest.raises(StatusError) as caught:
        apply_json_patch({"when": object()}, [])
    assert caught.value.code == 500


# The explanation evanphx/json-patch gives (kept on __cause__, dropped from the response).
CAUSES: list[tuple[Any, list[Any], str]] = [
    (
        {"a": 1},
        [{"op": "remove", "path": "/x"}],
        "error in remove for path: '/x': Unable to remove nonexistent key: x: missing value",
    ),
    (
        {"metadata": {}},
        [{"op": "add", "path": "/metadata/labels/x", "value": "y"}],
        'add operation does not apply: doc is missing path: "/metadata/labels/x": missing value',
    ),
    (
        {"a": 1},
        [{"op": "remove", "path": "/x/y"}],
        'remove operation does not apply: doc is missing path: "/x/y": missing value',
    ),
    ({"a": 1}, [{"op": "test", "path": "/a", "value": 2}], "testing value /a failed: test failed"),
    (
        {"a": 1},
        [{"op": "test", "path": "/x", "value": None}],
        "testing value /x failed: test failed",
    ),
    ({"a": 1}, [{"op": "test", "path": "", "value": {}}], "testing value  failed: test failed"),
    (
        {"a": 1},
        [{"op": "test", "path": "/x/y", "value": 1}],
        "test operation does not apply: is missing path: /x/y: missing value",
    ),
    (
        {"a": [1]},
        [{"op": "test", "path": "/a/1", "value": 1}],
        "error in test for path: '/a/1': Unable to access invalid index: 1: invalid index referenced",
    ),
    (
        {"a": 1},
        [{"op": "replace", "path": "/x", "value": 1}],
        "replace operation does not apply: doc is missing key: /x: missing value",
    ),
    (
        {"a": [1]},
        [{"op": "replace", "path": "/a/1", "value": 1}],
        "replace operation does not apply: doc is missing key: /a/1: missing value",
    ),
    (
        {"a": 1},
        [{"op": "replace", "path": "/x/y", "value": 1}],
        "replace operation does not apply: doc is missing path: /x/y: missing value",
    ),
    (
        {"a": [1, 2]},
        [{"op": "add", "path": "/a/3", "value": 0}],
        "error in add for path: '/a/3': Unable to access invalid index: 3: invalid index referenced",
    ),
    (
        {"a": [1, 2]},
        [{"op": "add", "path": "/a/-1", "value": 0}],
        (
            "error in add for path: '/a/-1': Unable to access invalid index: -1: "
            "invalid index referenced"
        ),
    ),
    (
        {"a": [1, 2]},
        [{"op": "add", "path": "/a/01", "value": 0}],
        (
            "error in add for path: '/a/01': Unable to access invalid index: 01: "
            "invalid index referenced"
        ),
    ),
    (
        {"a": [1, 2]},
        [{"op": "add", "path": "/a/x", "value": 0}],
        (
            "error in add for path: '/a/x': value was not a proper array index: 'x': "
            'strconv.Atoi: parsing "x": invalid syntax'
        ),
    ),
    (
        {"a": [1, 2]},
        [{"op": "remove", "path": "/a/x"}],
        "error in remove for path: '/a/x': strconv.Atoi: parsing \"x\": invalid syntax",
    ),
    (
        {"a": [1, 2]},
        [{"op": "remove", "path": "/a/-"}],
        "error in remove for path: '/a/-': strconv.Atoi: parsing \"-\": invalid syntax",
    ),
    (
        {"a": [1, 2]},
        [{"op": "remove", "path": "/a/2"}],
        (
            "error in remove for path: '/a/2': Unable to access invalid index: 2: "
            "invalid index referenced"
        ),
    ),
    (
        {"a": [1]},
        [{"op": "remove", "path": "/a/99999999999999999999"}],
        (
            "error in remove for path: '/a/99999999999999999999': "
            'strconv.Atoi: parsing "99999999999999999999": value out of range'
        ),
    ),
    (
        {"a": 1},
        [{"op": "move", "from": "/x/y", "path": "/b"}],
        "move operation does not apply: doc is missing from path: /x/y: missing value",
    ),
    (
        {"a": 1},
        [{"op": "move", "from": "/x", "path": "/b"}],
        "error in move for path: 'x': Unable to remove nonexistent key: x: missing value",
    ),
    (
        {"a": 1},
        [{"op": "move", "from": "/a", "path": "/x/y"}],
        "move operation does not apply: doc is missing destination path: /x/y: missing value",
    ),
    (
        {"a": {"b": 1}},
        [{"op": "move", "from": "/a", "path": "/a/b/c"}],
        "move operation does not apply: doc is missing destination path: /a/b/c: missing value",
    ),
    (
        {"a": 1},
        [{"op": "copy", "from": "/x", "path": "/b"}],
        "copy operation does not apply: doc is missing from path: /x: missing value",
    ),
    (
        {"a": 1},
        [{"op": "copy", "from": "/a", "path": "/x/y"}],
        "copy operation does not apply: doc is missing destination path: /x/y: missing value",
    ),
    (
        {"a": 1, "b": []},
        [{"op": "copy", "from": "/a", "path": "/b/5"}],
        (
            "error while adding value during copy: Unable to access invalid index: 5: "
            "invalid index referenced"
        ),
    ),
    ({"a": 1}, [{"op": "spam", "path": "/a"}], "Unexpected kind: spam"),
    ({"a": 1}, [{"path": "/a"}], "Unexpected kind: unknown"),
    ({"a": 1}, [None], "Unexpected kind: unknown"),
    ({"a": 1}, [{"op": "add", "value": 1}], "add operation failed to decode path: missing value"),
    (
        {"a": 1},
        [{"op": "add", "path": None, "value": 1}],
        "add operation failed to decode path: missing value",
    ),
    (
        {"a": 1},
        [{"op": "replace", "value": 1}],
        "replace operation failed to decode path: operation missing path field: missing value",
    ),
    (
        {"a": 1},
        [{"op": "move", "path": "/b"}],
        "move operation failed to decode from: operation, missing from field: missing value",
    ),
    ({"a": 1}, [{"op": "add", "path": "/b"}], "add operation, missing value field: missing value"),
    (
        {"a": 1},
        [{"op": "add", "path": "b", "value": 1}],
        'add operation does not apply: doc is missing path: "b": missing value',
    ),
    (
        {"a~2": 1},
        [{"op": "remove", "path": "/a~2"}],
        'remove operation does not apply: doc is missing path: "/a~2": missing value',
    ),
    (
        {"a": "s"},
        [{"op": "add", "path": "/a/b", "value": 1}],
        'add operation does not apply: doc is missing path: "/a/b": missing value',
    ),
]


@pytest.mark.parametrize(("doc", "patch", "cause"), CAUSES)
def test_apply_failures_keep_the_library_explanation(
    doc: Any, patch: list[Any], cause: str
) -> None:
    with pytest.raises(StatusError) as caught:
        apply_json_patch(doc, patch)
    assert (caught.value.code, caught.value.message) == (422, APPLY_FAILED)
    assert isinstance(caught.value.__cause__, jsonpatch.PatchApplyError)
    assert str(caught.value.__cause__) == cause


def test_copies_are_capped_by_accumulated_size() -> None:
    doc = {"a": "0123456789abc"}  # 15 bytes of JSON
    with pytest.raises(StatusError) as caught:
        apply_json_patch(doc, [{"op": "copy", "from": "/a", "path": "/b"}], max_copy_bytes=10)
    assert str(caught.value.__cause__) == (
        "Unable to complete the copy, the accumulated size increase of copy is 15, "
        "exceeding the limit 10"
    )
    assert jsonpatch.MAX_COPY_BYTES == 3 * 1024 * 1024  # apiserver's JSONPatchMaxCopyBytes
    doubling = [{"op": "copy", "from": "/a", "path": "/a/-"}] * 100  # 2**100 elements, unchecked
    with pytest.raises(StatusError) as caught:
        apply_json_patch({"a": [1]}, doubling, max_copy_bytes=64 * 1024)
    assert "exceeding the limit 65536" in str(caught.value.__cause__)


# -- never mutates, never aliases ---------------------------------------------------------------


def test_inputs_are_untouched_and_result_shares_nothing() -> None:
    doc = {"a": {"b": [1, 2]}, "c": "d"}
    patch = [{"op": "add", "path": "/a/e", "value": {"f": [3]}}, {"op": "remove", "path": "/c"}]
    doc_before, patch_before = copy.deepcopy(doc), copy.deepcopy(patch)
    result = apply_json_patch(doc, patch)
    result["a"]["b"].append(9)
    result["a"]["e"]["f"].append(9)
    assert (doc, patch) == (doc_before, patch_before)
    with pytest.raises(StatusError):
        apply_json_patch(doc, [*patch, {"op": "test", "path": "/z", "value": 0}])
    assert (doc, patch) == (doc_before, patch_before)


# -- fuzz ---------------------------------------------------------------------------------------

_TOKENS = ["a", "b", "0", "1", "2", "-", "", "~0", "~1", "~2", "01", "-1", "+1", "1e0",
           "99999999999999999999", "9" * 5000]  # fmt: skip
_OPS = ["add", "remove", "replace", "move", "copy", "test"]


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice([None, True, False, 0, 1, -2, 1.5, "", "a", "~/", 10**30])
    if roll < 0.7:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(_TOKENS[:6]): _random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _pointers(doc: Any) -> list[str]:
    """Every pointer into `doc` (which is shallow here), the root included."""
    found, pending = [], [("", doc)]
    while pending:
        pointer, node = pending.pop()
        found.append(pointer)
        if isinstance(node, dict):
            children = list(node.items())
        else:
            children = list(enumerate(node)) if isinstance(node, list) else []
        for key, child in children:
            escaped = str(key).replace("~", "~0").replace("/", "~1")
            pending.append((f"{pointer}/{escaped}", child))
    return found


def _random_pointer(rng: random.Random, doc: Any) -> Any:
    roll = rng.random()
    if roll < 0.02:
        return rng.choice([None, 5, ["a"]])
    if roll < 0.6:
        return rng.choice(_pointers(doc))
    if roll < 0.85:
        return rng.choice(_pointers(doc)) + "/" + rng.choice(_TOKENS)
    return rng.choice(["a/b", ""]) + "".join("/" + rng.choice(_TOKENS) for _ in range(3))


def _random_op(rng: random.Random, doc: Any) -> Any:
    if rng.random() < 0.02:
        return rng.choice([None, 1, "op", []])
    op: dict[str, Any] = {
        "op": rng.choice(_OPS) if rng.random() < 0.97 else rng.choice([None, "x", 3])
    }
    for member, chance in (("path", 0.98), ("from", 0.6), ("value", 0.9)):
        if rng.random() < chance:
            op[member] = _random_value(rng) if member == "value" else _random_pointer(rng, doc)
    return op


def test_fuzz_any_input_gives_json_or_a_status_error() -> None:
    rng = random.Random(6902)
    outcomes = {"ok": 0, 400: 0, 413: 0, 422: 0}
    for _ in range(3000):
        doc = _random_value(rng)
        patch: Any = [_random_op(rng, doc) for _ in range(rng.choice([1, 1, 2, 3, 4]))]
        if rng.random() < 0.02:
            patch = _random_value(rng)
        doc_before = json.dumps(doc)
        try:
            result = apply_json_patch(doc, patch, max_operations=3)
        except StatusError as err:
            assert err.code in (400, 413, 422), err
            outcomes[err.code] += 1
        else:
            json.dumps(result)  # a JSON value all the way down
            outcomes["ok"] += 1
        assert json.dumps(doc) == doc_before
    assert all(count > 20 for count in outcomes.values()), outcomes


def test_copy_falls_back_when_the_c_codec_cannot_encode() -> None:
    huge, deep = 10**5000, _nested(3000)  # past int-to-str's digit limit; past C recursion
    doc = {"n": huge, "d": deep, "s": "\ud800"}
    result = apply_json_patch(doc, [{"op": "copy", "from": "", "path": "/copy"}])
    assert result["copy"]["n"] == huge
    assert result["copy"]["s"] == "\ud800"
    assert result["copy"]["d"] is not deep
