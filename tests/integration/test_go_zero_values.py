"""Fields a real server always sends because Go encodes them even at their zero value.

Strict clients (the official Python client's models among them) refuse objects without them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.inprocess import Identity, InProcessServer

_TEMPLATE = {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
_WORKLOAD = {"selector": {"matchLabels": {"app": "x"}}, "template": _TEMPLATE}
_HPA_SPEC = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 3}


def _resource_id(collection: str) -> str:
    """`/apis/apps/v1/namespaces/default/replicasets` -> `replicasets.apps/v1`."""
    parts = collection.split("/")
    group_version = "/".join(parts[2:4]) if parts[1] == "apis" else parts[2]
    return f"{parts[-1]}.{group_version}"


#: (collection URL, spec, the status a fresh object has)
_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("/apis/apps/v1/namespaces/default/replicasets", _WORKLOAD, {"replicas": 0}),
    ("/apis/apps/v1/namespaces/default/statefulsets", {**_WORKLOAD, "serviceName": "x"},
     {"replicas": 0, "availableReplicas": 0}),
    ("/apis/apps/v1/namespaces/default/daemonsets", _WORKLOAD,
     {"currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0}),
    ("/api/v1/namespaces/default/replicationcontrollers",
     {"selector": {"app": "x"}, "template": _TEMPLATE}, {"replicas": 0}),
    ("/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
     _HPA_SPEC, {"currentReplicas": 0, "desiredReplicas": 0}),
    ("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
     _HPA_SPEC, {"desiredReplicas": 0}),
    ("/apis/policy/v1/namespaces/default/poddisruptionbudgets",
     {"minAvailable": 1, "selector": {"matchLabels": {"app": "x"}}},
     {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}),
    ("/apis/storage.k8s.io/v1/volumeattachments",
     {"attacher": "example.com/a", "nodeName": "n1", "source": {"persistentVolumeName": "pv1"}},
     {"attached": False}),
    ("/api/v1/namespaces/default/services", {"ports": [{"port": 80}]}, {"loadBalancer": {}}),
]


@pytest.mark.parametrize(
    ("collection", "spec", "status"),
    [pytest.param(*case, id=_resource_id(case[0])) for case in _CASES],
)
async def test_a_fresh_object_has_the_zero_status_fields(
    api: InProcessServer, admin: Identity, collection: str, spec: dict[str, Any], status: dict[str, Any]
) -> None:
    created = await api.request("POST", collection, identity=admin, json={"metadata": {"name": "zero"}, "spec": spec})
    assert created.status == 201, created.text
    assert created.body["status"] == status
    # a status write that leaves them out still has them, as the Go struct always does (without a
    # resourceVersion: the workload controllers may have written the status meanwhile)
    metadata = {k: v for k, v in created.body["metadata"].items() if k != "resourceVersion"}
    body = {**created.body, "metadata": metadata, "status": {}}
    written = await api.request("PUT", f"{collection}/zero/status", identity=admin, json=body)
    assert written.status == 200, written.text
    assert written.body["status"] == status


@pytest.mark.parametrize(("given", "stored"), [({}, "Opaque"), ({"type": "example.com/custom"}, "example.com/custom")])
async def test_a_secret_type_defaults_to_opaque(
    api: InProcessServer, admin: Identity, given: dict[str, str], stored: str
) -> None:
    created = await api.request(
        "POST", "/api/v1/namespaces/default/secrets", identity=admin,
        json={"metadata": {"name": "s"}, "stringData": {"k": "v"}, **given},
    )
    assert created.status == 201, created.text
    assert (created.body["type"], created.body["data"]) == (stored, {"k": "dg=="})
