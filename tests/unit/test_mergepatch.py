"""RFC 7386 JSON Merge Patch, the real server's 400s for it, and the shared value helpers."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from kubegate.api import mergepatch
from kubegate.api.errors import StatusError
from kubegate.api.mergepatch import apply_merge_patch, create_merge_patch, decode_merge_patch

# RFC 7386 Appendix A: (original, patch, result).
RFC_TABLE: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("original", "patch", "result"), RFC_TABLE)
def test_rfc_appendix_a(original: Any, patch: Any, result: Any) -> None:
    assert apply_merge_patch(original, patch) == result


def test_rfc_section_3_example() -> None:
    original = {
        "title": "Goodbye!",
        "author": {"givenName": "John", "familyName": "Doe"},
        "tags": ["example", "sample"],
        "content": "This will be unchanged",
    }
    patch = {
        "title": "Hello!",
        "phoneNumber": "+01-123-456-7890",
        "author": {"familyName": None},
        "tags": ["example"],
    }
    assert apply_merge_patch(original, patch) == {
        "title": "Hello!",
        "author": {"givenName": "John"},
        "tags": ["example"],
        "content": "This will be unchanged",
        "phoneNumber": "+01-123-456-7890",
    }


def test_arrays_are_replaced_verbatim_nulls_and_all() -> None:
    assert apply_merge_patch({"a": 1}, {"b": [{"c": None}, None]}) == {
        "a": 1,
        "b": [{"c": None}, None],
    }


def test_a_kubernetes_style_label_change() -> None:
    pod = {"metadata": {"name": "p", "labels": {"app": "web", "tier": "fe"}}, "spec": {"x": 1}}
    patch = {"metadata": {"labels": {"tier": None, "env": "prod"}}}
    assert apply_merge_patch(pod, patch) == {
        "metadata": {"name": "p", "labels": {"app": "web", "env": "prod"}},
        "spec": {"x": 1},
    }


def test_inputs_are_untouched_and_result_shares_nothing() -> None:
    original = {"a": {"b": [1]}, "c": {"d": 1}}
    patch = {"a": {"e": [2]}, "c": None, "f": {"g": [3]}}
    before = copy.deepcopy((original, patch))
    result = apply_merge_patch(original, patch)
    result["a"]["b"].append(9)
    result["a"]["e"].append(9)
    result["f"]["g"].append(9)
    assert (original, patch) == before


# -- what the real server answers for a bad merge patch body --------------------------------


@pytest.mark.parametrize(
    ("patch", "kind"), [([1], "array"), ("x", "string"), (2.5, "number"), (False, "bool")]
)
def test_a_body_that_is_not_an_object_is_400(patch: Any, kind: str) -> None:
    with pytest.raises(StatusError) as caught:
        decode_merge_patch(patch)
    assert (caught.value.code, caught.value.reason) == (400, "BadRequest")
    assert caught.value.message == (
        f"error decoding patch: json: cannot unmarshal {kind} into Go value of type "
        "map[string]interface {}"
    )


def test_a_null_body_is_an_invalid_merge_patch() -> None:
    with pytest.raises(StatusError) as caught:
        decode_merge_patch(None)
    assert (caught.value.code, caught.value.message) == (400, "Invalid JSON Patch")


def test_an_object_body_is_accepted() -> None:
    assert decode_merge_patch({"a": None}) == {"a": None}


def _nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = {"k": value}
    return value


def test_nesting_past_go_max_depth_is_400_and_below_needs_no_recursion() -> None:
    deep = _nested(10000)
    result = apply_merge_patch(_nested(9000), deep)  # far past Python's recursion limit
    assert mergepatch.json_equal(result, deep)
    for call in (decode_merge_patch, lambda p: apply_merge_patch({}, p)):
        with pytest.raises(StatusError) as caught:
            call(_nested(10001))
        assert (caught.value.code, caught.value.message) == (
            400,
            "error decoding patch: invalid character '{' exceeded max depth",
        )


def test_first_too_deep_container_in_document_order_names_the_bracket() -> None:
    deep_list: Any = 0
    for _ in range(10001):
        deep_list = [deep_list]
    with pytest.raises(StatusError, match=r"invalid character '\[' exceeded max depth"):
        decode_merge_patch({"a": deep_list, "b": _nested(10001)})
    with pytest.raises(StatusError, match=r"invalid character '\{' exceeded max depth"):
        decode_merge_patch({"b": _nested(10001), "a": deep_list})


def test_non_json_python_values_are_internal_errors() -> None:
    for bad in ({"a": {1, 2}}, {1: "a"}, {"a": (1,)}):
        with pytest.raises(StatusError) as caught:
            apply_merge_patch({}, bad)
        assert caught.value.code == 500


# -- create_merge_patch ---------------------------------------------------------------------


DIFFS: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ({}, {}, {}),
    ({"a": 1}, {"a": 1}, {}),
    ({"a": 1}, {"a": 2}, {"a": 2}),
    ({"a": 1}, {}, {"a": None}),
    ({}, {"a": {"b": [1]}}, {"a": {"b": [1]}}),
    ({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}}, {"a": {"c": 3}}),
    ({"a": {"b": {"c": 1}}}, {"a": {"b": {"c": 1}}, "d": 1}, {"d": 1}),
    ({"a": [1, 2]}, {"a": [1]}, {"a": [1]}),
    ({"a": 1}, {"a": 1.0}, {}),
    ({"a": 1}, {"a": True}, {"a": True}),
    ({"a": {"b": 1}}, {"a": "s"}, {"a": "s"}),
]


@pytest.mark.parametrize(("original", "modified", "patch"), DIFFS)
def test_create_merge_patch(
    original: dict[str, Any], modified: dict[str, Any], patch: dict[str, Any]
) -> None:
    assert create_merge_patch(original, modified) == patch
    assert mergepatch.json_equal(apply_merge_patch(original, patch), modified)


def test_create_merge_patch_cannot_express_an_explicit_null() -> None:
    assert apply_merge_patch({"a": 1}, create_merge_patch({"a": 1}, {"a": None})) == {}


def test_create_merge_patch_needs_two_objects() -> None:
    with pytest.raises(StatusError, match="Invalid JSON Document"):
        create_merge_patch([], {})  # type: ignore[arg-type]


# -- fuzz -----------------------------------------------------------------------------------

_KEYS = ["a", "b", "c", ""]


def _random_value(rng: random.Random, depth: int = 0, *, nulls: bool = True) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        scalars = [True, False, 0, 1, -1.5, "", "x", 10**20] + ([None] * 2 if nulls else [])
        return rng.choice(scalars)
    if roll < 0.6:
        return [_random_value(rng, depth + 1, nulls=nulls) for _ in range(rng.randrange(3))]
    return {k: _random_value(rng, depth + 1, nulls=nulls) for k in rng.sample(_KEYS, 2)}


def _reference_merge(target: Any, patch: Any) -> Any:
    """The RFC 7386 section 2 pseudo-code, recursively (inputs here are shallow)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _reference_merge(result.get(key), value)
    return result


def test_fuzz_matches_the_rfc_pseudo_code() -> None:
    rng = random.Random(7386)
    for _ in range(3000):
        original, patch = _random_value(rng), _random_value(rng)
        before = json.dumps([original, patch])
        assert apply_merge_patch(original, patch) == _reference_merge(original, patch)
        assert json.dumps([original, patch]) == before


def test_fuzz_create_then_apply_round_trips() -> None:
    rng = random.Random(17)
    for _ in range(2000):
        original = {k: _random_value(rng, nulls=False) for k in rng.sample(_KEYS, 3)}
        modified = {k: _random_value(rng, nulls=False) for k in rng.sample(_KEYS, 2)}
        patch = create_merge_patch(original, modified)
        assert apply_merge_patch(original, patch) == modified


def test_fuzz_encoded_size_is_the_compact_json_length() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        value = _random_value(rng)
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        assert mergepatch.encoded_size(value) == len(text.encode())
