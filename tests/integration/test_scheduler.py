"""The scheduler and the `pods/binding` subresource, over HTTPS, on nodes the tests create.

The server runs no simulated node (`nodes=0`): each test makes the Node objects it needs, with
allocatable resources, labels and taints, and waits with `settle()`.
"""

from __future__ import annotations

from typing import Any

import pytest

from kubegate.controllers.scheduler.controller import Scheduler
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "default"
PODS = f"/api/v1/namespaces/{NS}/pods"
NODES = "/api/v1/nodes"
EVENTS = f"/apis/events.k8s.io/v1/namespaces/{NS}/events"
ALLOCATABLE = {"cpu": "2", "memory": "4Gi", "pods": "110"}
CORDONED = ("0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: "
            "1 Preemption is not helpful for scheduling.")


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    server = await start_server(nodes=0)
    assert server.state.controllers is not None
    for controller in server.state.controllers.controllers:
        if isinstance(controller, Scheduler):
            controller.attempts.initial_backoff = 0.01  # retries after a cluster change come at once
    return server


async def call(api: InProcessServer, admin: Identity, method: str, path: str, body: Any = None,
               *, expect: int = 200, content_type: str = "") -> Any:
    headers = {"Content-Type": content_type} if content_type else None
    response = await api.request(method, path, identity=admin, json=body, headers=headers)
    assert response.status == expect, response.text
    return response.body


async def add_node(api: InProcessServer, admin: Identity, name: str, *, allocatable: dict[str, str] | None = None,
                   labels: dict[str, str] | None = None, **spec: Any) -> None:
    body = {"metadata": {"name": name, "labels": labels or {}}, "spec": spec}
    await call(api, admin, "POST", NODES, body, expect=201)
    status = {"status": {"allocatable": allocatable or ALLOCATABLE, "capacity": allocatable or ALLOCATABLE}}
    await call(api, admin, "PATCH", f"{NODES}/{name}/status", status, content_type="application/merge-patch+json")
    await api.state.settle()  # the node lifecycle controller's taints (not-ready off, a cordon's on) are in place


async def add_pod(api: InProcessServer, admin: Identity, name: str, **spec: Any) -> None:
    containers = spec.pop("containers", [{"name": "c", "image": "nginx"}])
    await call(api, admin, "POST", PODS, {"metadata": {"name": name}, "spec": {"containers": containers, **spec}},
               expect=201)


async def get_pod(api: InProcessServer, admin: Identity, name: str) -> dict[str, Any]:
    pod: dict[str, Any] = await call(api, admin, "GET", f"{PODS}/{name}")
    return pod


def condition(pod: dict[str, Any]) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        c for c in pod.get("status", {}).get("conditions", []) if c["type"] == "PodScheduled"]
    assert len(found) == 1, pod.get("status")
    return found[0]


async def events_of(api: InProcessServer, admin: Identity, pod: str, reason: str) -> list[dict[str, Any]]:
    listed = await call(api, admin, "GET", EVENTS)
    return [e for e in listed["items"] if e["regarding"]["name"] == pod and e["reason"] == reason]


async def test_pods_are_bound_to_the_least_allocated_fitting_node(api: InProcessServer, admin: Identity) -> None:
    await add_node(api, admin, "node-a", labels={"disk": "ssd"})
    await add_node(api, admin, "node-b")
    await add_pod(api, admin, "big", containers=[{"name": "c", "image": "nginx",
                                                  "resources": {"requests": {"cpu": "1500m"}}}])
    await api.state.settle()
    first = (await get_pod(api, admin, "big"))["spec"]["nodeName"]
    assert first == "node-a"  # equal nodes: by name
    await add_pod(api, admin, "small")
    await add_pod(api, admin, "picky", nodeSelector={"disk": "ssd"})
    await api.state.settle()
    assert (await get_pod(api, admin, "small"))["spec"]["nodeName"] == "node-b"
    picky = await get_pod(api, admin, "picky")
    assert picky["spec"]["nodeName"] == "node-a"
    scheduled = condition(picky)
    assert scheduled["status"] == "True" and "reason" not in scheduled and scheduled["lastTransitionTime"]
    [event] = await events_of(api, admin, "picky", "Scheduled")
    assert event["note"] == "Successfully assigned default/picky to node-a"
    assert event["type"] == "Normal" and event["action"] == "Binding"
    assert event["reportingController"] == "default-scheduler"
    assert event["reportingInstance"].startswith("default-scheduler-")


async def test_other_schedulers_pods_are_left_alone(api: InProcessServer, admin: Identity) -> None:
    await add_node(api, admin, "node-a")
    await add_pod(api, admin, "mine", schedulerName="my-scheduler")
    await api.state.settle()
    assert "nodeName" not in (await get_pod(api, admin, "mine"))["spec"]


async def test_cordoned_node_then_uncordon(api: InProcessServer, admin: Identity) -> None:
    await add_node(api, admin, "node-a", unschedulable=True)
    await add_pod(api, admin, "web")
    await api.state.settle()
    pod = await get_pod(api, admin, "web")
    assert "nodeName" not in pod["spec"] and pod["status"]["phase"] == "Pending"
    failed = condition(pod)
    assert (failed["status"], failed["reason"], failed["message"]) == ("False", "Unschedulable", CORDONED)
    [event] = await events_of(api, admin, "web", "FailedScheduling")
    assert (event["type"], event["action"], event["note"]) == ("Warning", "Scheduling", CORDONED)
    managers = [(m["manager"], m.get("subresource")) for m in pod["metadata"]["managedFields"]]
    assert ("kube-scheduler", "status") in managers

    await call(api, admin, "PATCH", f"{NODES}/node-a", {"spec": {"unschedulable": None}},
               content_type="application/merge-patch+json")
    await api.state.settle()
    pod = await get_pod(api, admin, "web")
    assert pod["spec"]["nodeName"] == "node-a"
    assert condition(pod)["status"] == "True"
    # (uncordoning can fail one more attempt, as on a cluster: the node lifecycle controller
    # removes the `unschedulable` taint just after the field changes)


async def test_resources_free_up_when_a_pod_goes(api: InProcessServer, admin: Identity) -> None:
    await add_node(api, admin, "node-a", allocatable={"cpu": "1", "memory": "1Gi", "pods": "110"})
    wants_cpu = [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "800m"}}}]
    await add_pod(api, admin, "first", containers=wants_cpu)
    await api.state.settle()
    await add_pod(api, admin, "second", containers=wants_cpu)
    await api.state.settle()
    message = condition(await get_pod(api, admin, "second"))["message"]
    assert message == ("0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
                       "1 No preemption victims found for incoming pod.")
    await call(api, admin, "DELETE", f"{PODS}/first?gracePeriodSeconds=0")
    await api.state.settle()
    assert (await get_pod(api, admin, "second"))["spec"]["nodeName"] == "node-a"


async def test_taints_and_no_nodes(api: InProcessServer, admin: Identity) -> None:
    await add_pod(api, admin, "early")
    await api.state.settle()
    assert condition(await get_pod(api, admin, "early"))["message"] == "no nodes available to schedule pods"
    await add_node(api, admin, "cp", taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}])
    await api.state.settle()
    assert condition(await get_pod(api, admin, "early"))["message"] == (
        "0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")
    await add_pod(api, admin, "tolerant", tolerations=[{"key": "node-role.kubernetes.io/control-plane",
                                                        "operator": "Exists", "effect": "NoSchedule"}])
    await api.state.settle()
    assert (await get_pod(api, admin, "tolerant"))["spec"]["nodeName"] == "cp"


def binding(name: str, node: str = "node-x", **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name, **metadata},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node}}


async def test_binding_subresource(api: InProcessServer, admin: Identity) -> None:
    await add_pod(api, admin, "manual", schedulerName="my-scheduler")
    url = f"{PODS}/manual/binding"
    answer = await call(api, admin, "POST", url, binding("manual", annotations={"placed-by": "test"}), expect=201)
    assert answer == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}
    pod = await get_pod(api, admin, "manual")
    assert pod["spec"]["nodeName"] == "node-x"
    assert pod["metadata"]["annotations"]["placed-by"] == "test"
    assert condition(pod)["status"] == "True"

    again = await call(api, admin, "POST", url, binding("manual", "node-y"), expect=409)
    assert again["message"] == ('Operation cannot be fulfilled on pods/binding "manual": '
                                'pod manual is already assigned to node "node-x"')
    assert again["reason"] == "Conflict" and again["details"] == {"name": "manual", "kind": "pods/binding"}

    mismatch = await call(api, admin, "POST", url, binding("other"), expect=400)
    assert mismatch["message"] == "name in URL does not match name in Binding object"
    no_target = {"metadata": {"name": "manual"}, "target": {}}
    assert (await call(api, admin, "POST", url, no_target, expect=500))["message"] == "target.name: Required value"
    missing = await call(api, admin, "POST", f"{PODS}/ghost/binding", binding("ghost"), expect=404)
    assert missing["message"] == 'pods "ghost" not found'

    await add_pod(api, admin, "second", schedulerName="my-scheduler")
    stale = await call(api, admin, "POST", f"{PODS}/second/binding", binding("second", uid="not-the-uid"), expect=409)
    assert stale["message"].startswith('Operation cannot be fulfilled on pods "second": Precondition failed: UID')
    await call(api, admin, "POST", f"{PODS}/second/binding?dryRun=All", binding("second"), expect=201)
    assert "nodeName" not in (await get_pod(api, admin, "second"))["spec"]
    await call(api, admin, "POST", f"/api/v1/namespaces/{NS}/bindings", binding("second"), expect=201)
    assert (await get_pod(api, admin, "second"))["spec"]["nodeName"] == "node-x"
