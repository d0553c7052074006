"""Scheduler preemption over HTTPS: a pod that fits nowhere evicts pods of lower priority.

Most tests run no simulated node (`nodes=0`) and make Node objects with the allocatable they
need; victims with `terminationGracePeriodSeconds: 0` are gone at once, others stay terminating
(no kubelet stops them). The last test runs a simulated kubelet and a Job whose pod failure
policy ignores preemptions.
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
CLASSES = "/apis/scheduling.k8s.io/v1/priorityclasses"
PREEMPTED = ("DisruptionTarget", "True", "PreemptionByScheduler",
             "default-scheduler: preempting to accommodate a higher priority pod")


async def call(api: InProcessServer, admin: Identity, method: str, path: str, body: Any = None, *, expect: int = 200,
               patch: bool = False) -> Any:
    headers = {"Content-Type": "application/merge-patch+json"} if patch else None
    response = await api.request(method, path, identity=admin, json=body, headers=headers)
    assert response.status == expect, response.text
    return response.body


async def setup(api: InProcessServer, admin: Identity) -> None:
    assert api.state.controllers is not None
    for controller in api.state.controllers.controllers:
        if isinstance(controller, Scheduler):
            controller.attempts.initial_backoff = 0.01  # retries after a cluster change come at once
    for name, value, policy in (("low", 10, None), ("lowest", 5, None), ("high", 1000, None), ("polite", 1000, "Never")):
        body: dict[str, Any] = {"metadata": {"name": name}, "value": value}
        if policy:
            body["preemptionPolicy"] = policy
        await call(api, admin, "POST", CLASSES, body, expect=201)


async def add_node(api: InProcessServer, admin: Identity, name: str, *, cpu: str = "2", **spec: Any) -> None:
    await call(api, admin, "POST", NODES, {"metadata": {"name": name}, "spec": spec}, expect=201)
    allocatable = {"cpu": cpu, "memory": "4Gi", "pods": "110"}
    await call(api, admin, "PATCH", f"{NODES}/{name}/status", {"status": {"allocatable": allocatable, "capacity": allocatable}},
               patch=True)
    await api.state.settle()


async def add_pod(api: InProcessServer, admin: Identity, name: str, *, cpu: str, priority: str, grace: int | None = None,
                  labels: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"priorityClassName": priority, "containers": [
        {"name": "c", "image": "nginx", "resources": {"requests": {"cpu": cpu}}}]}
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    created: dict[str, Any] = await call(api, admin, "POST", PODS, {"metadata": {"name": name, "labels": labels or {}},
                                                                    "spec": spec}, expect=201)
    await api.state.settle()
    return created


async def get_pod(api: InProcessServer, admin: Identity, name: str) -> dict[str, Any]:
    pod: dict[str, Any] = await call(api, admin, "GET", f"{PODS}/{name}")
    return pod


def condition(pod: dict[str, Any], kind: str) -> tuple[str, str, str, str]:
    (found,) = [c for c in pod["status"].get("conditions", []) if c["type"] == kind]
    return found["type"], found["status"], found.get("reason", ""), found.get("message", "")


async def notes(api: InProcessServer, admin: Identity, pod: str, reason: str) -> list[str]:
    listed = await call(api, admin, "GET", EVENTS)
    return [e["note"] for e in listed["items"] if e["regarding"]["name"] == pod and e["reason"] == reason]


@pytest.fixture
async def api(start_server: StartServer, admin: Identity) -> InProcessServer:
    server = await start_server(nodes=0, system_workloads=False)
    await setup(server, admin)
    return server


async def test_the_least_important_pods_make_room(api: InProcessServer, admin: Identity) -> None:
    await add_node(api, admin, "node-a")
    await add_pod(api, admin, "keep", cpu="1", priority="low", grace=0)
    await add_pod(api, admin, "evict", cpu="500m", priority="lowest", grace=0)
    urgent = await add_pod(api, admin, "urgent", cpu="1", priority="high")
    pod = await get_pod(api, admin, "urgent")
    assert (pod["spec"]["nodeName"], pod["status"]["nominatedNodeName"]) == ("node-a", "node-a")
    assert await notes(api, admin, "urgent", "FailedScheduling") == ["0/1 nodes are available: 1 Insufficient cpu."]
    assert (await api.request("GET", f"{PODS}/evict", identity=admin)).status == 404
    assert (await get_pod(api, admin, "keep"))["spec"]["nodeName"] == "node-a"  # enough was freed without it
    listed = await call(api, admin, "GET", EVENTS)
    (event,) = [e for e in listed["items"] if e["reason"] == "Preempted"]
    assert (event["regarding"]["name"], event["type"], event["action"]) == ("evict", "Normal", "Preempting")
    assert event["note"] == f"Preempted by pod {urgent['metadata']['uid']} on node node-a"
    assert (event["related"]["name"], event["reportingController"]) == ("urgent", "default-scheduler")


async def test_a_preemptor_waits_for_its_victims_on_the_nominated_node(api: InProcessServer, admin: Identity) -> None:
    await add_node(api, admin, "node-a", cpu="1")
    await add_pod(api, admin, "victim", cpu="1", priority="low")  # 30 s grace: no kubelet ends it
    await add_pod(api, admin, "vip", cpu="1", priority="high")
    victim = await get_pod(api, admin, "victim")
    assert victim["metadata"]["deletionTimestamp"] and condition(victim, "DisruptionTarget") == PREEMPTED
    vip = await get_pod(api, admin, "vip")
    assert "nodeName" not in vip["spec"] and vip["status"]["nominatedNodeName"] == "node-a"
    assert condition(vip, "PodScheduled") == ("PodScheduled", "False", "Unschedulable",
                                              "0/1 nodes are available: 1 Insufficient cpu.")

    await add_node(api, admin, "node-b", unschedulable=True)  # a change: the preemptor tries again
    vip = await get_pod(api, admin, "vip")
    assert condition(vip, "PodScheduled")[3] == (
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. "
        "preemption: not eligible due to a terminating pod on the nominated node.")
    assert vip["status"]["nominatedNodeName"] == "node-a"
    await call(api, admin, "DELETE", f"{PODS}/victim?gracePeriodSeconds=0")
    await api.state.settle()
    assert (await get_pod(api, admin, "vip"))["spec"]["nodeName"] == "node-a"


async def test_room_reserved_for_a_nominated_pod_is_not_taken_by_a_lesser_one(api: InProcessServer, admin: Identity) -> None:
    await add_node(api, admin, "node-a", cpu="1")
    await add_pod(api, admin, "victim", cpu="1", priority="lowest")
    await add_pod(api, admin, "vip", cpu="1", priority="high")
    assert api.state.controllers is not None
    scheduler = next(c for c in api.state.controllers.controllers if isinstance(c, Scheduler))
    scheduler.attempts.initial_backoff = 5.0  # `vip` waits out a backoff once its victim is gone
    await call(api, admin, "DELETE", f"{PODS}/victim?gracePeriodSeconds=0")
    await add_pod(api, admin, "late", cpu="1", priority="low")  # meanwhile: the room is kept for `vip`
    assert "nodeName" not in (await get_pod(api, admin, "vip"))["spec"]
    late = await get_pod(api, admin, "late")
    assert "nodeName" not in late["spec"]
    assert condition(late, "PodScheduled")[3] == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod.")
    scheduler.attempts.initial_backoff = 0.01
    scheduler.queue.add((NS, "vip"))
    await api.state.settle()
    assert (await get_pod(api, admin, "vip"))["spec"]["nodeName"] == "node-a"
    assert "nodeName" not in (await get_pod(api, admin, "late"))["spec"]


async def test_when_preemption_cannot_help(api: InProcessServer, admin: Identity) -> None:
    await add_node(api, admin, "node-a")
    await add_pod(api, admin, "small", cpu="1", priority="low", grace=0)
    await add_pod(api, admin, "huge", cpu="3", priority="high")  # even an empty node is too small
    assert condition(await get_pod(api, admin, "huge"), "PodScheduled")[3] == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.")
    await add_pod(api, admin, "equal", cpu="1500m", priority="low")  # nothing of lower priority to evict
    assert condition(await get_pod(api, admin, "equal"), "PodScheduled")[3] == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod.")
    await add_pod(api, admin, "polite", cpu="1500m", priority="polite")  # preemptionPolicy Never
    assert condition(await get_pod(api, admin, "polite"), "PodScheduled")[3] == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.")
    await add_node(api, admin, "tainted", taints=[{"key": "dedicated", "effect": "NoSchedule"}])
    await add_pod(api, admin, "huge-2", cpu="3", priority="high")
    assert condition(await get_pod(api, admin, "huge-2"), "PodScheduled")[3] == (
        "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: }. "
        "preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 Preemption is not helpful for scheduling.")
    assert (await get_pod(api, admin, "small"))["spec"]["nodeName"] == "node-a"  # nobody was evicted


async def test_pods_a_disruption_budget_protects_are_spared_when_possible(api: InProcessServer, admin: Identity) -> None:
    budget = {"metadata": {"name": "guard"}, "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "db"}}}}
    await call(api, admin, "POST", f"/apis/policy/v1/namespaces/{NS}/poddisruptionbudgets", budget, expect=201)
    await add_node(api, admin, "node-a", cpu="1")
    await add_node(api, admin, "node-b", cpu="1")
    await add_pod(api, admin, "db", cpu="1", priority="low", grace=0, labels={"app": "db"})  # node-a
    await add_pod(api, admin, "cache", cpu="1", priority="low", grace=0, labels={"app": "cache"})  # node-b
    assert (await get_pod(api, admin, "db"))["spec"]["nodeName"] == "node-a"
    await add_pod(api, admin, "vip", cpu="1", priority="high")
    assert (await get_pod(api, admin, "vip"))["spec"]["nodeName"] == "node-b"
    assert (await api.request("GET", f"{PODS}/cache", identity=admin)).status == 404
    await add_pod(api, admin, "vip-2", cpu="1", priority="high")  # only the budget's pod is left: best effort
    assert (await get_pod(api, admin, "vip-2"))["spec"]["nodeName"] == "node-a"
    assert (await api.request("GET", f"{PODS}/db", identity=admin)).status == 404


async def test_a_job_that_ignores_preemptions_replaces_its_pod(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(nodes=1, system_workloads=False, pod_start_delay=0.01, pod_run_time=60.0)
    await setup(api, admin)
    template = {"spec": {"priorityClassName": "low", "restartPolicy": "Never", "containers": [
        {"name": "main", "image": "busybox", "resources": {"requests": {"cpu": "6"}}}]}}
    policy = {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}
    job = {"metadata": {"name": "batch"}, "spec": {"backoffLimit": 0, "podFailurePolicy": policy, "template": template}}
    await call(api, admin, "POST", f"/apis/batch/v1/namespaces/{NS}/jobs", job, expect=201)
    await api.state.settle()
    (first,) = (await call(api, admin, "GET", f"{PODS}?labelSelector=job-name%3Dbatch"))["items"]
    assert first["status"]["phase"] == "Running"
    await add_pod(api, admin, "urgent", cpu="6", priority="high")
    await api.state.settle()
    assert (await get_pod(api, admin, "urgent"))["status"]["phase"] == "Running"
    # the victim got the condition, was stopped by the kubelet (phase Failed), matched the Ignore
    # rule and, released by the Job controller, is gone
    assert (await api.request("GET", f"{PODS}/{first['metadata']['name']}", identity=admin)).status == 404
    assert len(await notes(api, admin, first["metadata"]["name"], "Preempted")) == 1
    (replacement,) = (await call(api, admin, "GET", f"{PODS}?labelSelector=job-name%3Dbatch"))["items"]
    assert condition(replacement, "PodScheduled")[3] == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod.")
    status = (await call(api, admin, "GET", f"/apis/batch/v1/namespaces/{NS}/jobs/batch"))["status"]
    assert "failed" not in status and "conditions" not in status and status["active"] == 1
