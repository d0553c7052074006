"""The storage contract every backend keeps (k8s.io/apiserver's storage tests, in miniature)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kubegate.storage import errors
from kubegate.storage.interface import (
    ADDED,
    DELETED,
    MODIFIED,
    Interface,
    Preconditions,
    Stored,
)
from tests.support.storage_watch import next_events


def configmap(name: str, namespace: str = "default", **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}"},
        "data": dict(data),
    }


async def test_create_then_get_stamps_the_revision(backend: Interface) -> None:
    before = await backend.current_revision()
    stored = await backend.create("configmaps/default/a", configmap("a", x="1"))
    assert stored.revision > before
    assert stored.obj["metadata"]["resourceVersion"] == str(stored.revision)
    got = await backend.get("configmaps/default/a")
    assert got is not None and got.obj == stored.obj and got.revision == stored.revision
    assert await backend.current_revision() == stored.revision


async def test_create_of_a_taken_key_raises_key_exists(backend: Interface) -> None:
    await backend.create("configmaps/default/a", configmap("a"))
    with pytest.raises(errors.KeyExists):
        await backend.create("configmaps/default/a", configmap("a"))


async def test_get_of_a_missing_key_is_none(backend: Interface) -> None:
    assert await backend.get("configmaps/default/missing") is None


async def test_a_resource_version_in_the_value_is_not_what_is_read(backend: Interface) -> None:
    obj = configmap("a")
    obj["metadata"]["resourceVersion"] = "999999"
    stored = await backend.create("configmaps/default/a", obj)
    assert stored.obj["metadata"]["resourceVersion"] == str(stored.revision)


async def test_list_is_in_key_order_and_bounded_by_prefix(backend: Interface) -> None:
    for key in ("configmaps/b/x", "configmaps/a/y", "configmaps/a/x", "configmapsx/a/z", "secrets/a/x"):
        await backend.create(key, configmap(key.rsplit("/", 1)[1], key.split("/")[1]))
    items, revision = await backend.list("configmaps/")
    assert [key for key, _ in items] == ["configmaps/a/x", "configmaps/a/y", "configmaps/b/x"]
    assert revision == await backend.current_revision()
    items, _ = await backend.list("configmaps/a/")
    assert [key for key, _ in items] == ["configmaps/a/x", "configmaps/a/y"]


async def test_list_at_a_past_revision_sees_the_past(backend: Interface) -> None:
    first = await backend.create("configmaps/default/a", configmap("a", v="1"))
    await backend.guaranteed_update("configmaps/default/a", _set("v", "2"))
    await backend.create("configmaps/default/b", configmap("b"))
    await backend.delete("configmaps/default/a")
    items, revision = await backend.list("configmaps/", revision=first.revision)
    assert revision == first.revision
    assert [(key, s.obj["data"]) for key, s in items] == [("configmaps/default/a", {"v": "1"})]


async def test_list_at_a_future_revision_raises(backend: Interface) -> None:
    current = await backend.current_revision()
    with pytest.raises(errors.FutureRevision):
        await backend.list("configmaps/", revision=current + 100)


def _set(field: str, value: str) -> Any:
    async def try_update(current: Stored | None) -> dict[str, Any]:
        assert current is not None
        return {**current.obj, "data": {**current.obj.get("data", {}), field: value}}

    return try_update


async def test_guaranteed_update_writes_a_new_revision(backend: Interface) -> None:
    created = await backend.create("configmaps/default/a", configmap("a"))
    updated = await backend.guaranteed_update("configmaps/default/a", _set("k", "v"))
    assert updated.revision > created.revision
    assert updated.obj["data"] == {"k": "v"}
    got = await backend.get("configmaps/default/a")
    assert got is not None and got.obj["data"] == {"k": "v"}


async def test_guaranteed_update_without_change_keeps_the_revision(backend: Interface) -> None:
    created = await backend.create("configmaps/default/a", configmap("a", k="v"))
    updated = await backend.guaranteed_update("configmaps/default/a", _set("k", "v"))
    assert updated.revision == created.revision
    assert await backend.current_revision() == created.revision


async def test_concurrent_guaranteed_updates_all_land(backend: Interface) -> None:
    """Each try_update yields to the others; the losers of a race retry instead of failing."""
    await backend.create("configmaps/default/a", configmap("a"))

    def label(index: int) -> Any:
        async def try_update(current: Stored | None) -> dict[str, Any]:
            assert current is not None
            await asyncio.sleep(0)  # an admission webhook, say: others write meanwhile
            return {**current.obj, "data": {**current.obj.get("data", {}), f"k{index}": "v"}}

        return try_update

    await asyncio.gather(*(backend.guaranteed_update("configmaps/default/a", label(i)) for i in range(10)))
    got = await backend.get("configmaps/default/a")
    assert got is not None and got.obj["data"] == {f"k{i}": "v" for i in range(10)}


async def test_guaranteed_update_of_a_missing_key(backend: Interface) -> None:
    with pytest.raises(errors.KeyNotFound):
        await backend.guaranteed_update("configmaps/default/none", _set("k", "v"))

    async def create(current: Stored | None) -> dict[str, Any]:
        assert current is None
        return configmap("none", k="v")

    stored = await backend.guaranteed_update("configmaps/default/none", create, ignore_not_found=True)
    assert stored.obj["data"] == {"k": "v"}


async def test_guaranteed_update_checks_preconditions(backend: Interface) -> None:
    created = await backend.create("configmaps/default/a", configmap("a"))
    with pytest.raises(errors.Conflict):
        await backend.guaranteed_update("configmaps/default/a", _set("k", "v"), preconditions=Preconditions(uid="other"))
    with pytest.raises(errors.Conflict):
        await backend.guaranteed_update(
            "configmaps/default/a", _set("k", "v"), preconditions=Preconditions(resource_version=created.revision + 7)
        )
    stored = await backend.guaranteed_update(
        "configmaps/default/a", _set("k", "v"), preconditions=Preconditions(uid="uid-a", resource_version=created.revision)
    )
    assert stored.obj["data"] == {"k": "v"}


async def test_an_error_in_try_update_aborts_without_writing(backend: Interface) -> None:
    created = await backend.create("configmaps/default/a", configmap("a"))

    async def refuse(current: Stored | None) -> dict[str, Any]:
        raise ValueError("admission said no")

    with pytest.raises(ValueError):
        await backend.guaranteed_update("configmaps/default/a", refuse)
    assert await backend.current_revision() == created.revision


async def test_delete_returns_the_object_at_the_deleting_revision(backend: Interface) -> None:
    created = await backend.create("configmaps/default/a", configmap("a", k="v"))
    final = await backend.delete("configmaps/default/a")
    assert final.revision > created.revision
    assert final.obj["data"] == {"k": "v"}
    assert await backend.get("configmaps/default/a") is None
    with pytest.raises(errors.KeyNotFound):
        await backend.delete("configmaps/default/a")


async def test_delete_checks_preconditions(backend: Interface) -> None:
    created = await backend.create("configmaps/default/a", configmap("a"))
    with pytest.raises(errors.Conflict):
        await backend.delete("configmaps/default/a", preconditions=Preconditions(uid="other"))
    with pytest.raises(errors.Conflict):
        await backend.delete("configmaps/default/a", preconditions=Preconditions(resource_version=created.revision + 1))
    assert await backend.get("configmaps/default/a") is not None
    await backend.delete("configmaps/default/a", preconditions=Preconditions(uid="uid-a", resource_version=created.revision))
    assert await backend.get("configmaps/default/a") is None


async def test_watch_delivers_changes_with_the_previous_object(backend: Interface) -> None:
    start = await backend.current_revision()
    watch = await backend.watch("configmaps/", since=start)
    try:
        created = await backend.create("configmaps/default/a", configmap("a", v="1"))
        await backend.create("secrets/default/s", configmap("s"))  # another prefix: not seen
        updated = await backend.guaranteed_update("configmaps/default/a", _set("v", "2"))
        deleted = await backend.delete("configmaps/default/a")
        events = await next_events(watch, 3)
    finally:
        watch.stop()
    assert [(e.type, e.key, e.stored.revision) for e in events] == [
        (ADDED, "configmaps/default/a", created.revision),
        (MODIFIED, "configmaps/default/a", updated.revision),
        (DELETED, "configmaps/default/a", deleted.revision),
    ]
    assert events[0].previous is None
    assert events[1].previous is not None and events[1].previous.obj["data"] == {"v": "1"}
    assert events[2].previous is not None and events[2].previous.obj["data"] == {"v": "2"}
    assert events[2].stored.obj["metadata"]["resourceVersion"] == str(deleted.revision)


async def test_watch_from_a_past_revision_replays_what_followed(backend: Interface) -> None:
    first = await backend.create("configmaps/default/a", configmap("a"))
    second = await backend.create("configmaps/default/b", configmap("b"))
    watch = await backend.watch("configmaps/", since=first.revision)
    try:
        third = await backend.create("configmaps/default/c", configmap("c"))
        events = await next_events(watch, 2)
    finally:
        watch.stop()
    assert [e.stored.revision for e in events] == [second.revision, third.revision]


async def test_watch_from_a_compacted_revision_is_too_old(backend: Interface) -> None:
    """The history keeps 50 events in this suite (etcd: after an explicit compaction)."""
    first = await backend.create("configmaps/default/a", configmap("a"))
    for index in range(80):
        await backend.guaranteed_update("configmaps/default/a", _set("n", str(index)))
    compact = getattr(backend, "compact", None)
    if compact is not None:
        await compact(await backend.current_revision() - 10)
    assert await backend.compacted_revision() > first.revision
    with pytest.raises(errors.TooOldRevision):
        await backend.watch("configmaps/", since=first.revision)
    with pytest.raises(errors.TooOldRevision):
        await backend.list("configmaps/", revision=first.revision)


async def test_values_round_trip_unicode_and_nesting(backend: Interface) -> None:
    obj = configmap("u", text="ünï\u2603 \"quoted\" \\ back")
    obj["metadata"]["annotations"] = {"nested": "{\"a\": [1, 2, {\"b\": null}]}"}
    await backend.create("configmaps/default/u", obj)
    got = await backend.get("configmaps/default/u")
    assert got is not None
    assert got.obj["data"] == obj["data"] and got.obj["metadata"]["annotations"] == obj["metadata"]["annotations"]
