"""Simulated nodes and kubelets over HTTPS: registration, leases, pod lifecycle, eviction, logs.

Pods are created with `spec.nodeName` set (as if scheduled); stage timings are made small and
`settle()` waits for every stage that falls due, so no test sleeps.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from kubegate.controllers.nodes.stages import EXIT_CODE_ANNOTATION
from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

PODS = "/api/v1/namespaces/default/pods"
FAST = {"pod_start_delay": 0.05, "pod_run_time": 0.2}
HEX64 = re.compile(r"^[0-9a-f]{64}$")
PULLED = re.compile(r'^Successfully pulled image "nginx" in (\d+ms|\d+(\.\d+)?s) \(\1 including waiting\)\. '
                    r"Image size: \d+ bytes\.$")


async def _server(start_server: StartServer, **options: Any) -> InProcessServer:
    return await start_server(**{**FAST, **options})


async def _get(api: InProcessServer, admin: Identity, path: str) -> Any:
    response = await api.request("GET", path, identity=admin)
    assert response.status == 200, response.text
    return response.body


async def _run_pod(api: InProcessServer, admin: Identity, name: str, *, spec: dict[str, Any] | None = None,
                   annotations: dict[str, str] | None = None) -> dict[str, Any]:
    body = {"metadata": {"name": name, "annotations": annotations or {}},
            "spec": spec or {"nodeName": "kubegate-node", "containers": [{"name": "nginx", "image": "nginx"}]}}
    response = await api.request("POST", PODS, identity=admin, json=body)
    assert response.status == 201, response.text
    await api.state.settle()
    pod: dict[str, Any] = await _get(api, admin, f"{PODS}/{name}")
    return pod


async def _events(api: InProcessServer, admin: Identity, name: str) -> list[dict[str, Any]]:
    items = (await _get(api, admin, "/api/v1/namespaces/default/events"))["items"]
    return [e for e in items if e["involvedObject"].get("name") == name]


# nodes ---------------------------------------------------------------------------------------


async def test_the_default_node_is_ready_with_real_status(start_server: StartServer, admin: Identity) -> None:
    api = await _server(start_server)
    node = await _get(api, admin, "/api/v1/nodes/kubegate-node")
    labels = node["metadata"]["labels"]
    assert labels["kubernetes.io/hostname"] == "kubegate-node"
    assert labels["node-role.kubernetes.io/control-plane"] == ""
    assert node["spec"]["podCIDR"] == "10.244.0.0/24" and node["spec"]["podCIDRs"] == ["10.244.0.0/24"]
    status = node["status"]
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID"),
        ("Ready", "True", "KubeletReady"),
    ]
    assert status["conditions"][3]["message"] == "kubelet is posting ready status"
    assert status["addresses"] == [{"type": "InternalIP", "address": "172.18.0.2"},
                                   {"type": "Hostname", "address": "kubegate-node"}]
    assert status["capacity"]["pods"] == "110" and status["allocatable"] == status["capacity"]
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}
    assert status["nodeInfo"]["kubeletVersion"] == api.state.version.git_version
    assert status["nodeInfo"]["containerRuntimeVersion"] == "containerd://1.7.24"
    lease = await _get(api, admin, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/kubegate-node")
    assert lease["spec"]["holderIdentity"] == "kubegate-node"
    assert lease["spec"]["leaseDurationSeconds"] == 40
    assert lease["metadata"]["ownerReferences"][0]["uid"] == node["metadata"]["uid"]
    reasons = {(e["reason"], e["message"], e["source"].get("host")) for e in await _events(api, admin, "kubegate-node")}
    assert ("Starting", "Starting kubelet.", "kubegate-node") in reasons
    assert ("NodeReady", "Node kubegate-node status is now: NodeReady", "kubegate-node") in reasons


async def test_node_count_names_and_cidrs(start_server: StartServer, admin: Identity) -> None:
    api = await _server(start_server, nodes=3)
    nodes = (await _get(api, admin, "/api/v1/nodes"))["items"]
    assert [(n["metadata"]["name"], n["spec"]["podCIDR"], n["status"]["addresses"][0]["address"]) for n in nodes] == [
        ("kubegate-node", "10.244.0.0/24", "172.18.0.2"),
        ("kubegate-node2", "10.244.1.0/24", "172.18.0.3"),
        ("kubegate-node3", "10.244.2.0/24", "172.18.0.4"),
    ]
    assert "node-role.kubernetes.io/control-plane" not in nodes[1]["metadata"]["labels"]
    empty = await _server(start_server, nodes=0)
    assert (await _get(empty, admin, "/api/v1/nodes"))["items"] == []


# pods ----------------------------------------------------------------------------------------


async def test_a_bound_pod_runs(start_server: StartServer, admin: Identity) -> None:
    api = await _server(start_server, system_workloads=False)  # the node's first pod IP is this pod's
    pod = await _run_pod(api, admin, "web")
    status = pod["status"]
    assert status["phase"] == "Running"
    assert status["hostIP"] == "172.18.0.2" and status["hostIPs"] == [{"ip": "172.18.0.2"}]
    assert status["podIP"] == "10.244.0.2" and status["podIPs"] == [{"ip": "10.244.0.2"}]
    assert status["startTime"] and status["qosClass"] == "BestEffort"
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [
        ("PodReadyToStartContainers", "True"), ("Initialized", "True"), ("Ready", "True"),
        ("ContainersReady", "True"), ("PodScheduled", "True"),
    ]
    [container] = status["containerStatuses"]
    assert container["image"] == "docker.io/library/nginx:latest"
    assert container["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert HEX64.match(container["containerID"].removeprefix("containerd://"))
    assert container["ready"] and container["started"] and container["restartCount"] == 0
    assert container["state"]["running"]["startedAt"]
    events = [(e["reason"], e["message"], e["involvedObject"].get("fieldPath")) for e in await _events(api, admin, "web")]
    assert [(reason, path) for reason, _, path in events] == [
        ("Pulling", "spec.containers{nginx}"), ("Pulled", "spec.containers{nginx}"),
        ("Created", "spec.containers{nginx}"), ("Started", "spec.containers{nginx}"),
    ]
    assert events[0][1] == 'Pulling image "nginx"'  # `nginx` is `:latest`: imagePullPolicy Always
    assert PULLED.match(events[1][1]), events[1][1]
    assert events[2:] == [("Created", "Created container: nginx", "spec.containers{nginx}"),
                          ("Started", "Started container nginx", "spec.containers{nginx}")]
    second = await _run_pod(api, admin, "web2")
    assert second["status"]["podIP"] == "10.244.0.3"
    host = await _run_pod(api, admin, "host", spec={
        "nodeName": "kubegate-node", "hostNetwork": True, "containers": [{"name": "c", "image": "busybox"}]})
    assert host["status"]["podIP"] == "172.18.0.2"


async def test_init_containers_then_a_job_pod_completes(start_server: StartServer, admin: Identity) -> None:
    api = await _server(start_server)
    pod = await _run_pod(api, admin, "job", spec={
        "nodeName": "kubegate-node", "restartPolicy": "Never",
        "initContainers": [{"name": "init", "image": "busybox:1.36"}],
        "containers": [{"name": "work", "image": "busybox:1.36"}],
    })
    status = pod["status"]
    assert status["phase"] == "Succeeded"
    [init] = status["initContainerStatuses"]
    assert init["state"]["terminated"]["reason"] == "Completed" and init["image"] == "docker.io/library/busybox:1.36"
    [work] = status["containerStatuses"]
    terminated = work["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"], work["ready"], work["started"]) == (0, "Completed", False, False)
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "PodCompleted")
    paths = [e["involvedObject"].get("fieldPath") for e in await _events(api, admin, "job")]
    assert paths.index("spec.initContainers{init}") < paths.index("spec.containers{work}")


async def test_an_exit_code_annotation_fails_the_pod(start_server: StartServer, admin: Identity) -> None:
    api = await _server(start_server)
    pod = await _run_pod(api, admin, "bad", annotations={EXIT_CODE_ANNOTATION: "3"}, spec={
        "nodeName": "kubegate-node", "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]})
    assert pod["status"]["phase"] == "Failed"
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (3, "Error")


async def test_a_readiness_probe_delays_ready(start_server: StartServer, admin: Identity) -> None:
    api = await _server(start_server)
    probe = {"initialDelaySeconds": 1, "exec": {"command": ["true"]}}
    body = {"metadata": {"name": "slow"}, "spec": {"nodeName": "kubegate-node", "containers": [
        {"name": "c", "image": "nginx", "readinessProbe": probe}]}}
    assert (await api.request("POST", PODS, identity=admin, json=body)).status == 201
    seen: list[bool] = []
    for _ in range(200):  # sample the status as it is written, until it is ready
        pod = await _get(api, admin, f"{PODS}/slow")
        statuses = pod["status"].get("containerStatuses") or []
        if statuses and "running" in statuses[0]["state"]:
            seen.append(statuses[0]["ready"])
            if statuses[0]["ready"]:
                break
        await api.state.store.wait_fresh()
        await asyncio.sleep(0.02)
    assert seen[0] is False and seen[-1] is True


async def test_deletion_stops_the_pod_promptly(start_server: StartServer, admin: Identity) -> None:
    api = await _server(start_server)
    await _run_pod(api, admin, "web")
    response = await api.request("DELETE", f"{PODS}/web", identity=admin)
    assert response.status == 200 and response.body["metadata"]["deletionGracePeriodSeconds"] == 30
    await api.state.settle()
    assert (await api.request("GET", f"{PODS}/web", identity=admin)).status == 404
    killing = [e for e in await _events(api, admin, "web") if e["reason"] == "Killing"]
    assert [(e["message"], e["involvedObject"]["fieldPath"]) for e in killing] == [
        ("Stopping container nginx", "spec.containers{nginx}")]


# eviction ------------------------------------------------------------------------------------


async def test_eviction_deletes_the_pod_unless_a_budget_forbids(start_server: StartServer, admin: Identity) -> None:
    api = await _server(start_server)
    spec = {"nodeName": "kubegate-node", "containers": [{"name": "nginx", "image": "nginx"}]}
    await _run_pod(api, admin, "free", spec=spec)
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "free"}}
    response = await api.request("POST", f"{PODS}/free/eviction", identity=admin, json=eviction)
    assert response.status == 201, response.text
    assert response.body["status"] == "Success"
    await api.state.settle()
    assert (await api.request("GET", f"{PODS}/free", identity=admin)).status == 404
    mismatch = await api.request("POST", f"{PODS}/other/eviction", identity=admin, json=eviction)
    assert (mismatch.status, mismatch.body["message"]) == (400, "name in URL does not match name in Eviction object")

    body = {"metadata": {"name": "kept", "labels": {"app": "db"}}, "spec": spec}
    assert (await api.request("POST", PODS, identity=admin, json=body)).status == 201
    await api.state.settle()
    pdb = {"metadata": {"name": "db"}, "spec": {"selector": {"matchLabels": {"app": "db"}}, "minAvailable": 1}}
    pdbs = "/apis/policy/v1/namespaces/default/poddisruptionbudgets"
    assert (await api.request("POST", pdbs, identity=admin, json=pdb)).status == 201
    await api.state.settle()
    evict = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "kept"}}
    refused = await api.request("POST", f"{PODS}/kept/eviction", identity=admin, json=evict)
    assert refused.status == 429, refused.text
    assert refused.body["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert refused.body["details"]["causes"][0]["reason"] == "DisruptionBudget"
    assert (await api.request("GET", f"{PODS}/kept", identity=admin)).status == 200


# logs ----------------------------------------------------------------------------------------


async def test_logs_are_text_with_the_real_errors(start_server: StartServer, admin: Identity) -> None:
    api = await _server(start_server)
    await _run_pod(api, admin, "web")
    log = await api.request("GET", f"{PODS}/web/log", identity=admin)
    assert log.status == 200 and log.headers["Content-Type"].startswith("text/plain")
    assert log.text == "kubegate: container nginx started (image docker.io/library/nginx:latest)\n"
    stamped = await api.request("GET", f"{PODS}/web/log?timestamps=true", identity=admin)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z kubegate: container nginx started", stamped.text)
    assert (await api.request("GET", f"{PODS}/web/log?tailLines=0", identity=admin)).text == ""
    previous = await api.request("GET", f"{PODS}/web/log?previous=true", identity=admin)
    assert (previous.status, previous.body["message"]) == (
        400, 'previous terminated container "nginx" in pod "web" not found')
    wrong = await api.request("GET", f"{PODS}/web/log?container=x", identity=admin)
    assert (wrong.status, wrong.body["message"]) == (400, "container x is not valid for pod web")

    await _run_pod(api, admin, "two", spec={"nodeName": "kubegate-node",
        "initContainers": [{"name": "i", "image": "busybox"}],
        "containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "redis"}]})
    unnamed = await api.request("GET", f"{PODS}/two/log", identity=admin)
    assert (unnamed.status, unnamed.body["message"]) == (
        400, "a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [i]")
    init_log = await api.request("GET", f"{PODS}/two/log?container=i", identity=admin)
    assert init_log.text.splitlines()[-1] == "kubegate: container i exited with code 0"

    await _run_pod(api, admin, "elsewhere", spec={
        "nodeName": "not-simulated", "containers": [{"name": "c", "image": "nginx"}]})
    waiting = await api.request("GET", f"{PODS}/elsewhere/log", identity=admin)
    assert (waiting.status, waiting.body["message"]) == (
        400, 'container "c" in pod "elsewhere" is waiting to start: ContainerCreating')
    await _run_pod(api, admin, "unbound", spec={  # no scheduler binds it: an empty log
        "schedulerName": "nobody", "containers": [{"name": "c", "image": "nginx"}]})
    assert (await api.request("GET", f"{PODS}/unbound/log", identity=admin)).text == ""


async def test_follow_streams_until_the_container_stops(start_server: StartServer, admin: Identity) -> None:
    api = await _server(start_server, pod_run_time=30.0)
    await _run_pod(api, admin, "job", spec={
        "nodeName": "kubegate-node", "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]})
    follow = asyncio.ensure_future(api.request("GET", f"{PODS}/job/log?follow=true", identity=admin))
    await asyncio.sleep(0)  # the request is sent before the container stops
    done, _ = await asyncio.wait([follow], timeout=0.2)
    assert not done  # still streaming while the container runs
    response = await api.request("DELETE", f"{PODS}/job", identity=admin)
    assert response.status == 200
    log = await asyncio.wait_for(follow, 10)
    assert log.text.splitlines() == [
        "kubegate: container c started (image docker.io/library/busybox:latest)",
        "kubegate: container c exited with code 143",  # killed by the SIGTERM of the deletion
    ]
