"""Reads that name a revision not written yet wait for it, as the real watch cache does.

A get, a NotOlderThan list or a watch asking for initial events at resourceVersion N is served
from state at least as new as N. When N is ahead of the store the request blocks until a write
reaches N, or gives up after `storage.memory.BLOCK_TIMEOUT` with the real 504 `Timeout: Too large
resource version: N, current: M` (and `Retry-After: 1`).
"""

from __future__ import annotations

from kubegate.api.listoptions import parse_resource_version
from kubegate.registry.listing import too_large_resource_version
from kubegate.storage import memory


async def wait_until_fresh(store: memory.Store, resource_version: str) -> None:
    """Return once the store has reached `resource_version` ("" and "0" never wait)."""
    wanted = parse_resource_version(resource_version)
    if wanted <= store.revision:
        return
    if not await store.wait_for_revision(wanted, timeout=memory.BLOCK_TIMEOUT):
        raise too_large_resource_version(wanted, store.revision)

