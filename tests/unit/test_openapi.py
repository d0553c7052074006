"""The /openapi/v3 index and documents: what kubectl apply/create/explain look for."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from kubegate.registry import openapi
from kubegate.registry.spec import CREATE_ONLY, ResourceSpec, Subresource

PODS = ResourceSpec(
    group="",
    version="v1",
    kind="Pod",
    plural="pods",
    singular="pod",
    namespaced=True,
    short_names=("po",),
    subresources=(
        Subresource("status"),
        Subresource("exec", verbs=("create", "get")),
        Subresource("eviction", verbs=("create",), kind="Eviction", group="policy", version="v1"),
    ),
)
NAMESPACES = ResourceSpec(
    group="",
    version="v1",
    kind="Namespace",
    plural="namespaces",
    singular="namespace",
    namespaced=False,
    subresources=(Subresource("status"),),
)
DEPLOYMENTS = ResourceSpec(
    group="apps",
    version="v1",
    kind="Deployment",
    plural="deployments",
    singular="deployment",
    namespaced=True,
    subresources=(
        Subresource("status"),
        Subresource("scale", kind="Scale", group="autoscaling", version="v1"),
    ),
)
TOKEN_REVIEWS = ResourceSpec(
    group="authentication.k8s.io",
    version="v1",
    kind="TokenReview",
    plural="tokenreviews",
    singular="tokenreview",
    namespaced=False,
    verbs=CREATE_ONLY,
)
CRONTABS = ResourceSpec(
    group="stable.example.com",
    version="v1",
    kind="CronTab",
    plural="crontabs",
    singular="crontab",
    namespaced=True,
)
CRONTAB_SCHEMA = {
    "type": "object",
    "properties": {"spec": {"type": "object", "properties": {"cronSpec": {"type": "string"}}}},
}
POD_ITEM = "/api/v1/namespaces/{namespace}/pods/{name}"


@pytest.fixture(scope="module")
def api() -> openapi.OpenAPIV3:
    return openapi.OpenAPIV3(
        [PODS, NAMESPACES, DEPLOYMENTS, TOKEN_REVIEWS], kubernetes_minor=32, git_version="v1.32.4"
    )


def load(api: openapi.OpenAPIV3, path: str) -> dict[str, Any]:
    found = api.document(path)
    assert found is not None, path
    loaded: dict[str, Any] = orjson.loads(found[0])
    return loaded


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def test_index_lists_every_document_with_the_hash_of_its_bytes(api: openapi.OpenAPIV3) -> None:
    paths = orjson.loads(api.index())["paths"]
    assert set(paths) == {
        "api",
        "api/v1",
        "apis",
        "apis/apps",
        "apis/apps/v1",
        "apis/authentication.k8s.io",
        "apis/authentication.k8s.io/v1",
    }
    for key, entry in paths.items():
        body, etag = api.document(key) or (b"", "")
        assert etag == hashlib.sha512(body).hexdigest().upper()
        assert entry["serverRelativeURL"] == f"/openapi/v3/{key}?hash={etag}"


def test_documents_are_built_once_and_served_from_cache(api: openapi.OpenAPIV3) -> None:
    first = api.document("apis/apps/v1")
    assert first is not None
    assert api.document("/apis/apps/v1") is first
    assert api.index() is api.index()


@pytest.mark.parametrize("path", ["apis/apps/v2", "apis/nope/v1", "api/v2", "", "version"])
def test_unknown_documents_are_none(api: openapi.OpenAPIV3, path: str) -> None:
    assert api.document(path) is None


def test_document_header(api: openapi.OpenAPIV3) -> None:
    doc = load(api, "api/v1")
    assert doc["openapi"] == "3.0.0"
    assert doc["info"] == {"title": "Kubernetes", "version": "v1.32.4"}


def test_patch_operation_is_what_kubectl_needs_for_field_validation(
    api: openapi.OpenAPIV3,
) -> None:
    patch = load(api, "api/v1")["paths"][POD_ITEM]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "", "kind": "Pod", "version": "v1"}
    assert patch["x-kubernetes-action"] == "patch"
    assert patch["operationId"] == "patchCoreV1NamespacedPod"
    names = {p["name"] for p in patch["parameters"]}
    assert names == {"dryRun", "fieldManager", "fieldValidation", "force"}
    assert set(patch["requestBody"]["content"]) == {
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
    }
    ok = patch["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/io.k8s.api.core.v1.Pod"}


def test_paths_follow_scope_and_verbs(api: openapi.OpenAPIV3) -> None:
    paths = load(api, "api/v1")["paths"]
    collection = paths["/api/v1/namespaces/{namespace}/pods"]
    assert {m: collection[m]["x-kubernetes-action"] for m in ("get", "post", "delete")} == {
        "get": "list",
        "post": "post",
        "delete": "deletecollection",
    }
    assert collection["post"]["operationId"] == "createCoreV1NamespacedPod"
    assert set(paths[POD_ITEM]) == {"get", "put", "patch", "delete", "parameters"}
    everywhere = paths["/api/v1/pods"]
    assert set(everywhere) == {"get", "parameters"}
    assert everywhere["get"]["operationId"] == "listCoreV1PodForAllNamespaces"
    assert all(p["name"] != "namespace" for p in everywhere["parameters"])
    # cluster-scoped: no namespace segment, no all-namespaces twin
    assert paths["/api/v1/namespaces/{name}"]["get"]["operationId"] == "readCoreV1Namespace"
    assert "/api/v1/namespaces/{namespace}/namespaces" not in paths
    assert set(paths["/api/v1/namespaces/{name}/status"]) == {"get", "put", "patch", "parameters"}
    exec_ = paths[POD_ITEM + "/exec"]
    assert exec_["post"]["x-kubernetes-action"] == "connect"
    assert exec_["get"]["operationId"] == "connectCoreV1GetNamespacedPodExec"
    eviction = paths[POD_ITEM + "/eviction"]["post"]
    assert eviction["x-kubernetes-group-version-kind"] == {
        "group": "policy",
        "kind": "Eviction",
        "version": "v1",
    }


def test_create_only_resource_has_no_item_path(api: openapi.OpenAPIV3) -> None:
    paths = load(api, "apis/authentication.k8s.io/v1")["paths"]
    assert set(paths) == {
        "/apis/authentication.k8s.io/v1/",
        "/apis/authentication.k8s.io/v1/tokenreviews",
    }
    assert set(paths["/apis/authentication.k8s.io/v1/tokenreviews"]) == {"post", "parameters"}


def test_scale_subresource_speaks_autoscaling_scale(api: openapi.OpenAPIV3) -> None:
    doc = load(api, "apis/apps/v1")
    scale = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]
    assert scale["patch"]["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling",
        "kind": "Scale",
        "version": "v1",
    }
    assert scale["patch"]["operationId"] == "patchAppsV1NamespacedDeploymentScale"
    assert scale["put"]["tags"] == ["apps_v1"]
    schemas = doc["components"]["schemas"]
    assert "io.k8s.api.autoscaling.v1.Scale" in schemas
    assert "io.k8s.api.core.v1.PodTemplateSpec" in schemas  # pulled in through DeploymentSpec


def test_schemas_carry_what_explain_and_strategic_merge_read(api: openapi.OpenAPIV3) -> None:
    schemas = load(api, "api/v1")["components"]["schemas"]
    pod = schemas["io.k8s.api.core.v1.Pod"]
    assert pod["x-kubernetes-group-version-kind"] == [{"group": "", "kind": "Pod", "version": "v1"}]
    assert pod["type"] == "object"
    assert pod["properties"]["apiVersion"]["type"] == "string"
    assert "enum" not in pod["properties"]["apiVersion"]
    assert pod["properties"]["spec"] == {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.PodSpec"}],
        "default": {},
        "description": pod["properties"]["spec"]["description"],
    }
    assert schemas["io.k8s.api.core.v1.Container"]["description"]
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["x-kubernetes-list-map-keys"] == ["name"]
    assert containers["items"] == {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}],
        "default": {},
    }
    name = schemas["io.k8s.api.core.v1.Container"]["properties"]["name"]
    assert name["type"] == "string" and name["default"] == ""  # required, so a zero default
    assert schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == "int-or-string"
    assert schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["oneOf"] == [
        {"type": "integer"},
        {"type": "string"},
    ]
    assert schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"]["oneOf"] == [
        {"type": "string"},
        {"type": "number"},
    ]
    assert schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"] == {
        "description": schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]["description"],
        "format": "date-time",
        "type": "string",
    }


@pytest.mark.parametrize("path", ["api", "api/v1", "apis/apps", "apis/apps/v1"])
def test_documents_are_plain_openapi_and_self_contained(api: openapi.OpenAPIV3, path: str) -> None:
    doc = load(api, path)
    schemas = doc["components"]["schemas"]
    for key, value in walk(doc):
        if key == "$ref" and isinstance(value, str):
            assert value.startswith("#/components/schemas/"), value
            assert value.removeprefix("#/components/schemas/") in schemas, value
        if key == "type":
            assert not isinstance(value, list)
    assert "$defs" not in orjson.dumps(doc).decode()


def test_definition_lookup(api: openapi.OpenAPIV3) -> None:
    assert api.definition_for("apps", "v1", "Deployment") == "io.k8s.api.apps.v1.Deployment"
    assert api.definition_for("", "v1", "PodList") == "io.k8s.api.core.v1.PodList"
    assert api.definition_for("apps", "v1", "DeleteOptions") == (
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
    )
    assert api.definition_for("", "v1", "Nope") is None
    definitions = api.schema_definitions()
    assert "io.k8s.api.core.v1.Pod" in definitions
    assert len(definitions) > 600


def test_custom_resources_come_and_go() -> None:
    api = openapi.OpenAPIV3([PODS], kubernetes_minor=32, git_version="v1.32.4")
    core = api.document("api/v1")
    api.set_extra_resources([CRONTABS], {("stable.example.com", "v1", "CronTab"): CRONTAB_SCHEMA})
    assert "apis/stable.example.com/v1" in orjson.loads(api.index())["paths"]
    assert api.document("api/v1") == core  # rebuilt, but the same bytes and hash
    name = api.definition_for("stable.example.com", "v1", "CronTab")
    assert name == "com.example.stable.v1.CronTab"
    doc = load(api, "apis/stable.example.com/v1")
    item = doc["paths"]["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"]
    assert item["patch"]["x-kubernetes-group-version-kind"] == {
        "group": "stable.example.com",
        "kind": "CronTab",
        "version": "v1",
    }
    crontab = doc["components"]["schemas"][name]
    assert crontab["x-kubernetes-group-version-kind"] == [
        {"group": "stable.example.com", "kind": "CronTab", "version": "v1"}
    ]
    assert set(crontab["properties"]) == {"apiVersion", "kind", "metadata", "spec"}
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in doc["components"]["schemas"]
    assert doc["components"]["schemas"][name + "List"]["required"] == ["items"]

    api.set_extra_resources([])
    assert api.document("apis/stable.example.com/v1") is None
    assert "apis/stable.example.com" not in orjson.loads(api.index())["paths"]


def test_custom_resource_without_schema_keeps_unknown_fields() -> None:
    api = openapi.OpenAPIV3([], kubernetes_minor=32, git_version="v1.32.4")
    api.set_extra_resources([CRONTABS])
    schema = api.schema_definitions()["com.example.stable.v1.CronTab"]
    assert schema["x-kubernetes-preserve-unknown-fields"] is True


def test_bundle_is_the_nearest_version() -> None:
    assert openapi.bundle_minor(32) == 32
    oldest, newest = openapi.bundle_minor(0), openapi.bundle_minor(999)
    assert oldest <= 25 and newest >= 32
    assert openapi.bundle_minor(oldest - 5) == oldest
    assert openapi.bundle_minor(newest + 5) == newest
