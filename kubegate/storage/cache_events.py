"""What the watch cache hands out: events of one resource, and the watchers that receive them.

An `Event` is a backend's `KeyEvent` placed in its resource (group, plural) and object key
(namespace, name). A `Watcher` is one open watch's queue; a consumer that falls
`WATCH_QUEUE_LIMIT` events behind is dropped, as the real watch cache drops slow watchers, and
its client re-lists.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from kubegate.storage.interface import Stored
from kubegate.storage.keys import ObjectKey, ResourceKey

WATCH_QUEUE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    resource: ResourceKey
    key: ObjectKey
    stored: Stored
    #: the object before the change (MODIFIED and DELETED), for watchers with selectors
    previous: Stored | None = None


class Watcher:
    """One open watch on one resource, optionally narrowed to a namespace."""

    def __init__(self, resource: ResourceKey, namespace: str, *, on_stop: Callable[[Watcher], None]) -> None:
        self._on_stop = on_stop
        self.resource = resource
        self.namespace = namespace
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self.overflowed = False

    def wants(self, event: Event) -> bool:
        return not self.namespace or event.key[0] == self.namespace

    def push(self, event: Event) -> None:
        if self.queue.qsize() >= WATCH_QUEUE_LIMIT:
            # A consumer this far behind is dropped, as the watch cache drops slow watchers;
            # the client sees the stream end and re-lists.
            self.overflowed = True
            self.stop()
            return
        self.queue.put_nowait(event)

    def stop(self) -> None:
        self._on_stop(self)
        self.queue.put_nowait(None)
