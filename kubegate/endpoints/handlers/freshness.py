"""How fresh a read must be before the cache answers it, as the real watch cache decides.

* resourceVersion "" (a consistent read): the cache first catches up with every write the backend
  has acknowledged, through this process or any other sharing the backend (kube-apiserver 1.31+
  serves consistent reads from its cache the same way).
* resourceVersion N (NotOlderThan): the cache must have reached N; a revision not written yet
  blocks until a write reaches it, or gives up after `BLOCK_TIMEOUT` with the real 504
  `Timeout: Too large resource version: N, current: M` (and `Retry-After: 1`).
* resourceVersion "0": whatever the cache holds now.
"""

from __future__ import annotations

from kubegate.api.listoptions import parse_resource_version
from kubegate.registry.listing import too_large_resource_version
from kubegate.registry.rest import GenericStore
from kubegate.storage import cacher as watch_cache


async def wait_until_fresh(rest: GenericStore, resource_version: str) -> None:
    """Return once the cache may answer a read at `resource_version`."""
    if resource_version == "":
        await rest.wait_fresh()
        return
    wanted = parse_resource_version(resource_version)
    store = rest.store
    if wanted <= store.revision:
        return
    if not await store.wait_for_revision(wanted, timeout=watch_cache.BLOCK_TIMEOUT):
        raise too_large_resource_version(wanted, store.revision)
