"""Deployments, ReplicaSets and ReplicationControllers over HTTPS, as kube-controller-manager runs them.

No node runs (`nodes=0`), so pods stay Pending until the test makes them Ready through the
status subresource, as a kubelet would; every step waits on `settle()`, never on a clock.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer

NS = "default"
DEPLOYS = f"/apis/apps/v1/namespaces/{NS}/deployments"
RSS = f"/apis/apps/v1/namespaces/{NS}/replicasets"
RCS = f"/api/v1/namespaces/{NS}/replicationcontrollers"
PODS = f"/api/v1/namespaces/{NS}/pods"
EVENTS = f"/api/v1/namespaces/{NS}/events"
SAFE = set("bcdfghjklmnpqrstvwxz2456789")


def deployment(*, replicas: int = 3, image: str = "nginx", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "nginx", "image": image}]}},
            **spec,
        },
    }


@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    return await start_server(nodes=0)


async def get(api: InProcessServer, admin: Identity, path: str) -> Any:
    response = await api.request("GET", path, identity=admin)
    assert response.status == 200, response.text
    return response.body


async def send(api: InProcessServer, admin: Identity, method: str, path: str, body: Any, *,
               content_type: str = "application/json", expect: int = 200) -> Any:
    response = await api.request(method, path, identity=admin, json=body,
                                 headers={"Content-Type": content_type})
    assert response.status == expect, response.text
    await api.state.settle()
    return response.body


async def live_pods(api: InProcessServer, admin: Identity) -> list[dict[str, Any]]:
    await api.state.settle()
    items = (await get(api, admin, PODS))["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


async def make_ready(api: InProcessServer, admin: Identity, *, limit: int | None = None) -> int:
    """Mark not-yet-ready pods Running and Ready, as a kubelet would; how many it marked."""
    marked = 0
    for pod in await live_pods(api, admin):
        if limit is not None and marked >= limit:
            break
        if any(c.get("type") == "Ready" and c.get("status") == "True" for c in pod.get("status", {}).get("conditions", [])):
            continue
        pod["status"] = {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"}]}
        name = pod["metadata"]["name"]
        response = await api.request("PUT", f"{PODS}/{name}/status", identity=admin, json=pod)
        assert response.status == 200, response.text
        marked += 1
    await api.state.settle()
    return marked


async def roll_out(api: InProcessServer, admin: Identity) -> None:
    """Make pods ready until the Deployment settles (each round lets the controllers move on)."""
    for _ in range(20):
        if not await make_ready(api, admin):
            return
    raise AssertionError("the rollout never settled")


async def replica_sets(api: InProcessServer, admin: Identity) -> dict[str, dict[str, Any]]:
    await api.state.settle()
    return {rs["metadata"]["name"]: rs for rs in (await get(api, admin, RSS))["items"]}


async def messages(api: InProcessServer, admin: Identity, reason: str) -> list[str]:
    await api.state.settle()
    return [e["message"] for e in (await get(api, admin, EVENTS))["items"] if e["reason"] == reason]


async def test_a_new_deployment_rolls_out(api: InProcessServer, admin: Identity) -> None:
    await send(api, admin, "POST", DEPLOYS, deployment(), expect=201)
    (name, rs), = (await replica_sets(api, admin)).items()
    template_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert name == f"web-{template_hash}" and set(template_hash) <= SAFE and len(template_hash) <= 10
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": template_hash}
    assert rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] == template_hash
    annotations = rs["metadata"]["annotations"]
    assert annotations["deployment.kubernetes.io/revision"] == "1"
    assert annotations["deployment.kubernetes.io/desired-replicas"] == "3"
    assert annotations["deployment.kubernetes.io/max-replicas"] == "4"
    ref, = rs["metadata"]["ownerReferences"]
    assert ref["kind"] == "Deployment" and ref["controller"] is True and ref["blockOwnerDeletion"] is True

    pods = await live_pods(api, admin)
    assert len(pods) == 3
    for pod in pods:
        prefix, suffix = pod["metadata"]["name"].rsplit("-", 1)
        assert prefix == name and len(suffix) == 5 and set(suffix) <= SAFE
        assert pod["metadata"]["generateName"] == f"{name}-"
        assert pod["metadata"]["ownerReferences"][0]["name"] == name
        assert pod["metadata"]["labels"] == {"app": "web", "pod-template-hash": template_hash}
    assert await messages(api, admin, "ScalingReplicaSet") == [f"Scaled up replica set {name} from 0 to 3"]
    created = await messages(api, admin, "SuccessfulCreate")
    assert sorted(created) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)

    d = await get(api, admin, f"{DEPLOYS}/web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert d["status"]["replicas"] == 3 and d["status"]["unavailableReplicas"] == 3
    assert [(c["type"], c["status"], c["reason"]) for c in d["status"]["conditions"]] == [
        ("Available", "False", "MinimumReplicasUnavailable"), ("Progressing", "True", "ReplicaSetUpdated")]

    await roll_out(api, admin)
    d = await get(api, admin, f"{DEPLOYS}/web")
    assert {k: v for k, v in d["status"].items() if k != "conditions"} == {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}
    available, progressing = d["status"]["conditions"]
    assert (available["type"], available["reason"], available["message"]) == (
        "Available", "MinimumReplicasAvailable", "Deployment has minimum availability.")
    assert (progressing["type"], progressing["reason"], progressing["message"]) == (
        "Progressing", "NewReplicaSetAvailable", f'ReplicaSet "{name}" has successfully progressed.')
    rs = (await replica_sets(api, admin))[name]
    assert rs["status"] == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3,
                            "availableReplicas": 3, "observedGeneration": 1}


def patch(body: dict[str, Any]) -> dict[str, Any]:
    return {"body": body, "content_type": "application/strategic-merge-patch+json"}


def set_image(image: str) -> dict[str, Any]:
    return {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": image}]}}}}


async def test_rolling_update_then_undo_and_history(api: InProcessServer, admin: Identity) -> None:
    await send(api, admin, "POST", DEPLOYS, deployment(), expect=201)
    await roll_out(api, admin)
    first, = await replica_sets(api, admin)
    await send(api, admin, "PATCH", f"{DEPLOYS}/web", **patch(set_image("nginx:1.27")))
    sets = await replica_sets(api, admin)
    second, = set(sets) - {first}
    # maxSurge 25% of 3 rounds up to 1, maxUnavailable rounds down to 0: one new pod, no old one gone
    assert sets[second]["spec"]["replicas"] == 1 and sets[first]["spec"]["replicas"] == 3
    assert sets[second]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    await make_ready(api, admin, limit=1)
    sets = await replica_sets(api, admin)
    assert (sets[first]["spec"]["replicas"], sets[second]["spec"]["replicas"]) in ((2, 1), (2, 2))
    await roll_out(api, admin)
    sets = await replica_sets(api, admin)
    assert (sets[first]["spec"]["replicas"], sets[second]["spec"]["replicas"]) == (0, 3)
    d = await get(api, admin, f"{DEPLOYS}/web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert d["status"]["updatedReplicas"] == 3 and d["status"]["availableReplicas"] == 3
    assert d["status"]["conditions"][-1]["message"] == f'ReplicaSet "{second}" has successfully progressed.'
    scaling = await messages(api, admin, "ScalingReplicaSet")
    assert f"Scaled up replica set {second} from 0 to 1" in scaling
    assert f"Scaled down replica set {first} from 3 to 2" in scaling

    # what `kubectl rollout undo` does: put the old ReplicaSet's template back
    template = sets[first]["spec"]["template"]
    del template["metadata"]["labels"]["pod-template-hash"]
    await send(api, admin, "PATCH", f"{DEPLOYS}/web",
               [{"op": "replace", "path": "/spec/template", "value": template}],
               content_type="application/json-patch+json")
    await roll_out(api, admin)
    sets = await replica_sets(api, admin)
    assert set(sets) == {first, second}
    assert sets[first]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert sets[first]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert (sets[first]["spec"]["replicas"], sets[second]["spec"]["replicas"]) == (3, 0)
    d = await get(api, admin, f"{DEPLOYS}/web")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert [p["metadata"]["labels"]["pod-template-hash"] for p in await live_pods(api, admin)] == [
        sets[first]["metadata"]["labels"]["pod-template-hash"]] * 3


async def test_scaling_resizes_the_replica_set(api: InProcessServer, admin: Identity) -> None:
    await send(api, admin, "POST", DEPLOYS, deployment(), expect=201)
    await roll_out(api, admin)
    name, = await replica_sets(api, admin)
    await send(api, admin, "PATCH", f"{DEPLOYS}/web/scale", **patch({"spec": {"replicas": 1}}))
    rs = (await replica_sets(api, admin))[name]
    assert rs["spec"]["replicas"] == 1
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "1"
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "2"
    assert len(await live_pods(api, admin)) == 1
    assert f"Scaled down replica set {name} from 3 to 1" in await messages(api, admin, "ScalingReplicaSet")
    assert len(await messages(api, admin, "SuccessfulDelete")) == 2
    d = await get(api, admin, f"{DEPLOYS}/web")
    assert d["status"]["replicas"] == 1 and d["status"]["availableReplicas"] == 1


async def test_recreate_scales_old_to_zero_first(api: InProcessServer, admin: Identity) -> None:
    await send(api, admin, "POST", DEPLOYS, deployment(replicas=2, strategy={"type": "Recreate"}), expect=201)
    await roll_out(api, admin)
    first, = await replica_sets(api, admin)
    await send(api, admin, "PATCH", f"{DEPLOYS}/web", **patch(set_image("nginx:1.27")))
    sets = await replica_sets(api, admin)
    assert len(sets) == 2 and sets[first]["spec"]["replicas"] == 0  # gone before the new one grows
    second, = set(sets) - {first}
    assert sets[second]["spec"]["replicas"] == 2
    await roll_out(api, admin)
    d = await get(api, admin, f"{DEPLOYS}/web")
    assert d["status"]["availableReplicas"] == 2 and d["status"]["conditions"][-1]["reason"] == "NewReplicaSetAvailable"


async def test_pause_and_resume(api: InProcessServer, admin: Identity) -> None:
    await send(api, admin, "POST", DEPLOYS, deployment(), expect=201)
    await roll_out(api, admin)
    await send(api, admin, "PATCH", f"{DEPLOYS}/web", **patch({"spec": {"paused": True}}))
    await send(api, admin, "PATCH", f"{DEPLOYS}/web", **patch(set_image("nginx:1.27")))
    assert len(await replica_sets(api, admin)) == 1  # paused: no new ReplicaSet
    progressing = (await get(api, admin, f"{DEPLOYS}/web"))["status"]["conditions"][-1]
    assert (progressing["status"], progressing["reason"], progressing["message"]) == (
        "Unknown", "DeploymentPaused", "Deployment is paused")
    await send(api, admin, "PATCH", f"{DEPLOYS}/web", **patch({"spec": {"paused": False}}))
    assert len(await replica_sets(api, admin)) == 2
    await roll_out(api, admin)
    conditions = (await get(api, admin, f"{DEPLOYS}/web"))["status"]["conditions"]
    assert [c["reason"] for c in conditions] == ["MinimumReplicasAvailable", "NewReplicaSetAvailable"]


async def test_revision_history_is_trimmed(api: InProcessServer, admin: Identity) -> None:
    await send(api, admin, "POST", DEPLOYS, deployment(replicas=1, revisionHistoryLimit=1), expect=201)
    await roll_out(api, admin)
    for tag in ("1", "2", "3"):
        await send(api, admin, "PATCH", f"{DEPLOYS}/web", **patch(set_image(f"nginx:{tag}")))
        await roll_out(api, admin)
    sets = await replica_sets(api, admin)
    revisions = sorted(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in sets.values())
    assert revisions == ["3", "4"]


async def test_progress_deadline_exceeded(api: InProcessServer, admin: Identity) -> None:
    await send(api, admin, "POST", DEPLOYS, deployment(replicas=1, progressDeadlineSeconds=1), expect=201)
    for _ in range(5):  # the deadline passes while no pod becomes ready
        progressing = (await get(api, admin, f"{DEPLOYS}/web"))["status"]["conditions"][-1]
        if progressing["reason"] == "ProgressDeadlineExceeded":
            break
        await api.state.settle()
    name, = await replica_sets(api, admin)
    assert (progressing["status"], progressing["message"]) == ("False", f'ReplicaSet "{name}" has timed out progressing.')


async def test_replica_set_adopts_and_releases_pods(api: InProcessServer, admin: Identity) -> None:
    orphan = {"metadata": {"name": "stray", "labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    await send(api, admin, "POST", PODS, orphan, expect=201)
    rs = {"metadata": {"name": "db"}, "spec": {
        "replicas": 2, "selector": {"matchLabels": {"app": "db"}},
        "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    await send(api, admin, "POST", RSS, rs, expect=201)
    pods = {p["metadata"]["name"]: p for p in await live_pods(api, admin)}
    assert len(pods) == 2 and "stray" in pods
    assert pods["stray"]["metadata"]["ownerReferences"][0]["name"] == "db"
    await send(api, admin, "PATCH", f"{PODS}/stray", **patch({"metadata": {"labels": {"app": "other"}}}))
    pods = {p["metadata"]["name"]: p for p in await live_pods(api, admin)}
    assert len(pods) == 3 and "ownerReferences" not in pods["stray"]["metadata"]
    await make_ready(api, admin)
    status = (await get(api, admin, f"{RSS}/db"))["status"]
    assert status == {"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                      "observedGeneration": 1}
    await send(api, admin, "PATCH", f"{RSS}/db", **patch({"spec": {"replicas": 0}}))
    assert [p["metadata"]["name"] for p in await live_pods(api, admin)] == ["stray"]


async def test_replication_controller_keeps_its_replicas(api: InProcessServer, admin: Identity) -> None:
    rc = {"metadata": {"name": "old"}, "spec": {
        "replicas": 2, "selector": {"app": "old"},
        "template": {"metadata": {"labels": {"app": "old"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    await send(api, admin, "POST", RCS, rc, expect=201)
    pods = await live_pods(api, admin)
    assert len(pods) == 2 and all(p["metadata"]["name"].startswith("old-") for p in pods)
    assert pods[0]["metadata"]["ownerReferences"][0]["kind"] == "ReplicationController"
    await send(api, admin, "DELETE", f"{PODS}/{pods[0]['metadata']['name']}?gracePeriodSeconds=0", None)
    assert len(await live_pods(api, admin)) == 2  # replaced
    events = [e for e in (await get(api, admin, EVENTS))["items"] if e["reason"] == "SuccessfulCreate"]
    assert len(events) == 3 and events[0]["source"] == {"component": "replication-controller"}
    assert (await get(api, admin, f"{RCS}/old"))["status"]["replicas"] == 2
