"""The disruption controller over HTTPS: a PodDisruptionBudget's status follows its pods."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "default"
PDBS = f"/apis/policy/v1/namespaces/{NS}/poddisruptionbudgets"
PODS = f"/api/v1/namespaces/{NS}/pods"


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    return await start_server(nodes=0)


async def status(api: InProcessServer, admin: Identity, name: str) -> dict[str, Any]:
    await api.state.settle()
    response = await api.request("GET", f"{PDBS}/{name}", identity=admin)
    assert response.status == 200, response.text
    result: dict[str, Any] = response.body["status"]
    return result


async def ready_pod(api: InProcessServer, admin: Identity, name: str) -> None:
    body = {"metadata": {"name": name, "labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    response = await api.request("POST", PODS, identity=admin, json=body)
    assert response.status == 201, response.text
    await api.state.settle()  # others (the scheduler) may write the pod first
    pod = (await api.request("GET", f"{PODS}/{name}", identity=admin)).body
    pod["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    response = await api.request("PUT", f"{PODS}/{name}/status", identity=admin, json=pod)
    assert response.status == 200, response.text


async def test_budget_status_follows_ready_pods(api: InProcessServer, admin: Identity) -> None:
    for spec, name in (({"minAvailable": 2}, "min"), ({"maxUnavailable": "50%"}, "max")):
        body = {"metadata": {"name": name}, "spec": {**spec, "selector": {"matchLabels": {"app": "web"}}}}
        assert (await api.request("POST", PDBS, identity=admin, json=body)).status == 201
    empty = await status(api, admin, "min")
    assert (empty["expectedPods"], empty["currentHealthy"], empty["desiredHealthy"], empty["disruptionsAllowed"]) == (0, 0, 2, 0)
    (condition,) = empty["conditions"]
    assert (condition["type"], condition["status"], condition["reason"]) == ("DisruptionAllowed", "False", "InsufficientPods")
    assert empty["observedGeneration"] == 1

    for name in ("a", "b", "c"):
        await ready_pod(api, admin, name)
    full = await status(api, admin, "min")
    assert (full["expectedPods"], full["currentHealthy"], full["desiredHealthy"], full["disruptionsAllowed"]) == (3, 3, 2, 1)
    (condition,) = full["conditions"]
    assert (condition["status"], condition["reason"]) == ("True", "SufficientPods")
    half = await status(api, admin, "max")
    assert (half["desiredHealthy"], half["disruptionsAllowed"]) == (1, 2)  # 50% of 3 rounds up to 2 unavailable

    assert (await api.request("DELETE", f"{PODS}/c", identity=admin)).status == 200
    after = await status(api, admin, "min")
    assert (after["expectedPods"], after["disruptionsAllowed"]) == (2, 0)
