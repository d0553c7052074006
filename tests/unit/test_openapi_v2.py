"""/openapi/v2: the v3 schemas translated to Swagger 2.0, and its gnostic protobuf encoding.

kubectl 1.27/1.28 parse the protobuf with kube-openapi, which refuses dangling references and
schemas of several types; the tests walk the whole document for both, and read the protobuf
back with kubegate's own wire reader to check the layout where kubectl looks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import yaml

from kubegate.api.protobuf import gnostic, writer
from kubegate.api.protobuf.wire import iter_fields, read_varint
from kubegate.endpoints.openapi_v2 import JSON, PROTOBUF, choose
from kubegate.registry import openapi, openapi_v2
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.registry.spec import ResourceSpec

WIDGETS = ResourceSpec(
    group="example.com", version="v1", kind="Widget", plural="widgets", singular="widget",
    namespaced=True, custom_resource=True,
)


@pytest.fixture(scope="module")
def v3() -> openapi.OpenAPIV3:
    return openapi.OpenAPIV3(BUILTIN_RESOURCES, kubernetes_minor=27, git_version="v1.27.0")


@pytest.fixture(scope="module")
def document(v3: openapi.OpenAPIV3) -> dict[str, Any]:
    result: dict[str, Any] = orjson.loads(openapi_v2.rendered(v3).json)
    return result


def schemas(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A schema and every schema nested in it (property names are data, not keywords)."""
    yield schema
    for sub in schema.get("properties", {}).values():
        yield from schemas(sub)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from schemas(schema[key])


def operation_schemas(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document["paths"].values():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert not {"requestBody", "content"} & set(op)
            for parameter in op.get("parameters", ()):
                if "schema" in parameter:
                    yield parameter["schema"]
            for response in op["responses"].values():
                assert "content" not in response
                if "schema" in response:
                    yield response["schema"]


@pytest.mark.parametrize(
    ("v3_schema", "v2_schema"),
    [
        (  # a described reference: v3 wraps it in allOf, v2 puts the description beside it
            {"allOf": [{"$ref": "#/components/schemas/a.B"}], "default": {}, "description": "d"},
            {"$ref": "#/definitions/a.B", "description": "d"},
        ),
        (
            {"type": "array", "items": {"allOf": [{"$ref": "#/components/schemas/a.B"}], "default": {}}},
            {"type": "array", "items": {"$ref": "#/definitions/a.B"}},
        ),
        (
            {"description": "n", "format": "int-or-string", "oneOf": [{"type": "integer"}, {"type": "string"}]},
            {"description": "n", "format": "int-or-string", "type": "string"},
        ),
        (  # a CRD's oneOf between object shapes is dropped, not turned into a string
            {"type": "object", "properties": {"a": {"type": "string", "nullable": True}}, "oneOf": [{"required": ["a"]}]},
            {"type": "object", "properties": {"a": {"type": "string"}}},
        ),
        (
            {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/q.Q"}, "x-kubernetes-map-type": "atomic"},
            {"type": "object", "additionalProperties": {"$ref": "#/definitions/q.Q"}, "x-kubernetes-map-type": "atomic"},
        ),
    ],
)
def test_schemas_translate_to_v2(v3_schema: dict[str, Any], v2_schema: dict[str, Any]) -> None:
    assert openapi_v2.to_v2(v3_schema) == v2_schema


def test_every_reference_resolves_and_every_type_is_single(document: dict[str, Any]) -> None:
    definitions = document["definitions"]
    assert document["swagger"] == "2.0" and document["info"] == {"title": "Kubernetes", "version": "v1.27.0"}
    tops = [*definitions.values(), *operation_schemas(document)]
    for schema in (nested for top in tops for nested in schemas(top)):
        if "$ref" in schema:
            assert schema["$ref"].removeprefix("#/definitions/") in definitions, schema
            assert set(schema) <= {"$ref", "description"}, schema
        assert not isinstance(schema.get("type"), list), schema
        assert not {"allOf", "oneOf", "anyOf", "not", "nullable"} & set(schema), schema
    assert definitions["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["type"] == "string"
    assert definitions["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}
    ]


def test_operations_take_a_body_parameter_and_typed_query_parameters(document: dict[str, Any]) -> None:
    patch = document["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"]
    assert patch["parameters"][0] == {
        "in": "body", "name": "body", "required": True,
        "schema": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"},
    }
    assert {"in": "query", "name": "fieldValidation", "type": "string", "uniqueItems": True} in patch["parameters"]
    assert patch["consumes"] == [
        "application/apply-patch+yaml", "application/json-patch+json",
        "application/merge-patch+json", "application/strategic-merge-patch+json",
    ]
    assert patch["responses"]["200"] == {"description": "OK", "schema": {"$ref": "#/definitions/io.k8s.api.core.v1.ConfigMap"}}
    assert patch["x-kubernetes-group-version-kind"] == {"group": "", "kind": "ConfigMap", "version": "v1"}
    assert patch["schemes"] == ["https"]
    listing = document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]["get"]
    assert "application/json;stream=watch" in listing["produces"]


# --- the protobuf -----------------------------------------------------------------------------


def fields(message: bytes | memoryview) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for number, _, value in iter_fields(message):
        out.setdefault(number, []).append(value)
    return out


def named(entries: list[Any]) -> dict[str, memoryview]:
    """A repeated `Named…` field as {name: value bytes}."""
    result = {}
    for entry in entries:
        parts = fields(entry)
        result[bytes(parts[1][0]).decode()] = parts[2][0]
    return result


def test_the_protobuf_has_the_layout_kubectl_reads(v3: openapi.OpenAPIV3) -> None:
    top = fields(openapi_v2.rendered(v3).protobuf)
    assert bytes(top[1][0]) == b"2.0"
    assert bytes(fields(top[2][0])[1][0]) == b"Kubernetes"
    definitions = named(fields(top[9][0])[1])
    configmap = fields(definitions["io.k8s.api.core.v1.ConfigMap"])
    assert [bytes(v) for v in fields(configmap[22][0])[1]] == [b"object"]  # TypeItem
    properties = named(fields(configmap[25][0])[1])
    assert list(properties) == sorted(properties) and "data" in properties
    metadata = fields(properties["metadata"])
    assert bytes(metadata[1][0]) == b"#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    extensions = named(configmap[31])
    gvk = yaml.safe_load(bytes(fields(extensions["x-kubernetes-group-version-kind"])[2][0]))
    assert gvk == [{"group": "", "kind": "ConfigMap", "version": "v1"}]
    paths = named(fields(top[8][0])[2])
    patch = fields(fields(paths["/api/v1/namespaces/{namespace}/configmaps/{name}"])[8][0])
    first_parameter = fields(fields(patch[8][0])[1][0])  # ParametersItem -> Parameter
    body = fields(first_parameter[1][0])  # BodyParameter
    assert bytes(body[2][0]) == b"body" and bytes(body[3][0]) == b"body" and body[4] == [1]


def test_scalars_follow_proto3() -> None:
    assert gnostic.encode("Schema", {"type": "string", "default": "", "uniqueItems": False, "minLength": 0}) == (
        b"\x2a\x05\x12\x03\x22\x22\x0a" + b"\xb2\x01\x08\x0a\x06string"  # default "" (an Any), then type
    )
    assert gnostic.encode("Schema", {"maxLength": -1, "maximum": 1.5}) == (
        writer.double_field(7, 1.5) + writer.varint_field(11, -1)
    )
    assert read_varint(writer.varint(-1), 0) == ((1 << 64) - 1, 10)
    assert gnostic.encode("Schema", {"properties": {}}) == b"\xca\x01\x00"  # present, though empty


def test_the_document_follows_custom_resources() -> None:
    v3 = openapi.OpenAPIV3([], kubernetes_minor=32, git_version="v1.32.4")
    before = openapi_v2.rendered(v3)
    assert openapi_v2.rendered(v3) is before
    v3.set_extra_resources([WIDGETS])
    after = orjson.loads(openapi_v2.rendered(v3).json)
    assert "com.example.v1.Widget" in after["definitions"]
    assert "/apis/example.com/v1/namespaces/{namespace}/widgets/{name}" in after["paths"]


@pytest.mark.parametrize(
    ("accept", "answer"),
    [
        ("application/com.github.proto-openapi.spec.v2@v1.0+protobuf", PROTOBUF),  # kubectl's
        ("application/com.github.proto-openapi.spec.v2.v1.0+protobuf", PROTOBUF),
        ("application/json", JSON),
        ("", JSON),
        ("*/*", JSON),
        ("text/html, application/*;q=0.5", JSON),
        ("application/json;q=0.1, application/com.github.proto-openapi.spec.v2.v1.0+protobuf", PROTOBUF),
        ("text/html", None),
        ("application/json;q=0", None),
    ],
)
def test_negotiation(accept: str, answer: str | None) -> None:
    assert choose(accept) == answer
