"""resourceVersion semantics over HTTPS: waiting reads, exact lists, bookmarks, initial events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kubegate.endpoints.handlers import watch as watch_handler
from kubegate.storage import cacher
from tests.support.inprocess import Identity, InProcessServer
from tests.support.watching import count, seen, watch_events

CMS = "/api/v1/namespaces/default/configmaps"


async def create(api: InProcessServer, admin: Identity, name: str, **labels: str) -> dict[str, Any]:
    body = {"metadata": {"name": name, "labels": labels}, "data": {"k": name}}
    response = await api.request("POST", CMS, identity=admin, json=body)
    assert response.status == 201, response.text
    return response.body  # type: ignore[no-any-return]


async def blocked(api: InProcessServer) -> None:
    while not api.state.store.waiting_reads:
        await asyncio.sleep(0.001)


def revision(obj: dict[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


async def test_a_read_at_a_future_revision_waits_for_it(api: InProcessServer, admin: Identity) -> None:
    ahead = api.state.store.revision + 1
    waiting = asyncio.create_task(api.request("GET", f"{CMS}?resourceVersion={ahead}", identity=admin))
    await asyncio.wait_for(blocked(api), 5)  # the list waits for a write that has not happened yet
    await create(api, admin, "late")
    listed = await asyncio.wait_for(waiting, 5)
    assert listed.status == 200
    assert int(listed.body["metadata"]["resourceVersion"]) >= ahead
    assert [i["metadata"]["name"] for i in listed.body["items"]] == ["kube-root-ca.crt", "late"]
    got = await api.request("GET", f"{CMS}/late?resourceVersion={ahead}", identity=admin)
    assert got.status == 200


async def test_a_revision_that_never_comes_is_the_real_504(
    api: InProcessServer, admin: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cacher, "BLOCK_TIMEOUT", 0.05)
    current = api.state.store.revision
    for path in (f"{CMS}?resourceVersion={current + 5}", f"{CMS}/x?resourceVersion={current + 5}"):
        response = await api.request("GET", path, identity=admin)
        assert response.status == 504
        assert response.headers["Retry-After"] == "1"
        assert response.body["reason"] == "Timeout"
        assert response.body["message"] == f"Timeout: Too large resource version: {current + 5}, current: {current}"
        assert response.body["details"]["causes"] == [
            {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
        ]


async def test_bad_list_queries(api: InProcessServer, admin: Identity) -> None:
    invalid = await api.request("GET", f"{CMS}?resourceVersionMatch=Exact", identity=admin)
    assert invalid.status == 422
    assert invalid.body["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
        "resourceVersionMatch is forbidden unless resourceVersion is provided"
    )
    unparsable = await api.request("GET", f"{CMS}?resourceVersion=abc", identity=admin)
    assert unparsable.status == 500
    assert unparsable.body["message"] == 'resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax'
    for path in (f"{CMS}/x?resourceVersion=-1", f"{CMS}?watch=1&resourceVersion=-1"):
        assert (await api.request("GET", path, identity=admin)).status == 500
    bad_limit = await api.request("GET", f"{CMS}?limit=ten", identity=admin)
    assert (bad_limit.status, bad_limit.body["message"]) == (400, 'strconv.ParseInt: parsing "ten": invalid syntax')


async def test_an_exact_list_reads_the_past(api: InProcessServer, admin: Identity) -> None:
    before = await create(api, admin, "old")
    await api.request("DELETE", f"{CMS}/old", identity=admin)
    exact = await api.request(
        "GET", f"{CMS}?resourceVersion={revision(before)}&resourceVersionMatch=Exact", identity=admin
    )
    assert [i["metadata"]["name"] for i in exact.body["items"]] == ["kube-root-ca.crt", "old"]
    assert exact.body["metadata"]["resourceVersion"] == str(revision(before))
    now = await api.request("GET", f"{CMS}?resourceVersion={revision(before)}&resourceVersionMatch=NotOlderThan", identity=admin)
    assert [i["metadata"]["name"] for i in now.body["items"]] == ["kube-root-ca.crt"]


async def test_paged_lists_are_a_snapshot_over_https(api: InProcessServer, admin: Identity) -> None:
    for name in ("a", "b", "c"):
        await create(api, admin, name)
    first = await api.request("GET", f"{CMS}?limit=2", identity=admin)
    await api.request("DELETE", f"{CMS}/c", identity=admin)
    await create(api, admin, "d")
    second = await api.request("GET", f"{CMS}?limit=2&continue={first.body['metadata']['continue']}", identity=admin)
    assert [i["metadata"]["name"] for i in second.body["items"]] == ["c", "kube-root-ca.crt"]
    assert second.body["metadata"]["resourceVersion"] == first.body["metadata"]["resourceVersion"]
    table = await api.request(
        "GET", f"{CMS}?limit=2", identity=admin,
        headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"},
    )
    assert table.body["metadata"]["continue"] and table.body["metadata"]["remainingItemCount"] == 2


async def test_expired_continue_over_https_carries_a_fresh_token(start_server: Any, admin: Identity) -> None:
    api = await start_server(watch_cache_size=2)
    for name in ("a", "b", "c"):
        await create(api, admin, name)
    first = await api.request("GET", f"{CMS}?limit=1", identity=admin)
    for name in ("x", "y", "z"):
        await create(api, admin, name)
    expired = await api.request("GET", f"{CMS}?limit=1&continue={first.body['metadata']['continue']}", identity=admin)
    assert expired.status == 410 and expired.body["reason"] == "Expired"
    assert expired.body["message"].startswith("The provided continue parameter is too old to display a consistent list result.")
    rest = await api.request("GET", f"{CMS}?limit=10&continue={expired.body['metadata']['continue']}", identity=admin)
    assert [i["metadata"]["name"] for i in rest.body["items"]] == ["b", "c", "kube-root-ca.crt", "x", "y", "z"]


async def test_bookmarks_come_every_interval(
    api: InProcessServer, admin: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch_handler, "BOOKMARK_FREQUENCY", 0.05)
    made = await create(api, admin, "a")
    path = f"{CMS}?watch=1&allowWatchBookmarks=true&timeoutSeconds=30&resourceVersion={revision(made)}"
    events = await asyncio.wait_for(watch_events(api, admin, path, until=count(2)), 10)
    assert [e["type"] for e in events] == ["BOOKMARK", "BOOKMARK"]
    assert events[0]["object"] == {
        "kind": "ConfigMap", "apiVersion": "v1",
        "metadata": {"resourceVersion": str(api.state.store.revision), "creationTimestamp": None},
    }  # fmt: skip
    # without allowWatchBookmarks none come, however long the watch stays quiet
    without = f"{CMS}?watch=1&timeoutSeconds=30&resourceVersion={revision(made)}"
    watching = asyncio.create_task(watch_events(api, admin, without, until=count(1)))
    await asyncio.sleep(0.25)  # five bookmark intervals of silence
    await create(api, admin, "b")
    [event] = await asyncio.wait_for(watching, 10)
    assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "b")


async def test_initial_events_end_with_an_annotated_bookmark(api: InProcessServer, admin: Identity) -> None:
    await create(api, admin, "b")
    await create(api, admin, "a")
    path = f"{CMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
    events = await asyncio.wait_for(watch_events(api, admin, path, until=seen("BOOKMARK")), 10)
    assert [(e["type"], e["object"]["metadata"].get("name")) for e in events] == [
        ("ADDED", "a"), ("ADDED", "b"), ("ADDED", "kube-root-ca.crt"), ("BOOKMARK", None),
    ]  # fmt: skip
    bookmark = events[-1]["object"]["metadata"]
    assert bookmark["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert bookmark["resourceVersion"] == str(api.state.store.revision)
    # a watch from "now" is defaulted to the same in 1.32 (WatchList is on)
    legacy = await asyncio.wait_for(watch_events(api, admin, f"{CMS}?watch=1&allowWatchBookmarks=1", until=seen("BOOKMARK")), 10)
    assert [e["type"] for e in legacy] == ["ADDED", "ADDED", "ADDED", "BOOKMARK"]
    assert legacy[-1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


async def test_without_initial_events_only_changes_arrive(api: InProcessServer, admin: Identity) -> None:
    before = await create(api, admin, "before")
    path = f"{CMS}?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&resourceVersion={revision(before)}"
    watching = asyncio.create_task(watch_events(api, admin, path, until=count(1)))
    await create(api, admin, "after")
    [event] = await asyncio.wait_for(watching, 10)
    assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "after")


async def test_initial_events_at_a_future_revision_give_up_with_an_error_event(
    api: InProcessServer, admin: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cacher, "BLOCK_TIMEOUT", 0.05)
    ahead = api.state.store.revision + 3
    path = f"{CMS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion={ahead}"
    [error] = await asyncio.wait_for(watch_events(api, admin, path, until=count(1)), 10)
    assert error["type"] == "ERROR" and error["object"]["code"] == 504


async def test_leaving_a_selection_is_a_deletion_with_the_last_matching_content(api: InProcessServer, admin: Identity) -> None:
    made = await create(api, admin, "web", tier="front")
    path = f"{CMS}?watch=1&labelSelector=tier%3Dfront&resourceVersion={revision(made)}"
    watching = asyncio.create_task(watch_events(api, admin, path, until=count(1)))
    moved = await api.request(
        "PATCH", f"{CMS}/web", identity=admin, data=b'{"metadata":{"labels":{"tier":"back"}}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    [event] = await asyncio.wait_for(watching, 10)
    assert event["type"] == "DELETED"
    assert event["object"]["metadata"]["labels"] == {"tier": "front"}
    assert event["object"]["metadata"]["resourceVersion"] == moved.body["metadata"]["resourceVersion"]


async def test_a_named_watch_must_agree_with_its_field_selector(api: InProcessServer, admin: Identity) -> None:
    clash = await api.request(
        "GET", "/api/v1/watch/namespaces/default/configmaps/a?fieldSelector=metadata.name%3Db", identity=admin
    )
    assert (clash.status, clash.body["message"]) == (400, "fieldSelector metadata.name doesn't match requested name")
