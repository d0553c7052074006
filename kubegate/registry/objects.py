"""The read side of the watch cache, as the layers above the registry may use it.

Authenticators, authorizers, admission plugins and controllers read objects the way their real
counterparts read informers' listers: from memory, kept current by the watch. They see the cache
through `ObjectCache` (never a backend), and receive its events through `subscribe`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from kubegate.storage.cacher import ADDED, DELETED, MODIFIED, Event, Watcher
from kubegate.storage.interface import Stored
from kubegate.storage.keys import ObjectKey, ResourceKey

__all__ = [
    "ADDED", "DELETED", "MODIFIED", "Event", "ObjectCache", "ObjectKey", "ResourceKey", "Stored", "Watcher",
]


class ObjectCache(Protocol):
    """What listers read: current objects by key, in key order, and the change feed."""

    @property
    def revision(self) -> int: ...

    def get(self, resource: ResourceKey, key: ObjectKey) -> Stored | None: ...

    def scan(
        self, resource: ResourceKey, *, namespace: str = "", after: ObjectKey | None = None
    ) -> Iterator[Stored]: ...

    def count(self, resource: ResourceKey, *, namespace: str = "") -> int: ...

    def subscribe(self, subscriber: Callable[[Event], None]) -> Callable[[], None]: ...
