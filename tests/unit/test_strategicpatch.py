"""Strategic merge patch, table-driven.

The first table is a selection of k8s.io/apimachinery's own strategicpatch test cases (the
patch a client computes, applied to the live object, and the object that results), run over a
schema equivalent to the upstream test type `mergeItem`. The others patch real kinds through
their published schemas, and pin the error answers of malformed patches.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.api.strategicpatch import Answer, PatchError, PatchSchema, apply_patch
from kubegate.api.strategicpatch.errors import go_float, go_v
from kubegate.registry.openapi import builtin_definitions, bundle_minor

_ITEM = "#/components/schemas/mergeItem"
_INTS: dict[str, Any] = {"type": "array", "items": {"type": "integer", "format": "int32"}}
#: The upstream test type: merging/non-merging lists of maps and of ints, a pointer field that
#: merges like a list, a plain map, a replaced raw value, and retainKeys on a map and a list.
MERGE_ITEM_SCHEMAS: dict[str, Any] = {
    "mergeItem": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "value": {"type": "string"},
            "other": {"type": "string"},
            "mergingList": {"type": "array", "items": {"allOf": [{"$ref": _ITEM}]},
                            "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge"},
            "nonMergingList": {"type": "array", "items": {"$ref": _ITEM}},
            "mergingIntList": {**_INTS, "x-kubernetes-patch-strategy": "merge"},
            "nonMergingIntList": _INTS,
            "mergeItemPtr": {"allOf": [{"$ref": _ITEM}], "x-kubernetes-patch-merge-key": "name",
                             "x-kubernetes-patch-strategy": "merge"},
            "simpleMap": {"type": "object", "additionalProperties": {"type": "string"}},
            "replacingItem": {"allOf": [{"$ref": "#/components/schemas/raw"}], "x-kubernetes-patch-strategy": "replace"},
            "retainKeysMap": {"allOf": [{"$ref": "#/components/schemas/retainKeysMergeItem"}],
                              "x-kubernetes-patch-strategy": "retainKeys"},
            "retainKeysMergingList": {"type": "array", "items": {"$ref": _ITEM},
                                      "x-kubernetes-patch-merge-key": "name",
                                      "x-kubernetes-patch-strategy": "merge,retainKeys"},
        },
    },
    "retainKeysMergeItem": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "value": {"type": "string"},
            "other": {"type": "string"},
            "simpleMap": {"items": {"type": "string"}},
            "mergingList": {"type": "array", "items": {"$ref": _ITEM},
                            "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge"},
            "nonMergingList": {"type": "array", "items": {"$ref": _ITEM}},
            "mergingIntList": {**_INTS, "x-kubernetes-patch-strategy": "merge"},
        },
    },
    "raw": {"type": "object", "properties": {"Raw": {"type": "string", "format": "byte"}}},
}
MERGE_ITEM = PatchSchema.of_definition(MERGE_ITEM_SCHEMAS, "mergeItem")

# (description, live object, patch, result): facts from apimachinery's patch_test.go
CASES = [
    ('$setElementOrder contains item that is not present in the list to be merged',
     {"mergingList": [{"name": 1}, {"name": 3}]},
     {"$setElementOrder/mergingList": [{"name": 3}, {"name": 2}, {"name": 1}], "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]},
     {"mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]}),
    ('$deleteFromPrimitiveList of nonexistent item in primitive list should not add the item to the list',
     {"mergingIntList": [1, 2]},
     {"$deleteFromPrimitiveList/mergingIntList": [3]},
     {"mergingIntList": [1, 2]}),
    ('$deleteFromPrimitiveList on nonexistent primitive list should not add the primitive list',
     {"foo": ["bar"]},
     {"$deleteFromPrimitiveList/mergingIntList": [3]},
     {"foo": ["bar"]}),
    ('$deleteFromPrimitiveList should delete item from a list with merge patch strategy',
     {"mergingIntList": [1, 2, 3]},
     {"$deleteFromPrimitiveList/mergingIntList": [2]},
     {"mergingIntList": [1, 3]}),
    ('delete all duplicate items in lists of scalars',
     {"mergingIntList": [1, 2, 3, 3, 4]},
     {"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]},
     {"mergingIntList": [1, 2, 4]}),
    ('add and delete items in lists of scalars',
     {"mergingIntList": [1, 2, 3, 4]},
     {"$setElementOrder/mergingIntList": [1, 2, 4], "$deleteFromPrimitiveList/mergingIntList": [3]},
     {"mergingIntList": [1, 2, 4]}),
    ('merge lists of maps',
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
     {"$setElementOrder/mergingList": [{"name": 4}, {"name": 1}, {"name": 2}, {"name": 3}], "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}]},
     {"mergingList": [{"name": 4, "value": 4}, {"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}, {"name": 3, "value": 3}]}),
    ('add field to map in merging list',
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
     {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 1, "value": 1}]},
     {"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
    ('replace map field value in merging list',
     {"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
     {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 1, "value": "a"}]},
     {"mergingList": [{"name": 1, "value": "a", "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
    ('delete map from merging list',
     {"mergingList": [{"name": 1}, {"name": 2, "other": "b"}]},
     {"$setElementOrder/mergingList": [{"name": 2}], "mergingList": [{"name": 1, "$patch": "delete"}]},
     {"mergingList": [{"name": 2, "other": "b"}]}),
    ('delete missing map from merging list',
     {"mergingList": [{"name": 2, "other": "b"}]},
     {"$setElementOrder/mergingList": [{"name": 2}], "mergingList": [{"name": 1, "$patch": "delete"}]},
     {"mergingList": [{"name": 2, "other": "b"}]}),
    ('add map and delete map from merging list',
     {"mergingList": [{"name": 1}, {"name": 2, "other": "b"}, {"name": 4, "other": "c"}]},
     {"$setElementOrder/mergingList": [{"name": 2}, {"name": 3}], "mergingList": [{"name": 3}, {"name": 1, "$patch": "delete"}]},
     {"mergingList": [{"name": 2, "other": "b"}, {"name": 4, "other": "c"}, {"name": 3}]}),
    ('delete field from map in merging list',
     {"mergingList": [{"name": 1, "value": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
     {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 1, "value": None}]},
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]}),
    ('replace non merging list nested in merging list',
     {"mergingList": [{"name": 1, "other": "a", "nonMergingList": [{"name": 1}, {"name": 2, "value": 2}]}, {"name": 2, "other": "b"}]},
     {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}]},
     {"mergingList": [{"name": 1, "other": "a", "nonMergingList": [{"name": 1, "value": 1}]}, {"name": 2, "other": "b"}]}),
    ('add field to map in merging list nested in merging list',
     {"mergingList": [{"name": 1, "other": "a", "mergingList": [{"name": 1}, {"name": 2, "value": 2}]}, {"name": 2, "other": "b"}]},
     {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "name": 1, "mergingList": [{"name": 1, "value": 1}]}]},
     {"mergingList": [{"name": 1, "other": "a", "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}]}, {"name": 2, "other": "b"}]}),
    ('add map to merging list by pointer',
     {"mergeItemPtr": [{"name": 1, "other": "a"}, {"name": 3}]},
     {"$setElementOrder/mergeItemPtr": [{"name": 1}, {"name": 2}], "mergeItemPtr": [{"name": 2}]},
     {"mergeItemPtr": [{"name": 1, "other": "a"}, {"name": 2}, {"name": 3}]}),
    ('merge lists of scalars',
     {"mergingIntList": [1, 2, 4]},
     {"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3]},
     {"mergingIntList": [1, 2, 3, 4]}),
    ('add an item in a list of primitives and preserve order',
     {"mergingIntList": [1, 4, 2]},
     {"$setElementOrder/mergingIntList": [3, 1, 2], "mergingIntList": [3]},
     {"mergingIntList": [3, 1, 4, 2]}),
    ('set elements order in a list with server-only items',
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 3, "value": 3}, {"name": 4, "value": 4}, {"name": 2, "value": 2}, {"name": 9}]},
     {"$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 3}, {"name": 1}]},
     {"mergingList": [{"name": 4, "value": 4}, {"name": 2, "value": 2}, {"name": 3, "value": 3}, {"name": 1, "other": "a"}, {"name": 9}]}),
    ('set elements order in a list with server-only items 3',
     {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2}, {"name": 7}, {"name": 9}, {"name": 8}, {"name": 3, "value": 3}, {"name": 4, "value": 4}]},
     {"$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}]},
     {"mergingList": [{"name": 2, "value": 2}, {"name": 1, "other": "a"}, {"name": 7}, {"name": 9}, {"name": 8}, {"name": 4, "value": 4}, {"name": 3, "value": 3}]}),
    ('set elements order in a int list with server-only items 2',
     {"mergingIntList": [1, 2, 9, 3, 4]},
     {"$setElementOrder/mergingIntList": [2, 1, 4, 3]},
     {"mergingIntList": [2, 1, 9, 4, 3]}),
    ('behavior of set element order for a merging list with duplicate',
     {"mergingList": [{"name": 1}, {"name": 2, "value": "dup1"}, {"name": 3}, {"name": 2, "value": "dup2"}, {"name": 4}]},
     {"$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}, {"name": 2}]},
     {"mergingList": [{"name": 2, "value": "dup1"}, {"name": 2, "value": "dup2"}, {"name": 1}, {"name": 4}, {"name": 3}]}),
    ('retainKeys map should clear defaulted field',
     {"retainKeysMap": {"value": "foo"}},
     {"retainKeysMap": {"$retainKeys": ["other"], "other": "bar"}},
     {"retainKeysMap": {"other": "bar"}}),
    ('retainKeys map adds a field and clear a field',
     {"retainKeysMap": {"name": "foo", "other": "a"}},
     {"retainKeysMap": {"$retainKeys": ["name", "value"], "value": "bar"}},
     {"retainKeysMap": {"name": "foo", "value": "bar"}}),
    ('retainKeys map deletes an item in nested merging int list',
     {"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3, 4]}},
     {"retainKeysMap": {"$retainKeys": ["mergingIntList", "name"], "$deleteFromPrimitiveList/mergingIntList": [2], "$setElementOrder/mergingIntList": [1, 3]}},
     {"retainKeysMap": {"name": "foo", "mergingIntList": [1, 3, 4]}}),
    ('retainKeys list of maps changes a field and clear a field',
     {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "old", "other": "x"}]},
     {"$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}], "retainKeysMergingList": [{"$retainKeys": ["name", "value"], "name": "foo", "value": "new"}]},
     {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "new"}]}),
    ('delete and reorder in one list, reorder in another',
     {"mergingList": [{"name": "a", "value": "a"}, {"name": "b", "value": "b"}], "mergeItemPtr": [{"name": "c", "value": "c"}, {"name": "d", "value": "d"}]},
     {"$setElementOrder/mergingList": [{"name": "b"}], "$setElementOrder/mergeItemPtr": [{"name": "d"}, {"name": "c"}], "mergingList": [{"$patch": "delete", "name": "a"}]},
     {"mergingList": [{"name": "b", "value": "b"}], "mergeItemPtr": [{"name": "d", "value": "d"}, {"name": "c", "value": "c"}]}),
    ('replace RawExtension field and merge list',
     {"name": "my-object", "value": "some-value", "other": "current-other", "mergingList": [{"name": 1}, {"name": 3}], "replacingItem": {"Some": "Generic", "Yaml": "Inside", "The": "RawExtension", "Field": "Period"}},
     {"$setElementOrder/mergingList": [{"name": 1}, {"name": 2}], "mergingList": [{"name": 2}], "replacingItem": {"Newly": "Modified", "Yaml": "Inside", "The": "RawExtension"}},
     {"name": "my-object", "value": "some-value", "other": "current-other", "mergingList": [{"name": 1}, {"name": 2}, {"name": 3}], "replacingItem": {"Newly": "Modified", "Yaml": "Inside", "The": "RawExtension"}}),
]


@pytest.mark.parametrize(("live", "patch", "result"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_upstream_cases(live: dict[str, Any], patch: dict[str, Any], result: dict[str, Any]) -> None:
    assert apply_patch(live, patch, MERGE_ITEM) == result


def test_neither_input_is_changed() -> None:
    live = {"mergingList": [{"name": 1}, {"name": 2}]}
    patch = {"$setElementOrder/mergingList": [{"name": 2}, {"name": 1}], "mergingList": [{"name": 1, "$patch": "delete"}]}
    before = (repr(live), repr(patch))
    assert apply_patch(live, patch, MERGE_ITEM) == {"mergingList": [{"name": 2}]}
    assert (repr(live), repr(patch)) == before


# -- real kinds --------------------------------------------------------------------------------

DEFINITIONS = builtin_definitions(bundle_minor(32))
DEPLOYMENT = PatchSchema.of_definition(DEFINITIONS, "io.k8s.api.apps.v1.Deployment")
PDB = PatchSchema.of_definition(DEFINITIONS, "io.k8s.api.policy.v1.PodDisruptionBudget")


def deployment(**spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}, "finalizers": ["a"]},
        "spec": {
            "replicas": 2,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
            "template": {"spec": {"containers": [
                {"name": "main", "image": "nginx:1.27", "args": ["-a", "-b"]},
                {"name": "side", "image": "busybox"},
            ]}},
            **spec,
        },
    }


def containers(obj: dict[str, Any]) -> list[Any]:
    found: list[Any] = obj["spec"]["template"]["spec"]["containers"]
    return found


def test_kubectl_reapply_patch_merges_containers_by_name_in_the_order_given() -> None:
    # the body kubectl apply sends when the image and the replicas changed
    patch = {"spec": {"replicas": 3, "template": {"spec": {
        "$setElementOrder/containers": [{"name": "side"}, {"name": "main"}],
        "containers": [{"image": "nginx:1.28", "name": "main"}],
    }}}}
    out = apply_patch(deployment(), patch, DEPLOYMENT)
    assert out["spec"]["replicas"] == 3
    assert containers(out) == [
        {"name": "side", "image": "busybox"},
        {"name": "main", "image": "nginx:1.28", "args": ["-a", "-b"]},
    ]


@pytest.mark.parametrize(
    ("patch", "check"),
    [
        # patch items the live list does not order come first (mergeSortedSlice)
        ({"metadata": {"finalizers": ["b"]}}, lambda o: o["metadata"]["finalizers"] == ["b", "a"]),
        ({"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, lambda o: o["metadata"]["finalizers"] == []),
        ({"metadata": {"labels": {"tier": None}}}, lambda o: o["metadata"]["labels"] == {"app": "web"}),
        ({"spec": {"template": {"spec": {"containers": [{"name": "main", "args": ["-c"]}]}}}},
         lambda o: containers(o)[0]["args"] == ["-c"]),
        ({"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}},
         lambda o: [c["name"] for c in containers(o)] == ["main"]),
        ({"spec": {"template": {"spec": {"containers": [{"name": "x", "image": "y"}, {"$patch": "replace"}]}}}},
         lambda o: containers(o) == [{"name": "x", "image": "y"}]),
        ({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}},
         lambda o: o["spec"]["strategy"] == {"type": "Recreate"}),
        ({"spec": {"strategy": {"$patch": "delete"}}}, lambda o: o["spec"]["strategy"] == {}),
        ({"spec": {"template": {"spec": {"volumes": [{"name": "v", "emptyDir": {}, "$patch": "x"}]}}}},
         lambda o: o["spec"]["template"]["spec"]["volumes"] == []),
        ({"spec": {"newField": {"$setElementOrder/x": [1], "x": [1]}}}, lambda o: o["spec"]["newField"] == {"x": [1]}),
    ],
    ids=["primitive merge", "delete from primitive list", "None deletes", "non-merging list replaced",
         "delete by key", "replace a list", "retainKeys", "delete a map", "directive items dropped",
         "directive keys dropped"],
)
def test_directives_on_a_deployment(patch: dict[str, Any], check: Any) -> None:
    assert check(apply_patch(deployment(), patch, DEPLOYMENT))


def test_replace_strategy_replaces_the_pdb_selector() -> None:
    live = {"metadata": {"name": "p"}, "spec": {"selector": {"matchLabels": {"a": "1"}}}}
    out = apply_patch(live, {"spec": {"selector": {"matchLabels": {"b": "2"}}}}, PDB)
    assert out["spec"]["selector"] == {"matchLabels": {"b": "2"}}


def in_containers(value: Any, key: str = "containers") -> dict[str, Any]:
    return {"spec": {"template": {"spec": {key: value}}}}


@pytest.mark.parametrize(
    ("patch", "answer", "message"),
    [
        (in_containers([{"image": "x"}]), Answer.INTERNAL, "map: map[image:x] does not contain declared merge key: name"),
        (in_containers("x", "$setElementOrder/containers"), Answer.INTERNAL,
         "expected a []interface {}, but received a string"),
        (in_containers([{"name": "main", "$patch": "merge"}]), Answer.INTERNAL,
         "merging lists cannot yet be specified in the patch"),
        (in_containers([{"name": "main", "$patch": "bogus"}]), Answer.INTERNAL,
         "unknown patch type: bogus in map: map[$patch:bogus name:main]"),
        (in_containers([{"name": "main", "$patch": 1}]), Answer.INTERNAL,
         "unknown patch type: %!s(int64=1) in map: map[$patch:1 name:main]"),
        (in_containers(["x"]), Answer.INTERNAL,
         ("list element types are not identical: [[map[args:[-a -b] image:nginx:1.27 name:main] "
         "map[image:busybox name:side]] [x]]")),
        ({"spec": {"strategy": {"$retainKeys": "type"}}}, Answer.BAD_REQUEST, "invalid patch format of retainKeys"),
        ({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}, Answer.BAD_REQUEST,
         "invalid patch format of retainKeys"),
        ({"metadata": {"$setElementOrder": []}}, Answer.BAD_REQUEST, "invalid patch format of setElementOrder list"),
        ({"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}}, Answer.BAD_REQUEST,
         "invalid patch format of primitive list"),
        ({"metadata": {"labels": {"$patch": "nope"}}}, Answer.INTERNAL, "unknown patch type: nope in map: map[$patch:nope]"),
        ({"spec": {"template": {"spec": {"containers": [{"name": "side"}], "$setElementOrder/containers": [
            {"name": "main"}]}}}}, Answer.INTERNAL, "doesn't match $setElementOrder list"),
    ],
)
def test_malformed_patches_fail_as_the_real_server_fails(patch: dict[str, Any], answer: Answer, message: str) -> None:
    with pytest.raises(PatchError) as caught:
        apply_patch(deployment(), patch, DEPLOYMENT)
    assert caught.value.answer is answer
    assert message in caught.value.message


def test_list_of_lists_is_a_canned_422() -> None:
    live = {"metadata": {"name": "x", "finalizers": []}}
    with pytest.raises(PatchError) as caught:
        apply_patch(live, {"metadata": {"finalizers": [["a"]]}}, DEPLOYMENT)
    status = caught.value.to_status()
    assert (status.code, status.reason, status.message) == (
        422, "Invalid", "the server rejected our request due to an error in our request"
    )


def test_a_bare_error_is_a_500_without_reason() -> None:
    status = PatchError("boom").to_status().to_status()
    assert status == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": "boom", "code": 500}


@pytest.mark.parametrize(
    ("value", "text"),
    [({"b": [1, "x"], "a": None}, "map[a:<nil> b:[1 x]]"), ([True, 1.5], "[true 1.5]"), ({}, "map[]")],
)
def test_go_v(value: Any, text: str) -> None:
    assert go_v(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.0, "1"), (1e6, "1e+06"), (123456.0, "123456"), (0.0001, "0.0001"), (0.00001, "1e-05"), (-2.5, "-2.5")],
)
def test_go_float(value: float, text: str) -> None:
    assert go_float(value) == text
