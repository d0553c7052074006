"""The watch cache: every object in memory, fed by the backend's watch, as kube-apiserver's Cacher.

Reads (get, list, watch) are served from here; writes go to the backend and return once this
cache has seen them, so a client reads its own writes. One watch on the backend feeds every
resource; each event updates the objects, joins a history ring and goes to the open watchers
and to the subscribers (the informers of controllers, authenticators and authorizers), so
everything in the process sees writes made by any process sharing the backend.

The history behind watch resume and 410 Expired is bounded by event count and by bytes, so a
stream of large updates cannot pin unbounded memory. A consistent read (`wait_fresh`) asks the
backend for its current revision and waits until the cache has reached it, as kube-apiserver
1.31+ serves consistent lists from its cache.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kubegate.storage import keys
from kubegate.storage.cache_events import Event, Watcher
from kubegate.storage.errors import Unavailable
from kubegate.storage.history import History
from kubegate.storage.interface import (
    ADDED,
    DELETED,
    MODIFIED,
    Interface,
    KeyEvent,
    Preconditions,
    Stored,
    TryUpdate,
)
from kubegate.storage.keys import ObjectKey, ResourceKey

__all__ = [
    "ADDED",
    "BLOCK_TIMEOUT",
    "DELETED",
    "MODIFIED",
    "Cacher",
    "Event",
    "ObjectKey",
    "ResourceKey",
    "Stored",
    "Watcher",
]

log = logging.getLogger("kubegate.storage")

DEFAULT_HISTORY = 10_000
DEFAULT_HISTORY_BYTES = 32 << 20
#: How long a read waits for a revision that is not written yet (the watch cache's blockTimeout).
BLOCK_TIMEOUT = 3.0
#: How long a writer waits for the cache to show its own write before answering anyway.
WRITE_VISIBLE_TIMEOUT = 10.0


class _Bucket:
    """The objects of one resource, with their keys kept sorted for paging."""

    __slots__ = ("objects", "sorted_keys")

    def __init__(self) -> None:
        self.objects: dict[ObjectKey, Stored] = {}
        self.sorted_keys: list[ObjectKey] | None = []

    def put(self, key: ObjectKey, stored: Stored) -> None:
        if key not in self.objects and self.sorted_keys is not None:
            bisect.insort(self.sorted_keys, key)
        self.objects[key] = stored

    def remove(self, key: ObjectKey) -> None:
        if self.objects.pop(key, None) is not None and self.sorted_keys is not None:
            index = bisect.bisect_left(self.sorted_keys, key)
            if index < len(self.sorted_keys) and self.sorted_keys[index] == key:
                del self.sorted_keys[index]


class Cacher:
    def __init__(
        self, backend: Interface, *, builtin: Iterable[ResourceKey] = (), history: int = DEFAULT_HISTORY,
        history_bytes: int = DEFAULT_HISTORY_BYTES,
    ) -> None:
        self.backend = backend
        self._builtin = set(builtin)
        self._prefixes: dict[ResourceKey, str] = {r: keys.prefix_of(r) for r in self._builtin}
        self._resources: dict[str, ResourceKey] = {p: r for r, p in self._prefixes.items()}
        self._parser = keys.KeyParser(set(self._resources))
        self._revision = 0
        self._buckets: dict[ResourceKey, _Bucket] = {}
        self._history: History[Event] = History(limit=history, limit_bytes=history_bytes)
        self._watchers: dict[ResourceKey, set[Watcher]] = {}
        self._subscribers: list[Callable[[Event], None]] = []
        self._revision_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._pump: asyncio.Task[None] | None = None
        self._watch: Any = None
        self._closed = False

    # life ------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Fill from the backend (objects plus recent history for resumes), then follow its watch."""
        items, revision = await self.backend.list("")
        self._fill(items)
        self._revision = revision
        oldest = await self.backend.compacted_revision()
        since = max(oldest, revision - self._history.limit, 0)
        self._history.clear(compacted=since)
        self._watch = await self.backend.watch("", since=since)
        self._pump = asyncio.get_running_loop().create_task(self._follow(self._watch, replay_until=revision))

    async def stop(self) -> None:
        self._closed = True
        if self._watch is not None:
            self._watch.stop()
        if self._pump is not None:
            self._pump.cancel()
            try:
                await self._pump
            except (asyncio.CancelledError, Exception):
                pass
        self.close_watchers()

    async def _follow(self, watch: Any, *, replay_until: int) -> None:
        while not self._closed:
            try:
                async for event in watch:
                    if event.stored.revision <= replay_until:
                        self._remember(event)  # already in the listed state: history only
                    else:
                        self._apply(event)
                if self._closed:
                    return
                log.warning("storage watch ended; re-listing")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the backend failed: re-list, as a reflector does
                log.warning("storage watch failed (%s); re-listing", exc)
                await asyncio.sleep(1.0)
            try:
                watch, replay_until = await self._relist()
                self._watch = watch
            except Exception as exc:
                log.warning("storage re-list failed (%s); retrying", exc)
                await asyncio.sleep(1.0)

    def _fill(self, items: list[tuple[str, Stored]]) -> None:
        for key, stored in items:
            located = self._locate(key)
            if located is not None:
                self._bucket(located[0]).put(located[1], stored)

    async def _relist(self) -> tuple[Any, int]:
        items, revision = await self.backend.list("")
        self._buckets.clear()
        self._fill(items)
        self._history.clear(compacted=revision)
        self._revision = revision
        self.close_watchers()  # their clients re-list, as after a watch cache restart
        self._wake_waiters()
        return await self.backend.watch("", since=revision), revision

    # resources and keys -----------------------------------------------------------------------

    def prefix(self, resource: ResourceKey) -> str:
        prefix = self._prefixes.get(resource)
        if prefix is None:
            prefix = keys.prefix_of(resource, custom=resource not in self._builtin)
            self._prefixes[resource] = prefix
            self._resources[prefix] = resource
            self._parser.add(prefix)
        return prefix

    def storage_key(self, resource: ResourceKey, key: ObjectKey) -> str:
        return keys.object_key(self.prefix(resource), key)

    def _locate(self, key: str) -> tuple[ResourceKey, ObjectKey] | None:
        split = self._parser.split(key)
        if split is None:
            return None
        prefix, object_key = split
        resource = self._resources.get(prefix)
        if resource is None:
            group, _, plural = prefix.rpartition("/")
            resource = (group, plural)
            self._prefixes[resource] = prefix
            self._resources[prefix] = resource
            self._parser.add(prefix)
        return resource, object_key

    def _bucket(self, resource: ResourceKey) -> _Bucket:
        bucket = self._buckets.get(resource)
        if bucket is None:
            bucket = self._buckets[resource] = _Bucket()
        return bucket

    # events -----------------------------------------------------------------------------------

    def _convert(self, event: KeyEvent) -> Event | None:
        located = self._locate(event.key)
        if located is None:
            return None
        return Event(event.type, located[0], located[1], event.stored, event.previous)

    def _remember(self, key_event: KeyEvent) -> None:
        event = self._convert(key_event)
        if event is not None:
            self._history.append(event)

    def _apply(self, key_event: KeyEvent) -> None:
        event = self._convert(key_event)
        self._revision = max(self._revision, key_event.stored.revision)
        if event is not None:
            bucket = self._bucket(event.resource)
            if event.type == DELETED:
                bucket.remove(event.key)
            else:
                bucket.put(event.key, event.stored)
            self._history.append(event)
            for watcher in tuple(self._watchers.get(event.resource, ())):
                if watcher.wants(event):
                    watcher.push(event)
            for subscriber in tuple(self._subscribers):
                try:
                    subscriber(event)
                except Exception:  # a subscriber's bug must not stop the cache
                    log.exception("cache subscriber failed on %s %s %s", event.type, event.resource, event.key)
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        if self._revision_waiters:
            for wanted, waiter in self._revision_waiters:
                if wanted <= self._revision and not waiter.done():
                    waiter.set_result(None)

    # reads --------------------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        return self._revision

    @property
    def compacted_revision(self) -> int:
        return self._history.compacted

    @property
    def waiting_reads(self) -> int:
        """How many reads are blocked in `wait_for_revision` right now."""
        return len(self._revision_waiters)

    def get(self, resource: ResourceKey, key: ObjectKey) -> Stored | None:
        bucket = self._buckets.get(resource)
        return bucket.objects.get(key) if bucket else None

    def scan(
        self, resource: ResourceKey, *, namespace: str = "", after: ObjectKey | None = None
    ) -> Iterator[Stored]:
        """Objects of a resource in key order (namespace, then name), optionally from a key on."""
        bucket = self._buckets.get(resource)
        if not bucket:
            return
        if bucket.sorted_keys is None:
            bucket.sorted_keys = sorted(bucket.objects)
        for key in tuple(bucket.sorted_keys):
            if namespace and key[0] != namespace:
                continue
            if after is not None and key <= after:
                continue
            stored = bucket.objects.get(key)
            if stored is not None:
                yield stored

    def state_at(self, resource: ResourceKey, revision: int, *, namespace: str = "") -> dict[ObjectKey, Stored]:
        """The objects of a resource as they were right after `revision` was written.

        The caller checks `revision >= compacted_revision`: older states cannot be rebuilt.
        """
        bucket = self._buckets.get(resource)
        objects = bucket.objects if bucket else {}
        state = {k: v for k, v in objects.items() if not namespace or k[0] == namespace}
        for event in self._history.newest_first():
            if event.stored.revision <= revision:
                break
            if event.resource != resource or (namespace and event.key[0] != namespace):
                continue
            if event.type == ADDED or event.previous is None:
                state.pop(event.key, None)
            else:
                state[event.key] = event.previous
        return state

    def count(self, resource: ResourceKey, *, namespace: str = "") -> int:
        bucket = self._buckets.get(resource)
        if bucket is None:
            return 0
        if not namespace:
            return len(bucket.objects)
        return sum(1 for key in bucket.objects if key[0] == namespace)

    def resources(self) -> list[ResourceKey]:
        """Every resource that has held an object since the cache started."""
        return list(self._buckets)

    async def wait_for_revision(self, revision: int, *, timeout: float) -> bool:
        """Wait until `revision` has reached the cache; False if that did not happen in time."""
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

    async def wait_fresh(self, *, timeout: float = BLOCK_TIMEOUT) -> int:
        """A consistent read's wait: until the cache holds everything the backend has written."""
        try:
            current = await self.backend.current_revision()
        except Exception as exc:
            raise Unavailable(f"storage unavailable: {exc}") from exc
        if not await self.wait_for_revision(current, timeout=timeout):
            raise Unavailable(f"the watch cache did not reach revision {current} in {timeout}s")
        return current

    # writes: to the backend, answered once the cache shows them ----------------------------------

    async def create(self, resource: ResourceKey, key: ObjectKey, obj: dict[str, Any]) -> Stored:
        stored = await self.backend.create(self.storage_key(resource, key), obj)
        await self._visible(stored)
        return stored

    async def guaranteed_update(
        self, resource: ResourceKey, key: ObjectKey, try_update: TryUpdate, *,
        preconditions: Preconditions | None = None, ignore_not_found: bool = False,
    ) -> Stored:
        stored = await self.backend.guaranteed_update(
            self.storage_key(resource, key), try_update, preconditions=preconditions,
            ignore_not_found=ignore_not_found,
        )
        await self._visible(stored)
        return stored

    async def delete(
        self, resource: ResourceKey, key: ObjectKey, *, preconditions: Preconditions | None = None
    ) -> Stored:
        stored = await self.backend.delete(self.storage_key(resource, key), preconditions=preconditions)
        await self._visible(stored)
        return stored

    async def _visible(self, stored: Stored) -> None:
        if stored.revision > self._revision:
            await self.wait_for_revision(stored.revision, timeout=WRITE_VISIBLE_TIMEOUT)

    # watches and subscribers -------------------------------------------------------------------

    def watch(self, resource: ResourceKey, *, namespace: str = "", since: int) -> tuple[Watcher, list[Event]]:
        """Open a watch delivering every change after revision `since`.

        Returns the watcher and the already-recorded events after `since` that it must send
        first. Raises `TooOldRevision` when `since` is older than the kept history.
        """
        # TooOldRevision past the window; a watch from now on needs no scan of the history
        recorded = list(self._history.after(since)) if since < self._revision else []
        watcher = Watcher(resource, namespace, on_stop=self._remove_watcher)
        backlog = [event for event in recorded if event.resource == resource and watcher.wants(event)]
        self._watchers.setdefault(resource, set()).add(watcher)
        return watcher, backlog

    def _remove_watcher(self, watcher: Watcher) -> None:
        watchers = self._watchers.get(watcher.resource)
        if watchers is not None:
            watchers.discard(watcher)

    @property
    def watcher_count(self) -> int:
        return sum(len(watchers) for watchers in self._watchers.values())

    def subscribe(self, subscriber: Callable[[Event], None]) -> Callable[[], None]:
        """Call `subscriber` with every event applied from now on; returns the unsubscribe."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber) if subscriber in self._subscribers else None

    def close_watchers(self) -> None:
        for watchers in list(self._watchers.values()):
            for watcher in list(watchers):
                watcher.stop()
