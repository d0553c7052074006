"""Strategic merge patch, server-side apply and the scale subresource over HTTPS.

Exact status codes and Status bodies for what clients send: kubectl's patches, apply
configurations with and without conflicts, bad options and bodies, and Scale reads and writes.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from kubegate.registry.spec import ResourceSpec
from tests.support.inprocess import Identity, InProcessServer, Response

DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
WEB = f"{DEPLOYMENTS}/web"
SMP = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
APPLY = "application/apply-patch+yaml"


def deployment(name: str = "web", replicas: int = 2, image: str = "nginx:1.27") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}, {"name": "side", "image": "busybox"}]},
            },
        },
    }


async def patch(api: InProcessServer, who: Identity, path: str, body: Any, media: str, **headers: str) -> Response:
    data = body if isinstance(body, (bytes, str)) else orjson.dumps(body)
    return await api.request("PATCH", path, identity=who, data=data, headers={"Content-Type": media, **headers})


async def create_web(api: InProcessServer, admin: Identity, manager: str = "kubectl-create") -> dict[str, Any]:
    response = await api.request("POST", f"{DEPLOYMENTS}?fieldManager={manager}", identity=admin, json=deployment())
    assert response.status == 201, response.text
    body: dict[str, Any] = response.body
    return body


def managers(obj: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["manager"], e["operation"], e.get("subresource", "")) for e in obj["metadata"].get("managedFields", [])]


# -- strategic merge patch -----------------------------------------------------------------------


async def test_kubectl_reapply_patch(api: InProcessServer, admin: Identity) -> None:
    await create_web(api, admin, "kubectl-client-side-apply")
    await api.state.settle()  # the deployment controller has written the status it owns
    body = {"spec": {"replicas": 3, "template": {"spec": {
        "$setElementOrder/containers": [{"name": "main"}, {"name": "side"}],
        "containers": [{"image": "nginx:1.28", "name": "main"}],
    }}}}
    response = await patch(api, admin, f"{WEB}?fieldManager=kubectl-client-side-apply&fieldValidation=Strict", body, SMP)
    assert response.status == 200, response.text
    spec = response.body["spec"]
    assert spec["replicas"] == 3
    # (each container also has the server's defaults: imagePullPolicy, terminationMessagePath ...)
    assert [(c["name"], c["image"]) for c in spec["template"]["spec"]["containers"]] == [
        ("main", "nginx:1.28"), ("side", "busybox"),
    ]
    assert sorted(managers(response.body)) == [
        ("kube-controller-manager", "Update", "status"), ("kubectl-client-side-apply", "Update", ""),
    ]


async def test_manager_defaults_to_the_user_agent_product(api: InProcessServer, admin: Identity) -> None:
    await create_web(api, admin)
    response = await patch(api, admin, WEB, {"metadata": {"labels": {"a": "b"}}}, MERGE,
                           **{"User-Agent": "my-tool/2.1 (linux/amd64) kubernetes/abc"})
    assert ("my-tool", "Update", "") in managers(response.body)


async def test_unknown_patch_type_lists_the_four_types(api: InProcessServer, admin: Identity) -> None:
    await create_web(api, admin)
    response = await patch(api, admin, WEB, "{}", "application/x-whatever")
    assert response.status == 415
    assert response.body["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/strategic-merge-patch+json, application/apply-patch+yaml"
    )


async def test_custom_resources_refuse_strategic_merge_patch(api: InProcessServer, admin: Identity) -> None:
    widget = ResourceSpec(group="example.com", version="v1", kind="Widget", plural="widgets",
                          singular="widget", namespaced=True)
    api.state.catalog.add(widget)
    api.state.openapi.set_extra_resources([widget])
    path = "/apis/example.com/v1/namespaces/default/widgets"
    body = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}}
    assert (await api.request("POST", path, identity=admin, json=body)).status == 201
    refused = await patch(api, admin, f"{path}/w", {"spec": {"size": 2}}, SMP)
    assert refused.status == 415
    assert refused.body["reason"] == "UnsupportedMediaType"
    assert refused.body["message"] == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )
    merged = await patch(api, admin, f"{path}/w?fieldManager=m", {"spec": {"size": 2}}, MERGE)
    assert merged.body["spec"] == {"size": 2}
    config = {**body, "spec": {"size": 3, "x": [1]}}
    conflict = await patch(api, admin, f"{path}/w?fieldManager=tool", config, APPLY)
    assert conflict.status == 409
    assert conflict.body["message"] == (
        'Apply failed with 1 conflict: conflict with "m" using example.com/v1: .spec.size'
    )
    applied = await patch(api, admin, f"{path}/w?fieldManager=tool&force=true", config, APPLY)
    assert applied.status == 200 and applied.body["spec"] == {"size": 3, "x": [1]}


@pytest.mark.parametrize(
    ("body", "code", "reason", "message"),
    [
        ({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}, 500, None,
         "map: map[image:x] does not contain declared merge key: name"),
        ({"spec": {"template": {"$retainKeys": "spec"}}}, 400, "BadRequest", "invalid patch format of retainKeys"),
        # the patched object no longer decodes into a Deployment (finalizers are strings)
        ({"metadata": {"finalizers": [["a"]]}}, 422, "Invalid",
         (' "" is invalid: patch: Invalid value: "map[metadata:map[finalizers:[[a]]]]": json: cannot unmarshal '
         "array into Go struct field ObjectMeta.metadata.finalizers of type string")),
        ([1, 2], 400, "BadRequest", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
    ],
)
async def test_bad_strategic_patches(
    api: InProcessServer, admin: Identity, body: Any, code: int, reason: str | None, message: str | None
) -> None:
    await create_web(api, admin)
    response = await patch(api, admin, WEB, body, SMP)
    assert response.status == code, response.text
    if code != 200:
        assert response.body["kind"] == "Status"
        assert response.body.get("reason") == reason
        assert response.body["message"] == message


# -- patch options -------------------------------------------------------------------------------


async def test_apply_needs_a_field_manager(api: InProcessServer, admin: Identity) -> None:
    response = await patch(api, admin, WEB, orjson.dumps(deployment()), APPLY)
    assert response.status == 422
    assert response.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        "reason": "Invalid",
        "details": {"group": "meta.k8s.io", "kind": "PatchOptions", "causes": [
            {"reason": "FieldValueRequired", "message": "Required value: is required for apply patch", "field": "fieldManager"},
        ]},
        "code": 422,
    }


async def test_force_is_only_for_apply(api: InProcessServer, admin: Identity) -> None:
    await create_web(api, admin)
    response = await patch(api, admin, f"{WEB}?force=true", {}, MERGE)
    assert response.status == 422
    assert response.body["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch'
    )


async def test_overlong_field_manager_is_refused(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("POST", f"{DEPLOYMENTS}?fieldManager={'m' * 129}", identity=admin, json=deployment())
    assert response.status == 422
    assert response.body["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes'
    )


# -- server-side apply ---------------------------------------------------------------------------


async def test_apply_creates_updates_conflicts_and_forces(api: InProcessServer, admin: Identity) -> None:
    created = await patch(api, admin, f"{WEB}?fieldManager=kubectl&force=false", orjson.dumps(deployment()), APPLY)
    assert created.status == 201, created.text
    assert managers(created.body) == [("kubectl", "Apply", "")]
    smaller = deployment(replicas=4)
    smaller["spec"]["template"]["spec"]["containers"].pop()
    yaml_body = orjson.dumps(smaller).decode()
    changed = await patch(api, admin, f"{WEB}?fieldManager=kubectl", yaml_body, APPLY)
    assert changed.status == 200
    # kubectl no longer sets the second container: what it alone owned is gone
    assert changed.body["spec"]["replicas"] == 4
    assert [c["name"] for c in changed.body["spec"]["template"]["spec"]["containers"]] == ["main"]
    conflict = await patch(api, admin, f"{WEB}?fieldManager=other", yaml_body.replace(":4", ":5"), APPLY)
    assert conflict.status == 409
    assert conflict.body["reason"] == "Conflict"
    assert conflict.body["message"] == 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas'
    assert conflict.body["details"]["causes"] == [
        {"reason": "FieldManagerConflict", "message": 'conflict with "kubectl"', "field": ".spec.replicas"},
    ]
    forced = await patch(api, admin, f"{WEB}?fieldManager=other&force=true", yaml_body.replace(":4", ":5"), APPLY)
    assert forced.status == 200 and forced.body["spec"]["replicas"] == 5


async def test_apply_dry_run_stores_nothing(api: InProcessServer, admin: Identity) -> None:
    response = await patch(api, admin, f"{WEB}?fieldManager=tool&dryRun=All", orjson.dumps(deployment()), APPLY)
    assert response.status == 201
    assert (await api.request("GET", WEB, identity=admin)).status == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("a: [1", "error decoding patch: error converting YAML to JSON:"),
        ("- a\n- b\n", "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}"),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n",
         "the name of the object (other) does not match the name on the URL (web)"),
        ("apiVersion: apps/v1\nkind: Deployment\n",
         "the name of the object (web based on URL) was undeterminable: name must be provided"),
    ],
)
async def test_bad_apply_bodies(api: InProcessServer, admin: Identity, body: str, message: str) -> None:
    response = await patch(api, admin, f"{WEB}?fieldManager=tool", body, APPLY)
    assert response.status == 400
    assert response.body["message"].startswith(message)


async def test_apply_keeps_dates_as_strings(api: InProcessServer, admin: Identity) -> None:
    body = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dated\n"
            "  annotations:\n    when: 2024-01-02\ndata:\n  day: 2024-01-02\n")
    response = await patch(api, admin, "/api/v1/namespaces/default/configmaps/dated?fieldManager=t", body, APPLY)
    assert response.status == 201, response.text
    assert response.body["data"] == {"day": "2024-01-02"}


# -- scale ---------------------------------------------------------------------------------------


async def test_scale_reads_and_writes_replicas(api: InProcessServer, admin: Identity) -> None:
    live = await create_web(api, admin)
    got = await api.request("GET", f"{WEB}/scale", identity=admin)
    assert got.status == 200
    assert got.body == {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {key: live["metadata"][key] for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")},
        "spec": {"replicas": 2},
        "status": {"replicas": 0, "selector": "app=web"},
    }
    scaled = await patch(api, admin, f"{WEB}/scale", {"spec": {"replicas": 5}}, MERGE,
                         **{"User-Agent": "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07"})
    assert scaled.status == 200 and scaled.body["spec"] == {"replicas": 5}
    parent = (await api.request("GET", WEB, identity=admin)).body
    assert parent["spec"]["replicas"] == 5
    assert ("kubectl", "Update", "scale") in managers(parent)
    put = {**got.body, "spec": {"replicas": 1}}
    put["metadata"] = {**got.body["metadata"], "resourceVersion": parent["metadata"]["resourceVersion"]}
    replaced = await api.request("PUT", f"{WEB}/scale", identity=admin, json=put)
    assert replaced.status == 200 and replaced.body["spec"]["replicas"] == 1
    stale = await api.request("PUT", f"{WEB}/scale", identity=admin, json=put)
    assert stale.status == 409
    assert stale.body["message"] == (
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    smp = await patch(api, admin, f"{WEB}/scale", {"spec": {"replicas": 0}}, SMP)
    assert smp.status == 200 and smp.body["spec"] == {}


async def test_scale_refuses_negative_replicas(api: InProcessServer, admin: Identity) -> None:
    await create_web(api, admin)
    response = await patch(api, admin, f"{WEB}/scale", {"spec": {"replicas": -1}}, MERGE)
    assert response.status == 422
    assert response.body["message"] == (
        'Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    )


async def test_replication_controller_scale_selector(api: InProcessServer, admin: Identity) -> None:
    template = {"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"},
          "spec": {"replicas": 3, "selector": {"b": "2", "a": "1"}, "template": template}}
    path = "/api/v1/namespaces/default/replicationcontrollers"
    assert (await api.request("POST", path, identity=admin, json=rc)).status == 201
    scale = (await api.request("GET", f"{path}/rc/scale", identity=admin)).body
    assert scale["spec"] == {"replicas": 3} and scale["status"] == {"replicas": 0, "selector": "a=1,b=2"}


async def test_scale_of_a_missing_workload_is_404(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("GET", f"{DEPLOYMENTS}/nope/scale", identity=admin)
    assert response.status == 404
    assert response.body["message"] == 'deployments.apps "nope" not found'
