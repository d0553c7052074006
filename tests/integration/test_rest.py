"""REST semantics clients count on: server-set metadata, paging, selectors, YAML, watch."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import aiohttp
import orjson

from tests.support.inprocess import Identity, InProcessServer

CMS = "/api/v1/namespaces/default/configmaps"


def cm(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {"k": name}}


async def create(api: InProcessServer, admin: Identity, *names: str, **labels: str) -> list[dict[str, Any]]:
    created = []
    for name in names:
        response = await api.request("POST", CMS, identity=admin, json=cm(name, **labels))
        assert response.status == 201, response.text
        created.append(response.body)
    return created


async def test_server_sets_metadata(api: InProcessServer, admin: Identity) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"generateName": "web-"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
    }
    response = await api.request("POST", "/apis/apps/v1/namespaces/default/deployments", identity=admin, json=deployment)
    assert response.status == 201
    meta = response.body["metadata"]
    assert meta["name"].startswith("web-") and len(meta["name"]) == len("web-") + 5
    assert meta["uid"] and meta["creationTimestamp"].endswith("Z")
    assert meta["generation"] == 1 and meta["namespace"] == "default"
    path = f"/apis/apps/v1/namespaces/default/deployments/{meta['name']}"
    labelled = await api.request(
        "PATCH", path, identity=admin, data=b'{"metadata":{"labels":{"x":"y"}}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert labelled.body["metadata"]["generation"] == 1  # metadata is not spec
    scaled = await api.request(
        "PATCH", path, identity=admin, data=b'{"spec":{"replicas":3}}', headers={"Content-Type": "application/merge-patch+json"},
    )
    assert scaled.body["metadata"]["generation"] == 2
    assert int(scaled.body["metadata"]["resourceVersion"]) > int(labelled.body["metadata"]["resourceVersion"])


async def test_paging_with_limit_and_continue(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, "a", "b", "c", "d", "e")
    seen, token, pages = [], "", 0
    while True:
        query = f"?limit=2&continue={token}" if token else "?limit=2"
        page = (await api.request("GET", CMS + query, identity=admin)).body
        pages += 1
        seen += [item["metadata"]["name"] for item in page["items"]]
        token = page["metadata"].get("continue", "")
        if not token:
            break
        assert page["metadata"]["remainingItemCount"] == 6 - len(seen)
    assert (seen, pages) == (["a", "b", "c", "d", "e", "kube-root-ca.crt"], 3)  # and the root CA ConfigMap every namespace has
    broken = await api.request("GET", CMS + "?limit=2&continue=garbage", identity=admin)
    assert broken.status == 400


async def test_selectors(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, "web", tier="web")
    await create(api, admin, "db", tier="db")
    by_label = (await api.request("GET", CMS + "?labelSelector=tier%20in%20(web,cache)", identity=admin)).body
    assert [i["metadata"]["name"] for i in by_label["items"]] == ["web"]
    by_field = (await api.request("GET", "/api/v1/configmaps?fieldSelector=metadata.name%3Ddb", identity=admin)).body
    assert [i["metadata"]["name"] for i in by_field["items"]] == ["db"]
    unsupported = await api.request("GET", "/api/v1/pods?fieldSelector=spec.foo%3Dbar", identity=admin)
    assert unsupported.status == 400
    assert unsupported.body["message"] == "field label not supported: spec.foo"
    bad_label = await api.request("GET", CMS + "?labelSelector=a%20in%20(", identity=admin)
    assert bad_label.status == 400


async def test_yaml_in_and_out(api: InProcessServer, admin: Identity) -> None:
    body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n"
    created = await api.request("POST", CMS, identity=admin, data=body, headers={"Content-Type": "application/yaml"})
    assert created.status == 201
    as_yaml = await api.request("GET", CMS + "/from-yaml", identity=admin, headers={"Accept": "application/yaml"})
    assert as_yaml.headers["Content-Type"] == "application/yaml"
    assert "name: from-yaml" in as_yaml.text and "k: v" in as_yaml.text


async def test_delete_answers_status_or_object_like_the_real_registry(api: InProcessServer, admin: Identity) -> None:
    [created] = await create(api, admin, "gone")
    deleted = await api.request("DELETE", CMS + "/gone", identity=admin)
    assert deleted.status == 200
    assert deleted.body == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
        "details": {"name": "gone", "kind": "configmaps", "uid": created["metadata"]["uid"]},
    }
    assert (await api.request("GET", CMS + "/gone", identity=admin)).status == 404


async def test_finalizers_hold_a_deletion_until_removed(api: InProcessServer, admin: Identity) -> None:
    held = cm("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    assert (await api.request("POST", CMS, identity=admin, json=held)).status == 201
    deleting = await api.request("DELETE", CMS + "/held", identity=admin)
    assert deleting.status == 200 and deleting.body["metadata"]["deletionTimestamp"]
    assert (await api.request("GET", CMS + "/held", identity=admin)).status == 200
    released = await api.request(
        "PATCH", CMS + "/held", identity=admin, data=b'{"metadata":{"finalizers":null}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert released.status == 200
    assert (await api.request("GET", CMS + "/held", identity=admin)).status == 404


async def test_deletecollection_with_selector(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, "x1", "x2", group="x")
    await create(api, admin, "keep")
    removed = await api.request("DELETE", CMS + "?labelSelector=group%3Dx", identity=admin)
    assert removed.status == 200
    assert sorted(i["metadata"]["name"] for i in removed.body["items"]) == ["x1", "x2"]
    left = (await api.request("GET", CMS, identity=admin)).body
    assert [i["metadata"]["name"] for i in left["items"]] == ["keep", "kube-root-ca.crt"]


async def test_dry_run_stores_nothing(api: InProcessServer, admin: Identity) -> None:
    response = await api.request("POST", CMS + "?dryRun=All", identity=admin, json=cm("dry"))
    assert response.status == 201 and response.body["metadata"]["name"] == "dry"
    assert (await api.request("GET", CMS + "/dry", identity=admin)).status == 404


async def test_namespace_deletion_terminates_then_removes(api: InProcessServer, admin: Identity) -> None:
    assert (await api.request("POST", "/api/v1/namespaces", identity=admin, json={"metadata": {"name": "doomed"}})).status == 201
    inside = await api.request("POST", "/api/v1/namespaces/doomed/configmaps", identity=admin, json=cm("x"))
    assert inside.status == 201
    watch = asyncio.create_task(_watch_events(api, admin, "/api/v1/namespaces?watch=true&fieldSelector=metadata.name%3Ddoomed"))
    deleted = await api.request("DELETE", "/api/v1/namespaces/doomed", identity=admin)
    assert deleted.body["status"]["phase"] == "Terminating"
    refused = await api.request("POST", "/api/v1/namespaces/doomed/configmaps", identity=admin, json=cm("y"))
    assert refused.status == 403
    assert refused.body["message"] == (
        'configmaps "y" is forbidden: unable to create new content in namespace doomed because it is being terminated'
    )
    events = await asyncio.wait_for(watch, 10)
    assert [e["type"] for e in events][-1] == "DELETED"
    assert (await api.request("GET", "/api/v1/namespaces/doomed/configmaps/x", identity=admin)).status == 404


async def _watch_events(api: InProcessServer, admin: Identity, path: str) -> list[dict[str, Any]]:
    """Read watch events until DELETED arrives."""
    context = ssl.create_default_context(cafile=str(api.ca_file))
    context.load_cert_chain(str(admin.cert), str(admin.key))
    events = []
    async with (
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session,
        session.get(api.url + path) as response,
    ):
        async for line in response.content:
            events.append(orjson.loads(line))
            if events[-1]["type"] == "DELETED":
                return events
    return events


async def test_watch_resumes_and_expires(start_server: Any, admin: Identity) -> None:
    api = await start_server(watch_cache_size=3)
    first, second = await create(api, admin, "w1", "w2")
    path = CMS + f"?watch=true&resourceVersion={first['metadata']['resourceVersion']}&timeoutSeconds=1"
    response = await api.request("GET", path, identity=admin)
    events = [orjson.loads(line) for line in response.raw.splitlines()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "w2")]
    await create(api, admin, "w3", "w4", "w5")
    old = await api.request("GET", CMS + "?watch=true&resourceVersion=1&timeoutSeconds=1", identity=admin)
    assert old.status == 200
    [error] = [orjson.loads(line) for line in old.raw.splitlines()]
    assert error["type"] == "ERROR"
    assert error["object"]["code"] == 410 and error["object"]["reason"] == "Expired"
    assert error["object"]["message"].startswith("too old resource version: 1 (")
    del second
