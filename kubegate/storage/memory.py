"""The in-memory store: every object, one revision counter, and the watch history.

It plays etcd's part for kubegate. Objects are plain JSON dicts that are never mutated once
stored; each is kept together with its JSON encoding so that reads and lists can send bytes
without serializing again. Every write takes the next revision, stamps it into
`metadata.resourceVersion`, appends an event to a bounded history and hands the event to the
watchers of that resource. A watch that asks to resume from a revision the history no longer
covers is refused with 410 Expired, as the real watch cache does.

The same history lets a list read the past: `state_at` rolls the live objects back to any
revision the history still covers, which is what makes paged lists a consistent snapshot (etcd
serves every page at the first page's revision until compaction). `wait_for_revision` is the
watch cache's wait for freshness: a read that names a revision not yet written blocks until it
is (or gives up), instead of answering from the past.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from kubegate.api import errors

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"

#: (api group, plural): a resource's identity in storage, independent of its served version.
ResourceKey = tuple[str, str]
#: (namespace, name); the namespace is "" for cluster-scoped objects.
ObjectKey = tuple[str, str]

DEFAULT_HISTORY = 10_000
WATCH_QUEUE_LIMIT = 10_000
#: How long a read waits for a revision that is not written yet (the watch cache's blockTimeout).
BLOCK_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class Stored:
    """An object as stored: the dict (read-only by convention), its bytes and its revision."""

    obj: dict[str, Any]
    raw: bytes
    revision: int


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

    def __init__(self, store: Store, resource: ResourceKey, namespace: str) -> None:
        self._store = store
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
        self._store._remove_watcher(self)
        self.queue.put_nowait(None)


class Store:
    def __init__(self, *, history: int = DEFAULT_HISTORY) -> None:
        self._revision = 0
        self._objects: dict[ResourceKey, dict[ObjectKey, Stored]] = {}
        self._sorted_keys: dict[ResourceKey, list[ObjectKey]] = {}
        self._history: deque[Event] = deque()
        self._history_limit = history
        # The newest revision that left the history: resuming at or after it is still possible.
        self._compacted = 0
        self._watchers: dict[ResourceKey, set[Watcher]] = {}
        self._listeners: list[Callable[[Event], None]] = []
        self._revision_waiters: list[tuple[int, asyncio.Future[None]]] = []

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def compacted_revision(self) -> int:
        return self._compacted

    @property
    def waiting_reads(self) -> int:
        """How many reads are blocked in `wait_for_revision` right now."""
        return len(self._revision_waiters)

    # reads -----------------------------------------------------------------------------

    def get(self, resource: ResourceKey, key: ObjectKey) -> Stored | None:
        bucket = self._objects.get(resource)
        return bucket.get(key) if bucket else None

    def scan(
        self, resource: ResourceKey, *, namespace: str = "", after: ObjectKey | None = None
    ) -> Iterator[Stored]:
        """Objects of a resource in key order (namespace, then name), optionally from a key on."""
        bucket = self._objects.get(resource)
        if not bucket:
            return
        keys = self._sorted_keys.get(resource)
        if keys is None:
            keys = sorted(bucket)
            self._sorted_keys[resource] = keys
        for key in keys:
            if namespace and key[0] != namespace:
                continue
            if after is not None and key <= after:
                continue
            yield bucket[key]

    def state_at(self, resource: ResourceKey, revision: int, *, namespace: str = "") -> dict[ObjectKey, Stored]:
        """The objects of a resource as they were right after `revision` was written.

        The caller checks `revision >= compacted_revision`: older states cannot be rebuilt.
        """
        bucket = self._objects.get(resource, {})
        state = {k: v for k, v in bucket.items() if not namespace or k[0] == namespace}
        for event in reversed(self._history):
            if event.stored.revision <= revision:
                break
            if event.resource != resource or (namespace and event.key[0] != namespace):
                continue
            if event.type == ADDED or event.previous is None:
                state.pop(event.key, None)
            else:
                state[event.key] = event.previous
        return state

    async def wait_for_revision(self, revision: int, *, timeout: float) -> bool:
        """Wait until `revision` has been written; False if that did not happen in time."""
        if self._revision >= revision:
            return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (revision, waiter)
        self._revision_waiters.append(entry)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
            return True
        except TimeoutError:
            return self._revision >= revision
        finally:
            if entry in self._revision_waiters:
                self._revision_waiters.remove(entry)

    def count(self, resource: ResourceKey, *, namespace: str = "") -> int:
        bucket = self._objects.get(resource, {})
        if not namespace:
            return len(bucket)
        return sum(1 for key in bucket if key[0] == namespace)

    # writes ----------------------------------------------------------------------------

    def create(self, resource: ResourceKey, key: ObjectKey, obj: dict[str, Any]) -> Stored | None:
        """Store a new object; None if the key is taken (the caller raises AlreadyExists)."""
        bucket = self._objects.setdefault(resource, {})
        if key in bucket:
            return None
        stored = self._stamp(obj)
        bucket[key] = stored
        self._sorted_keys.pop(resource, None)
        self._record(Event(ADDED, resource, key, stored))
        return stored

    def update(
        self, resource: ResourceKey, key: ObjectKey, obj: dict[str, Any], *, expected: int
    ) -> Stored | None:
        """Replace an object if it is still at revision `expected`; None on a lost race."""
        bucket = self._objects.get(resource)
        current = bucket.get(key) if bucket else None
        if current is None or current.revision != expected or bucket is None:
            return None
        stored = self._stamp(obj)
        bucket[key] = stored
        self._record(Event(MODIFIED, resource, key, stored, current))
        return stored

    def delete(self, resource: ResourceKey, key: ObjectKey, *, expected: int | None = None) -> Stored | None:
        """Remove an object; the DELETED event carries it at a fresh revision."""
        bucket = self._objects.get(resource)
        current = bucket.get(key) if bucket else None
        if current is None or bucket is None:
            return None
        if expected is not None and current.revision != expected:
            return None
        del bucket[key]
        self._sorted_keys.pop(resource, None)
        final = self._stamp(current.obj)
        self._record(Event(DELETED, resource, key, final, current))
        return final

    def _stamp(self, obj: dict[str, Any]) -> Stored:
        self._revision += 1
        metadata = obj.get("metadata")
        if not isinstance(metadata, dict):
            raise errors.internal("object without metadata reached storage")
        obj = {**obj, "metadata": {**metadata, "resourceVersion": str(self._revision)}}
        try:
            raw = orjson.dumps(obj)
        except orjson.JSONEncodeError as exc:  # e.g. nesting deeper than the encoder allows
            self._revision -= 1
            raise errors.bad_request(f"the object cannot be stored as JSON: {exc}") from None
        return Stored(obj, raw, self._revision)

    def _record(self, event: Event) -> None:
        self._history.append(event)
        if len(self._history) > self._history_limit:
            self._compacted = self._history.popleft().stored.revision
        for watcher in tuple(self._watchers.get(event.resource, ())):
            if watcher.wants(event):
                watcher.push(event)
        for listener in self._listeners:
            listener(event)
        if self._revision_waiters:
            for wanted, waiter in self._revision_waiters:
                if wanted <= self._revision and not waiter.done():
                    waiter.set_result(None)

    # watches ---------------------------------------------------------------------------

    def watch(self, resource: ResourceKey, *, namespace: str = "", since: int) -> tuple[Watcher, list[Event]]:
        """Open a watch delivering every change after revision `since`.

        Returns the watcher and the already-recorded events after `since` that it must send
        first. Raises 410 Expired when `since` is older than the kept history.
        """
        if since < self._compacted:
            # The second number is the oldest revision a watch can still resume from.
            raise errors.too_old_resource_version(since, self._compacted)
        watcher = Watcher(self, resource, namespace)
        backlog = [
            event
            for event in self._history
            if event.stored.revision > since and event.resource == resource and watcher.wants(event)
        ] if since < self._revision else []
        self._watchers.setdefault(resource, set()).add(watcher)
        return watcher, backlog

    def _remove_watcher(self, watcher: Watcher) -> None:
        watchers = self._watchers.get(watcher.resource)
        if watchers is not None:
            watchers.discard(watcher)

    def add_listener(self, listener: Callable[[Event], None]) -> None:
        """Run `listener` synchronously on every write (used by in-process controllers)."""
        self._listeners.append(listener)

    def close_watchers(self) -> None:
        for watchers in list(self._watchers.values()):
            for watcher in list(watchers):
                watcher.stop()
