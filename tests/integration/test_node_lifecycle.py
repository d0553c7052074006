"""Node readiness taints, a stopped kubelet, and taint-based eviction, over HTTPS.

The lifecycle tests shorten `--node-monitor-grace-period` to a second (kubelets then renew
their Lease every quarter second) and wait for what the controllers write by awaiting the next
revision of the store, never by sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

PODS = "/api/v1/namespaces/default/pods"
NODES = "/api/v1/nodes"
MERGE = {"Content-Type": "application/merge-patch+json"}
FAST = {"pod_start_delay": 0.05, "system_workloads": False}
NOT_READY_NO_SCHEDULE = {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}


async def _get(api: InProcessServer, admin: Identity, path: str) -> Any:
    response = await api.request("GET", path, identity=admin)
    assert response.status == 200, response.text
    return response.body


async def _patch(api: InProcessServer, admin: Identity, path: str, body: dict[str, Any]) -> Any:
    response = await api.request("PATCH", path, identity=admin, json=body, headers=MERGE)
    assert response.status == 200, response.text
    return response.body


async def _until(api: InProcessServer, check: Callable[[], Awaitable[Any]], *, timeout: float = 20.0) -> Any:
    """Re-check after every write until `check` answers something true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await api.state.settle(horizon=0)
        answer = await check()
        if answer:
            return answer
        left = deadline - loop.time()
        assert left > 0, "the cluster never got there"
        await api.state.store.wait_for_revision(api.state.store.revision + 1, timeout=left)


def _taints(node: dict[str, Any]) -> list[tuple[str, str]]:
    return [(t["key"], t["effect"]) for t in node["spec"].get("taints") or []]


def _condition(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in obj["status"].get("conditions") or [] if c["type"] == kind)


async def _events(api: InProcessServer, admin: Identity, name: str) -> list[tuple[str, str, str]]:
    items = (await _get(api, admin, "/api/v1/namespaces/default/events"))["items"]
    return [(e["source"].get("component", ""), e["reason"], e["message"]) for e in items
            if e["involvedObject"].get("name") == name]


async def _run(api: InProcessServer, admin: Identity, name: str, node: str, **spec: Any) -> None:
    body = {"metadata": {"name": name}, "spec": {
        "nodeName": node, "containers": [{"name": "c", "image": "nginx:1.27"}], **spec}}
    response = await api.request("POST", PODS, identity=admin, json=body)
    assert response.status == 201, response.text


# readiness taints ----------------------------------------------------------------------------


async def test_start_up_schedules_without_a_failed_attempt(start_server: StartServer, admin: Identity) -> None:
    api = await start_server()  # kube-system's CoreDNS is scheduled at start-up too
    body = {"metadata": {"name": "early"}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
    assert (await api.request("POST", PODS, identity=admin, json=body)).status == 201
    await api.state.settle()
    pod = await _get(api, admin, f"{PODS}/early")
    assert pod["spec"]["nodeName"] == "kubegate-node" and pod["status"]["phase"] == "Running"
    events = (await _get(api, admin, "/apis/events.k8s.io/v1/events"))["items"]
    assert [e["reason"] for e in events if e["reason"] == "FailedScheduling"] == []
    assert "Scheduled" in {e["reason"] for e in events}
    node = await _get(api, admin, f"{NODES}/kubegate-node")
    assert node["spec"].get("taints") is None  # the not-ready taint is gone once the node is Ready
    assert ("node-controller", "RegisteredNode", "Node kubegate-node event: Registered Node kubegate-node in Controller") \
        in await _events(api, admin, "kubegate-node")


async def test_new_nodes_are_tainted_until_ready_and_cordons_taint(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(nodes=0)
    created = await api.request("POST", NODES, identity=admin, json={"metadata": {"name": "bare"}})
    assert created.status == 201 and created.body["spec"]["taints"] == [NOT_READY_NO_SCHEDULE]
    await api.state.settle()  # no conditions at all: no condition taint is wanted (as upstream)
    assert _taints(await _get(api, admin, f"{NODES}/bare")) == []

    down = {"metadata": {"name": "down"}, "status": {"conditions": [
        {"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "container runtime is down",
         "lastHeartbeatTime": "2025-01-01T00:00:00Z", "lastTransitionTime": "2025-01-01T00:00:00Z"}]}}
    assert (await api.request("POST", NODES, identity=admin, json=down)).status == 201
    await api.state.settle()
    node = await _get(api, admin, f"{NODES}/down")
    assert node["status"]["conditions"][0]["reason"] == "KubeletNotReady"  # a Node keeps the status it is created with
    assert _taints(node) == [("node.kubernetes.io/not-ready", "NoSchedule")]  # NoExecute: not while all are down
    up = [{**down["status"]["conditions"][0], "status": "True", "reason": "KubeletReady"}]  # type: ignore[index]
    await _patch(api, admin, f"{NODES}/down/status", {"status": {"conditions": up}})
    await api.state.settle()
    assert _taints(await _get(api, admin, f"{NODES}/down")) == []

    await _patch(api, admin, f"{NODES}/down", {"spec": {"unschedulable": True}})
    await api.state.settle()
    cordoned = await _get(api, admin, f"{NODES}/down")
    assert _taints(cordoned) == [("node.kubernetes.io/unschedulable", "NoSchedule")]
    assert cordoned["spec"]["taints"][0]["timeAdded"]
    await _patch(api, admin, f"{NODES}/down", {"spec": {"unschedulable": None}})
    await api.state.settle()
    assert _taints(await _get(api, admin, f"{NODES}/down")) == []


# a stopped kubelet -----------------------------------------------------------------------------


async def test_a_stopped_kubelet_leaves_its_node_unknown_and_its_pods_evicted(
    start_server: StartServer, admin: Identity,
) -> None:
    api = await start_server(nodes=2, node_monitor_grace_period=1.0, **FAST)
    brief = [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 1}]
    await _run(api, admin, "stays", "kubegate-node2")  # DefaultTolerationSeconds: 300 s
    await _run(api, admin, "leaves", "kubegate-node2", tolerations=brief)
    await api.state.settle()
    assert _condition(await _get(api, admin, f"{PODS}/stays"), "Ready")["status"] == "True"

    await _patch(api, admin, f"{NODES}/kubegate-node2", {"metadata": {"annotations": {"kubegate.io/kubelet": "stopped"}}})

    async def unknown() -> Any:
        node = await _get(api, admin, f"{NODES}/kubegate-node2")
        return node if _condition(node, "Ready")["status"] == "Unknown" and len(_taints(node)) == 2 else None

    node = await _until(api, unknown)
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in node["status"]["conditions"]] == [
        (kind, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
        for kind in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready")
    ]
    assert _taints(node) == [("node.kubernetes.io/unreachable", "NoExecute"),
                             ("node.kubernetes.io/unreachable", "NoSchedule")]
    assert ("node-controller", "NodeNotReady", "Node kubegate-node2 status is now: NodeNotReady") \
        in await _events(api, admin, "kubegate-node2")
    other = await _get(api, admin, f"{NODES}/kubegate-node")
    assert _condition(other, "Ready")["status"] == "True" and _taints(other) == []

    async def evicted() -> Any:
        pod = await _get(api, admin, f"{PODS}/leaves")
        return pod if pod["metadata"].get("deletionTimestamp") else None

    leaving = await _until(api, evicted)
    assert _condition(leaving, "DisruptionTarget")["reason"] == "DeletionByTaintManager"
    assert _condition(leaving, "Ready")["status"] == "False"
    assert ("taint-eviction-controller", "TaintManagerEviction", "Marking for deletion Pod default/leaves") \
        in await _events(api, admin, "leaves")
    await api.state.settle()
    stays = await _get(api, admin, f"{PODS}/stays")
    assert "deletionTimestamp" not in stays  # 300 s to go
    assert _condition(stays, "Ready")["status"] == "False"
    assert ("node-controller", "NodeNotReady", "Node is not ready") in await _events(api, admin, "stays")
    assert (await _get(api, admin, f"{PODS}/leaves"))["metadata"]["deletionTimestamp"]  # no kubelet to finish it

    await _patch(api, admin, f"{NODES}/kubegate-node2", {"metadata": {"annotations": {"kubegate.io/kubelet": None}}})

    async def back() -> Any:
        node = await _get(api, admin, f"{NODES}/kubegate-node2")
        gone = (await api.request("GET", f"{PODS}/leaves", identity=admin)).status == 404
        return node if gone and _condition(node, "Ready")["status"] == "True" and not _taints(node) else None

    node = await _until(api, back)
    assert _condition(node, "Ready")["reason"] == "KubeletReady"
    await api.state.settle()
    assert _condition(await _get(api, admin, f"{PODS}/stays"), "Ready")["status"] == "True"
    assert ("taint-eviction-controller", "TaintManagerEviction", "Cancelling deletion of Pod default/stays") \
        in await _events(api, admin, "stays")
    assert ("kubelet", "NodeReady", "Node kubegate-node2 status is now: NodeReady") \
        in await _events(api, admin, "kubegate-node2")


async def test_a_one_node_cluster_keeps_its_pods_when_its_kubelet_stops(
    start_server: StartServer, admin: Identity,
) -> None:
    api = await start_server(node_monitor_grace_period=1.0, **FAST)
    brief = [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 0}]
    await _run(api, admin, "web", "kubegate-node", tolerations=brief)
    await api.state.settle()
    await _patch(api, admin, f"{NODES}/kubegate-node", {"metadata": {"annotations": {"kubegate.io/kubelet": "stopped"}}})

    async def unknown() -> Any:
        node = await _get(api, admin, f"{NODES}/kubegate-node")
        return node if _taints(node) else None

    node = await _until(api, unknown)
    # every node of the zone is down: full disruption, so no NoExecute taint and no eviction
    assert _taints(node) == [("node.kubernetes.io/unreachable", "NoSchedule")]
    await api.state.settle()
    assert "deletionTimestamp" not in (await _get(api, admin, f"{PODS}/web"))["metadata"]
