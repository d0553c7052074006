"""The StatefulSet controller over HTTPS: ordinal pods in order, claims, scale down, partitioned updates.

No node runs (`nodes=0`), so pods stay Pending until the test writes their status, as a kubelet
would: each step waits on `settle()`, then makes the pods Running and Ready itself.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "default"
STS = f"/apis/apps/v1/namespaces/{NS}/statefulsets"
PODS = f"/api/v1/namespaces/{NS}/pods"


def stateful_set(*, replicas: int, policy: str = "OrderedReady", image: str = "postgres:16") -> dict[str, Any]:
    return {
        "metadata": {"name": "db"},
        "spec": {
            "replicas": replicas, "serviceName": "db", "podManagementPolicy": policy,
            "selector": {"matchLabels": {"app": "db"}},
            "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": image}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}],
        },
    }


async def get(api: InProcessServer, admin: Identity, path: str) -> Any:
    response = await api.request("GET", path, identity=admin)
    assert response.status == 200, response.text
    return response.body


async def pod_names(api: InProcessServer, admin: Identity) -> list[str]:
    await api.state.settle()
    items = (await get(api, admin, PODS))["items"]
    return sorted(p["metadata"]["name"] for p in items if not p["metadata"].get("deletionTimestamp"))


async def make_ready(api: InProcessServer, admin: Identity, *names: str) -> None:
    for name in names:
        pod = await get(api, admin, f"{PODS}/{name}")
        pod["status"] = {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"}]}
        response = await api.request("PUT", f"{PODS}/{name}/status", identity=admin, json=pod)
        assert response.status == 200, response.text
    await api.state.settle()


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    return await start_server(nodes=0)


async def test_ordered_ready_creates_one_at_a_time_with_claims(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("POST", STS, identity=admin, json=stateful_set(replicas=2))
    assert response.status == 201, response.text
    assert await pod_names(api, admin) == ["db-0"]
    pod = await get(api, admin, f"{PODS}/db-0")
    labels = pod["metadata"]["labels"]
    assert labels["statefulset.kubernetes.io/pod-name"] == "db-0"
    assert labels["apps.kubernetes.io/pod-index"] == "0"
    assert labels["controller-revision-hash"].startswith("db-")
    assert pod["spec"]["hostname"] == "db-0" and pod["spec"]["subdomain"] == "db"
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}} in pod["spec"]["volumes"]
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
    claim = await get(api, admin, f"/api/v1/namespaces/{NS}/persistentvolumeclaims/data-db-0")
    assert claim["metadata"]["labels"] == {"app": "db"}

    await make_ready(api, admin, "db-0")
    assert await pod_names(api, admin) == ["db-0", "db-1"]
    await make_ready(api, admin, "db-1")
    status = (await get(api, admin, f"{STS}/db"))["status"]
    revision = labels["controller-revision-hash"]
    assert status["replicas"] == 2 and status["readyReplicas"] == 2 and status["availableReplicas"] == 2
    assert status["currentRevision"] == status["updateRevision"] == revision
    assert status["currentReplicas"] == status["updatedReplicas"] == 2
    assert status["observedGeneration"] == 1
    history = await get(api, admin, f"/apis/apps/v1/namespaces/{NS}/controllerrevisions/{revision}")
    assert history["revision"] == 1

    messages = [e["message"] for e in (await get(api, admin, f"/api/v1/namespaces/{NS}/events"))["items"]
                if e["involvedObject"]["name"] == "db"]
    assert "create Pod db-0 in StatefulSet db successful" in messages
    assert "create Claim data-db-1 Pod db-1 in StatefulSet db success" in messages

    response = await api.request("PATCH", f"{STS}/db", identity=admin, json={"spec": {"replicas": 1}},
                                 headers={"Content-Type": "application/merge-patch+json"})
    assert response.status == 200, response.text
    assert await pod_names(api, admin) == ["db-0"]
    assert (await get(api, admin, f"{STS}/db"))["status"]["replicas"] == 1


async def test_partitioned_rolling_update_goes_from_the_highest_ordinal(api: InProcessServer, admin: Identity) -> None:
    body = stateful_set(replicas=3, policy="Parallel")
    body["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}
    assert (await api.request("POST", STS, identity=admin, json=body)).status == 201
    assert await pod_names(api, admin) == ["db-0", "db-1", "db-2"]
    await make_ready(api, admin, "db-0", "db-1", "db-2")
    old = (await get(api, admin, f"{STS}/db"))["status"]["currentRevision"]

    patch = {"spec": {"template": {"spec": {"containers": [{"name": "db", "image": "postgres:17"}]}}}}
    response = await api.request("PATCH", f"{STS}/db", identity=admin, json=patch,
                                 headers={"Content-Type": "application/merge-patch+json"})
    assert response.status == 200, response.text
    assert await pod_names(api, admin) == ["db-0", "db-1", "db-2"]

    def image(pod: dict[str, Any]) -> str:
        return str(pod["spec"]["containers"][0]["image"])

    assert image(await get(api, admin, f"{PODS}/db-2")) == "postgres:17"
    assert image(await get(api, admin, f"{PODS}/db-1")) == "postgres:16"  # waits for db-2 to be Ready
    await make_ready(api, admin, "db-2")
    assert image(await get(api, admin, f"{PODS}/db-1")) == "postgres:17"
    await make_ready(api, admin, "db-1")
    assert image(await get(api, admin, f"{PODS}/db-0")) == "postgres:16"  # below the partition
    status = (await get(api, admin, f"{STS}/db"))["status"]
    assert status["currentRevision"] == old != status["updateRevision"]
    assert status["updatedReplicas"] == 2 and status["currentReplicas"] == 1
