"""Pages read from the watch cache's sorted index at a past revision equal the state then.

A paged list reads every page at the first page's revision while objects keep changing; the
snapshot (live index plus what changed since) must show exactly what a copy of the state at that
revision, sorted by etcd key, shows: same objects, same versions, same order, same counts.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from kubegate.storage.cacher import Cacher
from kubegate.storage.interface import Stored
from kubegate.storage.memory import MemoryBackend

CONFIGMAPS = ("", "configmaps")
NAMESPACES = ("a", "a-b", "a.c", "b")  # "a-b/..." sorts before "a/..." in etcd's byte order


def configmap(namespace: str, name: str, value: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": {"v": value}}


def expected(cacher: Cacher, revision: int, prefix: str) -> list[tuple[str, Stored]]:
    state = cacher.state_at(CONFIGMAPS, revision)
    return sorted((f"{ns}/{name}", stored) for (ns, name), stored in state.items() if f"{ns}/{name}".startswith(prefix))


@pytest.fixture
async def cacher() -> Any:
    cache = Cacher(MemoryBackend(history=1000), builtin={CONFIGMAPS}, history=1000, history_bytes=1 << 24)
    await cache.start()
    yield cache
    await cache.stop()


async def test_snapshots_at_every_revision_match_the_state_then(cacher: Cacher) -> None:
    chance = random.Random(15)
    revisions = [cacher.revision]
    live: set[tuple[str, str]] = set()
    for step in range(300):
        key = (chance.choice(NAMESPACES), f"cm-{chance.randrange(12)}")
        if key in live and chance.random() < 0.4:
            await cacher.delete(CONFIGMAPS, key)
            live.discard(key)
        elif key in live:
            await cacher.guaranteed_update(CONFIGMAPS, key, _update(key, step))
        else:
            await cacher.create(CONFIGMAPS, key, configmap(*key, str(step)))
            live.add(key)
        revisions.append(cacher.revision)

    for revision in revisions[::7] + [revisions[-1]]:
        for prefix in ("", "a/", "a-b/", "b/", "zz/"):
            want = expected(cacher, revision, prefix)
            snapshot = cacher.snapshot(CONFIGMAPS, revision, prefix=prefix)
            assert list(snapshot.items(prefix)) == want
            for start_at in range(0, len(want), 5):
                start = want[start_at][0]
                assert list(snapshot.items(start)) == want[start_at:]
                assert snapshot.count_after(start) == len(want) - start_at - 1


def _update(key: tuple[str, str], step: int) -> Callable[[Stored | None], Awaitable[dict[str, Any]]]:
    async def update(current: Stored | None) -> dict[str, Any]:
        return configmap(*key, f"updated-{step}")

    return update


async def test_scan_of_a_namespace_reads_only_its_keys_in_key_order(cacher: Cacher) -> None:
    for namespace in ("a", "a-b", "b"):
        for name in ("y", "x"):
            await cacher.create(CONFIGMAPS, (namespace, name), configmap(namespace, name, "1"))
    assert [s.obj["metadata"]["name"] for s in cacher.scan(CONFIGMAPS, namespace="a")] == ["x", "y"]
    everything = [(s.obj["metadata"]["namespace"], s.obj["metadata"]["name"]) for s in cacher.scan(CONFIGMAPS)]
    assert everything == [("a-b", "x"), ("a-b", "y"), ("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")]
