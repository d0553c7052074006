"""fieldValidation over HTTPS: Strict, Warn and Ignore on every write, and decoding errors.

Each mode on create, update and every patch type, with the real server's status codes,
messages and Warning headers, and the unknown fields always gone from what is stored.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.inprocess import Identity, InProcessServer, Response

PODS = "/api/v1/namespaces/default/pods"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
JSON_PATCH = "application/json-patch+json"
MERGE = "application/merge-patch+json"
SMP = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


def pod(name: str = "web", **spec_extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}], **spec_extra},
    }


def typo_pod(name: str = "web") -> dict[str, Any]:
    body = pod(name, foo=1, bar={"x": 1})
    body["spec"]["containers"][0]["imagee"] = "nginx"
    return body


def warnings_of(response: Response) -> list[str]:
    return list(response.headers.getall("Warning", []))


async def create(api: InProcessServer, who: Identity, body: Any, mode: str = "", path: str = PODS) -> Response:
    query = f"?fieldValidation={mode}" if mode else ""
    return await api.request("POST", path + query, identity=who, json=body)


STRICT_POD = (
    'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field '
    '"spec.containers[0].imagee", unknown field "spec.bar", unknown field "spec.foo"'
)


async def test_strict_create_refuses_unknown_fields_in_document_order(api: InProcessServer, admin: Identity) -> None:
    body = pod(bar=1)
    body["spec"]["containers"][0]["imagee"] = "x"
    body["spec"]["foo"] = 1
    response = await create(api, admin, body, "Strict")
    assert response.status == 400
    assert response.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": STRICT_POD, "reason": "BadRequest", "code": 400,
    }
    assert (await api.request("GET", f"{PODS}/web", identity=admin)).status == 404


async def test_warn_is_the_default_and_drops_the_fields(api: InProcessServer, admin: Identity) -> None:
    response = await create(api, admin, typo_pod())
    assert response.status == 201, response.text
    assert warnings_of(response) == [
        '299 - "unknown field \\"spec.containers[0].imagee\\""',
        '299 - "unknown field \\"spec.foo\\""',
        '299 - "unknown field \\"spec.bar\\""',
    ]
    stored = (await api.request("GET", f"{PODS}/web", identity=admin)).body
    assert "foo" not in stored["spec"] and "bar" not in stored["spec"]
    assert "imagee" not in stored["spec"]["containers"][0]


async def test_ignore_says_nothing_and_drops_the_fields(api: InProcessServer, admin: Identity) -> None:
    response = await create(api, admin, typo_pod(), "Ignore")
    assert response.status == 201
    assert warnings_of(response) == []
    assert "foo" not in response.body["spec"]


async def test_an_unsupported_directive_is_the_options_422(api: InProcessServer, admin: Identity) -> None:
    response = await create(api, admin, pod(), "Loud")
    assert response.status == 422
    assert response.body["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": '
        'supported values: "", "Ignore", "Strict", "Warn"'
    )
    assert response.body["details"] == {
        "group": "meta.k8s.io", "kind": "CreateOptions",
        "causes": [{"reason": "FieldValueNotSupported", "field": "fieldValidation",
                    "message": 'Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"'}],
    }


async def test_duplicate_json_keys(api: InProcessServer, admin: Identity) -> None:
    raw = b'{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dup","name":"dup"},' \
          b'"spec":{"containers":[{"name":"main","image":"a"}],"containers":[{"name":"main","image":"b"}]}}'
    headers = {"Content-Type": "application/json"}
    strict = await api.request("POST", PODS + "?fieldValidation=Strict", identity=admin, data=raw, headers=headers)
    assert strict.status == 400
    assert strict.body["message"] == (
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: '
        'duplicate field "metadata.name", duplicate field "spec.containers"'
    )
    warned = await api.request("POST", PODS, identity=admin, data=raw, headers=headers)
    assert warned.status == 201
    assert warnings_of(warned) == ['299 - "duplicate field \\"metadata.name\\""',
                                   '299 - "duplicate field \\"spec.containers\\""']
    assert warned.body["spec"]["containers"][0]["image"] == "b"  # decoded again into the same slot


async def test_yaml_bodies_report_repeated_keys_as_go_yaml_does(api: InProcessServer, admin: Identity) -> None:
    manifest = (
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: x\n  a: y\nextra: 1\n"
    )
    headers = {"Content-Type": "application/yaml"}
    path = "/api/v1/namespaces/default/configmaps"
    strict = await api.request("POST", path + "?fieldValidation=Strict", identity=admin, data=manifest, headers=headers)
    assert strict.status == 400
    assert strict.body["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "a" already set in map, '
        'unknown field "extra"'
    )
    warned = await api.request("POST", path, identity=admin, data=manifest, headers=headers)
    assert warned.status == 201
    assert warnings_of(warned) == ['299 - "line 7: key \\"a\\" already set in map"',
                                   '299 - "unknown field \\"extra\\""']
    assert warned.body["data"] == {"a": "y"}


@pytest.mark.parametrize("mode", ["Strict", "Warn", "Ignore"])
async def test_type_errors_fail_whatever_the_mode(api: InProcessServer, admin: Identity, mode: str) -> None:
    body = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": "three", "selector": {"matchLabels": {"app": "web"}}},
    }
    response = await create(api, admin, body, mode, path=DEPLOYMENTS)
    assert response.status == 400
    assert response.body["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go '
        "struct field DeploymentSpec.spec.replicas of type int32"
    )


@pytest.mark.parametrize(("body", "message"), [
    ({"metadata": {"name": "p", "labels": {"a": 1}}},
     "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"),
    ({"metadata": "p"}, "json: cannot unmarshal string into Go struct field Pod.metadata of type v1.ObjectMeta"),
    ({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 1.5}]}]}},
     ("json: cannot unmarshal number 1.5 into Go struct field ContainerPort.spec.containers.ports.containerPort "
     "of type int32")),
    ({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i",
                                                          "resources": {"limits": {"cpu": "1 core"}}}]}},
     "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
])
async def test_decoding_errors_use_go_words(api: InProcessServer, admin: Identity, body: Any, message: str) -> None:
    response = await create(api, admin, {"apiVersion": "v1", "kind": "Pod", **body})
    assert response.status == 400
    assert response.body["message"] == f'Pod in version "v1" cannot be handled as a Pod: {message}'


async def test_secret_data_must_be_base64(api: InProcessServer, admin: Identity) -> None:
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "not base64!"}}
    response = await create(api, admin, body, path="/api/v1/namespaces/default/secrets")
    assert response.status == 400
    assert response.body["message"] == (
        'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3'
    )


async def test_update_strict_and_warn(api: InProcessServer, admin: Identity) -> None:
    path = "/api/v1/namespaces/default/configmaps"
    created = await create(api, admin, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}, path=path)
    body = {**created.body, "data": {"k": "v"}, "spec": {}}
    strict = await api.request("PUT", f"{path}/cm?fieldValidation=Strict", identity=admin, json=body)
    assert strict.status == 400
    assert strict.body["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"'
    )
    warned = await api.request("PUT", f"{path}/cm", identity=admin, json=body)
    assert warned.status == 200
    assert warnings_of(warned) == ['299 - "unknown field \\"spec\\""']
    assert "spec" not in warned.body and warned.body["data"] == {"k": "v"}
    bad = await api.request("PUT", f"{path}/cm?fieldValidation=nope", identity=admin, json=body)
    assert bad.status == 422
    assert bad.body["message"].startswith('UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: ')


async def patch(api: InProcessServer, who: Identity, body: Any, media: str, mode: str = "") -> Response:
    query = f"?fieldValidation={mode}" if mode else ""
    data = body if isinstance(body, bytes) else None
    return await api.request("PATCH", f"{PODS}/web{query}", identity=who, json=None if data else body, data=data,
                             headers={"Content-Type": media})


@pytest.mark.parametrize(("media", "document"), [
    (MERGE, {"spec": {"foo": 1}}),
    (JSON_PATCH, [{"op": "add", "path": "/spec/foo", "value": 1}]),
    (SMP, {"spec": {"foo": 1}}),
])
async def test_patches_in_each_mode(api: InProcessServer, admin: Identity, media: str, document: Any) -> None:
    assert (await create(api, admin, pod())).status == 201
    strict = await patch(api, admin, document, media, "Strict")
    assert strict.status == 422
    status = strict.body
    assert status["reason"] == "Invalid"
    cause = status["details"]["causes"][0]
    assert cause["field"] == "patch" and cause["reason"] == "FieldValueInvalid"
    assert cause["message"].endswith(': strict decoding error: unknown field "spec.foo"')
    assert status["message"].startswith(' "" is invalid: patch: Invalid value: "')
    if media == SMP:  # the strategic patcher shows its patch map, the others the patched object
        assert cause["message"] == 'Invalid value: "map[spec:map[foo:1]]": strict decoding error: unknown field "spec.foo"'
    else:
        assert '\\"foo\\":1' in cause["message"]

    warned = await patch(api, admin, document, media)
    assert warned.status == 200
    assert warnings_of(warned) == ['299 - "unknown field \\"spec.foo\\""']
    assert "foo" not in warned.body["spec"]
    ignored = await patch(api, admin, document, media, "Ignore")
    assert ignored.status == 200 and warnings_of(ignored) == []


async def test_patch_document_problems(api: InProcessServer, admin: Identity) -> None:
    assert (await create(api, admin, pod())).status == 201
    ops = [{"op": "add", "path": "/metadata/labels", "value": {"a": "b"}, "extra": 1}]
    warned = await patch(api, admin, ops, JSON_PATCH)
    assert warned.status == 200
    assert warnings_of(warned) == ['299 - "json patch unknown field \\"[0].extra\\""']
    merge = await patch(api, admin, b'{"metadata":{"labels":{"a":"1","a":"2"}}}', MERGE, "Strict")
    assert merge.status == 422
    assert merge.body["details"]["causes"][0]["message"].endswith(
        'strict decoding error: duplicate field "metadata.labels.a"'
    )


async def test_a_patch_that_breaks_types_is_invalid(api: InProcessServer, admin: Identity) -> None:
    assert (await create(api, admin, pod())).status == 201
    response = await patch(api, admin, {"spec": {"containers": "nope"}}, MERGE)
    assert response.status == 422
    assert response.body["details"]["causes"][0]["message"].endswith(
        ": json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container"
    )


async def test_apply_reports_repeated_yaml_keys(api: InProcessServer, admin: Identity) -> None:
    config = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: x\n  a: y\n"
    path = "/api/v1/namespaces/default/configmaps/cm?fieldManager=me"
    headers = {"Content-Type": APPLY}
    strict = await api.request("PATCH", path + "&fieldValidation=Strict", identity=admin, data=config, headers=headers)
    assert strict.status == 400
    assert strict.body["message"] == (
        "error strict decoding patch: error converting YAML to JSON: yaml: unmarshal errors:\n"
        '  line 7: key "a" already set in map'
    )
    warned = await api.request("PATCH", path, identity=admin, data=config, headers=headers)
    assert warned.status == 201
    assert warnings_of(warned) == ['299 - "line 7: key \\"a\\" already set in map"']


async def test_scale_updates_are_decoded_as_scales(api: InProcessServer, admin: Identity) -> None:
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "main", "image": "nginx"}]}}},
    }  # fmt: skip
    assert (await create(api, admin, deployment, path=DEPLOYMENTS)).status == 201
    scale = (await api.request("GET", f"{DEPLOYMENTS}/web/scale", identity=admin)).body
    scale["spec"]["replicaz"] = 3
    response = await api.request("PUT", f"{DEPLOYMENTS}/web/scale?fieldValidation=Strict", identity=admin, json=scale)
    assert response.status == 400
    assert response.body["message"] == (
        'Scale in version "v1" cannot be handled as a Scale: strict decoding error: unknown field "spec.replicaz"'
    )
