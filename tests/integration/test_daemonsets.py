"""The DaemonSet controller over HTTPS: a pod per eligible node, pinned by affinity, rolling update.

The test makes its own Node objects (`nodes=0`: no simulated kubelets) and writes pod status
itself, as a kubelet would.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "default"
DS = f"/apis/apps/v1/namespaces/{NS}/daemonsets"
PODS = f"/api/v1/namespaces/{NS}/pods"
MERGE = {"Content-Type": "application/merge-patch+json"}


def daemon_set(**pod_spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "agent"}, "spec": {
        "selector": {"matchLabels": {"app": "agent"}},
        "template": {"metadata": {"labels": {"app": "agent"}},
                     "spec": {"containers": [{"name": "a", "image": "agent:1"}], **pod_spec}}}}


async def get(api: InProcessServer, admin: Identity, path: str) -> Any:
    response = await api.request("GET", path, identity=admin)
    assert response.status == 200, response.text
    return response.body


async def node(api: InProcessServer, admin: Identity, name: str, *, labels: dict[str, str] | None = None,
               taints: list[dict[str, str]] | None = None) -> None:
    body: dict[str, Any] = {"metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": taints or []}}
    response = await api.request("POST", "/api/v1/nodes", identity=admin, json=body)
    assert response.status == 201, response.text


def pinned(pod: dict[str, Any]) -> str:
    terms = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    (term,) = terms
    assert term["matchFields"][0]["key"] == "metadata.name"
    return str(term["matchFields"][0]["values"][0])


async def pods(api: InProcessServer, admin: Identity) -> dict[str, dict[str, Any]]:
    await api.state.settle()
    items = (await get(api, admin, PODS))["items"]
    return {pinned(p): p for p in items if not p["metadata"].get("deletionTimestamp")}


async def make_ready(api: InProcessServer, admin: Identity, pod: dict[str, Any]) -> None:
    pod = await get(api, admin, f"{PODS}/{pod['metadata']['name']}")
    pod["status"] = {"phase": "Running", "conditions": [
        {"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"}]}
    response = await api.request("PUT", f"{PODS}/{pod['metadata']['name']}/status", identity=admin, json=pod)
    assert response.status == 200, response.text
    await api.state.settle()


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    return await start_server(nodes=0)


async def test_a_pod_per_eligible_node(api: InProcessServer, admin: Identity) -> None:
    await node(api, admin, "n1", labels={"disk": "ssd"})
    await node(api, admin, "n2", labels={"disk": "ssd"}, taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}])
    await node(api, admin, "n3", labels={"disk": "hdd"})
    await node(api, admin, "n4", labels={"disk": "ssd"}, taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}])
    response = await api.request("POST", DS, identity=admin, json=daemon_set(nodeSelector={"disk": "ssd"}))
    assert response.status == 201, response.text
    by_node = await pods(api, admin)
    assert sorted(by_node) == ["n1", "n4"]  # n2's taint is not tolerated; n3 does not match; n4 is cordoned
    pod = by_node["n1"]
    assert pod["metadata"]["labels"]["pod-template-generation"] == "1"
    assert pod["metadata"]["generateName"] == "agent-"
    keys = [(t["key"], t["effect"]) for t in pod["spec"]["tolerations"] if t.get("operator") == "Exists"]
    assert ("node.kubernetes.io/not-ready", "NoExecute") in keys
    assert ("node.kubernetes.io/unschedulable", "NoSchedule") in keys
    status = (await get(api, admin, f"{DS}/agent"))["status"]
    assert status["desiredNumberScheduled"] == 2 and status["currentNumberScheduled"] == 2
    assert status["numberReady"] == 0 and status["numberMisscheduled"] == 0 and status["numberUnavailable"] == 2
    for each in by_node.values():
        await make_ready(api, admin, each)
    status = (await get(api, admin, f"{DS}/agent"))["status"]
    assert status["numberReady"] == 2 and status["numberAvailable"] == 2 and "numberUnavailable" not in status
    assert status["updatedNumberScheduled"] == 2

    response = await api.request("PATCH", "/api/v1/nodes/n3", identity=admin, json={"metadata": {"labels": {"disk": "ssd"}}},
                                 headers=MERGE)
    assert response.status == 200
    assert sorted(await pods(api, admin)) == ["n1", "n3", "n4"]
    response = await api.request("PATCH", "/api/v1/nodes/n1", identity=admin, json={"metadata": {"labels": {"disk": "hdd"}}},
                                 headers=MERGE)
    assert response.status == 200
    assert sorted(await pods(api, admin)) == ["n3", "n4"]


async def test_rolling_update_one_node_at_a_time(api: InProcessServer, admin: Identity) -> None:
    for name in ("n1", "n2"):
        await node(api, admin, name)
    assert (await api.request("POST", DS, identity=admin, json=daemon_set())).status == 201
    for pod in (await pods(api, admin)).values():
        await make_ready(api, admin, pod)
    old_hash = next(iter((await pods(api, admin)).values()))["metadata"]["labels"]["controller-revision-hash"]
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "agent:2"}]}}}}
    assert (await api.request("PATCH", f"{DS}/agent", identity=admin, json=patch, headers=MERGE)).status == 200
    by_node = await pods(api, admin)
    images = sorted(p["spec"]["containers"][0]["image"] for p in by_node.values())
    assert images == ["agent:1", "agent:2"]  # maxUnavailable 1: the second waits
    new = next(p for p in by_node.values() if p["spec"]["containers"][0]["image"] == "agent:2")
    assert new["metadata"]["labels"]["controller-revision-hash"] != old_hash
    assert new["metadata"]["labels"]["pod-template-generation"] == "2"
    await make_ready(api, admin, new)
    by_node = await pods(api, admin)
    assert sorted(p["spec"]["containers"][0]["image"] for p in by_node.values()) == ["agent:2", "agent:2"]
    revisions = (await get(api, admin, f"/apis/apps/v1/namespaces/{NS}/controllerrevisions"))["items"]
    assert sorted(r["revision"] for r in revisions) == [1, 2]
