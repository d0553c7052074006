"""The watch cache over each backend: what it serves, how it follows, what it forgets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kubegate.storage.cacher import Cacher
from kubegate.storage.errors import TooOldRevision
from kubegate.storage.interface import Interface, Stored

CONFIGMAPS = ("", "configmaps")


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": data}


@pytest.fixture
async def cacher(backend: Interface) -> Any:
    cache = Cacher(backend, builtin={CONFIGMAPS, ("", "services")}, history=100, history_bytes=1 << 20)
    await cache.start()
    yield cache
    await cache.stop()


async def test_writes_through_the_cache_are_readable_at_once(cacher: Cacher) -> None:
    stored = await cacher.create(CONFIGMAPS, ("default", "a"), configmap("a", k="v"))
    assert cacher.get(CONFIGMAPS, ("default", "a")) == stored
    assert cacher.revision == stored.revision
    assert [s.obj["metadata"]["name"] for s in cacher.scan(CONFIGMAPS)] == ["a"]


async def test_writes_made_beside_the_cache_arrive_through_the_watch(cacher: Cacher, backend: Interface) -> None:
    """What another process sharing the backend writes: a consistent read waits for it."""
    written = await backend.create("configmaps/default/other", configmap("other"))
    await cacher.wait_fresh()
    found = cacher.get(CONFIGMAPS, ("default", "other"))
    assert found is not None and found.revision == written.revision


async def test_keys_follow_the_real_layout(cacher: Cacher, backend: Interface) -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default"}}
    await cacher.create(("", "services"), ("default", "kubernetes"), service)
    assert await backend.get("services/specs/default/kubernetes") is not None
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "ns"}}
    await cacher.create(("example.com", "widgets"), ("ns", "w"), widget)
    assert await backend.get("example.com/widgets/ns/w") is not None


async def test_subscribers_see_every_change_in_order(cacher: Cacher) -> None:
    seen: list[tuple[str, str]] = []
    cacher.subscribe(lambda event: seen.append((event.type, event.key[1])))
    await cacher.create(CONFIGMAPS, ("default", "a"), configmap("a"))

    async def change(current: Stored | None) -> dict[str, Any]:
        assert current is not None
        return {**current.obj, "data": {"k": "2"}}

    await cacher.guaranteed_update(CONFIGMAPS, ("default", "a"), change)
    await cacher.delete(CONFIGMAPS, ("default", "a"))
    assert seen == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]


async def test_history_is_bounded_by_bytes(cacher: Cacher) -> None:
    """Large replacements must not pin a copy each: 30 of 100 KB against a 1 MiB budget."""
    first = await cacher.create(CONFIGMAPS, ("default", "big"), configmap("big", blob="x" * 100_000))
    for index in range(30):

        async def replace(current: Stored | None, index: int = index) -> dict[str, Any]:
            assert current is not None
            return {**current.obj, "data": {"blob": str(index) * 100_000}}

        await cacher.guaranteed_update(CONFIGMAPS, ("default", "big"), replace)
    assert cacher.compacted_revision > first.revision
    assert cacher._history.size_bytes <= 1 << 20
    with pytest.raises(TooOldRevision):
        cacher.watch(CONFIGMAPS, since=first.revision)


async def test_a_watch_resumes_from_the_history(cacher: Cacher) -> None:
    first = await cacher.create(CONFIGMAPS, ("default", "a"), configmap("a"))
    second = await cacher.create(CONFIGMAPS, ("default", "b"), configmap("b"))
    watcher, backlog = cacher.watch(CONFIGMAPS, since=first.revision)
    assert [event.stored.revision for event in backlog] == [second.revision]
    third = await cacher.create(CONFIGMAPS, ("default", "c"), configmap("c"))
    await asyncio.wait_for(watcher.wait(asyncio.get_running_loop().time() + 5), 5)
    [event] = watcher.take()
    assert event.stored.revision == third.revision
    watcher.stop()
