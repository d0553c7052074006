"""A started watch cache over a fresh memory backend, for unit tests that need a store but no server.

The cache knows the built-in resources, so keys are laid out as `kubegate serve` lays them out.
Writes return once the cache (and everything subscribed to it) has seen them, so a test may
assert on its readers right after an awaited write.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from kubegate.registry import conversion
from kubegate.registry.builtin import BUILTIN_RESOURCES
from kubegate.storage.cacher import Cacher
from kubegate.storage.interface import Stored
from kubegate.storage.keys import ObjectKey, ResourceKey
from kubegate.storage.memory import MemoryBackend

BUILTIN_KEYS = frozenset(conversion.storage_key(spec) for spec in BUILTIN_RESOURCES)


async def started_cache(**options: Any) -> Cacher:
    """A started `Cacher` over an empty `MemoryBackend`; options go to the Cacher (e.g. `history`).

    The caller stops it (`await cache.stop()`); `running_cache` does that itself.
    """
    options.setdefault("builtin", BUILTIN_KEYS)
    cache = Cacher(MemoryBackend(), **options)
    await cache.start()
    return cache


@asynccontextmanager
async def running_cache(**options: Any) -> AsyncIterator[Cacher]:
    """`started_cache`, stopped on the way out."""
    cache = await started_cache(**options)
    try:
        yield cache
    finally:
        await cache.stop()


async def put(cache: Cacher, resource: ResourceKey, key: ObjectKey, obj: dict[str, Any]) -> Stored:
    """Store `obj` at `key`, creating it or replacing whatever is there."""

    async def replace(_: Stored | None) -> dict[str, Any]:
        return obj

    return await cache.guaranteed_update(resource, key, replace, ignore_not_found=True)


async def put_object(cache: Cacher, resource: ResourceKey, obj: dict[str, Any]) -> Stored:
    """`put` at the key the object's own metadata names (namespace, name)."""
    metadata = obj["metadata"]
    return await put(cache, resource, (metadata.get("namespace", ""), metadata["name"]), obj)

