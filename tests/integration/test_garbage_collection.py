"""Propagation policies and the garbage collector, over HTTPS, awaiting watch events.

The chains are built by hand (kubegate runs no deployment or replicaset controller): a
Deployment owns a ReplicaSet, which owns pods, each reference with `blockOwnerDeletion: true`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.integration.conftest import StartServer
from tests.support.inprocess import Identity, InProcessServer
from tests.support.watching import Event, watch_events

NS = "default"
DEPLOYS = f"/apis/apps/v1/namespaces/{NS}/deployments"
RSS = f"/apis/apps/v1/namespaces/{NS}/replicasets"
PODS = f"/api/v1/namespaces/{NS}/pods"
CMS = f"/api/v1/namespaces/{NS}/configmaps"
JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs"

POD_SPEC: dict[str, Any] = {"containers": [{"name": "c", "image": "nginx"}]}
TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": POD_SPEC}
WORKLOAD = {"selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE}


def owned_by(*owners: dict[str, Any], block: bool = True) -> list[dict[str, Any]]:
    return [
        {"apiVersion": o["apiVersion"], "kind": o["kind"], "name": o["metadata"]["name"],
         "uid": o["metadata"]["uid"], "controller": True, "blockOwnerDeletion": block}
        for o in owners
    ]


async def create(api: InProcessServer, admin: Identity, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.request("POST", path, identity=admin, json=body)
    assert response.status == 201, response.text
    created: dict[str, Any] = response.body
    return created


async def chain(api: InProcessServer, admin: Identity, *, hold: str = "") -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Deployment web -> ReplicaSet web-1 -> pods web-1-a, web-1-b (`hold` gets a finalizer)."""
    deploy = await create(api, admin, DEPLOYS, {"metadata": {"name": "web"}, "spec": WORKLOAD})
    rs = await create(api, admin, RSS, {"metadata": {"name": "web-1", "ownerReferences": owned_by(deploy)}, "spec": WORKLOAD})
    pods = []
    for suffix in ("a", "b"):
        metadata: dict[str, Any] = {"name": f"web-1-{suffix}", "ownerReferences": owned_by(rs)}
        if metadata["name"] == hold:
            metadata["finalizers"] = ["example.com/hold"]
        pods.append(await create(api, admin, PODS, {"metadata": metadata, "spec": POD_SPEC}))
    return deploy, rs, pods



@pytest.fixture
async def api(start_server: StartServer) -> InProcessServer:
    """The collector without the workload controllers and kubelets, which would rebuild or
    hold what these tests build by hand (`--controllers=*,-deployment,-replicaset --nodes 0`)."""
    return await start_server(controllers=("*", "-deployment", "-replicaset"), nodes=0)
async def delete(api: InProcessServer, admin: Identity, path: str, **options: Any) -> Any:
    response = await api.request("DELETE", path, identity=admin, json=options or None)
    assert response.status in (200, 202), response.text
    return response.body


async def events_until(
    api: InProcessServer, admin: Identity, collection: str, since: str, wanted: set[tuple[str, str]]
) -> list[Event]:
    """Watch `collection` from `since` until every (type, name) in `wanted` was seen."""

    def done(events: list[Event]) -> bool:
        return wanted <= {(e["type"], e["object"]["metadata"]["name"]) for e in events}

    return await asyncio.wait_for(
        watch_events(api, admin, f"{collection}?watch=true&resourceVersion={since}", until=done), timeout=10
    )


async def exists(api: InProcessServer, admin: Identity, path: str) -> bool:
    response = await api.request("GET", path, identity=admin)
    assert response.status in (200, 404), response.text
    return response.status == 200


async def test_background_removes_the_owner_now_and_its_dependents_after(api: InProcessServer, admin: Identity) -> None:
    deploy, _, _ = await chain(api, admin)
    since = deploy["metadata"]["resourceVersion"]
    answer = await delete(api, admin, f"{DEPLOYS}/web", propagationPolicy="Background")
    assert answer["status"] == "Success" and answer["details"]["kind"] == "deployments"
    assert not await exists(api, admin, f"{DEPLOYS}/web")
    await events_until(api, admin, RSS, since, {("DELETED", "web-1")})
    await events_until(api, admin, PODS, since, {("DELETED", "web-1-a"), ("DELETED", "web-1-b")})


async def test_foreground_keeps_the_owner_until_blocking_dependents_are_gone(api: InProcessServer, admin: Identity) -> None:
    deploy, _, _ = await chain(api, admin, hold="web-1-a")
    since = deploy["metadata"]["resourceVersion"]
    answer = await delete(api, admin, f"{DEPLOYS}/web", propagationPolicy="Foreground")
    assert answer["metadata"]["finalizers"] == ["foregroundDeletion"] and answer["metadata"]["deletionTimestamp"]
    assert answer["metadata"]["generation"] == 2  # the deletion is a change controllers must see
    # The cascade: web-1-b goes, web-1-a waits for its finalizer, the ReplicaSet for web-1-a.
    events = await events_until(api, admin, PODS, since, {("DELETED", "web-1-b"), ("MODIFIED", "web-1-a")})
    held = [e["object"] for e in events if e["object"]["metadata"]["name"] == "web-1-a"][-1]
    assert held["metadata"]["deletionTimestamp"]
    rs = (await api.request("GET", f"{RSS}/web-1", identity=admin)).body
    assert rs["metadata"]["finalizers"] == ["foregroundDeletion"] and rs["metadata"]["deletionTimestamp"]
    visible = await api.request("GET", f"{DEPLOYS}/web", identity=admin)
    assert visible.status == 200 and visible.body["metadata"]["deletionTimestamp"]

    release = await api.request(
        "PATCH", f"{PODS}/web-1-a", identity=admin, data=b'{"metadata":{"finalizers":null}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert release.status == 200, release.text
    await events_until(api, admin, DEPLOYS, since, {("DELETED", "web")})
    assert not await exists(api, admin, f"{RSS}/web-1")


async def test_foreground_does_not_wait_for_dependents_that_do_not_block(api: InProcessServer, admin: Identity) -> None:
    owner = await create(api, admin, CMS, {"metadata": {"name": "owner"}})
    await create(api, admin, CMS, {"metadata": {
        "name": "loose", "ownerReferences": owned_by(owner, block=False), "finalizers": ["example.com/hold"],
    }})
    since = owner["metadata"]["resourceVersion"]
    await delete(api, admin, f"{CMS}/owner", propagationPolicy="Foreground")
    events = await events_until(api, admin, CMS, since, {("DELETED", "owner"), ("MODIFIED", "loose")})
    loose = [e["object"] for e in events if e["object"]["metadata"]["name"] == "loose"][-1]
    assert loose["metadata"]["deletionTimestamp"]  # deleted too, but nobody waited for it


async def test_orphan_strips_the_reference_and_keeps_the_dependents(api: InProcessServer, admin: Identity) -> None:
    _, rs, _ = await chain(api, admin)
    since = rs["metadata"]["resourceVersion"]
    answer = await delete(api, admin, f"{RSS}/web-1", propagationPolicy="Orphan")
    assert answer["metadata"]["finalizers"] == ["orphan"] and answer["metadata"]["deletionTimestamp"]
    await events_until(api, admin, RSS, since, {("DELETED", "web-1")})
    for name in ("web-1-a", "web-1-b"):
        pod = (await api.request("GET", f"{PODS}/{name}", identity=admin)).body
        assert "ownerReferences" not in pod["metadata"]


async def test_a_dependent_with_another_live_owner_only_loses_the_dead_reference(api: InProcessServer, admin: Identity) -> None:
    first = await create(api, admin, CMS, {"metadata": {"name": "first"}})
    second = await create(api, admin, CMS, {"metadata": {"name": "second"}})
    await create(api, admin, CMS, {"metadata": {"name": "shared", "ownerReferences": owned_by(first, second)}})
    since = second["metadata"]["resourceVersion"]
    await delete(api, admin, f"{CMS}/first")
    events = await events_until(api, admin, CMS, since, {("MODIFIED", "shared")})
    shared = [e["object"] for e in events if e["object"]["metadata"]["name"] == "shared"][-1]
    assert [r["name"] for r in shared["metadata"]["ownerReferences"]] == ["second"]
    assert await exists(api, admin, f"{CMS}/shared")


@pytest.mark.parametrize(
    "reference",
    [
        {"name": "owner", "uid": "not-the-owners-uid"},  # the name exists, but it is another object
        {"name": "nobody", "uid": "f7d3d8b5-0000-4000-8000-000000000000"},  # nothing of that name
    ],
)
async def test_dependents_of_absent_owners_are_collected(api: InProcessServer, admin: Identity, reference: dict[str, str]) -> None:
    owner = await create(api, admin, CMS, {"metadata": {"name": "owner"}})
    ref = {"apiVersion": "v1", "kind": "ConfigMap", **reference}
    await create(api, admin, CMS, {"metadata": {"name": "stray", "ownerReferences": [ref]}})
    await events_until(api, admin, CMS, owner["metadata"]["resourceVersion"], {("DELETED", "stray")})
    assert await exists(api, admin, f"{CMS}/owner")


async def test_a_cluster_scoped_owner_may_own_namespaced_objects(api: InProcessServer, admin: Identity) -> None:
    role = await create(api, admin, "/apis/rbac.authorization.k8s.io/v1/clusterroles", {"metadata": {"name": "gc-owner"}, "rules": []})
    await create(api, admin, CMS, {"metadata": {"name": "owned", "ownerReferences": owned_by(role)}})
    await delete(api, admin, "/apis/rbac.authorization.k8s.io/v1/clusterroles/gc-owner")
    await events_until(api, admin, CMS, role["metadata"]["resourceVersion"], {("DELETED", "owned")})


async def test_a_namespaced_owner_counts_only_in_its_own_namespace(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, "/api/v1/namespaces", {"metadata": {"name": "elsewhere"}})
    owner = await create(api, admin, "/api/v1/namespaces/elsewhere/configmaps", {"metadata": {"name": "owner"}})
    await create(api, admin, CMS, {"metadata": {"name": "far", "ownerReferences": owned_by(owner)}})
    await events_until(api, admin, CMS, owner["metadata"]["resourceVersion"], {("DELETED", "far")})


async def test_references_the_collector_cannot_judge_are_left_alone(api: InProcessServer, admin: Identity) -> None:
    owner = await create(api, admin, CMS, {"metadata": {"name": "owner"}})
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "name": "w", "uid": "w-uid"}
    await create(api, admin, CMS, {"metadata": {"name": "unknown-kind", "ownerReferences": [widget]}})
    roles = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
    await create(api, admin, roles, {"metadata": {"name": "odd", "ownerReferences": owned_by(owner)}, "rules": []})
    # A collectable object created last is a barrier: the collector works in order.
    since = owner["metadata"]["resourceVersion"]
    await create(api, admin, CMS, {"metadata": {"name": "barrier", "ownerReferences": [{**widget, "apiVersion": "v1", "kind": "ConfigMap"}]}})
    await events_until(api, admin, CMS, since, {("DELETED", "barrier")})
    await api.state.settle()
    assert await exists(api, admin, f"{CMS}/unknown-kind")
    assert await exists(api, admin, f"{roles}/odd")  # a cluster-scoped object cannot have a namespaced owner


async def test_jobs_orphan_their_pods_when_no_policy_is_given(api: InProcessServer, admin: Identity) -> None:
    job_spec = {"template": {"spec": {**POD_SPEC, "restartPolicy": "Never"}}}
    job = await create(api, admin, JOBS, {"metadata": {"name": "batch"}, "spec": job_spec})
    await create(api, admin, PODS, {"metadata": {"name": "batch-x", "ownerReferences": owned_by(job)}, "spec": POD_SPEC})
    answer = (await api.request("DELETE", f"{JOBS}/batch", identity=admin)).body  # batch/v1 keeps its old default
    assert answer["metadata"]["finalizers"] == ["orphan"]
    await events_until(api, admin, JOBS, job["metadata"]["resourceVersion"], {("DELETED", "batch")})
    pod = (await api.request("GET", f"{PODS}/batch-x", identity=admin)).body
    assert "ownerReferences" not in pod["metadata"]


async def test_the_deprecated_orphan_dependents_false_answers_202_while_the_object_waits(
    api: InProcessServer, admin: Identity
) -> None:
    await create(api, admin, CMS, {"metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    response = await api.request("DELETE", f"{CMS}/held", identity=admin, json={"orphanDependents": False})
    assert response.status == 202 and response.body["metadata"]["deletionTimestamp"]
    assert response.body["metadata"]["finalizers"] == ["example.com/hold"]  # false means background here


async def test_namespace_deletion_finishes_around_a_foreground_deletion(api: InProcessServer, admin: Identity) -> None:
    namespace = await create(api, admin, "/api/v1/namespaces", {"metadata": {"name": "gc-ns"}})
    base = "/apis/apps/v1/namespaces/gc-ns"
    deploy = await create(api, admin, f"{base}/deployments", {"metadata": {"name": "web"}, "spec": WORKLOAD})
    await create(api, admin, "/api/v1/namespaces/gc-ns/pods", {
        "metadata": {"name": "p", "ownerReferences": owned_by(deploy), "finalizers": ["example.com/hold"]},
        "spec": POD_SPEC,
    })
    await delete(api, admin, f"{base}/deployments/web", propagationPolicy="Foreground")
    await delete(api, admin, "/api/v1/namespaces/gc-ns")
    release = await api.request(
        "PATCH", "/api/v1/namespaces/gc-ns/pods/p", identity=admin, data=b'{"metadata":{"finalizers":null}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert release.status == 200, release.text
    await events_until(api, admin, "/api/v1/namespaces", namespace["metadata"]["resourceVersion"], {("DELETED", "gc-ns")})


async def test_a_foreground_deletion_through_an_ownership_cycle_ends(api: InProcessServer, admin: Identity) -> None:
    first = await create(api, admin, CMS, {"metadata": {"name": "egg"}})
    second = await create(api, admin, CMS, {"metadata": {"name": "hen", "ownerReferences": owned_by(first)}})
    patch = {"metadata": {"ownerReferences": owned_by(second)}}
    closed = await api.request(
        "PATCH", f"{CMS}/egg", identity=admin, json=patch, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert closed.status == 200, closed.text
    await delete(api, admin, f"{CMS}/egg", propagationPolicy="Foreground")
    await events_until(api, admin, CMS, first["metadata"]["resourceVersion"], {("DELETED", "egg"), ("DELETED", "hen")})
