"""The memory backend: a sorted dict of keys, one revision counter and a short event log.

It is what `kubegate serve` uses by default and what CI fixtures want: nothing survives the
process. Values are kept as `Stored` records (never mutated), so the watch cache above shares
them instead of holding copies. The event log lets a watch start from a recent revision and a
list read a recent past revision; it is bounded by count and by bytes, like the cacher's.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import AsyncIterator
from typing import Any

from kubegate.storage import codec
from kubegate.storage.errors import FutureRevision, KeyExists, KeyNotFound
from kubegate.storage.history import History
from kubegate.storage.interface import (
    ADDED,
    DELETED,
    MODIFIED,
    KeyEvent,
    Preconditions,
    Stored,
    TryUpdate,
)

DEFAULT_HISTORY = 1_000
DEFAULT_HISTORY_BYTES = 16 << 20


class QueueWatch:
    """A watch fed synchronously by the writer; ends at `stop()` or when the backend closes."""

    def __init__(self, prefix: str, on_stop: Any) -> None:
        self.prefix = prefix
        self.queue: asyncio.Queue[KeyEvent | None] = asyncio.Queue()
        self._on_stop = on_stop
        self._stopped = False

    def push(self, event: KeyEvent) -> None:
        if not self._stopped and event.key.startswith(self.prefix):
            self.queue.put_nowait(event)

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._on_stop(self)
            self.queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[KeyEvent]:
        while True:
            event = await self.queue.get()
            if event is None:
                return
            yield event


class MemoryBackend:
    name = "memory"
    persistent = False

    def __init__(self, *, history: int = DEFAULT_HISTORY, history_bytes: int = DEFAULT_HISTORY_BYTES) -> None:
        self._revision = 0
        self._data: dict[str, Stored] = {}
        self._keys: list[str] = []
        self._log: History[KeyEvent] = History(limit=history, limit_bytes=history_bytes)
        self._watches: set[QueueWatch] = set()

    # reads ---------------------------------------------------------------------------------

    async def get(self, key: str) -> Stored | None:
        return self._data.get(key)

    async def list(self, prefix: str, *, revision: int = 0) -> tuple[list[tuple[str, Stored]], int]:
        start = bisect.bisect_left(self._keys, prefix)
        end = bisect.bisect_left(self._keys, prefix + "\xff")
        current = {key: self._data[key] for key in self._keys[start:end]}
        if revision and revision < self._revision:
            for event in reversed([e for e in self._log.after(revision) if e.key.startswith(prefix)]):
                if event.type == ADDED or event.previous is None:
                    current.pop(event.key, None)
                else:
                    current[event.key] = event.previous
        elif revision > self._revision:
            raise FutureRevision(f"required revision {revision} is a future revision")
        return sorted(current.items()), revision or self._revision

    async def current_revision(self) -> int:
        return self._revision

    async def compacted_revision(self) -> int:
        return self._log.compacted

    # writes --------------------------------------------------------------------------------

    async def create(self, key: str, obj: dict[str, Any]) -> Stored:
        if key in self._data:
            raise KeyExists(f"{key} already exists", key=key)
        stored = codec.stamp(obj, self._revision + 1)
        self._revision += 1
        self._data[key] = stored
        bisect.insort(self._keys, key)
        self._record(KeyEvent(ADDED, key, stored))
        return stored

    async def guaranteed_update(
        self, key: str, try_update: TryUpdate, *, preconditions: Preconditions | None = None,
        ignore_not_found: bool = False,
    ) -> Stored:
        while True:
            current = self._data.get(key)
            if current is None and not ignore_not_found:
                raise KeyNotFound(f"{key} not found", key=key)
            if current is not None and preconditions is not None:
                preconditions.check(key, current)
            new = await try_update(current)
            latest = self._data.get(key)
            if latest is not current:
                continue  # another writer came first: compute again from what it wrote
            if current is None:
                return await self.create(key, new)
            if codec.same_content(current, new):
                return current  # a no-op write keeps the resourceVersion, as etcd3 storage does
            stored = codec.stamp(new, self._revision + 1)
            self._revision += 1
            self._data[key] = stored
            self._record(KeyEvent(MODIFIED, key, stored, current))
            return stored

    async def delete(self, key: str, *, preconditions: Preconditions | None = None) -> Stored:
        current = self._data.get(key)
        if current is None:
            raise KeyNotFound(f"{key} not found", key=key)
        if preconditions is not None:
            preconditions.check(key, current)
        final = codec.stamp(current.obj, self._revision + 1)
        self._revision += 1
        del self._data[key]
        del self._keys[bisect.bisect_left(self._keys, key)]
        self._record(KeyEvent(DELETED, key, final, current))
        return final

    def _record(self, event: KeyEvent) -> None:
        self._log.append(event)
        for watch in tuple(self._watches):
            watch.push(event)

    # watches -------------------------------------------------------------------------------

    async def watch(self, prefix: str, *, since: int) -> QueueWatch:
        backlog = [e for e in self._log.after(since) if e.key.startswith(prefix)] if since < self._revision else []
        watch = QueueWatch(prefix, self._watches.discard)
        for event in backlog:
            watch.push(event)
        self._watches.add(watch)
        return watch

    async def close(self) -> None:
        for watch in tuple(self._watches):
            watch.stop()
