"""An etcd watch as a storage watch: KeyEvents with the previous object, in revision order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aetcd import RevisionCompactedError

from kubegate.storage.errors import (
    TooOldRevision,
    Unavailable,
)
from kubegate.storage.etcd3.connection import describe
from kubegate.storage.etcd3.messages import decode
from kubegate.storage.interface import (
    ADDED,
    DELETED,
    MODIFIED,
    KeyEvent,
)


class EtcdWatch:
    """An etcd watch as a `Watch`: aetcd's watcher fills a queue, `__aiter__` makes events of it."""

    def __init__(self, root: bytes, since: int, on_stop: Any) -> None:
        self.watch_id: int | None = None
        self._root = root
        self._since = since
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._on_stop = on_stop
        self._stopped = False

    async def feed(self, item: Any) -> None:
        """aetcd's callback: an event, an error that ends the watch, or None when it shuts down."""
        if not self._stopped:
            self._queue.put_nowait(item)

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._queue.put_nowait(None)
            self._on_stop(self)

    async def __aiter__(self) -> AsyncIterator[KeyEvent]:
        while True:
            item = await self._queue.get()
            if item is None or self._stopped:
                return
            if isinstance(item, RevisionCompactedError):
                raise TooOldRevision(self._since, int(item.compacted_revision))
            if isinstance(item, Exception):
                raise Unavailable(f"etcd watch failed: {describe(item)}")
            self._since = int(item.kv.mod_revision)
            yield self.event(item)

    def event(self, event: Any) -> KeyEvent:
        kv, prev = event.kv, event.prev_kv
        key = bytes(kv.key)[len(self._root):].decode()
        if event.kind == "DELETE":
            if prev is None:
                raise Unavailable(f"etcd reported the deletion of {key} without the object", key=key)
            return KeyEvent(DELETED, key, decode(prev, int(kv.mod_revision)), decode(prev))
        if kv.create_revision == kv.mod_revision:
            return KeyEvent(ADDED, key, decode(kv))
        return KeyEvent(MODIFIED, key, decode(kv), decode(prev) if prev is not None else None)


# the backend -----------------------------------------------------------------------------------
