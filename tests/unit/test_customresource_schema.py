"""Custom objects against their openAPIV3Schema: validation messages, pruning, defaulting, lists.

Expected texts are kube-openapi's and apiextensions' (validation.go, listtype), as a real server
puts them in a 422's causes.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kubegate.registry.customresources.defaulting import apply_defaults
from kubegate.registry.customresources.listtype import validate_lists
from kubegate.registry.customresources.pruning import prune, unknown_fields
from kubegate.registry.customresources.validator import validate


def obj_schema(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"spec": {"type": "object", "properties": properties}}}


# --- validation -----------------------------------------------------------------------------------

CASES: list[tuple[str, dict[str, Any], Any, list[str]]] = [
    ("wrong type", {"type": "integer"}, "three",
     ['spec.x: Invalid value: "string": spec.x in body must be of type integer: "string"']),
    ("integral float is an integer", {"type": "integer"}, 3.0, []),
    ("number takes integers", {"type": "number"}, 3, []),
    ("boolean is not a number", {"type": "integer"}, True,
     ['spec.x: Invalid value: "boolean": spec.x in body must be of type integer: "boolean"']),
    ("object", {"type": "string"}, {"a": 1},
     ['spec.x: Invalid value: "object": spec.x in body must be of type string: "object"']),
    ("null where not nullable", {"type": "string", "nullable": False}, None,
     ['spec.x: Invalid value: "null": spec.x in body must be of type string: "null"']),
    ("null where nullable", {"type": "string", "nullable": True}, None, []),
    ("enum", {"type": "string", "enum": ["red", "blue"]}, "pink",
     ['spec.x: Unsupported value: "pink": supported values: "red", "blue"']),
    ("numeric enum", {"type": "integer", "enum": [1, 2]}, 3, ['spec.x: Unsupported value: 3: supported values: "1", "2"']),
    ("maximum", {"type": "integer", "maximum": 10}, 11,
     ["spec.x: Invalid value: 11: spec.x in body should be less than or equal to 10"]),
    ("exclusive maximum", {"type": "integer", "maximum": 10, "exclusiveMaximum": True}, 10,
     ["spec.x: Invalid value: 10: spec.x in body should be less than 10"]),
    ("minimum of a float", {"type": "number", "minimum": 0.5}, 0.25,
     ["spec.x: Invalid value: 0.25: spec.x in body should be greater than or equal to 0.5"]),
    ("exclusive minimum", {"type": "integer", "minimum": 0, "exclusiveMinimum": True}, 0,
     ["spec.x: Invalid value: 0: spec.x in body should be greater than 0"]),
    ("multipleOf", {"type": "integer", "multipleOf": 5}, 12,
     ["spec.x: Invalid value: 12: spec.x in body should be a multiple of 5"]),
    ("maxLength", {"type": "string", "maxLength": 3}, "abcd", ["spec.x: Too long: may not be more than 3 bytes"]),
    ("minLength", {"type": "string", "minLength": 3}, "ab",
     ['spec.x: Invalid value: "ab": spec.x in body should be at least 3 chars long']),
    ("pattern", {"type": "string", "pattern": "^[a-z]+$"}, "A1",
     ["spec.x: Invalid value: \"A1\": spec.x in body should match '^[a-z]+$'"]),
    ("maxItems", {"type": "array", "maxItems": 2, "items": {"type": "string"}}, ["a", "b", "c"],
     ["spec.x: Too many: 3: must have at most 2 items"]),
    ("minItems", {"type": "array", "minItems": 2, "items": {"type": "string"}}, ["a"],
     ["spec.x: Invalid value: 1: spec.x in body should have at least 2 items"]),
    ("uniqueItems", {"type": "array", "uniqueItems": True, "items": {"type": "integer"}}, [1, 1],
     ['spec.x: Invalid value: "": spec.x in body shouldn\'t contain duplicates']),
    ("items", {"type": "array", "items": {"type": "string"}}, ["a", 1],
     ['spec.x[1]: Invalid value: "integer": spec.x[1] in body must be of type string: "integer"']),
    ("nested required", {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}}, {},
     ["spec.x.a: Required value"]),
    ("additionalProperties", {"type": "object", "additionalProperties": {"type": "integer"}}, {"k": "v"},
     ['spec.x.k: Invalid value: "string": spec.x.k in body must be of type integer: "string"']),
    ("date-time", {"type": "string", "format": "date-time"}, "yesterday",
     ['spec.x: Invalid value: "yesterday": spec.x in body must be of type date-time: "yesterday"']),
    ("valid date-time", {"type": "string", "format": "date-time"}, "2024-01-02T03:04:05Z", []),
    ("unknown formats are not checked", {"type": "string", "format": "color"}, "anything", []),
    ("int32 range", {"type": "integer", "format": "int32"}, 2**31,
     ['<nil>: Invalid value: "": Checked value must be of type integer with format int32 in spec.x']),
    ("int-or-string takes both", {"x-kubernetes-int-or-string": True}, "50%", []),
    ("int-or-string refuses others", {"x-kubernetes-int-or-string": True}, 1.5,
     ['spec.x: Invalid value: "number": spec.x in body must be of type integer,string: "number"']),
    ("anyOf", {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": "^a"}]}, "b",
     ['<nil>: Invalid value: "": "spec.x" must validate at least one schema (anyOf)',
      "spec.x: Invalid value: \"b\": spec.x in body should match '^a'"]),
]  # fmt: skip


@pytest.mark.parametrize(("schema", "value", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_validation_messages(schema: dict[str, Any], value: Any, expected: list[str]) -> None:
    assert [str(e) for e in validate(obj_schema(x=schema), {"spec": {"x": value}})] == expected


def test_cause_reasons_follow_the_field_error_type() -> None:
    schema = obj_schema(
        a={"type": "integer"}, b={"type": "string", "enum": ["x"]}, c={"type": "string", "maxLength": 1},
        d={"type": "array", "maxItems": 0, "items": {"type": "string"}}, e={"type": "integer", "maximum": 0},
    )  # fmt: skip
    schema["properties"]["spec"]["required"] = ["f"]
    value = {"spec": {"a": "s", "b": "y", "c": "zz", "d": ["q"], "e": 1}}
    assert [e.kind for e in validate(schema, value)] == [
        "FieldValueTypeInvalid", "FieldValueNotSupported", "FieldValueTooLong", "FieldValueTooMany",
        "FieldValueInvalid", "FieldValueRequired",
    ]  # fmt: skip


def test_status_is_validated_under_its_own_path() -> None:
    errors = validate({"type": "object", "properties": {"replicas": {"type": "integer"}}}, {"replicas": "2"}, prefix="status")
    assert [str(e) for e in errors] == ['status.replicas: Invalid value: "string": replicas in body must be of type integer: "string"']


# --- pruning --------------------------------------------------------------------------------------

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "known": {"type": "string"},
                "list": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "integer"}}}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                         "properties": {"typed": {"type": "object", "properties": {"b": {"type": "string"}}}}},
                "map": {"type": "object", "additionalProperties": {"type": "string"}},
                "template": {"type": "object", "x-kubernetes-embedded-resource": True,
                             "x-kubernetes-preserve-unknown-fields": True},
                "nullable": {"type": "string", "nullable": True},
                "plain": {"type": "string"},
                "defaulted": {"type": "string", "default": "d"},
            },
        },
    },
}  # fmt: skip


def test_pruning_drops_what_the_schema_does_not_declare() -> None:
    obj = {
        "apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "x", "bogus": 1},
        "spec": {
            "known": "k", "unknown": 1, "list": [{"a": 1, "b": 2}], "free": {"any": {"thing": 1}, "typed": {"b": "x", "c": 1}},
            "map": {"k": "v"}, "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "x": 1}, "spec": {}},
            "nullable": None, "plain": None,
        },
        "status": {"dropped": True},
    }  # fmt: skip
    before = copy.deepcopy(obj)
    assert unknown_fields(obj, SCHEMA) == [
        "metadata.bogus", "spec.free.typed.c", "spec.list[0].b", "spec.template.metadata.x", "spec.unknown", "status",
    ]  # fmt: skip
    assert obj == before  # unknown_fields leaves the object alone
    prune(obj, SCHEMA)
    assert obj == {
        "apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "x"},
        "spec": {
            "known": "k", "list": [{"a": 1}], "free": {"any": {"thing": 1}, "typed": {"b": "x"}}, "map": {"k": "v"},
            "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}, "nullable": None,
        },
    }  # fmt: skip


def test_a_root_without_schema_keeps_only_the_resource_fields() -> None:
    obj = {"apiVersion": "a/v1", "kind": "K", "metadata": {"name": "x"}, "spec": {"a": 1}}
    assert prune(obj, None) == ["spec"]
    assert obj == {"apiVersion": "a/v1", "kind": "K", "metadata": {"name": "x"}}


# --- defaulting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({}, {"defaulted": "d"}),
        ({"defaulted": "mine"}, {"defaulted": "mine"}),
        ({"defaulted": None}, {"defaulted": "d"}),  # a null where null is not allowed is defaulted
    ],
)
def test_defaults_fill_missing_and_null_fields(spec: dict[str, Any], expected: dict[str, Any]) -> None:
    obj = {"spec": spec}
    apply_defaults(obj, SCHEMA)
    assert obj["spec"] == expected


def test_defaults_reach_into_items_and_maps() -> None:
    schema = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"type": "object", "properties": {"port": {"type": "integer", "default": 80}}}},
            "byName": {"type": "object", "additionalProperties": {"type": "object", "properties": {"on": {"type": "boolean", "default": True}}}},
            "absent": {"type": "object", "properties": {"x": {"type": "integer", "default": 1}}},
        },
    }  # fmt: skip
    obj: dict[str, Any] = {"items": [{}, {"port": 8080}], "byName": {"a": {}}}
    apply_defaults(obj, schema)
    assert obj == {"items": [{"port": 80}, {"port": 8080}], "byName": {"a": {"on": True}}}


# --- list types -----------------------------------------------------------------------------------


def test_sets_and_map_lists_may_not_repeat() -> None:
    schema = {
        "type": "object",
        "properties": {
            "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
            "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                      "items": {"type": "object", "properties": {"name": {"type": "string"}}}},
            "pairs": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["a", "b"],
                      "items": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}},
        },
    }  # fmt: skip
    obj = {
        "tags": ["a", "b", "a", "a"],
        "ports": [{"name": "http"}, {"name": "http"}],
        "pairs": [{"a": "x", "b": 1}, {"a": "x", "b": 2}, {"b": 1, "a": "x"}],
    }
    assert [str(e) for e in validate_lists(obj, schema)] == [
        'tags[2]: Duplicate value: "a"',
        'ports[1]: Duplicate value: map[string]interface {}{"name":"http"}',
        'pairs[2]: Duplicate value: map[string]interface {}{"a":"x", "b":1}',
    ]
