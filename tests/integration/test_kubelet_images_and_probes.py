"""The simulated kubelet's image pulls, probes and restarts, over HTTPS.

Pods are created bound (`nodeName`); `settle()` waits for every stage due within two seconds
(a back-off of 10 s is not), and `_until` waits for a state that lasts only a moment by
awaiting the next write.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

PODS = "/api/v1/namespaces/default/pods"
MERGE = {"Content-Type": "application/merge-patch+json"}
FAST = {"pod_start_delay": 0.05, "pod_run_time": 0.2, "system_workloads": False}
NOT_FOUND = ('rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.99": '
             'failed to resolve reference "docker.io/library/nginx:1.99": docker.io/library/nginx:1.99: not found')


async def _get(api: InProcessServer, admin: Identity, path: str) -> Any:
    response = await api.request("GET", path, identity=admin)
    assert response.status == 200, response.text
    return response.body


async def _create(api: InProcessServer, admin: Identity, name: str, containers: list[dict[str, Any]], *,
                  annotations: dict[str, str] | None = None, field: str = "containers", **spec: Any) -> None:
    body = {"metadata": {"name": name, "annotations": annotations or {}},
            "spec": {"nodeName": "kubegate-node", field: containers, **spec}}
    if field != "containers":
        body["spec"]["containers"] = [{"name": "main", "image": "nginx:1.27"}]
    response = await api.request("POST", PODS, identity=admin, json=body)
    assert response.status == 201, response.text


async def _until(api: InProcessServer, check: Callable[[], Awaitable[Any]], *, timeout: float = 20.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await api.state.settle(horizon=0)
        answer = await check()
        if answer:
            return answer
        left = deadline - loop.time()
        assert left > 0, "the pod never got there"
        await api.state.store.wait_for_revision(api.state.store.revision + 1, timeout=left)


async def _events(api: InProcessServer, admin: Identity, name: str) -> list[tuple[str, str, str]]:
    items = (await _get(api, admin, "/api/v1/namespaces/default/events"))["items"]
    return [(e["type"], e["reason"], e["message"]) for e in items if e["involvedObject"].get("name") == name]


def _container(pod: dict[str, Any], field: str = "containerStatuses") -> dict[str, Any]:
    statuses: list[dict[str, Any]] = pod["status"].get(field) or []
    return statuses[0] if statuses else {}


def _waiting(pod: dict[str, Any], field: str = "containerStatuses") -> str:
    return str(((_container(pod, field).get("state") or {}).get("waiting") or {}).get("reason") or "")


# image pulls ---------------------------------------------------------------------------------------


async def test_pull_policies(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(node_monitor_grace_period=2.0, **FAST)  # kubelets post status every half second
    await _create(api, admin, "first", [{"name": "c", "image": "busybox:1.36"}])  # IfNotPresent, not on the node
    await api.state.settle()
    reasons = [(reason, message) for _, reason, message in await _events(api, admin, "first")]
    assert reasons[0] == ("Pulling", 'Pulling image "busybox:1.36"')
    assert re.fullmatch(r'Successfully pulled image "busybox:1\.36" in (\d+ms|[\d.]+s) \(\1 including waiting\)\. '
                        r"Image size: \d+ bytes\.", reasons[1][1])
    await _create(api, admin, "second", [{"name": "c", "image": "busybox:1.36"}])
    await _create(api, admin, "system", [{"name": "c", "image": "registry.k8s.io/pause:3.10"}])  # kind's node has it
    await _create(api, admin, "never", [{"name": "c", "image": "redis:7", "imagePullPolicy": "Never"}])
    await api.state.settle()
    for name, image in (("second", "busybox:1.36"), ("system", "registry.k8s.io/pause:3.10")):
        events = await _events(api, admin, name)
        assert events[0] == ("Normal", "Pulled", f'Container image "{image}" already present on machine')
        assert (await _get(api, admin, f"{PODS}/{name}"))["status"]["phase"] == "Running"
    never = await _get(api, admin, f"{PODS}/never")
    message = 'Container image "redis:7" is not present with pull policy of Never'
    assert never["status"]["phase"] == "Pending"
    assert _container(never)["state"]["waiting"] == {"reason": "ErrImageNeverPull", "message": message}
    assert await _events(api, admin, "never") == [
        ("Warning", "ErrImageNeverPull", message), ("Warning", "Failed", "Error: ErrImageNeverPull")]

    async def listed() -> bool:
        node = await _get(api, admin, "/api/v1/nodes/kubegate-node")
        names = {n for image in node["status"]["images"] for n in image["names"]}
        return "docker.io/library/busybox:1.36" in names

    assert await _until(api, listed)  # the node's status lists what its pods pulled


async def test_a_failing_pull_backs_off_until_the_image_is_fixed(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**{**FAST, "pod_start_delay": 0.2})
    await _create(api, admin, "bad", [{"name": "web", "image": "nginx:1.99"}],
                  annotations={"kubegate.io/image-pull-error": "nginx:1.99"})

    async def err_image_pull() -> Any:
        pod = await _get(api, admin, f"{PODS}/bad")
        return pod if _waiting(pod) == "ErrImagePull" else None

    pod = await _until(api, err_image_pull)
    assert _container(pod)["state"]["waiting"]["message"] == NOT_FOUND
    await api.state.settle()
    pod = await _get(api, admin, f"{PODS}/bad")
    assert pod["status"]["phase"] == "Pending"
    assert _container(pod)["state"]["waiting"] == {
        "reason": "ImagePullBackOff", "message": f'Back-off pulling image "nginx:1.99": ErrImagePull: {NOT_FOUND}'}
    assert _container(pod)["ready"] is False and _container(pod)["imageID"] == ""
    assert await _events(api, admin, "bad") == [
        ("Normal", "Pulling", 'Pulling image "nginx:1.99"'),
        ("Warning", "Failed", f'Failed to pull image "nginx:1.99": {NOT_FOUND}'),
        ("Warning", "Failed", "Error: ErrImagePull"),
        ("Normal", "BackOff", 'Back-off pulling image "nginx:1.99"'),
        ("Warning", "Failed", "Error: ImagePullBackOff"),
    ]
    table = await api.request("GET", f"{PODS}/bad", identity=admin,
                              headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert table.body["rows"][0]["cells"][2] == "ImagePullBackOff"  # kubectl get pod's STATUS

    patch = {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}  # `kubectl set image`
    response = await api.request("PATCH", f"{PODS}/bad", identity=admin, json=patch,
                                 headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert response.status == 200, response.text
    await api.state.settle()  # another image: no back-off, pulled at once
    fixed = await _get(api, admin, f"{PODS}/bad")
    assert fixed["status"]["phase"] == "Running" and _container(fixed)["image"] == "docker.io/library/nginx:1.27"


async def test_an_init_container_that_cannot_pull(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST)
    await _create(api, admin, "init", [{"name": "setup", "image": "nginx:1.99"}], field="initContainers",
                  annotations={"kubegate.io/image-pull-error": "*"})
    await api.state.settle()
    pod = await _get(api, admin, f"{PODS}/init")
    assert _waiting(pod, "initContainerStatuses") == "ImagePullBackOff"
    assert _waiting(pod) == "PodInitializing" and pod["status"]["phase"] == "Pending"
    table = await api.request("GET", f"{PODS}/init", identity=admin,
                              headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert table.body["rows"][0]["cells"][2] == "Init:ImagePullBackOff"


# probes and restarts ---------------------------------------------------------------------------------


async def test_a_startup_probe_holds_started_and_ready(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST)
    probe = {"exec": {"command": ["true"]}, "initialDelaySeconds": 1}
    await _create(api, admin, "slow", [{"name": "c", "image": "nginx:1.27", "startupProbe": probe,
                                        "readinessProbe": {"exec": {"command": ["true"]}}}])

    async def running() -> Any:
        pod = await _get(api, admin, f"{PODS}/slow")
        return pod if "running" in (_container(pod).get("state") or {}) else None

    pod = await _until(api, running)
    assert (_container(pod)["started"], _container(pod)["ready"]) == (False, False)
    assert pod["status"]["phase"] == "Running"
    await api.state.settle()
    pod = await _get(api, admin, f"{PODS}/slow")
    assert (_container(pod)["started"], _container(pod)["ready"]) == (True, True)


async def test_a_failing_liveness_probe_restarts_into_crash_loop(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST)
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 1, "failureThreshold": 1}
    await _create(api, admin, "live", [{"name": "app", "image": "nginx:1.27", "livenessProbe": probe}],
                  annotations={"kubegate.io/liveness-fails": "app"})
    await api.state.settle()  # killed after 1 s, restarted at once, killed again: then a 10 s back-off
    pod = await _get(api, admin, f"{PODS}/live")
    uid = pod["metadata"]["uid"]
    status = _container(pod)
    assert status["restartCount"] == 1 and status["ready"] is False
    assert status["state"]["waiting"] == {
        "reason": "CrashLoopBackOff", "message": f"back-off 10s restarting failed container=app pod=live_default({uid})"}
    terminated = status["lastState"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (137, "Error")
    assert pod["status"]["phase"] == "Running"
    items = (await _get(api, admin, "/api/v1/namespaces/default/events"))["items"]
    counted = {(e["reason"], e["message"]): e["count"] for e in items if e["involvedObject"].get("name") == "live"}
    assert counted[("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500")] == 2
    assert counted[("Killing", "Container app failed liveness probe, will be restarted")] == 2
    assert counted[("BackOff", f"Back-off restarting failed container app in pod live_default({uid})")] == 1
    assert counted[("Started", "Started container app")] == 2


async def test_liveness_kills_for_good_with_restart_policy_never(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**{**FAST, "pod_run_time": 30.0})
    probe = {"tcpSocket": {"port": "http"}, "periodSeconds": 1, "failureThreshold": 2}
    await _create(api, admin, "once", [{"name": "app", "image": "nginx:1.27", "livenessProbe": probe,
                                        "ports": [{"name": "http", "containerPort": 8080}]}],
                  annotations={"kubegate.io/liveness-fails": "*"}, restartPolicy="Never")
    await api.state.settle()
    pod = await _get(api, admin, f"{PODS}/once")
    assert pod["status"]["phase"] == "Failed"
    assert _container(pod)["state"]["terminated"]["exitCode"] == 137
    ip = pod["status"]["podIP"]
    events = await _events(api, admin, "once")
    assert ("Warning", "Unhealthy", f"Liveness probe failed: dial tcp {ip}:8080: connect: connection refused") in events
    assert ("Normal", "Killing", "Container app failed liveness probe") in events


async def test_on_failure_restarts_once_at_once_then_backs_off(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST)
    await _create(api, admin, "flaky", [{"name": "job", "image": "busybox:1.36"}],
                  annotations={"kubegate.io/exit-code": "3"}, restartPolicy="OnFailure")

    async def errored() -> Any:
        pod = await _get(api, admin, f"{PODS}/flaky")
        return pod if "terminated" in (_container(pod).get("state") or {}) else None

    pod = await _until(api, errored)  # STATUS Error, for a moment
    assert _container(pod)["state"]["terminated"]["reason"] == "Error" and _container(pod)["restartCount"] == 0
    await api.state.settle()
    status = _container(await _get(api, admin, f"{PODS}/flaky"))
    assert status["restartCount"] == 1 and _waiting({"status": {"containerStatuses": [status]}}) == "CrashLoopBackOff"
    assert status["lastState"]["terminated"]["exitCode"] == 3


async def test_a_force_deleted_pod_gives_its_ip_back(start_server: StartServer, admin: Identity) -> None:
    api = await start_server(**FAST)
    await _create(api, admin, "gone", [{"name": "c", "image": "nginx:1.27"}])
    await api.state.settle()
    ip = (await _get(api, admin, f"{PODS}/gone"))["status"]["podIP"]
    forced = await api.request("DELETE", f"{PODS}/gone?gracePeriodSeconds=0", identity=admin)
    assert forced.status == 200, forced.text
    await api.state.settle()
    await _create(api, admin, "next", [{"name": "c", "image": "nginx:1.27"}])
    await api.state.settle()
    assert (await _get(api, admin, f"{PODS}/next"))["status"]["podIP"] == ip
